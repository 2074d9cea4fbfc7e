"""Benchmark: ordinal sample statistics (thresholds, polychorics, full Γ) per group.

60 groups × 30 seven-point items × 2,000 respondents (N = 120,000), target ≤ 10 s; and how the time grows with
groups (10, 20, 40, 60 at 30 items) and items (10, 20, 30 at 60 groups). Data: a one-factor-per-5-items model with
group-specific thresholds, cut into 7 categories. Times are the minimum over ``--repeat`` runs.

Run: OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/ordinal_stats.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from analysis.stats.ordinal import ordinal_stats


def make_data(groups: int, items: int, n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    nfac = max(1, items // 5)
    lam = rng.uniform(0.5, 0.8, items)
    fac = np.arange(items) % nfac
    cuts = np.array([-1.6, -0.9, -0.3, 0.3, 0.9, 1.6])
    frames = []
    for g in range(groups):
        phi = 0.3 + 0.7 * np.eye(nfac)
        eta = rng.multivariate_normal(np.zeros(nfac), phi, size=n)
        y = eta[:, fac] * lam + rng.normal(size=(n, items)) * np.sqrt(1 - lam**2)
        shift = rng.normal(0, 0.15, items)
        codes = (y[:, :, None] > cuts + shift[:, None]).sum(axis=2) + 1
        df = pd.DataFrame(codes, columns=[f"x{i + 1:02d}" for i in range(items)])
        df["country"] = f"C{g + 1:02d}"
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def timed(data: pd.DataFrame, items: list[str], repeat: int) -> float:
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        ordinal_stats(data, items, group="country")
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    full = make_data(60, 30, 2000)
    items = [c for c in full.columns if c != "country"]
    with threadpool_limits(limits=1):
        t_full = timed(full, items, args.repeat)
        print(f"60 groups x 30 items x 2000 (N = {len(full)}): thresholds + polychorics + full Gamma "
              f"{t_full:.2f} s (target <= 10 s)")
        print("groups (30 items):", end="")
        for g in (10, 20, 40, 60):
            sub = full[full["country"].isin([f"C{k + 1:02d}" for k in range(g)])]
            print(f"  {g}: {timed(sub, items, args.repeat):.2f} s", end="")
        print()
        print("items (60 groups):", end="")
        for p in (10, 20, 30):
            print(f"  {p}: {timed(full, items[:p], args.repeat):.2f} s", end="")
        print()


if __name__ == "__main__":
    main()
