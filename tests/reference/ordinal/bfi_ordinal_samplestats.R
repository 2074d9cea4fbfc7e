# Reference for tests/test_ordinal_stats.py and tests/test_ordinal_estimator.py: lavaan 0.6.14's ordinal sample
# statistics (thresholds, polychorics, WLS.obs, NACOV = Gamma, DWLS weights) on psychTools' bfi (25 six-point
# items as-is), listwise (n 2436), pairwise (n 2800) and by gender (listwise, groups in order of first appearance),
# plus single-group WLSMV CFAs (delta and theta parameterisation) for the estimator code.
# NACOV is stored for the first 10 items (A1..A5, C1..C5: 50 thresholds + 45 correlations, the submatrix of the
# 25-item NACOV -- every element depends only on the items it refers to) and its diagonal for all 25 items.
# Run from the repository root: Rscript tests/reference/ordinal/bfi_ordinal_samplestats.R
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})
d <- read.csv("tests/reference/data/bfi.csv")
items <- c(paste0("A", 1:5), paste0("C", 1:5), paste0("E", 1:5), paste0("N", 1:5), paste0("O", 1:5))
model <- "agree =~ A1 + A2 + A3 + A4 + A5
consc =~ C1 + C2 + C3 + C4 + C5
extra =~ E1 + E2 + E3 + E4 + E5
neuro =~ N1 + N2 + N3 + N4 + N5
open  =~ O1 + O2 + O3 + O4 + O5"
X <- d[, items]
Xl <- X[complete.cases(X), ]
Xg <- d[complete.cases(X), c(items, "gender")]
sub_idx <- function() {
  # indices in WLS.obs order of the thresholds of items 1..10 and the correlations among items 1..10
  r <- row(matrix(0, 25, 25))[lower.tri(matrix(0, 25, 25))]
  cc <- col(matrix(0, 25, 25))[lower.tri(matrix(0, 25, 25))]
  c(1:50, 125 + which(r <= 10 & cc <= 10))
}
idx <- sub_idx()
stats_of <- function(fit) {
  ss <- lavInspect(fit, "sampstat")
  wo <- lavInspect(fit, "wls.obs")
  ga <- lavInspect(fit, "gamma")
  wv <- lavInspect(fit, "wls.v")
  one <- function(s, w, g, v) list(
    th = as.numeric(s$th), th_names = names(s$th),
    cor = unname(s$cov[, ]),
    wls_obs = as.numeric(w),
    nacov_diag = as.numeric(diag(g)),
    wls_v_diag = as.numeric(diag(v)),
    nacov_sub = unname(g[idx, idx]),
    nacov_sub_index = idx)
  if (lavInspect(fit, "ngroups") == 1) list(one(ss, wo, ga, wv))
  else lapply(seq_along(ss), function(i) one(ss[[i]], wo[[i]], ga[[i]], wv[[i]]))
}
fit_out <- function(fit) {
  pe <- parameterEstimates(fit)
  list(converged = lavInspect(fit, "converged"),
       fit = as.list(fitMeasures(fit, c("npar", "fmin", "chisq", "df", "chisq.scaled", "chisq.scaling.factor",
                                        "baseline.chisq", "baseline.df", "baseline.chisq.scaled",
                                        "baseline.chisq.scaling.factor", "cfi", "tli", "cfi.scaled",
                                        "tli.scaled", "cfi.robust", "tli.robust", "rmsea", "rmsea.scaled",
                                        "rmsea.robust", "srmr", "wrmr"))),
       test = lavInspect(fit, "test"),
       parameter_estimates = pe[, intersect(c("lhs", "op", "rhs", "group", "est", "se"), names(pe))])
}
t0 <- proc.time()[["elapsed"]]
f_list <- cfa(model, data = Xl, estimator = "WLSMV", ordered = items)
f_pair <- cfa(model, data = X, estimator = "WLSMV", ordered = items, missing = "pairwise")
f_grp <- cfa(model, data = Xg, estimator = "WLSMV", ordered = items, group = "gender")
f_theta <- cfa(model, data = Xl, estimator = "WLSMV", ordered = items, parameterization = "theta")
f_tight <- cfa(model, data = Xl, estimator = "WLSMV", ordered = items,
               optim.method = "BFGS", control = list(reltol = 1e-16, maxit = 10000))
f_theta_tight <- cfa(model, data = Xl, estimator = "WLSMV", ordered = items, parameterization = "theta",
               optim.method = "BFGS", control = list(reltol = 1e-16, maxit = 10000))
f_pair_tight <- cfa(model, data = X, estimator = "WLSMV", ordered = items, missing = "pairwise",
               optim.method = "BFGS", control = list(reltol = 1e-16, maxit = 10000))
f_grp_tight <- cfa(model, data = Xg, estimator = "WLSMV", ordered = items, group = "gender",
               optim.method = "BFGS", control = list(reltol = 1e-16, maxit = 10000))
out <- list(
  meta = list(lavaan = as.character(packageVersion("lavaan")), R = R.version.string,
              data = "tests/reference/data/bfi.csv (md5 c62fbb7974002643e6c1ae82d3240874)",
              seconds = proc.time()[["elapsed"]] - t0),
  items = items, model_syntax = model,
  conventions = list(
    order = "WLS.obs = c(thresholds item by item, lav_matrix_vech(cor, diagonal = FALSE)) (lower triangle column by column)",
    nacov = "lavInspect(fit, 'gamma') = NACOV = N * B^-1 INNER B^-T (muthen1984), N = nobs of the group (2800 for pairwise)",
    wls_v = "DWLS weights = 1 / diag(NACOV) (lavInspect(fit, 'wls.v'))",
    nacov_sub = "NACOV[idx, idx] with idx = nacov_sub_index (1-based, WLS.obs order): thresholds of A1..C5 and their 45 correlations",
    tight = "same fits with optim.method = 'BFGS', control = list(reltol = 1e-16, maxit = 10000) (lavaan's default nlminb may stop short of the optimum)"),
  listwise = list(n = nrow(Xl), groups = stats_of(f_list)),
  pairwise = list(n = nrow(X), groups = stats_of(f_pair)),
  by_gender = list(group_labels = lavInspect(f_grp, "group.label"), n = lavInspect(f_grp, "nobs"),
                   groups = stats_of(f_grp)),
  cfa_delta = fit_out(f_list), cfa_delta_tight = fit_out(f_tight),
  cfa_theta = fit_out(f_theta), cfa_theta_tight = fit_out(f_theta_tight),
  cfa_pairwise = fit_out(f_pair), cfa_gender_configural = fit_out(f_grp),
  cfa_pairwise_tight = fit_out(f_pair_tight), cfa_gender_configural_tight = fit_out(f_grp_tight)
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE), "tests/reference/ordinal/bfi_ordinal_samplestats.json")
