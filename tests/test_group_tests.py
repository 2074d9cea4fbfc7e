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
    kruskal,
    levene,
    p_adjust,
    split_groups,
    welch_anova,
)
from analysis.compare.posthoc import dunn, games_howell, tukey_hsd
from analysis.compare.studentized_range import ptukey, qtukey
from vcd_core.errors import DataError

REF = Path(__file__).parent / "reference"
# Tolerances, per kind of number (the R references carry 15 significant digits):
CLOSED = 1e-10  # relative: closed-form statistics (sums, F, H, df, their F/chi2/normal p); achieved ~1e-12
PTUKEY = 2e-9  # absolute: p from the studentized range (numerical integral; R's ptukey is good to ~1e-10)
QTUKEY = 5e-8  # absolute: CIs from its quantile: R's qtukey stops its secant search at eps = 1e-4 and is off by
#                3e-8 at df = 15 (ours agrees with SciPy's ppf to 1e-15, test_qtukey_matches_scipy)
NCP = 2e-9  # absolute: effect-size CIs from inverting noncentral F (root finding here and in effectsize)


def close(got, want, rtol=CLOSED, atol=0.0, msg=""):
    np.testing.assert_allclose(np.asarray(got, float), np.asarray(want, float), rtol=rtol, atol=atol, err_msg=msg)


@pytest.fixture(scope="module")
def ref():
    return json.loads((REF / "expected" / "bfi_group_tests.json").read_text())


@pytest.fixture(scope="module")
def small():
    """Small-sample references (tests/reference/expected/small_samples.R): a wrong df or divisor shows at once."""
    return json.loads((REF / "expected" / "small_samples.json").read_text())


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
    close(got["mean"], exp["mean"])
    close(got["sd"], exp["sd"])
    close(got["median"], exp["median"])
    assert (got["ci_low"] < got["mean"]).all() and (got["ci_high"] > got["mean"]).all()


def test_welch(bfi, ref):
    r = welch_anova(bfi, "agree", "edu").iloc[0]
    e = ref["welch_anova"]
    close([r.statistic, r.df1, r.df2, r.p_unc], [e["F"], e["df1"], e["df2"], e["p.value"]])


def test_classic_anova_and_effect_sizes(bfi, ref):
    r = anova_oneway(bfi, "agree", "edu").iloc[0]
    e, es = ref["classic_anova"], ref["effect_sizes"]
    close([r.statistic, r.df1, r.df2, r.p_unc, r.ss_between, r.ss_within, r.ms_within],
          [e["F"], e["df1"], e["df2"], e["p.value"], e["ss_between"], e["ss_within"], e["ms_within"]])
    close([r.eta2, r.omega2, r.epsilon2], [es["eta_squared"], es["omega_squared"], es["epsilon_squared"]])
    assert r.ci_low < r.eta2 < r.ci_high


def test_effect_size_cis_match_effectsize(bfi):
    """effectsize 0.8.3 (tests/reference/expected/bfi_effect_sizes_dunn.R)."""
    exp = json.loads((REF / "expected" / "bfi_effect_sizes_dunn.json").read_text())
    r = anova_oneway(bfi, "agree", "edu").iloc[0]
    close(r.eta2, exp["eta_squared"]["estimate"])
    close(r.omega2, exp["omega_squared"]["estimate"])
    close([r.ci_low, r.ci_high, r.omega2_ci_low, r.omega2_ci_high],
          [exp["eta_squared"]["ci_low"], exp["eta_squared"]["ci_high"], exp["omega_squared"]["ci_low"],
           exp["omega_squared"]["ci_high"]], rtol=0, atol=NCP)


def test_dunn_matches_rstatix(bfi):
    exp = pd.DataFrame(json.loads((REF / "expected" / "bfi_effect_sizes_dunn.json").read_text())["dunn"]["table"])
    got = dunn(bfi, "agree", "edu")
    assert got["group1"].tolist() == exp["group1"].tolist() and got["group2"].tolist() == exp["group2"].tolist()
    close(got["mean_rank2"] - got["mean_rank1"], exp["estimate"])
    close(got["z"], exp["statistic"])
    close(got["p_unc"], exp["p"])
    close(got["p_adj"], exp["p.adj"])


def test_kruskal(bfi, ref):
    r = kruskal(bfi, "agree", "edu").iloc[0]
    e = ref["kruskal_wallis"]
    close([r.statistic, r.df1, r.p_unc], [e["H"], e["df"], e["p.value"]])
    close(r.epsilon2, e["epsilon_squared_H_over_n_minus_1"])
    close(r.eta2_h, e["eta_squared_H"])
    assert r.ci_low < r.epsilon2 < r.ci_high


def test_kruskal_small_sample(small):
    """n = 18: epsilon2 = H/(n - 1) is effectsize's H/((n^2 - 1)/(n + 1)); H/n would be 6 % smaller."""
    k = small["kruskal"]
    d = pd.DataFrame(k["data"])
    r = kruskal(d, "y", "g").iloc[0]
    close([r.statistic, r.df1, r.p_unc, r.n], [k["H"], k["df"], k["p"], k["n"]])
    close(r.epsilon2, k["rank_epsilon_squared"])
    close(r.eta2_h, k["eta2_h"])


def test_omnibus_small_sample(small):
    k = small["kruskal"]
    d = pd.DataFrame(k["data"])
    w, a, lev = welch_anova(d, "y", "g").iloc[0], anova_oneway(d, "y", "g").iloc[0], levene(d, "y", "g").iloc[0]
    close([w.statistic, w.df1, w.df2, w.p_unc], [k["welch"][c] for c in ("F", "df1", "df2", "p")])
    close([a.statistic, a.df1, a.df2, a.p_unc, a.ss_between, a.ss_within],
          [k["anova"][c] for c in ("F", "df1", "df2", "p", "ss_between", "ss_within")])
    close([lev.statistic, lev.df1, lev.df2, lev.p_unc], [k["levene_median"][c] for c in ("F", "df1", "df2", "p")])


def test_posthoc_small_sample(small):
    k = small["kruskal"]
    d = pd.DataFrame(k["data"])
    tk = tukey_hsd(d, "y", "g")
    assert [f"{b}-{a}" for a, b in zip(tk.group1, tk.group2, strict=True)] == k["tukey"]["comparison"]
    close(tk["estimate"], k["tukey"]["diff"])
    close(tk["p_adj"], k["tukey"]["p_adj"], rtol=0, atol=PTUKEY)
    close(tk["ci_low"], k["tukey"]["lwr"], rtol=0, atol=QTUKEY)
    close(tk["ci_high"], k["tukey"]["upr"], rtol=0, atol=QTUKEY)
    gh, exp = games_howell(d, "y", "g"), pd.DataFrame(k["games_howell"])
    close(gh["estimate"], exp["estimate"])
    close(gh["t"], exp["statistic"])
    close(gh["df"], exp["df"])
    close(gh["ci_low"], exp["conf.low"], rtol=0, atol=QTUKEY)
    close(gh["ci_high"], exp["conf.high"], rtol=0, atol=QTUKEY)


@pytest.mark.parametrize("center", ["median", "mean"])
def test_levene(bfi, ref, center):
    r = levene(bfi, "agree", "edu", center=center).iloc[0]
    e = ref["levene"][center]
    close([r.statistic, r.df1, r.df2, r.p_unc], [e["F"], e["df1"], e["df2"], e["p.value"]])


def test_games_howell(bfi, ref):
    got = games_howell(bfi, "agree", "edu")
    tab = pd.DataFrame(ref["games_howell"]["table"])
    unr = pd.DataFrame(ref["games_howell"]["recomputed_unrounded"])
    assert got["group1"].tolist() == tab["group1"].tolist()
    assert got["group2"].tolist() == tab["group2"].tolist()
    for col, exp in [("estimate", tab["estimate"]), ("t", tab["statistic"]), ("df", tab["df"]), ("se", unr["se"])]:
        close(got[col], exp, msg=col)
    close(got["p_adj"], unr["p_adj_unrounded"], rtol=0, atol=PTUKEY)
    close(got["ci_low"], tab["conf.low"], rtol=0, atol=QTUKEY)
    close(got["ci_high"], tab["conf.high"], rtol=0, atol=QTUKEY)
    np.testing.assert_allclose(got["p_adj"].round(3), tab["p.adj"], atol=1e-9)


def test_games_howell_agrees_with_pingouin(bfi):
    """pingouin's Games-Howell (t, Welch df, p from SciPy's studentized range) gives our numbers."""
    import pingouin

    d = bfi.assign(edu=pd.Categorical(bfi["edu"]))
    pg = pingouin.pairwise_gameshowell(data=d, dv="agree", between="edu")
    got = games_howell(bfi, "agree", "edu")
    assert pg["A"].astype(str).tolist() == got["group1"].tolist()
    assert pg["B"].astype(str).tolist() == got["group2"].tolist()
    close(-pg["diff"], got["estimate"])
    close(np.abs(pg["T"]), got["t"])
    close(pg["df"], got["df"])
    close(pg["pval"], got["p_adj"], rtol=0, atol=PTUKEY)


def test_tukey(bfi, ref):
    got = tukey_hsd(bfi, "agree", "edu")
    exp = pd.DataFrame(ref["tukey_hsd"])
    assert [f"{b}-{a}" for a, b in zip(got.group1, got.group2, strict=True)] == exp["comparison"].tolist()
    close(got["estimate"], exp["diff"])
    close(got["ci_low"], exp["lwr"], rtol=0, atol=QTUKEY)
    close(got["ci_high"], exp["upr"], rtol=0, atol=QTUKEY)
    close(got["p_adj"], exp["p adj"], rtol=0, atol=PTUKEY)


def test_tukey_agrees_with_statsmodels(bfi):
    from statsmodels.stats.multicomp import pairwise_tukeyhsd

    gr = split_groups(bfi, "agree", "edu")
    sm = pairwise_tukeyhsd(gr.values, np.repeat(np.arange(len(gr.labels)), gr.n.astype(int)))
    got = tukey_hsd(gr)
    close(sm.meandiffs, got["estimate"])
    close(sm.pvalues, got["p_adj"], rtol=0, atol=PTUKEY)
    close(sm.confint[:, 0], got["ci_low"], rtol=0, atol=QTUKEY)
    close(sm.confint[:, 1], got["ci_high"], rtol=0, atol=QTUKEY)


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


@pytest.mark.parametrize("k", [3, 5])
def test_qtukey_matches_scipy(k):
    df = np.array([15.0, 300.449143153839, 2572.0])
    np.testing.assert_allclose(qtukey(0.95, k, df), [studentized_range.ppf(0.95, k, v) for v in df], rtol=1e-10)


def test_p_adjust_matches_r(small):
    """R's p.adjust on p-values with ties and a missing value (the NaN is not counted as a test)."""
    ref = small["p_adjust"]
    p = np.array([np.nan if v is None else v for v in ref["p"]])
    for ours, theirs in (("holm", "holm"), ("bh", "BH")):
        want = np.array([np.nan if v is None else v for v in ref[theirs]])
        close(p_adjust(p, ours), want, msg=ours)
    assert np.isnan(p_adjust([np.nan, np.nan])).all()
    np.testing.assert_array_equal(p_adjust(p[:3], "none"), p[:3])
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


def test_anova_needs_variance_within_groups():
    d = pd.DataFrame({"y": [1.0, 1, 1, 4, 4, 4], "g": list("aaabbb")})
    with pytest.raises(DataError, match="no variance within the g groups"):
        anova_oneway(d, "y", "g")


def test_welch_needs_variance_in_every_group():
    d = pd.DataFrame({"y": [1.0, 2, 3, 4, 4, 4], "g": list("aaabbb")})
    with pytest.raises(DataError, match="no variance within g group"):
        welch_anova(d, "y", "g")
