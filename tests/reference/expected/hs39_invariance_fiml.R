# Reference for tests/test_invariance.py::test_fiml_ladder_matches_lavaan: the HS39 invariance ladder by school
# with FIML (missing = "ml"), ML and MLR, lavaan 0.6.14, on tests/reference/data/hs39_blanks.csv (HS39 with 10 %
# of x1, x5, x9 blanked at random by numpy seed 1; see the test). Run from the repository root:
#   Rscript tests/reference/expected/hs39_invariance_fiml.R
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})
d <- read.csv("tests/reference/data/hs39_blanks.csv")
model <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
steps <- list(configural = "", metric = "loadings", scalar = c("loadings", "intercepts"))
out <- list(meta = list(lavaan = as.character(packageVersion("lavaan"))), model_syntax = model)
for (est in c("ML", "MLR")) {
  res <- list()
  for (s in names(steps)) {
    fit <- cfa(model, data = d, group = "school", group.equal = steps[[s]], missing = "ml", estimator = est)
    fm <- fitMeasures(fit, c("chisq", "df", "cfi", "tli", "rmsea", "srmr", if (est == "MLR") c("chisq.scaled", "chisq.scaling.factor", "cfi.robust", "rmsea.robust")))
    pe <- parameterEstimates(fit)
    lm <- pe[pe$op == "~1" & pe$lhs %in% c("visual", "textual", "speed") & pe$group == 2, c("lhs", "est", "se")]
    res[[s]] <- list(fit = as.list(fm), latent_means = if (s == "scalar") lm else NULL)
  }
  out[[est]] <- res
}
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "tests/reference/expected/hs39_invariance_fiml.json")
