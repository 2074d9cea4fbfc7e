"""Parity of analysis.measure.reliability with psych (alpha, alpha.ci, omega) and semTools (compRelSEM) on bfi.

References: tests/reference/expected/bfi_reliability.json (shared reference subset) and bfi_efa_extra.json (omega
with 2, 3 and 5 factors, made by bfi_efa_extra.R); see bfi_efa_reliability.PROVENANCE.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.measure.reliability import alpha, composite_reliability, omega, parse_scale, scale_reliability
from vcd_core.errors import DataError, EstimationError

REF = Path(__file__).parent / "reference"
# Tolerances, per kind of number (the psych/semTools references carry 15 significant digits):
CLOSED = 1e-10  # absolute: alpha, its Feldt CI, item statistics, composite reliability; achieved ~1e-13
OMEGA_1F = 1e-6  # one-factor omega: minres by iteration, here and in psych (optim); achieved 7e-7
OMEGA_SL = 5e-6  # Schmid-Leiman omega (minres + oblimin + minres of Phi, three iterative steps); achieved 3.0e-6
ITEMS = [f"{t}{i}" for t in "ACENO" for i in range(1, 6)]
REV = ["A1", "C4", "C5", "E1", "E2", "O2", "O5"]


@pytest.fixture(scope="module")
def ref():
    return json.loads((REF / "expected" / "bfi_reliability.json").read_text())


@pytest.fixture(scope="module")
def extra():
    return json.loads((REF / "expected" / "bfi_efa_extra.json").read_text())


@pytest.fixture(scope="module")
def bfi():
    return pd.read_csv(REF / "data" / "bfi.csv")


def _keys(spec):
    return [k.lstrip("-") for k in spec], [k.lstrip("-") for k in spec if k.startswith("-")]


SAMPLES = [("complete_25items", "complete", "pairwise"), ("complete_within_scale", "all", "listwise"),
           ("pairwise_all_rows", "all", "pairwise")]


@pytest.mark.parametrize("scale", ["agreeableness", "conscientiousness", "extraversion", "neuroticism", "openness"])
@pytest.mark.parametrize("sample,rows,missing", SAMPLES)
def test_alpha_parity(ref, bfi, scale, sample, rows, missing):
    items, rev = _keys(ref["scales"][scale]["keys"])
    data = bfi.dropna(subset=ITEMS) if rows == "complete" else bfi
    res = alpha(data, items, rev, missing=missing, scale_range=(1, 6))
    want = ref["scales"][scale]["alpha"][sample]
    assert res.n == want["n_rows"]
    assert abs(res.alpha - want["total"]["raw_alpha"]) < CLOSED
    assert abs(res.alpha_std - want["total"]["std.alpha"]) < CLOSED
    assert abs(res.average_r - want["total"]["average_r"]) < CLOSED
    assert abs(res.ci_low - want["feldt_ci95_psych"]["lower"]) < CLOSED
    assert abs(res.ci_high - want["feldt_ci95_psych"]["upper"]) < CLOSED
    drop = pd.DataFrame(want["alpha_if_item_dropped"]).set_index("item")
    stats = pd.DataFrame(want["item_stats"]).set_index("item")
    got = res.items.set_index("item")
    assert np.abs(got["alpha_if_deleted"] - drop["raw_alpha"]).max() < CLOSED
    assert np.abs(got["alpha_std_if_deleted"] - drop["std.alpha"]).max() < CLOSED
    assert np.abs(got["r_drop"] - stats["r.drop"]).max() < CLOSED
    assert np.abs(got["mean"] - stats["mean"]).max() < CLOSED
    assert np.abs(got["sd"] - stats["sd"]).max() < CLOSED
    assert (got["n"] == stats["n"]).all()


def test_alpha_feldt_ci_small_sample():
    """12 respondents x 3 items (tests/reference/expected/small_samples.R): psych::alpha.ci takes F quantiles with
    n - 1 and (n - 1)(k - 1) df; with n and n(k - 1) the lower bound would move by .005."""
    ref = json.loads((REF / "expected" / "small_samples.json").read_text())["alpha"]
    data = pd.DataFrame(ref["data"])
    res = alpha(data, list(data.columns))
    assert res.n == ref["n"]
    assert abs(res.alpha - ref["raw_alpha"]) < CLOSED
    assert abs(res.alpha_std - ref["std_alpha"]) < CLOSED
    assert abs(res.ci_low - ref["feldt_lower"]) < CLOSED
    assert abs(res.ci_high - ref["feldt_upper"]) < CLOSED


@pytest.mark.parametrize("scale", ["agreeableness", "conscientiousness", "extraversion", "neuroticism", "openness"])
def test_omega_one_factor_parity(ref, bfi, scale):
    items, rev = _keys(ref["scales"][scale]["keys"])
    res = omega(bfi.dropna(subset=ITEMS), items, n_factors=1, reverse=rev)
    want = ref["scales"][scale]["psych_omega_1factor"]
    assert abs(res.omega_total - want["omega_total"]) < OMEGA_1F
    assert abs(res.omega_h - want["omega_h"]) < OMEGA_1F
    assert abs(res.alpha - want["alpha"]) < CLOSED


@pytest.mark.parametrize("key,k,n_items", [("omega_3f", 3, 25), ("omega_5f", 5, 25), ("omega_2f_AC", 2, 10)])
def test_omega_schmid_leiman_parity(extra, bfi, key, k, n_items):
    items = ITEMS[:n_items]
    res = omega(bfi.dropna(subset=ITEMS), items, n_factors=k, reverse=[r for r in REV if r in items])
    want = extra[key]
    assert abs(res.omega_h - want["omega_h"]) < OMEGA_SL
    assert abs(res.omega_total - want["omega_total"]) < OMEGA_SL
    assert abs(res.alpha - want["alpha"]) < CLOSED
    if "g_loadings" in want:
        g = res.loadings.set_index(res.loadings["item"].str.rstrip("-"))["g"]
        # psych names items reflected on g with a trailing "-", as we do
        assert set(res.loadings["item"]) == set(want["g_loadings"])
        wg = {k.rstrip("-"): v for k, v in want["g_loadings"].items()}
        assert np.abs(g[items].to_numpy() - np.array([wg[i] for i in items])).max() < OMEGA_SL


def test_scale_reliability_tables(ref, bfi):
    scales = {k: v["keys"] for k, v in ref["scales"].items()}
    s, i = scale_reliability(bfi.dropna(subset=ITEMS), scales, scale_range=(1, 6))
    assert s.columns.tolist() == ["construct", "n_items", "n", "alpha", "alpha_std", "alpha_ci_low",
                                  "alpha_ci_high", "omega_total"]
    assert i.columns.tolist() == ["construct", "item", "r_drop", "alpha_if_deleted"]
    s = s.set_index("construct")
    for k, v in ref["scales"].items():
        assert abs(s.loc[k, "alpha"] - v["alpha"]["complete_25items"]["total"]["raw_alpha"]) < CLOSED
        assert abs(s.loc[k, "omega_total"] - v["psych_omega_1factor"]["omega_total"]) < OMEGA_1F
    assert len(i) == 25


def test_composite_reliability_one_factor(ref):
    block = ref["scales"]["agreeableness"]["cfa_1factor"]
    lam = list(block["loadings"].values())
    theta = np.array(list(block["residual_variances"].values()))
    psi = block["factor_variance"]
    assert abs(composite_reliability(lam, psi, theta=theta) - block["compRelSEM_obs.var_FALSE"]) < CLOSED


def test_composite_reliability_observed_variance(ref, bfi):
    block = ref["scales"]["agreeableness"]["cfa_1factor"]
    x = bfi.dropna(subset=ITEMS)[["A1", "A2", "A3", "A4", "A5"]].copy()
    x["A1"] = 7 - x["A1"]
    cr = composite_reliability(list(block["loadings"].values()), block["factor_variance"],
                               sample_cov=x.cov(ddof=0).to_numpy())
    assert abs(cr - block["compRelSEM_default_obs.var_TRUE"]) < CLOSED


def test_parse_scale():
    assert parse_scale("X=-a,b") == ("X", ["a", "b"], ["a"])
    with pytest.raises(DataError, match="NAME=ITEM1"):
        parse_scale("X")


def test_bad_input(bfi):
    with pytest.raises(DataError, match="scale agree: unknown item\\(s\\) Q7"):
        scale_reliability(bfi, {"agree": ["A1", "A2", "Q7"]})
    df = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 2, 2, 2], "c": [1, 3, 2, 4]})
    with pytest.raises(DataError, match="item\\(s\\) b have no variance"):
        alpha(df, ["a", "b", "c"])
    with pytest.raises(DataError, match="at least two items"):
        alpha(df, ["a"])
    with pytest.raises(EstimationError, match="cannot be identified"):
        omega(bfi, ITEMS[:5], n_factors=3)
