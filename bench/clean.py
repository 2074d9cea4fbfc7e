"""Benchmark: every careless index and every rule on 35,000 simulated respondents (10 countries x 3,500, 70 items).

Prints the seconds of ``compute_indices`` alone and of the whole ``clean`` (indices, all rules as ordered hurdles,
exclusion log), best of 3, and the recall/precision against the planted truth.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/clean.py [N_PER_COUNTRY]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.data.clean import clean, compute_indices, evaluate  # noqa: E402
from analysis.data.ingest import default_instrument  # noqa: E402
from analysis.data.simulate import demo_spec, simulate  # noqa: E402


def main(n_per_country: int = 3500, repeats: int = 3) -> None:
    inst = default_instrument()[0]
    sim = simulate(inst, demo_spec(10, n_per_country=n_per_country, seed=1))
    best_i = best_c = float("inf")
    with threadpool_limits(1):
        for _ in range(repeats):
            t0 = time.perf_counter()
            compute_indices(sim.data, inst)
            best_i = min(best_i, time.perf_counter() - t0)
            t0 = time.perf_counter()
            res = clean(sim.data, inst)
            best_c = min(best_c, time.perf_counter() - t0)
    ev = evaluate(res, sim.truth).set_index("kind").loc["all"]
    print(f"respondents: {res.n_raw:,}, items: {res.indices['n_items'].iloc[0]}; kept {res.n_kept:,}, "
          f"excluded {res.n_excluded:,}; recall {ev['sensitivity']:.3f}, precision {ev['precision']:.3f}")
    print(f"compute_indices: {best_i:.2f} s; clean (indices + 8 rules + log): {best_c:.2f} s  (best of {repeats})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3500)
