"""Benchmark: all comparisons for the 8 reasons x 3 groupings (relationship type, phase, country) on 35,000 respondents.

Prints the seconds for (a) the per-grouping comparisons from scale scores (descriptives, Levene, Welch, ANOVA,
Kruskal-Wallis, effect sizes with CIs, Games-Howell, Holm) and (b) the whole ``run_comparisons`` (scale scores,
(a), timing matrix, two-way ANOVA, country random intercepts, seed hypotheses). Target: (a) < 5 s.

Data: the seeded generator of tests/test_compare.py over the Table-3 synthetic instrument (44 items), 8 countries.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/compare.py [N]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from test_compare import simulate, synthetic_instrument  # noqa: E402

from analysis.compare.comparisons import GROUPINGS, compare_groups, run_comparisons, scale_scores  # noqa: E402


def main(n: int = 35_000, repeats: int = 3) -> None:
    inst = synthetic_instrument()
    data = simulate(n=n, seed=1, n_countries=8,
                    planted={"absence_of_information": ("relationship_type", "B2C", 0.3)})
    scores = scale_scores(data, inst)
    with threadpool_limits(1):
        compare_groups(scores, "phase")  # warm-up (studentized-range splines, imports)
        best_a = best_b = float("inf")
        for _ in range(repeats):
            t0 = time.perf_counter()
            for g in GROUPINGS:
                compare_groups(scores, g)
            best_a = min(best_a, time.perf_counter() - t0)
            t0 = time.perf_counter()
            res = run_comparisons(data, inst)
            best_b = min(best_b, time.perf_counter() - t0)
    print(f"respondents: {n}, reasons: 8, groupings: {', '.join(GROUPINGS)} (8 countries)")
    print(f"(a) 8 reasons x 3 groupings, Welch + Games-Howell + Levene + ANOVA + Kruskal-Wallis + CIs: {best_a:.2f} s "
          f"(best of {repeats})")
    nh = len(res.hypotheses)
    print(f"(b) run_comparisons (scores, (a), timing, two-way, country mixed models, {nh} hypotheses): "
          f"{best_b:.2f} s (best of {repeats})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 35_000)
