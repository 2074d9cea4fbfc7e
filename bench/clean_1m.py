"""Benchmark (issue 4): all careless indices + all rules on 1,000,000 respondents x 40 items; target < 60 s and
peak memory < 4 GB.

Step 1 simulates the data once (10 countries x 100,000; constructs INF TRU MIS CHG EXP VCX RLS = 40 items; careless
responders, duplicates, MCAR as in the demo) and stores it as parquet in bench/out/. Step 2 runs in a fresh process:
read the parquet, ``clean`` (every index, the 8 default rules as ordered hurdles, the log), and report the wall
time of ``clean`` and the process's peak resident memory (ru_maxrss, which includes the loaded data).

    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/clean_1m.py [N_PER_COUNTRY]
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
CONSTRUCTS = ("INF", "TRU", "MIS", "CHG", "EXP", "VCX", "RLS")


def make(n_per_country: int) -> Path:
    from analysis.data.ingest import default_instrument
    from analysis.data.simulate import demo_spec, simulate

    inst = default_instrument()[0]
    spec = replace(demo_spec(10, n_per_country=n_per_country, seed=1), constructs=CONSTRUCTS, preview_rows=0)
    t0 = time.perf_counter()
    sim = simulate(inst, spec)
    t_sim = time.perf_counter() - t0
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"clean_{len(sim.data)}.parquet"
    sim.data.to_parquet(path, index=False)
    (OUT / f"clean_{len(sim.data)}.truth.json").write_text(json.dumps(sim.truth))
    print(f"simulated {len(sim.data):,} respondents x {len(sim.truth['model']['items'])} items in {t_sim:.1f} s")
    return path


def run(path: Path) -> None:
    import pandas as pd
    from threadpoolctl import threadpool_limits

    from analysis.data.clean import clean, evaluate
    from analysis.data.ingest import default_instrument

    inst = default_instrument()[0]
    data = pd.read_parquet(path)
    with threadpool_limits(1):
        t0 = time.perf_counter()
        res = clean(data, inst)
        dt = time.perf_counter() - t0
    truth = json.loads(Path(str(path).replace(".parquet", ".truth.json")).read_text())
    ev = evaluate(res, truth).set_index("kind").loc["all"]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2
    print(f"clean: {res.n_raw:,} respondents x {res.indices['n_items'].iloc[0]} items in {dt:.1f} s; peak memory "
          f"{peak:.2f} GB (whole process, data included); kept {res.n_kept:,}, excluded {res.n_excluded:,}; "
          f"recall {ev['sensitivity']:.3f}, precision {ev['precision']:.3f}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--run":
        run(Path(sys.argv[2]))
    else:
        p = make(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
        subprocess.run([sys.executable, __file__, "--run", str(p)], check=True)
