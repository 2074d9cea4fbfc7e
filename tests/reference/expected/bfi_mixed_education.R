# Reference for analysis/factorial.py::mixed_random_intercept — lme4 random-intercept model on psychTools' bfi.
# Run from tests/reference/expected:  Rscript bfi_mixed_education.R  (writes bfi_mixed_education.json)
# Score as in bfi_group_tests.json: agree = rowMeans(cbind(7 - A1, A2, A3, A4, A5), na.rm = TRUE), education NA dropped.
suppressPackageStartupMessages({library(lme4); library(jsonlite)})
d <- read.csv("../data/bfi.csv")
d$agree <- rowMeans(cbind(7 - d$A1, d$A2, d$A3, d$A4, d$A5), na.rm = TRUE)
d <- d[!is.na(d$education) & !is.na(d$agree), ]
d$gender_f <- factor(d$gender)
d$education_f <- factor(d$education)
fit <- lmer(agree ~ gender_f + (1 | education_f), data = d, REML = TRUE)
ols <- lm(agree ~ gender_f, data = d)
vc <- as.data.frame(VarCorr(fit))
fe <- summary(fit)$coefficients
lrt <- 2 * (as.numeric(logLik(fit, REML = TRUE)) - as.numeric(logLik(ols, REML = TRUE)))
out <- list(
  meta = list(R_version = R.version.string, lme4 = as.character(packageVersion("lme4")),
              call = "lmer(agree ~ gender_f + (1 | education_f), REML = TRUE)", n = nrow(d)),
  fixed = data.frame(term = rownames(fe), estimate = fe[, 1], se = fe[, 2], row.names = NULL),
  var_group = vc$vcov[vc$grp == "education_f"],
  var_residual = vc$vcov[vc$grp == "Residual"],
  reml_loglik = as.numeric(logLik(fit, REML = TRUE)),
  ols_reml_loglik = as.numeric(logLik(ols, REML = TRUE)),
  lrt_chisq = lrt,
  lrt_p_chibar = 0.5 * pchisq(lrt, 1, lower.tail = FALSE)
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "bfi_mixed_education.json")
