"""vcd demo (= make demo): the bundled demo study runs end to end and its results and report show the planted truth
of data/demo/truth.json — the two non-invariant parameters flagged (and nothing else), the planted
relationship-type and phase differences significant, the careless respondents caught — and `vcd reliability/efa/cfa
--from-instrument` on the cleaned respondents give the numbers the run wrote (one prepared-data layer)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from analysis.cli import cli

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    r = CliRunner().invoke(cli, ["demo", "-o", str(out), "--quiet"])
    assert r.exit_code == 0, r.output
    report = Path(r.output.strip().splitlines()[-1])
    assert report.name == "report.html" and report.is_file()
    return report.parent, json.loads((DEMO / "truth.json").read_text())


def test_every_step_ran(demo):
    folder, _ = demo
    m = json.loads((folder / "manifest.json").read_text())
    assert {s["step"]: s["status"] for s in m["steps"]} == {
        "ingest": "ok", "clean": "ok", "descriptives": "ok", "efa": "ok", "reliability": "ok", "cfa": "ok",
        "invariance": "ok", "compare": "ok"}


def test_planted_noninvariance_flagged_and_nothing_else(demo):
    folder, truth = demo
    planted = {(f"{n['construct']} =~ {n['item']}" if n["param"] == "loading" else f"{n['item']} ~1", n["country"])
               for n in truth["noninvariance"]}
    assert planted == {("TRU =~ TRU03", "ES"), ("INF02 ~1", "DE")}
    freed = pd.read_csv(folder / "invariance" / "freed.csv")
    assert set(zip(freed["param"], freed["group"], strict=True)) == planted
    dec = json.loads((folder / "invariance" / "decisions.json").read_text())
    assert dec["highest"] == "scalar" and dec["partial"] is True and len(dec["groups"]) == 10
    comp = pd.read_csv(folder / "invariance" / "comparability.csv")
    bad = set(zip(comp.loc[~comp["means_comparable"], "construct"], comp.loc[~comp["means_comparable"], "group"],
                  strict=True))
    assert bad == {("TRU", "ES"), ("INF", "DE")}
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "INF02 ~1" in html and "TRU =~ TRU03" in html and "2 country × reason cell(s) are hatched" in html


def test_planted_group_differences_significant(demo):
    folder, truth = demo
    names = {"INF": "absence_of_information", "TRU": "insufficient_trust", "CHG": "inability_to_change",
             "EXP": "absence_of_clear_expectations", "MSB": "customer_misbehaviour", "BLM": "blaming"}

    def significant(grouping: str) -> set[str]:
        t = pd.read_csv(folder / "compare" / f"tests_{grouping}.csv")
        main = t[t["primary"].astype(bool)]
        return set(main.loc[main["p_adj"] < 0.05, "reason"].astype(str))

    rel = significant("relationship_type")
    for code in truth["relationship_type_means"]:
        assert any(code in r or names[code] in r for r in rel), (code, rel)
    phase = significant("phase")
    for code in truth["phase_means"]:
        assert any(code in r or names[code] in r for r in phase), (code, phase)


def test_careless_respondents_caught(demo):
    folder, _ = demo
    ev = pd.read_csv(folder / "cleaning" / "evaluation.csv").set_index("kind")
    assert ev.loc["all", "sensitivity"] >= 0.9 and ev.loc["all", "precision"] >= 0.9
    flow = json.loads((folder / "cleaning" / "flow.json").read_text())
    assert flow["n_kept"] + flow["n_excluded"] == flow["n_raw"]


@pytest.fixture(scope="module")
def kept(demo, tmp_path_factory):
    """The demo's cleaned respondents as `vcd clean --study` writes them, checked against the run's exclusions."""
    folder, _ = demo
    out = tmp_path_factory.mktemp("clean")
    r = CliRunner().invoke(cli, ["clean", str(DEMO / "responses_qualtrics.csv"), "--study", str(DEMO / "study.toml"),
                                 "-o", str(out), "--json"])
    assert r.exit_code == 0, r.output
    path = out / "cleaning" / "kept.csv"
    kept = pd.read_csv(path)
    excluded = pd.read_csv(folder / "cleaning" / "excluded.csv")
    flow = json.loads((folder / "cleaning" / "flow.json").read_text())
    assert len(kept) == flow["n_kept"] and not set(kept["respondent_id"]) & set(excluded["respondent_id"])
    return path, kept


def _cli_json(*args) -> dict:
    r = CliRunner().invoke(cli, [str(a) for a in args])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def _halves(kept_frame: pd.DataFrame, tmp: Path) -> tuple[Path, Path]:
    """The run's calibration and holdout halves of the kept respondents, as two tables."""
    from analysis.study.steps import split_halves

    cal, hold = split_halves(kept_frame, seed=1, share=0.5)
    paths = tmp / "calibration.csv", tmp / "holdout.csv"
    kept_frame.loc[cal].to_csv(paths[0], index=False)
    kept_frame.loc[hold].to_csv(paths[1], index=False)
    return paths


def test_cli_reliability_equals_the_run(demo, kept):
    """`vcd reliability kept.csv --from-instrument` = the run's reliability/ (same constructs, same numbers)."""
    folder, _ = demo
    out = _cli_json("reliability", kept[0], "--from-instrument", "--json")
    for name, key in (("scales", ["construct"]), ("items", ["construct", "item"])):
        run = pd.read_csv(folder / "reliability" / f"{name}.csv")
        cli_tab = pd.DataFrame(out[name])[run.columns]
        assert cli_tab[key].equals(run[key]), name  # same constructs and items, same order
        num = run.select_dtypes("number").columns
        assert np.allclose(cli_tab[num].to_numpy(float), run[num].to_numpy(float), rtol=1e-9, atol=1e-12,
                           equal_nan=True), name


def test_cli_efa_on_the_calibration_half_equals_the_run(demo, kept, tmp_path):
    folder, _ = demo
    cal, _ = _halves(kept[1], tmp_path)
    out = _cli_json("efa", cal, "--from-instrument", "--parallel", "--seed", 1, "--n-iter", 20, "--json")
    summary = json.loads((folder / "efa" / "summary.json").read_text())
    assert out["n"] == summary["n"] and out["n_factors"] == summary["n_factors"]
    run = pd.read_csv(folder / "efa" / "loadings.csv").set_index("item")
    got = pd.DataFrame(out["loadings"]).set_index("item")
    assert got.index.tolist() == run.index.tolist()
    factors = [f for f in run.columns if f.startswith("F") or f == "h2"]
    assert np.allclose(got[factors].to_numpy(float), run[factors].to_numpy(float), rtol=1e-8, atol=1e-10)
    sugg = pd.DataFrame(out["suggestions"]).set_index("item")
    assert sugg["construct"].to_dict() == run["construct"].to_dict()  # the same construct codes


def test_cli_cfa_on_the_holdout_half_equals_the_run(demo, kept, tmp_path):
    folder, _ = demo
    _, hold = _halves(kept[1], tmp_path)
    out = _cli_json("cfa", hold, "--from-instrument", "--estimator", "MLR", "--json")
    fit = json.loads((folder / "cfa" / "fit.json").read_text())
    assert out["model"] + "\n" == (folder / "cfa" / "model.lav").read_text()
    assert out["nobs"] == [fit["n"]] and out["converged"] is fit["converged"]
    for k in ("chisq", "df", "cfi", "tli", "rmsea", "srmr", "chisq_scaled", "cfi_robust", "rmsea_robust"):
        assert out["fit"][k] == pytest.approx(fit["fit"][k], rel=1e-8, abs=1e-10), k
    params = pd.read_csv(folder / "cfa" / "params.csv")
    got = pd.DataFrame(out["params"])
    assert np.allclose(got["est"].to_numpy(float), params["est"].to_numpy(float), rtol=1e-8, atol=1e-10)
