"""analysis.stats: sufficient statistics (complete data, missing-data patterns, sums and cross-products), the
DataFrame engine's checks, lazy raw rows and the reserved weights field."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.stats import GroupStats, PatternStats, em_saturated, group_stats, pattern_logl, patterns_of, sample_stats
from vcd_core.errors import DataError, EstimationError


def _data(n=300, seed=4, share=0.1):
    rng = np.random.default_rng(seed)
    y = rng.multivariate_normal([0, 1, 2], [[1, .5, .3], [.5, 1, .4], [.3, .4, 1]], size=n)
    ym = y.copy()
    ym[rng.random(y.shape) < share] = np.nan
    ym = ym[~np.isnan(ym).all(axis=1)]
    return y, ym


def test_complete_statistics_divisor_n():
    y, _ = _data()
    gs = group_stats(y)
    assert np.allclose(gs.mean, y.mean(axis=0), rtol=1e-15)
    assert np.allclose(gs.cov, np.cov(y.T, bias=True), rtol=1e-13) and not gs.fiml and gs.patterns == ()
    n = len(y)
    assert gs.logl_h1 == pytest.approx(-n / 2 * (3 * np.log(2 * np.pi) + np.linalg.slogdet(gs.cov)[1] + 3),
                                       rel=1e-14)


def test_patterns_sums_and_crossproducts():
    _, ym = _data()
    pats = patterns_of(ym)
    assert sum(p.n for p in pats) == len(ym) and len(pats[0].observed) == 3
    for p in pats:
        Yo = ym[np.ix_(p.rows, p.observed)]
        assert np.allclose(p.sums, Yo.sum(axis=0), rtol=1e-13)
        assert np.allclose(p.crossprod, Yo.T @ Yo, rtol=1e-12)
        back = PatternStats.from_sums(p.observed, p.n, p.sums, p.crossprod)
        assert np.allclose(back.mean, p.mean, rtol=1e-13) and np.allclose(back.cov, p.cov, atol=1e-12)


def test_em_is_the_maximum_of_the_pattern_likelihood():
    _, ym = _data()
    pats = patterns_of(ym)
    mu, sig, ll, _it, ok = em_saturated(pats, 3)
    assert ok and ll == pytest.approx(pattern_logl(pats, mu, sig), rel=1e-15)
    for eps in (1e-3, -1e-3):
        assert pattern_logl(pats, mu + eps, sig) < ll
        assert pattern_logl(pats, mu, sig * (1 + eps)) < ll


def test_univariate_available_case_moments():
    _, ym = _data()
    n, m, v = group_stats(ym, fiml=True).univariate
    assert np.array_equal(n, (~np.isnan(ym)).sum(axis=0).astype(float))
    assert np.allclose(m, np.nanmean(ym, axis=0), rtol=1e-13) and np.allclose(v, np.nanvar(ym, axis=0), rtol=1e-12)


def test_rows_are_lazy_and_weights_reserved():
    y, _ = _data()
    calls = []
    gs = GroupStats("", len(y), y.mean(0), np.cov(y.T, bias=True), rows_source=lambda: calls.append(1) or y)
    assert calls == []
    assert gs.rows is gs.rows and calls == [1]
    with pytest.raises(ValueError, match="casewise terms need the raw rows"):
        _ = GroupStats("g", 2, np.zeros(1), np.eye(1)).rows
    with pytest.raises(NotImplementedError, match="weighted"):
        GroupStats("", 2, np.zeros(1), np.eye(1), weights=np.ones(2))  # type: ignore[arg-type]


def test_sample_stats_checks_and_warnings():
    df = pd.DataFrame({"a": [1.0, 2, 3, np.nan, 5, 6, 2, 4], "b": [2.0, 1, 4, 3, 6, 1, 5, 2],
                       "g": ["x", "x", "x", "y", "y", None, "y", "y"]})
    with pytest.raises(DataError, match="row 2, column a: non-numeric value 'z'"):
        sample_stats(df.assign(a=["1", "z", "3", "4", "5", "6", "7", "8"]), ["a", "b"])
    with pytest.raises(DataError, match="not in the data: c"):
        sample_stats(df, ["a", "c"])
    with pytest.raises(EstimationError, match="missing must be"):
        sample_stats(df, ["a", "b"], missing="pairwise")
    with pytest.raises(DataError, match="need more rows than variables"):
        sample_stats(df.iloc[:2], ["a", "b"], group="g")
    ss = sample_stats(df, ["a", "b"], group="g", missing="fiml")
    assert ss.labels == ("x", "y") and ss.warnings == ("1 row(s) with missing g dropped",) and ss.ntotal == 7
    assert [g.fiml for g in ss.groups] == [True, True] and len(ss.groups[1].patterns) == 2
    with pytest.raises(EstimationError, match="singular.*constant: b"):
        sample_stats(df.assign(b=1.0), ["a", "b"])
