"""Benchmark: export the whole instrument in every format × 4 languages (issue 3).

Prints, per perspective, the best-of-N wall time of each exporter (including its structural validation and,
for XLSForm, the pyxform conversion) and of ``export(..., "all")``, then the time of one ODK Validate run (Java).

    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/export.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from instrument.export import EXPORTERS, export  # noqa: E402
from instrument.export._common import build_survey  # noqa: E402
from instrument.export.xlsform import validate_xlsform  # noqa: E402
from instrument.validate import (
    check_bank,  # noqa: E402
    load_bank,  # noqa: E402
)
from vcd_core.errors import BankError  # noqa: E402


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    try:
        inst = load_bank()
        note = ""
    except BankError as exc:
        inst = check_bank()[0]
        note = f" (bank incomplete: {str(exc)[:80]}...)"
    langs = list(inst.language_codes)
    print(f"bank: {len(inst.items())} items, {len(inst.checks)} checks, {len(inst.context)} context questions, "
          f"languages {','.join(langs)}{note}")
    with tempfile.TemporaryDirectory() as d:
        for persp in ("provider", "customer"):
            survey = build_survey(inst, persp, langs)
            n_cols = len(survey.columns())
            parts = []
            for name, fn in EXPORTERS.items():
                t = best(lambda fn=fn, p=persp, n=name: fn(inst, p, langs, Path(d) / n), args.repeat)
                parts.append(f"{name} {t * 1000:.0f} ms")
            t_all = best(lambda p=persp: export(inst, "all", p, langs, Path(d) / "all"), args.repeat)
            print(f"{persp}: {n_cols} columns; " + ", ".join(parts) + f"; all formats {t_all:.2f} s")
        if shutil.which("java"):
            path = EXPORTERS["xlsform"](inst, "provider", langs, Path(d) / "odk").files[0]
            t0 = time.perf_counter()
            problems = validate_xlsform(path, odk_validate=True)
            print(f"ODK Validate (Java) on the provider XLSForm: {time.perf_counter() - t0:.2f} s, "
                  f"{'passed' if not problems else problems}")


if __name__ == "__main__":
    main()
