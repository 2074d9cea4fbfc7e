"""``vcd align``: on a simulated study (the demo's planted non-invariance) and on bfi (FIXED drift refused)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from analysis.cli import cli

HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("align_demo")
    r = CliRunner().invoke(cli, ["simulate", "--countries", "6", "--n", "300", "--seed", "1", "-o", str(out)])
    assert r.exit_code == 0, r.output
    return out / "responses.csv"


def test_align_text_json_and_files(demo, tmp_path):
    run = CliRunner()
    # FR as reference: the order this test was written with (the file's first rows are preview rows from FR, which
    # the prepared-data layer now leaves out, so the default reference became FI).
    r = run.invoke(cli, ["align", str(demo), "--from-instrument", "--constructs", "INF,TRU", "--free",
                         "--reference", "FR", "--simulate", "20", "-o", str(tmp_path / "al")])
    assert r.exit_code == 0, r.output
    assert "Alignment of INF" in r.output and "FREE" in r.output and "Monte Carlo check" in r.output
    assert "INF02  FR FI (DE) ES SE IT" in r.output  # the demo's planted intercept of INF02 in DE
    assert "TRU03  FR FI DE (ES) SE IT" in r.output  # and its loading of TRU03 in ES
    files = {p.name for p in (tmp_path / "al").iterdir()}
    assert {"aligned_means.csv", "invariance.csv", "ranking.csv", "summary.txt", "montecarlo_INF.csv"} <= files
    means = pd.read_csv(tmp_path / "al" / "aligned_means.csv")
    assert len(means) == 12 and set(means["factor"]) == {"INF", "TRU"}
    rj = run.invoke(cli, ["align", str(demo), "--from-instrument", "--constructs", "INF", "--free", "--json",
                          "--reference", "DE", "--align-pow", "0.5,0.5", "--align-scale", "1"])
    assert rj.exit_code == 0, rj.output
    recs = json.loads(rj.stdout)
    assert len(recs) == 6 and recs[0]["group"] == "DE" and recs[0]["mean"] == 0.0
    assert {"factor", "group", "n", "mean", "sd", "se_mean", "se_sd"} <= set(recs[1])
    assert recs[1]["se_mean"] > 0


def test_align_errors(demo, tmp_path):
    run = CliRunner()
    r = run.invoke(cli, ["align", str(demo), "--from-instrument", "--estimator", "WLSMV"])
    assert r.exit_code == 1 and "Error:" in r.output and "ordinal" in r.output
    r = run.invoke(cli, ["align", str(demo), "--from-instrument", "--reference", "XX"])
    assert r.exit_code == 1 and "reference group 'XX'" in r.output
    r = run.invoke(cli, ["align", str(demo), "--model-text", "F =~ INF01 + INF02 + INF03", "--align-pow", "x"])
    assert r.exit_code == 2 and "--align-pow" in r.output
    bfi = pd.read_csv(HERE / "reference" / "data" / "bfi.csv")
    bfi = bfi[bfi["education"].notna()].assign(A1r=lambda d: 7 - d["A1"])
    bfi["grp"] = [f"edu{int(e)}_g{int(g)}" for e, g in zip(bfi["education"], bfi["gender"], strict=True)]
    bfi = bfi.sort_values(["education", "gender"], kind="stable")
    path = tmp_path / "bfi.csv"
    bfi.to_csv(path, index=False)
    r = run.invoke(cli, ["align", str(path), "--model-text", "agree =~ A1r + A2 + A3 + A4 + A5", "--group", "grp"])
    assert r.exit_code == 1 and "Error:" in r.output and "drift" in r.output and "Traceback" not in r.output
    r = run.invoke(cli, ["align", str(path), "--model-text", "agree =~ A1r + A2 + A3 + A4 + A5", "--group", "grp",
                         "--free", "--json"])
    assert r.exit_code == 0 and len(json.loads(r.stdout)) == 10
