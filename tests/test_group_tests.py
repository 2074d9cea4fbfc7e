"""Parity of analysis.compare.group_tests with R (oneway.test, aov, kruskal.test, car::leveneTest, TukeyHSD, rstatix).

Reference: tests/reference/expected/bfi_group_tests.json (copied from the project's shared reference set; made by
oracle/07_bfi_group_tests.R with R 4.2.2, car 3.1.1, rstatix 0.7.2 on psychTools' bfi, data md5 in its meta).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import studentized_range

from analysis.compare.group_tests import (
    anova_oneway,
    describe,
    dunn,
    games_howell,
    kruskal,
    levene,
    p_adjust,
    ptukey,
    qtukey,
    split_groups,
    tukey_hsd,
    welch_anova,
)
from vcd_core.errors import DataError

REF = Path(__file__).parent / "reference"
TOL = 1e-4


@pytest.fixture(scope="module")
def ref():
    return json.loads((REF / "expected" / "bfi_group_tests.json").read_text())


@pytest.fixture(scope="module")
def bfi():
    d = pd.read_csv(REF / "data" / "bfi.csv")
    d["agree"] = pd.concat([7 - d.A1, d.A2, d.A3, d.A4, d.A5], axis=1).mean(axis=1, skipna=True)
    d = d[d.education.notna() & d.agree.notna()].copy()
    d["edu"] = d.education.astype(int).astype(str)
    d["gender_f"] = d.gender.astype(str)
    return d


def test_n_and_descriptives(bfi, ref):
    assert len(bfi) == ref["n"]
    got = describe(bfi, "agree", "edu")
    exp = pd.DataFrame(ref["descriptives_by_education"])
    assert got["group"].tolist() == exp["education"].tolist()
    assert got["n"].tolist() == exp["n"].tolist()
    np.testing.assert_allclose(got["mean"], exp["mean"], atol=TOL)
    np.testing.assert_allclose(got["sd"], exp["sd"], atol=TOL)
    np.testing.assert_allclose(got["median"], exp["median"], atol=TOL)
    assert (got["ci_low"] < got["mean"]).all() and (got["ci_high"] > got["mean"]).all()


def test_welch(bfi, ref):
    r = welch_anova(bfi, "agree", "edu").iloc[0]
    e = ref["welch_anova"]
    assert r.statistic == pytest.approx(e["F"], abs=TOL)
    assert r.df1 == e["df1"]
    assert r.df2 == pytest.approx(e["df2"], abs=TOL)
    assert r.p_unc == pytest.approx(e["p.value"], abs=TOL, rel=TOL)


def test_classic_anova_and_effect_sizes(bfi, ref):
    r = anova_oneway(bfi, "agree", "edu").iloc[0]
    e, es = ref["classic_anova"], ref["effect_sizes"]
    assert r.statistic == pytest.approx(e["F"], abs=TOL)
    assert (r.df1, r.df2) == (e["df1"], e["df2"])
    assert r.p_unc == pytest.approx(e["p.value"], rel=TOL)
    assert r.ss_between == pytest.approx(e["ss_between"], abs=TOL)
    assert r.ss_within == pytest.approx(e["ss_within"], abs=TOL)
    assert r.eta2 == pytest.approx(es["eta_squared"], abs=TOL)
    assert r.omega2 == pytest.approx(es["omega_squared"], abs=TOL)
    assert r.epsilon2 == pytest.approx(es["epsilon_squared"], abs=TOL)
    assert r.ci_low < r.eta2 < r.ci_high


def test_effect_size_cis_match_effectsize(bfi):
    """effectsize 0.8.3 (tests/reference/expected/bfi_effect_sizes_dunn.R)."""
    exp = json.loads((REF / "expected" / "bfi_effect_sizes_dunn.json").read_text())
    r = anova_oneway(bfi, "agree", "edu").iloc[0]
    assert r.eta2 == pytest.approx(exp["eta_squared"]["estimate"], abs=TOL)
    assert r.ci_low == pytest.approx(exp["eta_squared"]["ci_low"], abs=1e-6)
    assert r.ci_high == pytest.approx(exp["eta_squared"]["ci_high"], abs=1e-6)
    assert r.omega2_ci_low == pytest.approx(exp["omega_squared"]["ci_low"], abs=1e-6)
    assert r.omega2_ci_high == pytest.approx(exp["omega_squared"]["ci_high"], abs=1e-6)


def test_dunn_matches_rstatix(bfi):
    exp = pd.DataFrame(json.loads((REF / "expected" / "bfi_effect_sizes_dunn.json").read_text())["dunn"]["table"])
    got = dunn(bfi, "agree", "edu")
    assert got["group1"].tolist() == exp["group1"].tolist() and got["group2"].tolist() == exp["group2"].tolist()
    np.testing.assert_allclose(got["mean_rank2"] - got["mean_rank1"], exp["estimate"], atol=TOL)
    np.testing.assert_allclose(got["z"], exp["statistic"], atol=TOL)
    np.testing.assert_allclose(got["p_unc"], exp["p"], atol=TOL)
    np.testing.assert_allclose(got["p_adj"], exp["p.adj"], atol=TOL)


def test_kruskal(bfi, ref):
    r = kruskal(bfi, "agree", "edu").iloc[0]
    e = ref["kruskal_wallis"]
    assert r.statistic == pytest.approx(e["H"], abs=TOL)
    assert r.df1 == e["df"]
    assert r.p_unc == pytest.approx(e["p.value"], rel=TOL)
    assert r.epsilon2 == pytest.approx(e["epsilon_squared_H_over_n_minus_1"], abs=TOL)
    assert r.eta2_h == pytest.approx(e["eta_squared_H"], abs=TOL)
    assert r.ci_low < r.epsilon2 < r.ci_high


@pytest.mark.parametrize("center", ["median", "mean"])
def test_levene(bfi, ref, center):
    r = levene(bfi, "agree", "edu", center=center).iloc[0]
    e = ref["levene"][center]
    assert r.statistic == pytest.approx(e["F"], abs=TOL)
    assert (r.df1, r.df2) == (e["df1"], e["df2"])
    assert r.p_unc == pytest.approx(e["p.value"], abs=TOL)


def test_games_howell(bfi, ref):
    got = games_howell(bfi, "agree", "edu")
    tab = pd.DataFrame(ref["games_howell"]["table"])
    unr = pd.DataFrame(ref["games_howell"]["recomputed_unrounded"])
    assert got["group1"].tolist() == tab["group1"].tolist()
    assert got["group2"].tolist() == tab["group2"].tolist()
    for col, exp in [("estimate", tab["estimate"]), ("t", tab["statistic"]), ("df", tab["df"]),
                     ("ci_low", tab["conf.low"]), ("ci_high", tab["conf.high"]), ("se", unr["se"]),
                     ("p_adj", unr["p_adj_unrounded"])]:
        np.testing.assert_allclose(got[col], exp, atol=TOL, err_msg=col)
    np.testing.assert_allclose(got["p_adj"].round(3), tab["p.adj"], atol=1e-9)


def test_tukey(bfi, ref):
    got = tukey_hsd(bfi, "agree", "edu")
    exp = pd.DataFrame(ref["tukey_hsd"])
    assert [f"{b}-{a}" for a, b in zip(got.group1, got.group2, strict=True)] == exp["comparison"].tolist()
    np.testing.assert_allclose(got["estimate"], exp["diff"], atol=TOL)
    np.testing.assert_allclose(got["ci_low"], exp["lwr"], atol=TOL)
    np.testing.assert_allclose(got["ci_high"], exp["upr"], atol=TOL)
    np.testing.assert_allclose(got["p_adj"], exp["p adj"], atol=TOL)


def test_dunn_matches_formula(bfi):
    from scipy import stats

    got = dunn(bfi, "agree", "edu", correction="none")
    r = stats.rankdata(bfi["agree"])
    g = bfi["edu"].to_numpy()
    _, t = np.unique(bfi["agree"], return_counts=True)
    n = len(r)
    s2 = n * (n + 1) / 12 - np.sum(t**3 - t) / (12 * (n - 1))
    a, b = r[g == "1"], r[g == "3"]
    z = (b.mean() - a.mean()) / np.sqrt(s2 * (1 / len(a) + 1 / len(b)))
    row = got[(got.group1 == "1") & (got.group2 == "3")].iloc[0]
    assert row.z == pytest.approx(z, rel=1e-12)
    assert row.p_unc == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-12)
    holm = dunn(bfi, "agree", "edu")
    assert (holm["p_adj"] >= holm["p_unc"] - 1e-15).all()


@pytest.mark.parametrize("k", [2, 3, 5, 10])
@pytest.mark.parametrize("df", [2, 5, 30, 479.19, 5000, np.inf])
def test_ptukey_matches_scipy(k, df):
    q = np.array([0.5, 1.5, 3.0, 4.5, 6.0])
    np.testing.assert_allclose(ptukey(q, k, df), studentized_range.cdf(q, k, df), atol=1e-6)


def test_qtukey_inverts():
    q = qtukey(0.95, 5, np.array([300.449143153839, 2572.0]))
    np.testing.assert_allclose(studentized_range.cdf(q, 5, [300.449143153839, 2572.0]), 0.95, atol=1e-7)


def test_p_adjust_matches_statsmodels():
    from statsmodels.stats.multitest import multipletests

    p = np.array([0.001, 0.2, 0.03, 0.04, 0.5, 0.0101, 0.9, 0.02])
    np.testing.assert_allclose(p_adjust(p, "holm"), multipletests(p, method="holm")[1])
    np.testing.assert_allclose(p_adjust(p, "bh"), multipletests(p, method="fdr_bh")[1])
    assert np.isnan(p_adjust([np.nan, 0.1])[0])
    with pytest.raises(ValueError):
        p_adjust(p, "bonferroni-ish")


# -- bad input ---------------------------------------------------------------------------------------------------

def _toy():
    return pd.DataFrame({"y": [1.0, 2, 3, 2, 3, 4, 5], "g": list("aaabbbc")})


def test_group_with_one_respondent():
    with pytest.raises(DataError, match=r"'c' \(n=1\).*fewer than 2"):
        welch_anova(_toy(), "y", "g")


def test_missing_column():
    with pytest.raises(DataError, match="column 'grp' is not in the data"):
        split_groups(_toy(), "y", "grp")


def test_no_variance():
    d = pd.DataFrame({"y": [4.0] * 6, "g": list("aaabbb")})
    with pytest.raises(DataError, match="y has no variance"):
        anova_oneway(d, "y", "g")


def test_unexpected_labels_are_listed():
    d = pd.DataFrame({"y": [1.0, 2, 3, 4, 5, 6], "g": ["B2C", "B2B", "b2c", "B2C", "X", "B2B"]})
    with pytest.raises(DataError, match=r"unexpected g label\(s\) 'X', 'b2c'"):
        split_groups(d, "y", "g", levels=["B2C", "B2B", "B2G", "G2C"])


def test_welch_needs_variance_in_every_group():
    d = pd.DataFrame({"y": [1.0, 2, 3, 4, 4, 4], "g": list("aaabbb")})
    with pytest.raises(DataError, match="no variance within g group"):
        welch_anova(d, "y", "g")
