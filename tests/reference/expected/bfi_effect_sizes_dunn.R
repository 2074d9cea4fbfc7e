# Extra references for analysis/group_tests.py: effect-size CIs (effectsize) and Dunn's test (rstatix) on bfi.
# Run from tests/reference/expected:  Rscript bfi_effect_sizes_dunn.R  (writes bfi_effect_sizes_dunn.json)
# Score as in bfi_group_tests.json: agree = rowMeans(cbind(7 - A1, A2, A3, A4, A5), na.rm = TRUE), education NA dropped.
suppressPackageStartupMessages({library(effectsize); library(rstatix); library(jsonlite)})
d <- read.csv("../data/bfi.csv")
d$agree <- rowMeans(cbind(7 - d$A1, d$A2, d$A3, d$A4, d$A5), na.rm = TRUE)
d <- d[!is.na(d$education) & !is.na(d$agree), ]
d$education_f <- factor(d$education)
fit <- aov(agree ~ education_f, data = d)
e2 <- effectsize::eta_squared(fit, ci = 0.95, alternative = "two.sided")
o2 <- effectsize::omega_squared(fit, ci = 0.95, alternative = "two.sided")
dn <- as.data.frame(dunn_test(d, agree ~ education_f, p.adjust.method = "holm", detailed = TRUE))
out <- list(
  meta = list(R_version = R.version.string, effectsize = as.character(packageVersion("effectsize")),
              rstatix = as.character(packageVersion("rstatix")), n = nrow(d)),
  eta_squared = list(call = "effectsize::eta_squared(aov(agree ~ education_f), ci = 0.95, alternative = 'two.sided')",
                     estimate = e2$Eta2, ci_low = e2$CI_low, ci_high = e2$CI_high),
  omega_squared = list(call = "effectsize::omega_squared(aov(agree ~ education_f), ci = 0.95, alternative = 'two.sided')",
                       estimate = o2$Omega2, ci_low = o2$CI_low, ci_high = o2$CI_high),
  dunn = list(call = "rstatix::dunn_test(d, agree ~ education_f, p.adjust.method = 'holm', detailed = TRUE)",
              table = dn[, c("group1", "group2", "n1", "n2", "estimate", "statistic", "p", "p.adj")])
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "bfi_effect_sizes_dunn.json")
