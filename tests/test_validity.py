"""Parity of analysis.measure.validity with semTools 0.5.6 (htmt, AVE, compRelSEM) on bfi's five-factor model.

Reference: tests/reference/expected/bfi_cfa.json (subset of the shared reference; see
bfi_efa_reliability.PROVENANCE.md). AVE/CR are computed from lavaan's own ML estimates stored there (so they test
our formulas independently of the CFA engine) and end to end with analysis.sem.cfa.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.measure.validity import htmt, htmt_pairs, measures_from_params, model_constructs, validity
from vcd_core.errors import DataError, ModelSyntaxError

REF = Path(__file__).parent / "reference"
# Tolerances, per kind of number (semTools/lavaan references carry 15 significant digits):
CLOSED = 1e-12  # HTMT from Pearson correlations, AVE/CR/Fornell-Larcker from lavaan's estimates; achieved ~1e-15
POLY_HTMT = 2e-8  # HTMT from polychoric correlations (ML by bisection here, lavCor's optimiser there); achieved 8e-9
CFA = 3e-6  # AVE/CR from our own CFA fit against lavaan's (iterative ML, both stop at ~1e-6); achieved 1.2e-6
REV = ["A1", "C4", "C5", "E1", "E2", "O2", "O5"]


@pytest.fixture(scope="module")
def ref():
    return json.loads((REF / "expected" / "bfi_cfa.json").read_text())


@pytest.fixture(scope="module")
def bfi():
    return pd.read_csv(REF / "data" / "bfi.csv")


@pytest.fixture(scope="module")
def model(ref):
    return model_constructs(ref["model_syntax"])


def _mat(block):
    return pd.DataFrame(block["values"], index=block["rownames"], columns=block["colnames"])


@pytest.mark.parametrize("key,kwargs", [("htmt_default", {}), ("htmt_classic", {"htmt2": False}),
                                        ("htmt_polychoric", {"cor": "polychoric"})])
def test_htmt_parity(ref, bfi, model, key, kwargs):
    want = _mat(ref["semTools_as_is"][key]["matrix"])
    got = htmt(bfi, model, **kwargs)
    tol = POLY_HTMT if kwargs.get("cor") == "polychoric" else CLOSED
    assert np.abs(got.loc[want.index, want.columns].to_numpy() - want.to_numpy()).max() < tol


def test_htmt_reverse_keyed_equals_as_is(ref, bfi, model):
    x = bfi.copy()
    x[REV] = 7 - x[REV]
    want = _mat(ref["reverse_keyed_variant"]["htmt_default"])
    assert np.abs(htmt(x, model).to_numpy() - want.to_numpy()).max() < CLOSED


def test_htmt_flags():
    r = pd.DataFrame(np.eye(4), index=list("abcd"), columns=list("abcd"))
    r.loc["a", "b"] = r.loc["b", "a"] = 0.5
    r.loc["c", "d"] = r.loc["d", "c"] = 0.5
    for i in "ab":
        for j in "cd":
            r.loc[i, j] = r.loc[j, i] = 0.44
    m = htmt(None, {"X": ["a", "b"], "Y": ["c", "d"]}, correlation=r)
    pairs = htmt_pairs(m)
    assert abs(pairs["htmt"].iloc[0] - 0.88) < 1e-12
    assert pairs["above_085"].iloc[0] and not pairs["above_090"].iloc[0]


def _params(ref, reverse=False):
    p = pd.DataFrame(ref["ML"]["parameter_estimates"])
    if reverse:  # reverse-coding an item flips its loading; the marker (first item) sets the factor's direction
        p = p.copy()
        cons = model_constructs(ref["model_syntax"])
        for c, items in cons.items():
            marker_rev = items[0] in REV
            for i in items:
                flip = (i in REV) != marker_rev
                sel = (p["op"] == "=~") & (p["lhs"] == c) & (p["rhs"] == i)
                if flip:
                    p.loc[sel, "est"] *= -1
            if marker_rev:  # reflect the factor: covariances with other factors change sign
                sel = (p["op"] == "~~") & (p["lhs"] != p["rhs"]) & ((p["lhs"] == c) | (p["rhs"] == c))
                p.loc[sel, "est"] *= -1
    return p


def test_ave_cr_from_lavaan_estimates(ref, bfi, model):
    items = [i for v in model.values() for i in v]
    x = bfi[items].dropna()
    meas, fl = measures_from_params(_params(ref), x.cov(ddof=0), model)
    meas = meas.set_index("construct")
    for c, v in ref["semTools_as_is"]["AVE"].items():
        assert abs(meas.loc[c, "ave"] - v) < CLOSED
    for c, v in ref["semTools_as_is"]["compRelSEM"].items():
        assert abs(meas.loc[c, "cr"] - v) < CLOSED
    # reverse-keyed data: the meaningful composite reliabilities
    xr = x.copy()
    xr[REV] = 7 - xr[REV]
    meas_r, fl_r = measures_from_params(_params(ref, reverse=True), xr.cov(ddof=0), model)
    meas_r = meas_r.set_index("construct")
    for c, v in ref["reverse_keyed_variant"]["compRelSEM"].items():
        assert abs(meas_r.loc[c, "cr"] - v) < CLOSED
    for c, v in ref["reverse_keyed_variant"]["AVE"].items():
        assert abs(meas_r.loc[c, "ave"] - v) < CLOSED
    # Fornell-Larcker off-diagonal = lavaan's latent correlations
    want = _mat(ref["ML"]["factor_correlations"])
    off = fl.to_numpy() - np.diag(np.diag(fl.to_numpy()))
    assert np.abs(off - (want.to_numpy() - np.eye(5))).max() < CLOSED
    assert np.allclose(np.diag(fl.to_numpy()), np.sqrt(meas["ave"].to_numpy()))
    assert (meas["fornell_larcker_ok"] == (meas["sqrt_ave"] > meas["max_abs_r"])).all()


def test_validity_end_to_end(ref, bfi, model):
    x = bfi.copy()
    x[REV] = 7 - x[REV]
    res = validity(x, ref["model_syntax"])
    meas = res.measures.set_index("construct")
    for c, v in ref["reverse_keyed_variant"]["compRelSEM"].items():
        assert abs(meas.loc[c, "cr"] - v) < CFA
    for c, v in ref["reverse_keyed_variant"]["AVE"].items():
        assert abs(meas.loc[c, "ave"] - v) < CFA
    assert res.n == 2436


def test_validity_htmt_only(bfi, ref):
    res = validity(bfi, ref["model_syntax"], use_cfa=False)
    assert res.measures is None and res.n == 2436
    assert set(res.htmt_pairs.columns) == {"construct_a", "construct_b", "htmt", "above_085", "above_090"}
    assert "HTMT" in res.summary()


def test_bad_input(bfi):
    with pytest.raises(DataError, match="unknown item\\(s\\) Z9"):
        validity(bfi, "f =~ A1 + A2 + Z9", use_cfa=False)
    with pytest.raises(ModelSyntaxError, match="no measurement line"):
        model_constructs("f ~ x")
    with pytest.raises(ModelSyntaxError, match="line 1"):
        model_constructs("f =~ A1 + 2x")
    with pytest.raises(DataError, match="more than one construct"):
        htmt(bfi, {"X": ["A1", "A2"], "Y": ["A2", "A3"]})


def test_mixed_sign_loadings_are_named(bfi, ref):
    """Raw bfi: C4, C5 load opposite to C1 — CR (signed loadings, as semTools) collapses, so a note says which items
    to reverse-code; after recoding no note."""
    model = "A =~ A2 + A3 + A4 + A5\nC =~ C1 + C2 + C3 + C4 + C5"
    raw = validity(bfi, model)
    notes = [n for n in raw.notes if "both signs" in n]
    assert notes == [n for n in notes if n.startswith("C: loadings of both signs (C4, C5 opposite to C1)")]
    assert len(notes) == 1 and raw.measures.set_index("construct").loc["C", "cr"] < 0.2
    x = bfi.copy()
    x[["C4", "C5"]] = 7 - x[["C4", "C5"]]
    assert not [n for n in validity(x, model).notes if "both signs" in n]
