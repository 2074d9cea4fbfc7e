# Extra SEM reference values (lavaan 0.6.14, R 4.2.2): score tests of the HS39 scalar model and the MLR
# invariance ladder by school with lavTestLRT (Satorra-Bentler 2001 scaled differences).
# Run from tests/reference/expected:  Rscript sem_extra.R   -> sem_extra.json
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})
pe <- function(fit) {
  p <- parameterEstimates(fit)
  p$std.all <- standardizedSolution(fit)$est.std
  p[, c("lhs", "op", "rhs", "group", "est", "se", "std.all")]
}
fm <- function(fit) as.list(fitMeasures(fit))
hs <- read.csv("../data/holzinger_swineford_1939.csv")
hsm <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
f_sc <- cfa(hsm, data = hs, group = "school", group.equal = c("loadings", "intercepts"))
sc <- lavTestScore(f_sc)
f_cfr <- cfa(hsm, data = hs, group = "school", estimator = "MLR")
f_mr <- cfa(hsm, data = hs, group = "school", group.equal = "loadings", estimator = "MLR")
f_scr <- cfa(hsm, data = hs, group = "school", group.equal = c("loadings", "intercepts"), estimator = "MLR")
lrt_r <- lavTestLRT(f_cfr, f_mr, f_scr)
out <- list(
  meta = list(generated_by = "tests/reference/expected/sem_extra.R", R_version = R.version.string,
              lavaan = as.character(packageVersion("lavaan"))),
  hs39_scalar = list(fit = fm(f_sc), score_uni = as.data.frame(sc$uni), score_total = as.data.frame(sc$test),
                     partable = as.data.frame(parTable(f_sc))[, c("lhs", "op", "rhs", "group", "free", "plabel")]),
  hs39_mlr_ladder = list(configural = fm(f_cfr), metric = fm(f_mr), scalar = fm(f_scr),
                         configural_params = pe(f_cfr), scalar_params = pe(f_scr),
                         lrt = cbind(model = rownames(lrt_r), as.data.frame(lrt_r)))
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", pretty = FALSE), "sem_extra.json")
