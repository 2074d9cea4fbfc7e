# Reference for tests/test_sem_ml.py::test_bfi_listwise_tight: the bfi five-factor CFA (ML, listwise) fitted by
# lavaan 0.6.14 with its optimiser pushed to the optimum. lavaan's default nlminb stops up to 2.5e-5 short on
# these data (bfi_cfa.json); BFGS with reltol = 1e-16 reaches the maximum (chisq 4165.467435940346).
# Run from the repository root: Rscript tests/reference/expected/bfi_cfa_tight.R
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})
d <- read.csv("tests/reference/data/bfi.csv")
model <- "agree =~ A1 + A2 + A3 + A4 + A5
consc =~ C1 + C2 + C3 + C4 + C5
extra =~ E1 + E2 + E3 + E4 + E5
neuro =~ N1 + N2 + N3 + N4 + N5
open  =~ O1 + O2 + O3 + O4 + O5"
fit <- cfa(model, data = d, optim.method = "BFGS", control = list(reltol = 1e-16, maxit = 10000))
pe <- parameterEstimates(fit)
out <- list(
  meta = list(lavaan = as.character(packageVersion("lavaan")), call = "cfa(model, data, optim.method='BFGS', control=list(reltol=1e-16, maxit=10000))",
              converged = lavInspect(fit, "converged")),
  model_syntax = model,
  fit = as.list(fitMeasures(fit, c("chisq", "df", "logl", "cfi", "tli", "rmsea", "srmr"))),
  parameter_estimates = pe[, c("lhs", "op", "rhs", "est", "se")]
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "tests/reference/expected/bfi_cfa_tight.json")
