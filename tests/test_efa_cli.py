"""The ``vcd efa``, ``vcd reliability`` and ``vcd validity`` commands (CliRunner), on bfi and on simulated bank data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from analysis.cli import cli
from analysis.data.prepare import bank, bank_constructs

REF = Path(__file__).parent / "reference"
BFI = str(REF / "data" / "bfi.csv")


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def bank_data(tmp_path_factory):
    """Provider answers to the bank's reason items: one factor per reason, 7 points, reverse-keyed items reversed."""
    cons = bank_constructs(bank(), "provider", kind="reason")
    rng = np.random.default_rng(11)
    n = 600
    cols = {}
    for c in cons:
        f = rng.standard_normal(n)
        for item in c.items:
            z = 0.8 * f + 0.6 * rng.standard_normal(n)
            v = np.clip(np.round(4 + 1.3 * z), 1, 7)
            cols[item] = 8 - v if item in c.reverse else v
    df = pd.DataFrame(cols)
    df.iloc[::37, 0] = np.nan  # some missing answers
    path = tmp_path_factory.mktemp("bank") / "responses.csv"
    df.to_csv(path, index=False)
    return path, cons


def test_efa_items_json_matches_api():
    res = run("efa", BFI, "--items", "A1,A2,A3,A4,A5,C1,C2,C3,C4,C5", "--factors", "2", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    from analysis.measure.efa import run_efa

    api = run_efa(pd.read_csv(BFI), [f"{t}{i}" for t in "AC" for i in range(1, 6)], n_factors=2)
    got = pd.DataFrame(out["loadings"]).set_index("item")
    assert np.allclose(got[["F1", "F2", "h2"]].to_numpy(), api.loadings.set_index("item")[["F1", "F2", "h2"]])
    assert out["missing"] == "pairwise" and out["n"] == 2800 and abs(out["kmo"] - api.kmo) < 1e-12


def test_efa_parallel_text():
    res = run("efa", BFI, "--items", ",".join(f"{t}{i}" for t in "ACENO" for i in range(1, 6)),
              "--missing", "listwise", "--n-iter", "20", "--seed", "42")
    assert res.exit_code == 0, res.output
    assert "Parallel analysis (20 simulated data sets, n = 2436, seed 42): 6 factors" in res.output
    assert "Velicer's MAP: 5 factors" in res.output


def test_efa_from_instrument(bank_data):
    path, cons = bank_data
    res = run("efa", path, "--from-instrument", "--factors", str(len(cons)), "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    sugg = pd.DataFrame(out["suggestions"])
    assert set(sugg["construct"]) == {c.name for c in cons}
    # one factor per reason: the items of a reason share their primary factor
    load = pd.DataFrame(out["loadings"]).set_index("item")
    for c in cons:
        assert load.loc[list(c.items), "primary_factor"].nunique() == 1
    text = run("efa", path, "--from-instrument", "--factors", str(len(cons)))
    assert "Item-reduction suggestions" in text.output


def test_efa_bad_input(tmp_path):
    df = pd.DataFrame({"a": [1, 2, 3, 4, 5, 6], "b": [2, 1, 3, 5, 4, 6], "c": [3, 3, 3, 3, 3, 3]})
    p = tmp_path / "x.csv"
    df.to_csv(p, index=False)
    res = run("efa", p, "--items", "a,b,c", "--factors", "1")
    assert res.exit_code == 1
    assert res.output.strip() == f"Error: {p}: item(s) c have no variance (constant or empty); remove them"
    res = run("efa", BFI, "--items", "A1,A2,A3,A4", "--factors", "3")
    assert res.exit_code == 1 and "3 factors cannot be identified from 4 items" in res.output
    assert "Traceback" not in res.output
    res = run("efa", BFI)
    assert res.exit_code == 2 and "--items or --from-instrument" in res.output


def test_reliability_scales(tmp_path):
    res = run("reliability", BFI, "--scale", "agree=-A1,A2,A3,A4,A5", "--range", "1,6", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    s = out["scales"][0]
    assert s["construct"] == "agree" and abs(s["alpha"] - 0.703018446057304) < 1e-4  # psych, pairwise, all rows
    assert [r["item"] for r in out["items"]] == ["A1", "A2", "A3", "A4", "A5"]
    res = run("reliability", BFI, "--scale", "agree=-A1,A2,Q9")
    assert res.exit_code == 1 and "scale agree: unknown item(s) Q9" in res.output


def test_reliability_from_instrument(bank_data):
    path, cons = bank_data
    res = run("reliability", path, "--from-instrument", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert {s["construct"] for s in out["scales"]} == {c.name for c in cons}
    assert all(s["alpha"] > 0.7 for s in out["scales"])  # reverse-keyed items were recoded from the bank


def test_validity_model_and_instrument(bank_data):
    res = run("validity", BFI, "--model", "agree =~ A2 + A3 + A4 + A5; consc =~ C1 + C2 + C3", "--json", "--no-cfa")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert set(out["htmt"]) == {"agree", "consc"} and out["measures"] is None
    path, cons = bank_data
    res = run("validity", path, "--from-instrument", "--no-cfa")
    assert res.exit_code == 0, res.output
    assert "HTMT" in res.output
    res = run("validity", BFI, "--model", "agree =~ A2 + A3 + ZZ")
    assert res.exit_code == 1 and "unknown item(s) ZZ" in res.output


def test_reliability_omega_hierarchical():
    extra = json.loads((REF / "expected" / "bfi_efa_extra.json").read_text())
    scales = ["agree=-A1,A2,A3,A4,A5", "consc=C1,C2,C3,-C4,-C5", "extra=-E1,-E2,E3,E4,E5", "neuro=N1,N2,N3,N4,N5",
              "open=O1,-O2,O3,O4,-O5"]
    args = [a for s in scales for a in ("--scale", s)]
    res = run("reliability", BFI, *args, "--range", "1,6", "--missing", "listwise", "--omega-h", "5", "--json")
    assert res.exit_code == 0, res.output
    om = json.loads(res.output)["omega_hierarchical"]
    assert abs(om["omega_h"] - extra["omega_5f"]["omega_h"]) < 1e-4
    assert abs(om["omega_total"] - extra["omega_5f"]["omega_total"]) < 1e-4
    text = run("reliability", BFI, *args, "--omega-h", "5")
    assert "Schmid-Leiman with 5 group factors" in text.output and "omega_h" in text.output


def test_validity_with_cfa(tmp_path):
    ref = json.loads((REF / "expected" / "bfi_cfa.json").read_text())
    x = pd.read_csv(BFI)
    rev = ["A1", "C4", "C5", "E1", "E2", "O2", "O5"]
    x[rev] = 7 - x[rev]
    p = tmp_path / "bfi_reversed.csv"
    x.to_csv(p, index=False)
    model = tmp_path / "model.lav"
    model.write_text(ref["model_syntax"])
    res = run("validity", p, "--model", model, "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    meas = {m["construct"]: m for m in out["measures"]}
    for c, v in ref["reverse_keyed_variant"]["compRelSEM"].items():
        assert abs(meas[c]["cr"] - v) < 1e-4
    for c, v in ref["reverse_keyed_variant"]["AVE"].items():
        assert abs(meas[c]["ave"] - v) < 1e-4
    assert out["n"] == 2436 and set(out["fornell_larcker"]) == set(meas)
