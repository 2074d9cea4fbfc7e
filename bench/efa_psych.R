# Reference timing for bench/efa.py with R's psych (not a runtime dependency).
#   OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/efa.py --csv /tmp/bench_efa.csv
#   Rscript bench/efa_psych.R /tmp/bench_efa.csv
suppressMessages(library(psych))
options(mc.cores = 1)  # one core, as our benchmark
args <- commandArgs(trailingOnly = TRUE)
x <- read.csv(args[1])
set.seed(1)
t_par <- system.time(p <- fa.parallel(x, fa = "fa", n.iter = 100, plot = FALSE))[["elapsed"]]
t_poly <- system.time(pc <- polychoric(x))[["elapsed"]]
cat(sprintf("psych fa.parallel(n.iter=100, fa='fa'): %.2f s (nfact %d)\n", t_par, p$nfact))
cat(sprintf("psych polychoric (32 items): %.2f s\n", t_poly))
