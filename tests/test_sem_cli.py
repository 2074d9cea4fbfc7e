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
    from instrument.model import load_bank

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
