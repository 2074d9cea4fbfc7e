"""Benchmark of the CFA engine (issue 5): HS39 ML, and a 32-item 8-factor model at N = 35,000 with ML and MLR;
FIML (``missing="ml"``): bfi five factors (87 missing-data patterns) and the 32-item model with 2 % of cells
missing completely at random, ML and MLR.

Prints our times and, where Rscript with lavaan is installed, lavaan's times on the same data in the same run
and the ratio. Usage: ``.venv/bin/python bench/cfa.py [--n 35000] [--no-lavaan] [--no-fiml] [--repeat 3]``.
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

from analysis.sem import cfa  # noqa: E402

HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


def big_data(n: int, seed: int = 2027) -> tuple[pd.DataFrame, str]:
    """8 correlated factors x 4 items each, 7-point Likert-like answers."""
    rng = np.random.default_rng(seed)
    k, per = 8, 4
    phi = 0.3 + 0.2 * rng.random((k, k))
    phi = (phi + phi.T) / 2
    np.fill_diagonal(phi, 1.0)
    f = rng.multivariate_normal(np.zeros(k), phi, size=n)
    cols, lines = {}, []
    for j in range(k):
        names = [f"F{j + 1}_{i + 1}" for i in range(per)]
        lines.append(f"F{j + 1} =~ " + " + ".join(names))
        for name in names:
            lam = rng.uniform(0.6, 0.9)
            y = 4 + 1.3 * (lam * f[:, j] + np.sqrt(1 - lam**2) * rng.normal(size=n))
            cols[name] = np.clip(np.round(y), 1, 7)
    return pd.DataFrame(cols), "\n".join(lines)


def with_mcar(data: pd.DataFrame, share: float = 0.02, seed: int = 11) -> pd.DataFrame:
    """Each cell blanked independently with probability ``share`` (rows left with no answer are kept out)."""
    rng = np.random.default_rng(seed)
    out = data.mask(rng.random(data.shape) < share)
    return out[out.notna().any(axis=1)]


BFI_MODEL = """agree =~ A1 + A2 + A3 + A4 + A5
conscientious =~ C1 + C2 + C3 + C4 + C5
extraversion =~ E1 + E2 + E3 + E4 + E5
neuroticism =~ N1 + N2 + N3 + N4 + N5
openness =~ O1 + O2 + O3 + O4 + O5"""


def timed(fn, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


R_SCRIPT = r"""
suppressPackageStartupMessages(library(lavaan))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1]); model <- readLines(args[2]); est <- args[3]; rep <- as.integer(args[4]); miss <- args[5]
best <- Inf
for (i in seq_len(rep)) {
  t <- system.time(fit <- cfa(paste(model, collapse = "\n"), data = d, estimator = est,
                              missing = miss))[["elapsed"]]
  best <- min(best, t)
}
cat(sprintf('{"seconds": %.6f, "chisq": %.10f}\n', best, fitMeasures(fit, "chisq")))
"""


def lavaan_time(data: pd.DataFrame, model: str, estimator: str, repeat: int, missing: str) -> dict | None:
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        dp, mp, sp = Path(tmp) / "d.csv", Path(tmp) / "m.lav", Path(tmp) / "t.R"
        data.to_csv(dp, index=False)
        mp.write_text(model)
        sp.write_text(R_SCRIPT)
        r = subprocess.run(["Rscript", str(sp), str(dp), str(mp), estimator, str(repeat),
                            "ml" if missing == "fiml" else "listwise"], capture_output=True,
                           text=True)
        if r.returncode != 0:
            return None
        return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=35000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-lavaan", action="store_true")
    ap.add_argument("--no-fiml", action="store_true", help="skip the FIML cases")
    a = ap.parse_args()
    hs = pd.read_csv(ROOT / "tests" / "reference" / "data" / "holzinger_swineford_1939.csv")
    big, model = big_data(a.n)
    cases = [("HS39 ML (N=301, 9 items, 3 factors)", hs, HS_MODEL, "ML", "listwise", a.repeat),
             (f"8 factors x 4 items ML (N={a.n})", big, model, "ML", "listwise", a.repeat),
             (f"8 factors x 4 items MLR (N={a.n})", big, model, "MLR", "listwise", max(1, a.repeat - 1))]
    if not a.no_fiml:
        bfi = pd.read_csv(ROOT / "tests" / "reference" / "data" / "bfi.csv")
        bfi = bfi[[c for c in bfi.columns if c[0] in "ACENO" and c[1:].isdigit()]]
        mcar = with_mcar(big)
        cases += [(f"bfi 5 factors FIML ML (N={len(bfi)})", bfi, BFI_MODEL, "ML", "fiml", a.repeat),
                  (f"bfi 5 factors FIML MLR (N={len(bfi)})", bfi, BFI_MODEL, "MLR", "fiml", a.repeat),
                  (f"8x4 FIML 2% MCAR ML (N={len(mcar)})", mcar, model, "ML", "fiml", max(1, a.repeat - 1)),
                  (f"8x4 FIML 2% MCAR MLR (N={len(mcar)})", mcar, model, "MLR", "fiml", max(1, a.repeat - 1))]
    for label, data, m, est, miss, rep in cases:
        t, res = timed(lambda data=data, m=m, est=est, miss=miss: cfa(m, data, estimator=est, missing=miss), rep)
        line = f"{label:<42} ours {t:8.3f} s  chisq {res.fit['chisq']:.4f}"
        if miss == "fiml":
            line += f" ({len(res.engine.estimator.groups[0].patterns)} patterns)"
        if not a.no_lavaan:
            lv = lavaan_time(data, m, est, min(rep, 2), miss)
            if lv:
                line += f"  lavaan {lv['seconds']:8.3f} s  chisq {lv['chisq']:.4f}  ratio {lv['seconds'] / t:6.1f}x"
        print(line, flush=True)


if __name__ == "__main__":
    main()
