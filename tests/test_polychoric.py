"""Parity of analysis.measure.polychoric with psych::polychoric and lavaan::lavCor (two-step polychoric, A1–A5 of bfi).

Reference: tests/reference/expected/bfi_reliability.json, block polychoric_A1_A5 (see
bfi_efa_reliability.PROVENANCE.md). psych finds ρ with optimize() (tol ≈ 1.2e-4); lavaan to full precision.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import multivariate_normal

from analysis.measure.polychoric import bivariate_normal_cdf, polychoric
from vcd_core.errors import DataError

REF = Path(__file__).parent / "reference"
# Tolerances: psych finds each rho with optimize() (tol ~1.2e-4) and its cell probabilities to 1e-6; lavaan's lavCor
# and we reach the exact two-step ML. Thresholds are closed form (qnorm of the cumulative proportions).
PSYCH_RHO = 3e-5  # achieved 2.0e-5
LAVAAN_RHO = 5e-8  # achieved 3.8e-8 (25 items; 1.2e-8 on A1-A5)
THRESHOLDS = 1e-12  # achieved 4e-15
A = ["A1", "A2", "A3", "A4", "A5"]
ITEMS = [f"{t}{i}" for t in "ACENO" for i in range(1, 6)]


@pytest.fixture(scope="module")
def ref():
    return json.loads((REF / "expected" / "bfi_reliability.json").read_text())["polychoric_A1_A5"]


@pytest.fixture(scope="module")
def bfi():
    return pd.read_csv(REF / "data" / "bfi.csv")


def test_bivariate_normal_cdf_against_scipy():
    rng = np.random.default_rng(0)
    h, k = rng.normal(size=200) * 1.5, rng.normal(size=200) * 1.5
    r = np.concatenate([rng.uniform(-0.999, 0.999, 190), [0.93, -0.93, 0.99, -0.99, 0.0, 0.5, -0.5, 0.925, -0.925,
                                                            0.9999]])
    want = [multivariate_normal(mean=[0, 0], cov=[[1, c], [c, 1]]).cdf([a, b]) for a, b, c in zip(h, k, r, strict=True)]
    assert np.abs(bivariate_normal_cdf(h, k, r) - np.array(want)).max() < 1e-7


def test_pairwise_all_rows_matches_psych(ref, bfi):
    res = polychoric(bfi, A)
    want = ref["psych_all_rows"]
    assert np.abs(res.rho.to_numpy() - np.array(want["rho"]["values"])).max() < PSYCH_RHO
    assert np.abs(res.thresholds.to_numpy() - np.array(want["tau"]["values"])).max() < THRESHOLDS
    assert res.n_obs == want["n.obs"]


def test_complete_cases_match_psych_and_lavaan(ref, bfi):
    x = bfi[ITEMS].dropna()[A]
    res = polychoric(x)
    assert np.abs(res.rho.to_numpy() - np.array(ref["psych_complete_25items"]["rho"]["values"])).max() < PSYCH_RHO
    psych_tau = np.array(ref["psych_complete_25items"]["tau"]["values"])
    assert np.abs(res.thresholds.to_numpy() - psych_tau).max() < THRESHOLDS
    # lavaan's two-step estimate is the exact ML: we agree far beyond psych's tolerance
    lav = np.array(ref["lavaan_lavCor_complete_25items"]["rho"]["values"])
    assert np.abs(res.rho.to_numpy() - lav).max() < LAVAAN_RHO
    th = ref["lavaan_lavCor_complete_25items"]["thresholds"]
    for item in A:
        for t in range(1, 6):
            assert abs(res.thresholds.loc[item, f"t{t}"] - th[f"{item}|t{t}"]) < THRESHOLDS


@pytest.mark.parametrize("missing", ["pairwise", "listwise"])
def test_all_25_items_match_lavcor(bfi, missing):
    """lavCor(ordered = items, missing = ...) on all 25 items (tests/reference/expected/bfi_lavcor_polychoric.json)."""
    ref = json.loads((REF / "expected" / "bfi_lavcor_polychoric.json").read_text())[f"lavCor_{missing}"]
    res = polychoric(bfi, ITEMS, missing=missing)
    want = np.array(ref["polychoric"]["values"])
    assert res.rho.index.tolist() == ref["polychoric"]["rownames"]
    assert np.abs(res.rho.to_numpy() - want).max() < LAVAAN_RHO
    got = {f"{i}|t{t}": res.thresholds.loc[i, f"t{t}"] for i in ITEMS for t in range(1, 6)}
    assert max(abs(got[k] - v) for k, v in ref["thresholds"].items()) < THRESHOLDS


def test_listwise_equals_dropna(bfi):
    a = polychoric(bfi, A, missing="listwise")
    b = polychoric(bfi[A].dropna())
    assert np.allclose(a.rho, b.rho)
    assert a.pairwise_n.to_numpy().min() == len(bfi[A].dropna())


def test_recovers_latent_correlation():
    rng = np.random.default_rng(7)
    z = rng.multivariate_normal([0, 0, 0], [[1, .6, -.3], [.6, 1, .2], [-.3, .2, 1]], size=20000)
    df = pd.DataFrame(np.digitize(z, [-1.2, -0.3, 0.4, 1.5]) + 1, columns=list("xyz"))
    res = polychoric(df)
    assert abs(res.rho.loc["x", "y"] - 0.6) < 0.03
    assert abs(res.rho.loc["x", "z"] + 0.3) < 0.03


def test_bad_input():
    with pytest.raises(DataError, match="unknown item"):
        polychoric(pd.DataFrame({"a": [1, 2]}), ["a", "b"])
    with pytest.raises(DataError, match="column b: item has fewer than two"):
        polychoric(pd.DataFrame({"a": [1, 2, 3], "b": [2, 2, 2]}))
    with pytest.raises(DataError, match="integer-coded"):
        polychoric(pd.DataFrame({"a": [1, 2, 3], "b": [1.5, 2, 3]}))
    with pytest.raises(DataError, match="row 2, column a"):
        polychoric(pd.DataFrame({"a": ["1", "x", "3"], "b": [1, 2, 3]}))
