"""Benchmark: simulate a 35,000-respondent study from the bank (10 countries x 3,500) and write it.

Prints the seconds for (a) ``simulate`` (population model, timing matrix, careless responders, duplicates, MCAR,
durations, truth), (b) writing the plain CSV and (c) writing the Qualtrics export (best of 3).

    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/simulate.py [N_PER_COUNTRY]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.data.ingest import default_instrument  # noqa: E402
from analysis.data.simulate import (  # noqa: E402
    demo_spec,
    simulate,
    write_simulation,  # noqa: E402
)


def main(n_per_country: int = 3500, repeats: int = 3) -> None:
    inst = default_instrument()[0]
    spec = demo_spec(10, n_per_country=n_per_country, seed=1)
    best = {"simulate": float("inf"), "csv": float("inf"), "qualtrics": float("inf")}
    with threadpool_limits(1), tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeats):
            t0 = time.perf_counter()
            sim = simulate(inst, spec)
            best["simulate"] = min(best["simulate"], time.perf_counter() - t0)
            for fmt in ("csv", "qualtrics"):
                t0 = time.perf_counter()
                write_simulation(sim, Path(tmp) / fmt, fmt=fmt, inst=inst)
                best[fmt] = min(best[fmt], time.perf_counter() - t0)
    print(f"respondents: {len(sim.data):,} ({len(spec.countries)} countries x {n_per_country:,} + previews), "
          f"items: {len(sim.truth['model']['items'])}, columns: {sim.data.shape[1]}")
    print(f"(a) simulate: {best['simulate']:.2f} s; (b) write CSV: {best['csv']:.2f} s; "
          f"(c) write Qualtrics export: {best['qualtrics']:.2f} s  (best of {repeats})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3500)
