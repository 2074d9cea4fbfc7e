"""Post hoc pairwise comparisons: Games-Howell (after Welch), Tukey HSD (after the classic ANOVA), Dunn (after
Kruskal-Wallis), as ``rstatix::games_howell_test``, ``TukeyHSD`` and ``rstatix::dunn_test``.

Each takes the long data with ``dv`` and ``between`` (or a :class:`~analysis.compare.group_tests.Groups`) and
returns one row per pair of groups, ``group1`` before ``group2`` in the groups' order, ``estimate`` = mean2 −
mean1. Checked against R on psychTools' ``bfi`` (``tests/reference/bfi_group_tests.json``) and against pingouin
and statsmodels (``tests/test_group_tests.py``).

Examples
--------
>>> import pandas as pd
>>> d = pd.DataFrame({"y": [1.0, 2, 3, 2, 3, 4, 5, 6, 5], "g": list("aaabbbccc")})
>>> games_howell(d, "y", "g")[["group1", "group2"]].values.tolist()
[['a', 'b'], ['a', 'c'], ['b', 'c']]
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
from scipy import stats

from analysis.compare.group_tests import Groups, _groups, _ranks, p_adjust
from analysis.compare.studentized_range import ptukey, qtukey

__all__ = ["dunn", "games_howell", "tukey_hsd"]


def _pairs(gr: Groups) -> tuple[np.ndarray, np.ndarray]:
    ij = np.array(list(combinations(range(len(gr.labels)), 2)))
    return ij[:, 0], ij[:, 1]


def _pair_frame(gr: Groups, i: np.ndarray, j: np.ndarray, test: str) -> pd.DataFrame:
    n, m = gr.n, gr.mean
    lab = np.array(gr.labels, dtype=object)
    return pd.DataFrame({"dv": gr.dv, "between": gr.between, "test": test, "group1": lab[i], "group2": lab[j],
                         "n1": n[i].astype(int), "n2": n[j].astype(int), "mean1": m[i], "mean2": m[j],
                         "estimate": m[j] - m[i]})


def games_howell(data: pd.DataFrame | Groups, dv: str | None = None, between: str | None = None,
                 ci: float = 0.95) -> pd.DataFrame:
    """Games-Howell pairwise comparisons (``rstatix::games_howell_test``), unrounded.

    ``estimate`` = mean2 − mean1; ``se`` = sqrt(v1/n1 + v2/n2); ``t`` = |estimate|/se with Welch-Satterthwaite
    ``df``; ``p_adj`` = P(studentized range > t·√2); CI = estimate ∓ qtukey(ci, k, df)·se/√2.

    Written here: ``pingouin.pairwise_gameshowell`` gives the same t, df and p (the tests compare), but no
    confidence interval, and the interval needs the studentized-range quantile at each pair's own df, which
    SciPy takes 3.8 s to compute for 45 pairs (ten countries) against 0.05 s for :func:`qtukey`; p and CI come
    from one distribution, so p_adj < 1 − ci exactly when the interval excludes 0.

    Parameters
    ----------
    data : DataFrame or Groups
        Long data or an outcome split by :func:`split_groups`.
    dv, between : str, optional
        Outcome and grouping columns (not needed with a :class:`Groups`).
    ci : float
        Family-wise confidence level of the intervals.

    Returns
    -------
    DataFrame
        One row per pair: ``dv, between, test, group1, group2, n1, n2, mean1, mean2, estimate, se, t, df,
        p_adj, ci_low, ci_high``.

    Examples
    --------
    >>> d = pd.DataFrame({"y": [1.0, 2, 3, 2, 3, 4, 5, 6, 5], "g": list("aaabbbccc")})
    >>> games_howell(d, "y", "g")[["group1", "group2"]].values.tolist()
    [['a', 'b'], ['a', 'c'], ['b', 'c']]
    """
    gr = _groups(data, dv, between)
    i, j = _pairs(gr)
    n, v = gr.n, gr.var
    out = _pair_frame(gr, i, j, "games_howell")
    a, b = v[i] / n[i], v[j] / n[j]
    se = np.sqrt(a + b)
    with np.errstate(divide="ignore", invalid="ignore"):
        df = (a + b) ** 2 / (a**2 / (n[i] - 1) + b**2 / (n[j] - 1))
        t = np.abs(out["estimate"].to_numpy()) / se
    k = len(gr.labels)
    half = qtukey(ci, k, df) * se / np.sqrt(2)
    out["se"], out["t"], out["df"] = se, t, df
    out["p_adj"] = 1 - ptukey(t * np.sqrt(2), k, df)
    out["ci_low"], out["ci_high"] = out["estimate"] - half, out["estimate"] + half
    return out


def tukey_hsd(data: pd.DataFrame | Groups, dv: str | None = None, between: str | None = None,
              ci: float = 0.95) -> pd.DataFrame:
    """Tukey's HSD (Tukey-Kramer for unequal n) with pooled within-group variance (``TukeyHSD``).

    Written here: statsmodels' ``pairwise_tukeyhsd`` and ``scipy.stats.tukey_hsd`` give the same p and CI (the
    tests compare) but take 0.12-0.57 s per outcome in SciPy's studentized range, against ~3 ms with
    :func:`ptukey` (the one Games-Howell needs anyway).

    Parameters
    ----------
    data : DataFrame or Groups
        Long data or an outcome split by :func:`split_groups`.
    dv, between : str, optional
        Outcome and grouping columns (not needed with a :class:`Groups`).
    ci : float
        Family-wise confidence level of the intervals.

    Returns
    -------
    DataFrame
        One row per pair: ``dv, between, test, group1, group2, n1, n2, mean1, mean2, estimate, se`` (of the
        difference) ``, t, df, p_adj, ci_low, ci_high``.

    Examples
    --------
    >>> d = pd.DataFrame({"y": [1.0, 2, 3, 2, 3, 4, 5, 6, 5], "g": list("aaabbbccc")})
    >>> round(float(tukey_hsd(d, "y", "g")["p_adj"].iloc[1]), 4)
    0.0085
    """
    gr = _groups(data, dv, between)
    i, j = _pairs(gr)
    n = gr.n
    k = len(gr.labels)
    df2 = float(n.sum() - k)
    msw = sum(float(np.sum((a - a.mean()) ** 2)) for a in gr.arrays) / df2
    out = _pair_frame(gr, i, j, "tukey_hsd")
    se = np.sqrt(msw / 2 * (1 / n[i] + 1 / n[j]))
    q = np.abs(out["estimate"].to_numpy()) / se
    half = float(qtukey(ci, k, df2)[0]) * se
    out["se"], out["t"], out["df"] = se * np.sqrt(2), q / np.sqrt(2), df2
    out["p_adj"] = 1 - ptukey(q, k, df2)
    out["ci_low"], out["ci_high"] = out["estimate"] - half, out["estimate"] + half
    return out


def dunn(data: pd.DataFrame | Groups, dv: str | None = None, between: str | None = None,
         correction: str = "holm") -> pd.DataFrame:
    """Dunn's (1964) pairwise rank test with tie correction; p adjusted over the pairs (Holm or BH).

    ``z`` = (mean rank2 − mean rank1)/sqrt((N(N+1)/12 − Σ(t³−t)/(12(N−1)))·(1/n1 + 1/n2)), two-sided p, as
    ``rstatix::dunn_test``. Written here: neither SciPy, statsmodels nor pingouin has Dunn's test.

    Parameters
    ----------
    data : DataFrame or Groups
        Long data or an outcome split by :func:`split_groups`.
    dv, between : str, optional
        Outcome and grouping columns (not needed with a :class:`Groups`).
    correction : {"holm", "bh", "none"}
        Adjustment of the pairwise p-values (:func:`p_adjust`).

    Returns
    -------
    DataFrame
        One row per pair: ``dv, between, test, group1, group2, n1, n2, mean1, mean2, estimate, mean_rank1,
        mean_rank2, z, p_unc, p_adj``.

    Examples
    --------
    >>> d = pd.DataFrame({"y": [1.0, 2, 3, 2, 3, 4, 5, 6, 5], "g": list("aaabbbccc")})
    >>> round(float(dunn(d, "y", "g")["z"].iloc[1]), 4)
    2.4155
    """
    gr = _groups(data, dv, between)
    r, ties = _ranks(gr)
    n = gr.n
    ntot = n.sum()
    ends = np.cumsum(n).astype(int)
    rbar = np.add.reduceat(r, np.r_[0, ends[:-1]]) / n
    i, j = _pairs(gr)
    out = _pair_frame(gr, i, j, "dunn")
    out["mean_rank1"], out["mean_rank2"] = rbar[i], rbar[j]
    se = np.sqrt((ntot * (ntot + 1) / 12 - ties / (12 * (ntot - 1))) * (1 / n[i] + 1 / n[j]))
    out["z"] = (rbar[j] - rbar[i]) / se
    out["p_unc"] = 2 * stats.norm.sf(np.abs(out["z"]))
    out["p_adj"] = p_adjust(out["p_unc"].to_numpy(), correction)
    return out
