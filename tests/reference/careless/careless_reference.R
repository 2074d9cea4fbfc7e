# Reference values for analysis/careless.py from R careless 1.2.2 (ryentes/careless, commit 0a84caf) and
# psych 2.2.9 (psych::outlier, called by careless::mahad). R 4.2.2.
# The careless package is not on this machine's CRAN mirror for R 4.2, so its R sources are sourced from a
# checkout:   Rscript careless_reference.R /path/to/careless/R /path/to/careless_dataset.rda
# Writes, next to this script: small_*.csv (inputs, NA = missing), careless_dataset.csv (the package's
# careless_dataset, 200 x 50, MIT licence) and careless_reference.json (all outputs).
args <- commandArgs(trailingOnly = TRUE)
src <- args[1]
for (f in c("longstring", "irv", "mahad", "evenodd", "psychsyn")) source(file.path(src, paste0(f, ".R")))
load(args[2])
library(psych)
library(jsonlite)
here <- dirname(normalizePath(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))))

# small case 1: hand-checkable, with missing cells
small1 <- rbind(c(1, 1, 1, 2, 2, 2, 2, 3),
                c(1, 2, 3, 4, 5, 6, 7, 1),
                c(3, NA, 3, 3, 3, 3, NA, 3),
                c(4, 4, 4, 4, 4, 4, 4, 4),
                c(7, 6, 5, 7, 6, 5, 7, 6),
                c(2, 3, 2, 3, 2, 3, 2, 3),
                c(5, 5, NA, NA, 5, 5, 1, 1),
                c(6, 7, 6, 5, 6, 7, 6, 5),
                c(1, 3, 5, 7, 2, 4, 6, 1),
                c(4, 5, 4, 6, 3, 2, 5, 4),
                c(2, 2, 3, 3, 4, 4, 5, 5),
                c(6, 5, 6, 4, 7, 6, 6, 5))
colnames(small1) <- paste0("x", 1:8)
# small case 2: 40 respondents, two correlated blocks of 4 items, some missing (for D2, even-odd, synonyms)
set.seed(42)
f1 <- rnorm(40); f2 <- 0.4 * f1 + rnorm(40)
mk <- function(f) pmin(7, pmax(1, round(4 + 1.2 * f + rnorm(40, sd = .7))))
small2 <- cbind(sapply(1:4, function(i) mk(f1)), sapply(1:4, function(i) mk(f2)))
colnames(small2) <- paste0("y", 1:8)
small2[cbind(c(3, 7, 7, 15, 22, 31), c(2, 5, 6, 8, 1, 4))] <- NA

write.csv(small1, file.path(here, "small1.csv"), row.names = FALSE, na = "")
write.csv(small2, file.path(here, "small2.csv"), row.names = FALSE, na = "")
write.csv(careless_dataset, file.path(here, "careless_dataset.csv"), row.names = FALSE, na = "")

run <- function(x, factors) {
  # evenodd() must get a data frame: with a matrix, x[i, a:b] drops to a vector without colnames and
  # careless then uses only the first two items of each factor.
  x <- as.data.frame(x)
  ls <- longstring(x, avg = TRUE)
  out <- list(
    longstr = ls$longstr, avgstr = ls$avgstr,
    irv = irv(x),
    d_sq = as.numeric(psych::outlier(as.matrix(x), plot = FALSE, bad = 0)),
    evenodd = suppressWarnings(evenodd(x, factors)),
    psychsyn = suppressWarnings(psychsyn(x, critval = .60, resample_na = FALSE, diag = TRUE)),
    pairs = as.matrix(get_item_pairs(as.matrix(x), .60))
  )
  anto <- tryCatch(psychsyn(x, critval = .60, anto = TRUE, resample_na = FALSE, diag = TRUE),
                   error = function(e) conditionMessage(e))
  out$psychant <- anto
  out$cut_999 <- qchisq(0.999, ncol(x))
  out
}
res <- list(
  meta = list(R = R.version.string, careless = "1.2.2 (ryentes/careless@0a84caf, sourced)",
              psych = as.character(packageVersion("psych"))),
  conventions = list(
    evenodd = "careless >= 1.2.0 sign (negated Spearman-Brown; higher = more careless)",
    psychsyn = "critval .60, resample_na = FALSE; numPairs = complete pairs",
    d_sq = "psych::outlier: pairwise covariance, missing deviations dropped",
    factors = "small1: c(3,3,2); small2: c(4,4); careless_dataset: rep(10, 5)"),
  small1 = run(small1, c(3, 3, 2)),
  small2 = run(small2, c(4, 4)),
  careless_dataset = run(careless_dataset, rep(10, 5))
)
writeLines(toJSON(res, digits = NA, na = "null", auto_unbox = TRUE, pretty = TRUE),
           file.path(here, "careless_reference.json"))
