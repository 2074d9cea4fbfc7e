"""``vcd cfa`` through click's CliRunner: summary, --json numbers, multi-group, --from-instrument, errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from sem_reference import REF, load_json

from analysis.cli import cli

HS = str(REF / "data" / "holzinger_swineford_1939.csv")
MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


def run(*args):
    return CliRunner().invoke(cli, ["cfa", *args])


def test_summary_default():
    r = run(HS, "--model-text", MODEL)
    assert r.exit_code == 0, r.output
    assert "Comparative Fit Index (CFI)" in r.output and "0.931" in r.output and "85.306" in r.output


def test_json_matches_lavaan(tmp_path):
    f = tmp_path / "m.lav"
    f.write_text(MODEL)
    r = run(HS, "--model", str(f), "--estimator", "MLR", "--json", "--modindices", "3")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    ref = load_json("hs39_cfa_mlr.json")["headline"]
    assert out["converged"] is True
    assert abs(out["fit"]["chisq_scaled"] - ref["chisq.scaled"]) < 1e-4
    assert abs(out["fit"]["cfi_robust"] - ref["cfi.robust"]) < 1e-6
    p = {(x["lhs"], x["op"], x["rhs"]): x for x in out["params"]}
    assert abs(p[("visual", "=~", "x2")]["se"] - 0.132077906461934) < 1e-5
    assert set(p[("visual", "=~", "x2")]) >= {"lhs", "op", "rhs", "group", "est", "se", "z", "pvalue", "std_all"}
    assert len(out["modindices"]) == 3


def test_multigroup_json():
    r = run(HS, "--model-text", MODEL, "--group", "school", "--group-equal", "loadings,intercepts", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["groups"] == ["Pasteur", "Grant-White"]
    assert abs(out["fit"]["chisq"] - 164.102830925183) < 1e-5


def test_from_instrument(tmp_path):
    from analysis.sem import model_from_instrument
    from instrument.validate import load_bank
    syntax = model_from_instrument(load_bank(), constructs=["INF", "TRU"])
    items = [t.split() for t in syntax.replace("=~", "").replace("+", "").splitlines()]
    rng = np.random.default_rng(1)
    f = rng.normal(size=(400, 2)) @ np.array([[1, .3], [0, .95]])
    cols = {}
    for k, row in enumerate(items):
        for code in row[1:]:
            cols[code] = np.clip(np.round(4 + 1.2 * f[:, k] + rng.normal(size=400)), 1, 7)
    path = tmp_path / "resp.csv"
    pd.DataFrame(cols).to_csv(path, index=False)
    r = run(str(path), "--from-instrument", "--constructs", "INF,TRU", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["model"] == syntax and out["fit"]["df"] == 53


@pytest.mark.parametrize(("args", "msg"), [
    (["--model-text", "visual =~ x1 + + x2"], "line 1, column 16"),
    (["--model-text", "f =~ x1 + zz"], "not in the data: zz"),
    (["--model-text", "f =~ x1 + x2\nx1 ~~ x2"], "not identified"),
])
def test_errors_are_one_clean_message(args, msg):
    r = run(HS, *args)
    assert r.exit_code == 1
    assert r.output.startswith("Error: ") and msg in r.output
    assert "Traceback" not in r.output


def test_usage_errors(tmp_path):
    assert run(HS).exit_code == 2
    assert run(HS, "--model-text", MODEL, "--from-instrument").exit_code == 2
    r = run(str(tmp_path / "nope.csv"), "--model-text", MODEL)
    assert r.exit_code == 1 and "no such file" in r.output


@pytest.mark.parametrize(("edit", "model", "msg"), [
    ("text", "f =~ x1 + x2 + x3", "row 6, column x2: non-numeric value 'abc'"),
    ("head", "f =~ x1 + x2 + x3 + x4 + x5", "need more rows than variables"),
    ("sum", "f =~ x1 + x2 + x10", "the sample covariance matrix is singular"),
])
def test_bad_data_is_one_line(tmp_path, edit, model, msg):
    d = pd.read_csv(HS)
    if edit == "text":
        d["x2"] = d["x2"].astype(object)
        d.loc[5, "x2"] = "abc"
    elif edit == "head":
        d = d.head(4)
    else:
        d["x10"] = d["x1"] + d["x2"]
    path = tmp_path / "bad.csv"
    d.to_csv(path, index=False)
    r = run(str(path), "--model-text", model)
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert r.output.startswith("Error: ") and msg in r.output
    assert len(r.output.strip().splitlines()) == 1
    if edit != "sum":  # data errors name the file
        assert r.output.startswith(f"Error: {path}")


def test_syntax_error_shows_the_line_and_a_caret():
    r = run(HS, "--model-text", "visual =~ x1 + + x2")
    lines = r.output.rstrip("\n").splitlines()
    assert r.exit_code == 1 and lines[0].startswith("Error: line 1, column 16:")
    assert lines[1].strip() == "visual =~ x1 + + x2" and lines[2].index("^") == 2 + 15


def test_information_observed():
    ref = {(x["lhs"], x["op"], x["rhs"]): x for x in load_json("sem_information.json")["hs39_ml_observed"]["params"]}
    r = run(HS, "--model-text", MODEL, "--information", "observed", "--json")
    assert r.exit_code == 0, r.output
    p = {(x["lhs"], x["op"], x["rhs"]): x for x in json.loads(r.output)["params"]}
    for key in [("visual", "=~", "x2"), ("speed", "=~", "x9"), ("x3", "~~", "x3")]:
        assert abs(p[key]["se"] - ref[key]["se"]) < 1e-4 * ref[key]["se"], key


DEMO = REF.parents[1] / "data" / "demo" / "responses_qualtrics.csv"


def test_from_instrument_on_the_demo_qualtrics_export():
    """The demo's raw Qualtrics export is imported (header rows, preview rows left out) and fitted."""
    from analysis.data.ingest import read_responses
    from analysis.sem import cfa, model_from_instrument
    from instrument.validate import load_bank
    r = run(str(DEMO), "--from-instrument", "--constructs", "INF,TRU", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["converged"] is True and out["fit"]["df"] == 53
    assert any("qualtrics" in n for n in out["data"]["notes"])
    assert "3 preview/test row(s) left out" in out["data"]["notes"]
    assert "note: 3 preview/test row(s) left out" in r.stderr
    assert out["data"]["n_read"] == 3503 and out["data"]["n"] == 3500
    data = read_responses(DEMO).data
    data = data[~data["preview"].astype(bool)]
    direct = cfa(model_from_instrument(load_bank(), constructs=["INF", "TRU"]), data)
    assert out["nobs"] == [direct.nobs[0]] and direct.nobs[0] < len(data)  # listwise drops the MCAR blanks
    assert abs(out["fit"]["chisq"] - direct.fit["chisq"]) < 1e-8
    r = run(str(DEMO), "--from-instrument", "--constructs", "INF,TRU", "--platform", "table")
    assert r.exit_code == 1 and f"Error: {DEMO}, row 1, column INF01: value" in r.output
    assert "is not a number" in r.output and len(r.output.strip().splitlines()) == 1
