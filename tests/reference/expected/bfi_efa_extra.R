# Extra psych reference values for vcd-toolkit issue 7 (EFA/omega), beyond shared/reference/expected/bfi_efa.json.
# Run from tests/reference/expected:  Rscript bfi_efa_extra.R   (R 4.2.2, psych 2.2.9, GPArotation 2022.10.2)
suppressMessages({library(psych); library(GPArotation); library(jsonlite)})
bfi <- read.csv("../data/bfi.csv")
items <- c(paste0("A", 1:5), paste0("C", 1:5), paste0("E", 1:5), paste0("N", 1:5), paste0("O", 1:5))
x <- na.omit(bfi[, items])
mat <- function(m) list(rownames = rownames(m), colnames = colnames(m), values = unname(as.matrix(unclass(m))))
one <- function(f) list(call = deparse(f$Call), loadings = mat(f$loadings),
                        Phi = if (is.null(f$Phi)) NULL else mat(f$Phi), communality_h2 = as.list(f$communality))
out <- list(meta = list(generated_by = "tests/reference/expected/bfi_efa_extra.R", R_version = R.version.string,
                        psych = as.character(packageVersion("psych")),
                        GPArotation = as.character(packageVersion("GPArotation")),
                        sample = "bfi rows complete on the 25 items (n = 2436), items as is"))
out$fa_pa_oblimin <- one(fa(x, 5, fm = "pa", rotate = "oblimin"))
out$fa_minres_geominQ <- one(fa(x, 5, fm = "minres", rotate = "geominQ"))
out$fa_minres_varimax <- one(fa(x, 5, fm = "minres", rotate = "varimax"))
v <- VSS(x, n = 8, plot = FALSE)
out$vss_map <- list(call = "VSS(x, n = 8, plot = FALSE)$map", map = v$map, map_nfactors = which.min(v$map))
# omega on reverse-keyed items (7 - x), 25 items, Schmid-Leiman on minres + oblimin
rev <- c("A1", "C4", "C5", "E1", "E2", "O2", "O5")
xr <- x; xr[, rev] <- 7 - xr[, rev]
for (k in c(3, 5)) {
  om <- omega(xr, nfactors = k, plot = FALSE)
  out[[paste0("omega_", k, "f")]] <- list(call = sprintf("omega(x_reversed, nfactors = %d, plot = FALSE)", k),
    omega_h = om$omega_h, omega_total = om$omega.tot, alpha = om$alpha,
    g_loadings = as.list(om$schmid$sl[, "g"]))
}
om2 <- omega(xr[, c(paste0("A", 1:5), paste0("C", 1:5))], nfactors = 2, plot = FALSE)
out$omega_2f_AC <- list(call = "omega(x_reversed[, A1..A5, C1..C5], nfactors = 2, plot = FALSE)",
  omega_h = om2$omega_h, omega_total = om2$omega.tot, alpha = om2$alpha)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, null = "null", pretty = TRUE), "bfi_efa_extra.json")
