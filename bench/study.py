"""Benchmark of the study runner (issue 9): the bundled demo study (10 countries × 350 + 3 previews, provider form)
end to end — ingest, cleaning, descriptives, EFA, reliability, CFA, invariance, comparisons and the HTML / Markdown /
XLSX report — as ``vcd demo`` runs it. Prints the wall time, the time per step and the report size.

Usage: ``OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/study.py [--repeat 2] [--study data/demo/study.toml]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.study import run_study  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--study", default=str(ROOT / "data" / "demo" / "study.toml"))
    a = ap.parse_args()
    best, timing, size = float("inf"), {}, 0
    for _ in range(a.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            run = run_study(a.study, tmp, progress=False, render=True)
            wall = time.perf_counter() - t
            if run.failed:
                raise SystemExit(f"failed steps: {run.failed}")
            if wall < best:
                best, timing = wall, dict(run.manifest.get("timing", {}))
                size = run.reports["html"].stat().st_size
    steps = ", ".join(f"{k} {v:.2f}" for k, v in timing.items() if k != "total")
    print(f"demo study end to end (best of {a.repeat}): {best:.2f} s wall; steps: {steps}; "
          f"report.html {size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
