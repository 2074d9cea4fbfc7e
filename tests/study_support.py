"""A small simulated study (4 countries × 200, planted truth) run through ``run_study`` — shared by the study and
report tests. The title carries markup so that escaping is exercised everywhere."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

TITLE = "Small <b>study</b> & \"friends\""

STUDY_TOML = """
[study]
name = "small"
title = {title}
description = "Four countries <script>alert(1)</script>"
seed = 3

[data]
path = "responses.csv"
truth = "truth.json"

[efa]
n_factors = 8
n_iter = 5

[cfa]
estimator = "MLR"
{extra}
"""


def write_small_study(folder: Path, extra: str = "", countries: int = 4, n: int = 200, missing: float = 0.005,
                      seed: int = 2) -> Path:
    """Simulate the study into ``folder`` and write its study.toml; returns the study.toml path."""
    import json

    from analysis.data.ingest import default_instrument
    from analysis.data.simulate import demo_spec, simulate, write_simulation

    inst = default_instrument()[0]
    spec = replace(demo_spec(countries, n_per_country=n, seed=seed), missing_rate=missing)
    folder.mkdir(parents=True, exist_ok=True)
    write_simulation(simulate(inst, spec), folder, inst=inst)
    path = folder / "study.toml"
    path.write_text(STUDY_TOML.format(title=json.dumps(TITLE), extra=extra), encoding="utf-8")
    return path


def small_study(tmp_path: Path, render: bool = False, extra: str = ""):
    """Simulate and run the small study; returns the :class:`analysis.study.runner.StudyRun`."""
    from analysis.study import run_study

    toml = write_small_study(tmp_path / "study", extra=extra)
    return run_study(toml, tmp_path / "results", progress=False, render=render)
