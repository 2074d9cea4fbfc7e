"""Benchmark of the FIML invariance ladder (issue 13): 10 countries × 330 respondents × 32 items (8 factors × 4, the
generator of bench/invariance.py) with 2 % of the cells missing completely at random; configural → metric → scalar
→ strict under ``missing="fiml"``, every step fitted with standard errors and the FIML-corrected robust indices
(``stop_on_failure=False``), and the complete-data (listwise) ladder on the same file for comparison.

With ``--lavaan`` (Rscript with lavaan installed) it also times lavaan's scalar step alone on the same file
(``cfa(..., group = "country", group.equal = c("loadings", "intercepts"), missing = "ml")``) and prints the ratio.
Usage: ``OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/fiml_ladder.py [--repeat 3] [--estimator ML|MLR] [--lavaan]``.
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
sys.path.insert(0, str(ROOT / "bench"))

from invariance import ladder_data  # noqa: E402

from analysis.invariance import run_invariance  # noqa: E402


def fiml_data(groups: int = 10, n: int = 330, share: float = 0.02, seed: int = 11) -> tuple[pd.DataFrame, str]:
    """The ladder data of bench/invariance.py with each item cell blanked with probability ``share``."""
    data, model = ladder_data(groups, n)
    items = [c for c in data.columns if c != "country"]
    rng = np.random.default_rng(seed)
    blanked = data[items].mask(rng.random((len(data), len(items))) < share)
    return blanked.assign(country=data["country"]), model


R_SCRIPT = r"""
suppressPackageStartupMessages(library(lavaan))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1]); model <- paste(readLines(args[2]), collapse = "\n")
t <- system.time(fit <- cfa(model, data = d, group = "country", group.equal = c("loadings", "intercepts"),
                            missing = "ml", estimator = args[3]))[["elapsed"]]
cat(sprintf('{"seconds": %.3f, "chisq": %.6f}\n', t, fitMeasures(fit, "chisq")))
"""


def lavaan_scalar(data: pd.DataFrame, model: str, estimator: str) -> dict | None:
    """lavaan's scalar step on the same data (None without Rscript)."""
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        dp, mp, sp = Path(tmp) / "d.csv", Path(tmp) / "m.lav", Path(tmp) / "t.R"
        data.to_csv(dp, index=False)
        mp.write_text(model)
        sp.write_text(R_SCRIPT)
        r = subprocess.run(["Rscript", str(sp), str(dp), str(mp), estimator], capture_output=True, text=True)
        if r.returncode != 0:
            print(r.stderr.strip()[-500:], file=sys.stderr)
            return None
        return json.loads(r.stdout.strip().splitlines()[-1])


def ladder(data: pd.DataFrame, model: str, estimator: str, missing: str) -> tuple[float, dict[str, float], object]:
    """One ladder: total seconds, seconds per step, the result."""
    stamps: list[tuple[str, float]] = []
    t0 = time.perf_counter()
    res = run_invariance(data, model, "country", estimator=estimator, missing=missing, stop_on_failure=False,
                         progress=lambda msg: stamps.append((msg.split()[0], time.perf_counter())))
    total = time.perf_counter() - t0
    ends = [s for _, s in stamps[1:]] + [t0 + total]
    return total, {m: e - s for (m, s), e in zip(stamps, ends, strict=True)}, res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--estimator", default="ML", choices=["ML", "MLR"])
    ap.add_argument("--lavaan", action="store_true", help="time lavaan's scalar step (about 7 minutes)")
    a = ap.parse_args()
    data, model = fiml_data()
    print(f"data: {data['country'].nunique()} countries x {len(data) // data['country'].nunique()} respondents, "
          f"32 items, {data.drop(columns='country').isna().mean().mean():.2%} cells missing", flush=True)
    for missing in ("fiml", "listwise"):
        best, per, res = float("inf"), {}, None
        for _ in range(a.repeat):
            t, p, r = ladder(data, model, a.estimator, missing)
            if t < best:
                best, per, res = t, p, r
        lad = res.ladder.set_index("step")  # type: ignore[attr-defined]
        print(f"{missing:<8} {a.estimator} ladder: {best:7.2f} s (min of {a.repeat}; "
              + ", ".join(f"{k} {v:.2f}" for k, v in per.items()) + ")", flush=True)
        print("    " + ", ".join(f"{s}: chisq {r.chisq:.4f} df {int(r.df)} cfi {r.cfi:.4f}" for s, r in lad.iterrows()),
              flush=True)
        if missing == "fiml":
            fiml_best, fiml_per, fiml_lad = best, per, lad
    if a.lavaan:
        lv = lavaan_scalar(data, model, a.estimator)
        if lv:
            print(f"lavaan scalar step (FIML): {lv['seconds']:.1f} s, chisq {lv['chisq']:.4f} "
                  f"(ours {fiml_lad.loc['scalar', 'chisq']:.4f}); ratio to our scalar step "
                  f"{lv['seconds'] / fiml_per['scalar']:.0f}x, to our whole ladder {lv['seconds'] / fiml_best:.0f}x",
                  flush=True)


if __name__ == "__main__":
    main()
