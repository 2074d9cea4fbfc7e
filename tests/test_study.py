"""``vcd run``: the study runner on a small simulated study with planted truth.

Checks the results folder against the data (numbers recomputed here), the manifest, byte-identical re-runs,
skipped / failed steps recorded with one-line reasons, and study.toml errors that name the key.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from study_support import small_study, write_small_study

from analysis.cli import cli
from analysis.study import run_study
from analysis.study.config import config_from_dict, load_study
from vcd_core.errors import EstimationError, StudyError


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return small_study(tmp_path_factory.mktemp("study"), render=True)


def _status(run) -> dict[str, str]:
    return {s["step"]: s["status"] for s in run.manifest["steps"]}


def test_every_available_step_runs(run):
    status = _status(run)
    for step in ("ingest", "clean", "descriptives", "efa", "reliability", "cfa", "compare"):
        assert status[step] == "ok", run.summary()
    inv = next(s for s in run.manifest["steps"] if s["step"] == "invariance")
    assert inv["status"] in ("ok", "skipped"), inv
    if inv["status"] == "skipped":
        assert inv["reason"]
    for sub in ("cleaning", "descriptives", "efa", "reliability", "cfa", "compare"):
        assert (run.folder / sub).is_dir()
    assert {"html", "md", "xlsx"} <= set(run.reports)


def test_manifest(run):
    m = json.loads((run.folder / "manifest.json").read_text())
    assert m["format"] == "vcd-results" and m["format_version"] == 1
    assert m["study"]["name"] == "small" and m["seed"] == 3
    assert m["packages"]["numpy"] == np.__version__ and m["packages"]["pandas"] == pd.__version__
    responses = run.folder.parent.parent / "study" / "responses.csv"
    entry = next(i for i in m["inputs"] if i["role"] == "responses")
    assert entry["sha256"] == hashlib.sha256(responses.read_bytes()).hexdigest()
    assert entry["bytes"] == responses.stat().st_size and entry["path"] == "responses.csv"
    assert {i["role"] for i in m["inputs"]} == {"responses", "truth"}
    assert set(m["timing"]) >= {"ingest", "clean", "efa", "cfa", "compare", "total", "report"}
    assert m["timing"]["total"] >= sum(v for k, v in m["timing"].items() if k not in ("total", "report")) - 1e-6
    assert m["config"]["cfa"]["estimator"] == "MLR" and m["config"]["data"]["path"] == "responses.csv"
    cfa = next(s for s in m["steps"] if s["step"] == "cfa")
    assert cfa["outputs"] == ["fit.json", "model.lav", "params.csv"]


def test_numbers_match_the_data(run):
    """Cleaning bookkeeping, descriptives and the calibration/holdout split, recomputed from the raw file."""
    raw = pd.read_csv(run.folder.parent.parent / "study" / "responses.csv")
    flow = json.loads((run.folder / "cleaning" / "flow.json").read_text())
    excluded = pd.read_csv(run.folder / "cleaning" / "excluded.csv")
    assert flow["n_raw"] == len(raw) and flow["n_kept"] + flow["n_excluded"] == flow["n_raw"]
    kept = raw[~raw["respondent_id"].isin(excluded["respondent_id"])]
    items = pd.read_csv(run.folder / "descriptives" / "items.csv")
    inf01 = items.set_index("item").loc["INF01"]
    assert inf01["n"] == kept["INF01"].notna().sum()
    assert inf01["mean"] == pytest.approx(kept["INF01"].mean(), abs=1e-9)
    assert inf01["sd"] == pytest.approx(kept["INF01"].std(), abs=1e-9)
    scores = pd.read_csv(run.folder / "descriptives" / "scores_by_country.csv")
    fi = kept[kept["country"] == "FI"]
    inf_items = [f"INF0{k}" for k in range(1, 7)]
    assert scores.query("country == 'FI' and construct == 'INF'")["mean"].item() == pytest.approx(
        fi[inf_items].mean(axis=1).mean(), abs=1e-9)
    efa = json.loads((run.folder / "efa" / "summary.json").read_text())
    fit = json.loads((run.folder / "cfa" / "fit.json").read_text())
    assert efa["sample"] == "calibration half" and fit["sample"] == "holdout half"
    assert efa["n"] + fit["n_sample"] == flow["n_kept"]
    # the eight planted reasons come back as eight factors, one per reason
    assert sorted(efa["factor_construct"].values()) == sorted(["INF", "TRU", "MIS", "SRV", "CHG", "EXP", "MSB", "BLM"])
    assert fit["converged"] and fit["fit"]["cfi"] > 0.95
    assert (run.folder / "cfa" / "model.lav").read_text().startswith("INF =~ INF01 + INF02")


def test_planted_differences_found(run):
    tests = pd.read_csv(run.folder / "compare" / "tests_relationship_type.csv")
    main = tests[tests["primary"]].set_index("reason")
    for reason in ("absence_of_information", "insufficient_trust", "inability_to_change"):  # planted
        assert main.loc[reason, "p_adj"] < 0.05, reason
    phase = pd.read_csv(run.folder / "compare" / "tests_phase.csv")
    main = phase[phase["primary"]].set_index("reason")
    for reason in ("inability_to_change", "absence_of_clear_expectations", "blaming"):  # planted
        assert main.loc[reason, "p_adj"] < 0.05, reason
    for reason in ("absence_of_information", "insufficient_trust"):  # not planted by phase
        assert main.loc[reason, "p_adj"] > 0.05, reason


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_rerun_gives_identical_files(run, tmp_path):
    again = run_study(run.folder.parent.parent / "study" / "study.toml", tmp_path / "again", progress=False)
    a, b = _files(run.folder), _files(again.folder)
    assert sorted(a) == sorted(b)
    differ = [k for k in a if a[k] != b[k] and k != "manifest.json"]
    assert not differ, differ
    ma, mb = json.loads(a["manifest.json"]), json.loads(b["manifest.json"])
    ma.pop("timing"), mb.pop("timing")
    assert ma == mb


def test_rerun_replaces_stale_outputs(tmp_path):
    """A step switched off on the second run leaves no sub-folder from the first run behind."""
    toml = write_small_study(tmp_path / "study", n=80, countries=3)
    first = run_study(toml, tmp_path / "r", progress=False, render=False)
    assert (first.folder / "efa").is_dir()
    toml.write_text(toml.read_text().replace("[efa]\n", "[efa]\nenabled = false\n"))
    second = run_study(toml, tmp_path / "r", progress=False, render=False)
    assert not (second.folder / "efa").exists()
    efa = next(s for s in second.manifest["steps"] if s["step"] == "efa")
    assert efa == {"step": "efa", "status": "skipped", "reason": "switched off in the study ([efa] enabled = false)",
                   "warnings": [], "outputs": []}


def test_failed_and_missing_steps_are_recorded(tmp_path, monkeypatch):
    import analysis.study.steps as steps

    def boom(ctx):
        raise EstimationError("the model is not identified")

    def bug(ctx):
        raise ValueError("something unexpected\nsecond line")

    monkeypatch.setitem(steps.STEPS, "cfa", boom)
    monkeypatch.setitem(steps.STEPS, "compare", bug)
    monkeypatch.setitem(sys.modules, "analysis.measure.reliability", None)  # as if the module did not exist
    toml = write_small_study(tmp_path / "study", n=80, countries=3)
    res = run_study(toml, tmp_path / "r", progress=False, render=True)
    by = {s["step"]: s for s in res.manifest["steps"]}
    assert by["cfa"]["status"] == "failed" and by["cfa"]["reason"] == "the model is not identified"
    assert by["compare"]["status"] == "failed" and by["compare"]["reason"] == "ValueError: something unexpected"
    assert by["reliability"]["status"] == "skipped"
    assert by["reliability"]["reason"] == "analysis.measure.reliability is not available in this version of vcd-toolkit"
    assert by["efa"]["status"] == "ok" and not (res.folder / "cfa").exists()
    html = res.reports["html"].read_text()
    assert "This step failed: the model is not identified." in html
    assert "Traceback" not in html


def test_cli_run_exit_status_and_one_line_errors(tmp_path, monkeypatch):
    import analysis.study.steps as steps

    toml = write_small_study(tmp_path / "study", n=80, countries=3)
    ok = CliRunner().invoke(cli, ["run", str(toml), "-o", str(tmp_path / "r"), "--quiet", "--no-report", "--json"])
    assert ok.exit_code == 0, ok.output
    out = json.loads(ok.output)
    assert [s["step"] for s in out["steps"]][:3] == ["ingest", "clean", "descriptives"]
    monkeypatch.setitem(steps.STEPS, "efa", lambda ctx: (_ for _ in ()).throw(EstimationError("too few items")))
    bad = CliRunner().invoke(cli, ["run", str(toml), "-o", str(tmp_path / "r"), "--quiet", "--no-report"])
    assert bad.exit_code == 1
    assert "Error: 1 step(s) failed: efa (too few items)" in bad.output and "Traceback" not in bad.output
    missing = CliRunner().invoke(cli, ["run", str(tmp_path / "nope.toml")])
    assert missing.exit_code == 1 and missing.output.strip().endswith("nope.toml: no such file")
    check = CliRunner().invoke(cli, ["run", str(toml), "--check"])
    assert check.exit_code == 0 and "valid study 'small'" in check.output


def test_missing_input_file_fails_ingest_and_skips_the_rest(tmp_path):
    toml = tmp_path / "study.toml"
    toml.write_text('[study]\nname = "x"\n[data]\npath = "absent.csv"\n')
    res = run_study(toml, tmp_path / "r", progress=False, render=False)
    by = {s["step"]: s for s in res.manifest["steps"]}
    assert by["ingest"]["status"] == "failed" and by["ingest"]["reason"].endswith("absent.csv: no such file (set "
                                                                                   "[data] path in the study.toml)")
    assert by["clean"] == {"step": "clean", "status": "skipped", "reason": "needs the ingest step, which failed",
                           "warnings": [], "outputs": []}


@pytest.mark.parametrize(("doc", "message"), [
    ({"study": {"name": "s"}}, "[data] is required"),
    ({"study": {}, "data": {"path": "r.csv"}}, "[study] name is required"),
    ({"study": {"name": "s"}, "data": {"path": "r.csv"}, "extra": {}}, "unknown table [extra]"),
    ({"study": {"name": "s", "seed": "one"}, "data": {"path": "r.csv"}}, "[study] seed must be an integer"),
    ({"study": {"name": "s"}, "data": {"path": "r.csv", "platform": "excel"}}, "[data] platform must be one of"),
    ({"study": {"name": "s"}, "data": {"path": "r.csv"}, "efa": {"rotation": "quartimax"}},
     "[efa] rotation must be one of oblimin, promax"),
    ({"study": {"name": "s"}, "data": {"path": "r.csv"}, "cfa": {"enabled": "yes"}}, "[cfa] enabled must be true or"),
    ({"study": {"name": "s"}, "data": {"path": "r.csv"}, "compare": {"alpha": 5}}, "[compare] alpha must be a number"),
    ({"study": {"name": "s"}, "data": {"path": "r.csv"}, "compare": {"groupings": "x", "method": "t"}},
     "[compare] method must be one of"),
    ({"study": {"name": "s"}, "data": {"path": "r.csv"}, "invariance": {"steps": ["metric", "weak"]}},
     "[invariance] steps has unknown value(s) 'weak'"),
    ({"study": {"name": "s"}, "data": {"path": "r.csv"}, "cleaning": {"speeders": {"min_ratio": "fast"}}},
     "[cleaning.speeders] min_ratio must be a number"),
    ({"study": {"name": "../up"}, "data": {"path": "r.csv"}}, "[study] name must use only letters"),
])
def test_config_errors_name_the_key(doc, message):
    with pytest.raises(StudyError) as err:
        config_from_dict(doc, source="study.toml")
    assert message in str(err.value) and str(err.value).startswith("study.toml: ")
    assert "\n" not in str(err.value)


def test_config_paths_relative_to_the_toml(tmp_path):
    (tmp_path / "sub").mkdir()
    toml = tmp_path / "sub" / "study.toml"
    toml.write_text('[study]\nname = "s"\n[data]\npath = "r.csv"\nformat = "csv"\n[efa]\nsplit = "none"\n'
                    '[analysis]\nestimator = "ML"\n')
    cfg = load_study(toml)
    assert cfg.data.path == (tmp_path / "sub" / "r.csv").resolve() and cfg.data.platform == "csv"
    assert cfg.efa.sample == "full" and cfg.cfa.estimator == "ML" and cfg.invariance.estimator == "ML"
    bad = tmp_path / "bad.toml"
    bad.write_text("[study\nname=")
    with pytest.raises(StudyError, match="not valid TOML"):
        load_study(bad)


def test_demo_study_config_is_valid():
    demo = Path(__file__).resolve().parent.parent / "data" / "demo" / "study.toml"
    cfg = load_study(demo)
    assert cfg.data.path.is_file() and cfg.name
