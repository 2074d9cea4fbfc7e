"""Benchmark: import large Qualtrics response exports (3 header rows, numeric values) into a ResponseSet.

(a) 35,000 rows × 120 columns (Qualtrics metadata, the provider items, attention checks, timing matrix, context
questions, free-text columns); (b) 100,000 rows × 60 items (issue 3: target < 10 s). The files are written once into
bench/out/ (deterministic), then ``read_responses`` (parse, map to the bank, check every cell) is timed, best of
``REPEATS``. Also prints the plain ``pandas.read_csv`` time of the same file for scale.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/ingest.py [REPEATS]
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.data.ingest import default_instrument, read_responses

OUT = Path(__file__).resolve().parent / "out"


def make_file(path: Path, n: int, columns: dict[str, tuple], n_text: int, seed: int = 1) -> int:
    """Write a Qualtrics numeric export: metadata, ``columns`` (code → allowed values), free-text columns."""
    rng = np.random.default_rng(seed)
    meta = {
        "StartDate": np.full(n, "2026-03-02 09:14:03"), "EndDate": np.full(n, "2026-03-02 09:21:40"),
        "Status": rng.choice(["0", "0", "0", "1"], n), "IPAddress": np.full(n, "192.0.2.1"),
        "Progress": np.full(n, "100"), "Duration (in seconds)": rng.integers(100, 3000, n).astype(str),
        "Finished": rng.choice(["1", "0"], n, p=[0.9, 0.1]), "RecordedDate": np.full(n, "2026-03-02 09:21:41"),
        "ResponseId": np.char.add("R_", np.arange(n).astype(str)), "RecipientLastName": np.full(n, ""),
        "RecipientFirstName": np.full(n, ""), "RecipientEmail": np.full(n, ""), "ExternalReference": np.full(n, ""),
        "LocationLatitude": np.full(n, "60.17"), "LocationLongitude": np.full(n, "24.94"),
        "DistributionChannel": np.full(n, "anonymous"), "UserLanguage": rng.choice(["EN", "FI", "DE", "ES-ES"], n),
    }
    d = pd.DataFrame(meta)
    for code, values in columns.items():
        x = rng.choice(np.asarray(values, dtype=str), n).astype(object)
        x[rng.random(n) < 0.03] = ""
        d[code] = x
    for k in range(n_text):
        d[f"Q{k + 90}_TEXT"] = np.where(rng.random(n) < 0.2, "Some free text, with a comma", "")
    names = list(d.columns)
    ids = [json.dumps({"ImportId": c}) for c in names]
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        pd.DataFrame([names, ids], columns=names).to_csv(fh, index=False)  # rows 1-3: names, texts, ImportIds
        d.to_csv(fh, index=False, header=False)
    return len(names)


def best_of(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main(repeats: int = 3) -> None:
    inst, _ = default_instrument()
    OUT.mkdir(exist_ok=True)
    items = inst.items(perspective="provider")
    cols: dict[str, tuple] = {i.code: inst.scale(i.scale).values for i in items}
    cols.update({c.code: inst.scale(c.scale).values for c in inst.checks_for("provider")})
    for q in inst.context_for("provider"):
        if q.type == "matrix":
            cols.update({r.code: inst.scale(str(q.scale)).values for r in q.rows})
        elif q.type == "select_one":
            cols[q.column or q.code] = tuple(c.value for c in q.choices)
    a = OUT / "qualtrics_35k.csv"
    cols_a = make_file(a, 35_000, cols, max(0, 120 - 17 - len(cols)))
    b = OUT / "qualtrics_100k_60items.csv"
    cols_b = make_file(b, 100_000, {i.code: inst.scale(i.scale).values for i in items[:60]}, 0, seed=2)
    for label, path, ncols, n in (("a", a, cols_a, 35_000), ("b", b, cols_b, 100_000)):
        rs = read_responses(path, inst=inst, platform="qualtrics")
        assert rs.n == n and rs.problems.empty
        t = best_of(lambda p=path: read_responses(p, inst=inst, platform="qualtrics"), repeats)
        t_pd = best_of(lambda p=path: pd.read_csv(p, skiprows=[1, 2], dtype=str, keep_default_na=False), repeats)
        print(f"({label}) {n:,} rows x {ncols} columns ({len(rs.items)} items, {len(rs.context)} context, "
              f"{path.stat().st_size / 1e6:.1f} MB): read_responses {t:.2f} s (pandas.read_csv alone {t_pd:.2f} s)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
