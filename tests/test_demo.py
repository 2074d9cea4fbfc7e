"""vcd demo (= make demo): the bundled demo study runs end to end and its results and report show the planted truth
of data/demo/truth.json — the two non-invariant parameters flagged (and nothing else), the planted
relationship-type and phase differences significant, the careless respondents caught."""

from __future__ import annotations

import json
from pathlib import Path

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
