"""Benchmark of the invariance ladder (issue 6): 32 items (8 factors × 4), 10 countries × 3,500 and 30 countries ×
1,000; configural, metric, scalar and strict fitted with standard errors, as ``vcd invariance --keep-going`` does.

Prints our time per step and in total and, where Rscript with lavaan is installed, lavaan's times for the same four
``cfa(..., group=, group.equal=)`` fits on the same data in the same run, and the ratio.
Usage: ``OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/invariance.py [--estimator ML|MLR] [--no-lavaan]``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.invariance import run_invariance  # noqa: E402


def ladder_data(groups: int, n: int, seed: int = 2026) -> tuple[pd.DataFrame, str]:
    """8 correlated factors × 4 seven-point items; country latent means and variances differ; one intercept and one
    loading differ in one country (so the ladder has something to find)."""
    rng = np.random.default_rng(seed)
    k, per = 8, 4
    phi = 0.3 + 0.2 * rng.random((k, k))
    phi = (phi + phi.T) / 2
    np.fill_diagonal(phi, 1.0)
    lam = rng.uniform(0.6, 0.9, size=(k, per))
    frames, lines = [], [f"F{j + 1} =~ " + " + ".join(f"F{j + 1}_{i + 1}" for i in range(per)) for j in range(k)]
    for g in range(groups):
        mean = rng.normal(0, 0.2, size=k) if g else np.zeros(k)
        sd = np.exp(rng.normal(0, 0.1, size=k)) if g else np.ones(k)
        f = rng.multivariate_normal(np.zeros(k), phi, size=n) * sd + mean
        cols = {}
        for j in range(k):
            for i in range(per):
                lj = 0.3 if (g == 2 and j == 1 and i == 2) else lam[j, i]
                shift = -0.5 if (g == 1 and j == 0 and i == 1) else 0.0
                y = 4 + 1.3 * (lj * f[:, j] + shift + np.sqrt(1 - lam[j, i] ** 2) * rng.normal(size=n))
                cols[f"F{j + 1}_{i + 1}"] = np.clip(np.round(y), 1, 7)
        frames.append(pd.DataFrame(cols).assign(country=f"C{g + 1:02d}"))
    return pd.concat(frames, ignore_index=True), "\n".join(lines)


R_SCRIPT = r"""
suppressPackageStartupMessages(library(lavaan))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1]); model <- paste(readLines(args[2]), collapse = "\n"); est <- args[3]
steps <- list(configural = "", metric = "loadings", scalar = c("loadings", "intercepts"),
              strict = c("loadings", "intercepts", "residuals"))
out <- c()
for (s in names(steps)) {
  t <- system.time(fit <- cfa(model, data = d, group = "country", group.equal = steps[[s]],
                              estimator = est))[["elapsed"]]
  out <- c(out, sprintf('"%s": {"seconds": %.4f, "chisq": %.6f}', s, t, fitMeasures(fit, "chisq")))
}
cat(paste0("{", paste(out, collapse = ", "), "}\n"))
"""


def lavaan_times(data: pd.DataFrame, model: str, estimator: str) -> dict | None:
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        dp, mp, sp = Path(tmp) / "d.csv", Path(tmp) / "m.lav", Path(tmp) / "t.R"
        data.to_csv(dp, index=False)
        mp.write_text(model)
        sp.write_text(R_SCRIPT)
        r = subprocess.run(["Rscript", str(sp), str(dp), str(mp), estimator], capture_output=True, text=True)
        if r.returncode != 0:
            print(r.stderr.strip().splitlines()[-1] if r.stderr.strip() else "lavaan failed", file=sys.stderr)
            return None
        return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--estimator", default="ML", choices=["ML", "MLR"])
    ap.add_argument("--no-lavaan", action="store_true")
    ap.add_argument("--sizes", default="10x3500,30x1000")
    a = ap.parse_args()
    for size in a.sizes.split(","):
        g, n = (int(v) for v in size.split("x"))
        data, model = ladder_data(g, n)
        stamps: list[tuple[str, float]] = []
        t0 = time.perf_counter()
        res = run_invariance(data, model, "country", estimator=a.estimator, stop_on_failure=False,
                             progress=lambda msg, stamps=stamps: stamps.append((msg, time.perf_counter())))
        total = time.perf_counter() - t0
        ends = [s for _, s in stamps[1:]] + [t0 + total]
        per = {m.split()[0]: e - s for (m, s), e in zip(stamps, ends, strict=True)}
        lad = res.ladder.set_index("step")
        line = (f"{g} groups x {n} ({a.estimator}): ours total {total:7.2f} s ("
                + ", ".join(f"{k} {v:.2f}" for k, v in per.items()) + ")")
        print(line, flush=True)
        if not a.no_lavaan:
            lv = lavaan_times(data, model, a.estimator)
            if lv:
                lt = sum(v["seconds"] for v in lv.values())
                dchi = max(abs(lv[s]["chisq"] - lad.loc[s, "chisq"]) for s in lv)
                print(f"    lavaan total {lt:7.2f} s (" + ", ".join(f"{k} {v['seconds']:.2f}" for k, v in lv.items())
                      + f"); ratio {lt / total:5.1f}x; max |chisq ours - lavaan| {dchi:.2e}", flush=True)
        print("    " + ", ".join(f"{s}: chisq {r.chisq:.3f} df {int(r.df)} cfi {r.cfi:.4f} {r.decision}"
                                  for s, r in lad.iterrows()), flush=True)


if __name__ == "__main__":
    main()
