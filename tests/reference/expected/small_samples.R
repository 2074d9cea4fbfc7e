# Small-sample references for analysis/compare and analysis/measure: cases where a wrong degree of freedom or
# divisor changes the result in the first digits (the bfi references have n in the thousands).
# Run from tests/reference/expected:  Rscript small_samples.R  (writes small_samples.json)
# R 4.2.2 with psych 2.2.9, car 3.1.1, effectsize 0.8.3, rstatix 0.7.2 (Debian r-cran-* packages).
suppressPackageStartupMessages({library(psych); library(car); library(effectsize); library(rstatix); library(jsonlite)})

# three groups with ties (n = 5, 6, 7)
kw <- data.frame(y = c(1, 2, 2, 3, 5,   2, 3, 4, 4, 5, 6,   4, 5, 5, 6, 7, 7, 8),
                 g = rep(c("a", "b", "c"), c(5, 6, 7)))
kt <- kruskal.test(y ~ factor(g), data = kw)
e2r <- effectsize::rank_epsilon_squared(y ~ factor(g), data = kw, ci = NULL)
keff <- rstatix::kruskal_effsize(kw, y ~ g)
ow <- oneway.test(y ~ factor(g), data = kw, var.equal = FALSE)
av <- summary(aov(y ~ factor(g), data = kw))[[1]]
lev <- car::leveneTest(y ~ factor(g), data = kw)
tk <- TukeyHSD(aov(y ~ factor(g), data = kw))$`factor(g)`
gh <- as.data.frame(rstatix::games_howell_test(kw, y ~ g, detailed = TRUE))
n <- nrow(kw)

# p.adjust with ties and a missing value
p <- c(0.001, 0.2, 0.03, 0.04, 0.5, 0.0101, 0.9, 0.02, 0.03, NA)

# two-way Type II ANOVA with an empty cell (x × q): model comparison, as car does for rank-deficient designs
set.seed(11)
tw <- expand.grid(rep = 1:8, a = c("x", "y", "z"), b = c("p", "q", "r"), stringsAsFactors = FALSE)
tw$y <- round(rnorm(nrow(tw)) + 0.6 * (tw$a == "y") + 0.4 * (tw$b == "r"), 3)
tw <- tw[!(tw$a == "x" & tw$b == "q"), c("y", "a", "b")]
aov2 <- car::Anova(lm(y ~ factor(a) * factor(b), data = tw), type = 2)

# Cronbach's alpha and the Feldt CI on 12 respondents x 3 items
al <- data.frame(i1 = c(1, 2, 3, 4, 5, 2, 3, 4, 5, 6, 3, 4),
                 i2 = c(2, 2, 3, 5, 4, 1, 3, 3, 6, 5, 4, 4),
                 i3 = c(1, 3, 3, 4, 5, 2, 2, 5, 5, 6, 2, 3))
a <- psych::alpha(al, check.keys = FALSE)
ci <- psych::alpha.ci(a$total$raw_alpha, n.obs = nrow(al), n.var = ncol(al), digits = 15)

# chi-squared test of independence and Cramer's V (timing matrix: relationship type x occurrence answer)
ct <- matrix(c(12, 5, 7, 3,   4, 9, 6, 8,   6, 6, 2, 10), nrow = 3, byrow = TRUE)
cs <- suppressWarnings(chisq.test(ct, correct = FALSE))

out <- list(
  meta = list(R_version = R.version.string, psych = as.character(packageVersion("psych")),
              car = as.character(packageVersion("car")), effectsize = as.character(packageVersion("effectsize")),
              rstatix = as.character(packageVersion("rstatix"))),
  kruskal = list(data = kw, n = n, H = unname(kt$statistic), df = unname(kt$parameter), p = kt$p.value,
                 rank_epsilon_squared = e2r$rank_epsilon_squared,
                 epsilon2_formula = "effectsize::rank_epsilon_squared = H / ((n^2 - 1) / (n + 1)) = H / (n - 1)",
                 eta2_h = keff$effsize,
                 welch = list(F = unname(ow$statistic), df1 = unname(ow$parameter[1]), df2 = unname(ow$parameter[2]),
                              p = ow$p.value),
                 anova = list(F = av$`F value`[1], df1 = av$Df[1], df2 = av$Df[2], p = av$`Pr(>F)`[1],
                              ss_between = av$`Sum Sq`[1], ss_within = av$`Sum Sq`[2]),
                 levene_median = list(F = lev$`F value`[1], df1 = lev$Df[1], df2 = lev$Df[2], p = lev$`Pr(>F)`[1]),
                 tukey = list(comparison = rownames(tk), diff = tk[, "diff"], lwr = tk[, "lwr"], upr = tk[, "upr"],
                              p_adj = tk[, "p adj"]),
                 games_howell = gh[, c("group1", "group2", "estimate", "statistic", "df", "conf.low", "conf.high")]),
  p_adjust = list(p = p, holm = p.adjust(p, "holm"), BH = p.adjust(p, "BH")),
  twoway_empty_cell = list(data = tw, call = "car::Anova(lm(y ~ factor(a) * factor(b)), type = 2)",
                           term = rownames(aov2), ss = aov2$`Sum Sq`, df = aov2$Df, F = aov2$`F value`,
                           p = aov2$`Pr(>F)`),
  chi2 = list(table = ct, statistic = unname(cs$statistic), df = unname(cs$parameter), p = cs$p.value,
              cramers_v = rstatix::cramer_v(ct),
              call = "chisq.test(table, correct = FALSE); rstatix::cramer_v(table)"),
  alpha = list(data = al, raw_alpha = a$total$raw_alpha, std_alpha = a$total$std.alpha, n = nrow(al),
               feldt_lower = ci$lower.ci, feldt_upper = ci$upper.ci,
               feldt_call = "psych::alpha.ci(raw_alpha, n.obs = 12, n.var = 3): F with n - 1 and (n - 1)(k - 1) df")
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null"), "small_samples.json")
