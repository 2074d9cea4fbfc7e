# Reference values for the information-matrix option of analysis.sem (lavaan 0.6.14, R 4.2.2):
# HS39 ML with information = "observed" (SEs and std.all SEs), and bfi FIML ML with information = "expected".
# Run from tests/reference/expected:  Rscript sem_information.R   -> sem_information.json
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})
pe <- function(fit) {
  p <- parameterEstimates(fit)
  s <- standardizedSolution(fit)
  cbind(p[, c("lhs", "op", "rhs", "est", "se")], std.all = s$est.std, std.all.se = s$se)
}
hs <- read.csv("../data/holzinger_swineford_1939.csv")
hsm <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
f_obs <- cfa(hsm, data = hs, information = "observed")
bfi <- read.csv("../data/bfi.csv")
bm <- "agree =~ A1 + A2 + A3 + A4 + A5\nconsc =~ C1 + C2 + C3 + C4 + C5\nextra =~ E1 + E2 + E3 + E4 + E5
neuro =~ N1 + N2 + N3 + N4 + N5\nopen =~ O1 + O2 + O3 + O4 + O5"
f_exp <- cfa(bm, data = bfi, missing = "ml", information = "expected")
out <- list(
  meta = list(generated_by = "tests/reference/expected/sem_information.R", R_version = R.version.string,
              lavaan = as.character(packageVersion("lavaan"))),
  hs39_ml_observed = list(model_syntax = hsm, params = pe(f_obs)),
  bfi_fiml_ml_expected = list(model_syntax = bm, chisq = fitMeasures(f_exp, "chisq")[[1]], params = pe(f_exp))
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", pretty = FALSE), "sem_information.json")
