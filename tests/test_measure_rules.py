"""Boundary tests of the decision rules in analysis/measure: each cut-off on both sides and exactly at it.

EFA loading flags (|primary| < .40, another |loading| > .30, h2 < .20), the Heywood warning (h2 >= .995), the
identification limit of EFA and omega ((p - k)^2 >= p + k), parallel analysis (observed eigenvalue strictly above
the simulated quantile; at least one factor when it decides), HTMT (> .85 strict, > .90 liberal) and
Fornell-Larcker (sqrt(AVE) strictly above every |latent correlation|).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.measure.efa import (
    FLAG_CROSS,
    FLAG_H2,
    FLAG_PRIMARY,
    HEYWOOD_H2,
    _heywood,
    _loading_table,
    efa_from_correlation,
    run_efa,
    suggest_reduction,
)
from analysis.measure.reliability import omega
from analysis.measure.retention import _leading_above
from analysis.measure.validity import HTMT_LIBERAL, HTMT_STRICT, htmt_pairs, measures_from_params
from vcd_core.errors import EstimationError

BELOW, ABOVE = 1 - 1e-9, 1 + 1e-9


def _flags(primary: float, cross: float, h2: float) -> str:
    return _loading_table(["x"], np.array([[primary, cross]]), np.array([h2])).loc[0, "flag"]


def test_cut_offs_are_the_documented_ones():
    assert (FLAG_PRIMARY, FLAG_CROSS, FLAG_H2, HEYWOOD_H2) == (0.40, 0.30, 0.20, 0.995)
    assert (HTMT_STRICT, HTMT_LIBERAL) == (0.85, 0.90)


@pytest.mark.parametrize("value,flagged", [(FLAG_PRIMARY * BELOW, True), (FLAG_PRIMARY, False),
                                           (FLAG_PRIMARY * ABOVE, False)])
def test_low_primary_flag_boundary(value, flagged):
    assert ("low_primary" in _flags(value, 0.0, 0.5)) is flagged
    assert ("low_primary" in _flags(-value, 0.0, 0.5)) is flagged  # |loading|


@pytest.mark.parametrize("value,flagged", [(FLAG_CROSS * BELOW, False), (FLAG_CROSS, False),
                                           (FLAG_CROSS * ABOVE, True)])
def test_cross_loading_flag_boundary(value, flagged):
    assert ("cross_loading" in _flags(0.7, value, 0.5)) is flagged
    assert ("cross_loading" in _flags(0.7, -value, 0.5)) is flagged


@pytest.mark.parametrize("value,flagged", [(FLAG_H2 * BELOW, True), (FLAG_H2, False), (FLAG_H2 * ABOVE, False)])
def test_low_h2_flag_boundary(value, flagged):
    assert ("low_h2" in _flags(0.7, 0.0, value)) is flagged


def test_flags_combine_and_empty_when_none():
    assert _flags(0.39, 0.31, 0.19) == "low_primary;cross_loading;low_h2"
    assert _flags(0.7, 0.1, 0.5) == ""


@pytest.mark.parametrize("value,warned", [(HEYWOOD_H2 * BELOW, False), (HEYWOOD_H2, True), (1.0, True)])
def test_heywood_boundary(value, warned):
    assert bool(_heywood(["a", "b"], np.array([0.5, value]))) is warned


def test_reduction_names_an_item_off_its_constructs_factor():
    rng = np.random.default_rng(0)
    f = rng.standard_normal((600, 2))
    x = np.hstack([f[:, [0]] + 0.6 * rng.standard_normal((600, 4)), f[:, [1]] + 0.6 * rng.standard_normal((600, 3))])
    cols = ["a1", "a2", "a3", "a4", "b1", "b2", "b3"]
    res = run_efa(pd.DataFrame(x, columns=cols), cols, n_factors=2)
    constructs = {"a1": "A", "a2": "A", "a3": "A", "a4": "B", "b1": "B", "b2": "B", "b3": "B"}  # a4 misassigned
    sug = suggest_reduction(res, constructs).set_index("item")
    assert sug.loc["a4", "suggestion"] == "consider dropping" and "its construct on" in sug.loc["a4", "reason"]
    assert (sug.drop(index="a4")["suggestion"] == "keep").all()


def _equicorrelated(p: int, r: float = 0.4) -> pd.DataFrame:
    names = [f"i{j}" for j in range(p)]
    return pd.DataFrame(np.full((p, p), r) + np.eye(p) * (1 - r), index=names, columns=names)


def test_identification_limit_efa():
    """(p - k)^2 - (p + k) = 0 for 6 items and 3 factors: allowed; 4 factors: refused."""
    efa_from_correlation(_equicorrelated(6), 3, 500)
    with pytest.raises(EstimationError, match="4 factors cannot be identified from 6 items"):
        efa_from_correlation(_equicorrelated(6), 4, 500)


def test_identification_limit_omega():
    r = _equicorrelated(6)
    assert 0 < omega(None, correlation=r, n_factors=3).omega_total <= 1
    with pytest.raises(EstimationError, match="cannot be identified"):
        omega(None, correlation=r, n_factors=4)


@pytest.mark.parametrize("observed,n", [([2.0, 1.0, 0.5], 1),  # equal to the threshold: not above
                                        ([2.0, 1.0 + 1e-12, 0.5], 2), ([2.0, 1.5, 1.2], 3), ([0.9, 1.5], 0)])
def test_parallel_analysis_counts_leading_eigenvalues_strictly_above(observed, n):
    assert _leading_above(np.array(observed), np.ones(len(observed))) == n


def test_parallel_analysis_retains_at_least_one_factor():
    rng = np.random.default_rng(4)
    x = pd.DataFrame(rng.standard_normal((300, 5)), columns=list("abcde"))  # no common factor at all
    res = run_efa(x, list(x.columns), n_iter=10)
    assert res.parallel is not None and res.parallel.n_factors == 0 and res.n_factors == 1


@pytest.mark.parametrize("value,strict,liberal", [(HTMT_STRICT, False, False), (HTMT_STRICT * ABOVE, True, False),
                                                  (HTMT_LIBERAL, True, False), (HTMT_LIBERAL * ABOVE, True, True),
                                                  (HTMT_STRICT * BELOW, False, False)])
def test_htmt_flag_boundaries(value, strict, liberal):
    m = pd.DataFrame([[1.0, value], [value, 1.0]], index=["X", "Y"], columns=["X", "Y"])
    row = htmt_pairs(m).iloc[0]
    assert (bool(row.above_085), bool(row.above_090)) == (strict, liberal)


@pytest.mark.parametrize("psi_xy,ok", [(0.5, False), (0.5 * BELOW, True), (-0.5, False), (0.5 * ABOVE, False)])
def test_fornell_larcker_boundary(psi_xy, ok):
    """sqrt(AVE) = 0.5 for both factors (loadings .5, psi 1, unit item variances) against r_XY = psi_XY."""
    rows = [("X", "=~", "a", 0.5), ("X", "=~", "b", 0.5), ("Y", "=~", "c", 0.5), ("Y", "=~", "d", 0.5),
            ("X", "~~", "X", 1.0), ("Y", "~~", "Y", 1.0), ("X", "~~", "Y", psi_xy)]
    params = pd.DataFrame(rows, columns=["lhs", "op", "rhs", "est"])
    cov = pd.DataFrame(np.eye(4), index=list("abcd"), columns=list("abcd"))
    meas, _ = measures_from_params(params, cov)
    assert (meas["sqrt_ave"] == 0.5).all()
    assert meas["fornell_larcker_ok"].tolist() == [ok, ok]
