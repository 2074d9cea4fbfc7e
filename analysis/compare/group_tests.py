"""Group tests on one outcome: descriptives, Levene, Welch/classic ANOVA, Kruskal-Wallis, post hoc tests, effect sizes.

Pingouin-style functions: each takes a long DataFrame, the outcome column ``dv`` and the grouping column
``between`` (or a :class:`Groups` from :func:`split_groups`) and returns a tidy DataFrame with identifier-safe
columns (``p_unc``, ``p_adj``, ``ci_low``, ``ci_high``). The results follow R (``oneway.test``, ``aov``,
``kruskal.test``, ``car::leveneTest``, ``TukeyHSD``, ``rstatix::games_howell_test``, ``p.adjust``) and are checked
against R output on psychTools' ``bfi`` (``tests/reference/bfi_group_tests.json``).

Who computes what: Levene/Brown-Forsythe and Kruskal-Wallis H are ``scipy.stats``; Welch's ANOVA is statsmodels'
``anova_oneway``; the classic ANOVA table is pingouin's ``anova``; Holm and Benjamini-Hochberg are statsmodels'
``multipletests``. Written here (no Python library has them): the effect sizes' noncentral-distribution CIs
(effectsize's method). The post hoc tests are in :mod:`analysis.compare.posthoc`.

Rows with a missing outcome or group are left out of a test; ``n`` in every result says how many were used.
Bad input raises :class:`~vcd_core.errors.DataError`: a missing column, fewer than two groups, a group with
fewer than two respondents, an outcome with no variance, labels outside ``levels``.

Examples
--------
>>> import pandas as pd
>>> d = pd.DataFrame({"y": [1.0, 2, 3, 2, 3, 4, 5, 6, 5], "g": list("aaabbbccc")})
>>> welch_anova(d, "y", "g")[["test", "df1"]].to_dict("records")
[{'test': 'welch_anova', 'df1': 2.0}]
>>> round(float(anova_oneway(d, "y", "g")["statistic"].iloc[0]), 3)
11.286
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.oneway import anova_oneway as _sm_anova_oneway

from vcd_core.errors import DataError

__all__ = [
    "Groups",
    "anova_oneway",
    "describe",
    "kruskal",
    "levene",
    "p_adjust",
    "split_groups",
    "welch_anova",
]

# ---------------------------------------------------------------------------------------------------------------
# splitting data into groups


@dataclass(frozen=True)
class Groups:
    """An outcome split by a grouping column: labels in order, one float array per group."""

    dv: str
    between: str
    labels: tuple[str, ...]
    arrays: tuple[np.ndarray, ...]

    @property
    def n(self) -> np.ndarray:
        """Group sizes."""
        return np.array([len(a) for a in self.arrays], float)

    @property
    def mean(self) -> np.ndarray:
        """Group means."""
        return np.array([a.mean() for a in self.arrays])

    @property
    def var(self) -> np.ndarray:
        """Group variances (divisor n - 1)."""
        return np.array([a.var(ddof=1) for a in self.arrays])

    @property
    def values(self) -> np.ndarray:
        """All values, group after group."""
        return np.concatenate(self.arrays)


def split_groups(
    data: pd.DataFrame,
    dv: str,
    between: str,
    levels: Sequence[str] | None = None,
    min_n: int = 2,
) -> Groups:
    """Split ``data[dv]`` by ``data[between]``, checking the input.

    Group labels are strings; their order is ``levels`` (when given, groups absent from the data are skipped),
    the categories of a categorical column, or the sorted labels.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    dv : str
        Numeric outcome column (rows where it is missing are left out).
    between : str
        Grouping column (rows where it is missing are left out).
    levels : sequence of str, optional
        The allowed labels, in the order to report them.
    min_n : int
        Smallest group size accepted.

    Returns
    -------
    Groups
        Labels in order and one float array per group.

    Raises
    ------
    DataError
        A missing column, a non-numeric outcome, labels outside ``levels`` (listed), fewer than two groups,
        a group with fewer than ``min_n`` respondents, or an outcome without variance.

    Examples
    --------
    >>> d = pd.DataFrame({"y": [1.0, 2, 3, 4], "g": ["b", "a", "b", "a"]})
    >>> split_groups(d, "y", "g").labels
    ('a', 'b')
    """
    for col in (dv, between):
        if col not in data.columns:
            raise DataError(f"column {col!r} is not in the data", column=col)
    y = pd.to_numeric(data[dv], errors="coerce") if data[dv].dtype == object else data[dv]
    if not pd.api.types.is_numeric_dtype(y):
        raise DataError(f"outcome {dv!r} is not numeric", column=dv)
    g = data[between]
    keep = y.notna().to_numpy() & g.notna().to_numpy()
    y = y.to_numpy(float)[keep]
    g = g[keep]
    if isinstance(g.dtype, pd.CategoricalDtype):
        order = [str(c) for c in g.cat.categories]
        g = g.astype(str)
    else:
        g = g.astype(str)
        order = sorted(pd.unique(g))
    if levels is not None:
        allowed = [str(lv) for lv in levels]
        unexpected = sorted(set(pd.unique(g)) - set(allowed))
        if unexpected:
            listed = ", ".join(map(repr, unexpected))
            raise DataError(f"unexpected {between} label(s) {listed}; expected one of {', '.join(allowed)}",
                            column=between)
        order = allowed
    codes = pd.Categorical(g, categories=order).codes
    idx = np.argsort(codes, kind="stable")
    counts = np.bincount(codes, minlength=len(order))
    parts = np.split(y[idx], np.cumsum(counts)[:-1])
    labels = tuple(lab for lab, c in zip(order, counts, strict=True) if c > 0)
    arrays = tuple(p for p, c in zip(parts, counts, strict=True) if c > 0)
    if len(labels) < 2:
        raise DataError(f"{between} has {len(labels)} group(s) with a value of {dv}; a comparison needs two",
                        column=between)
    small = [f"{lab!r} (n={len(a)})" for lab, a in zip(labels, arrays, strict=True) if len(a) < min_n]
    if small:
        raise DataError(f"{between} group(s) {', '.join(small)} have fewer than {min_n} respondents with a value of "
                        f"{dv}; merge or drop them", column=between)
    if np.ptp(y) == 0:
        raise DataError(f"{dv} has no variance (every respondent has {y[0]:g}); it cannot be compared", column=dv)
    return Groups(dv, between, labels, arrays)


def _groups(data: pd.DataFrame | Groups, dv: str | None, between: str | None) -> Groups:
    if isinstance(data, Groups):
        return data
    if dv is None or between is None:
        raise TypeError("dv and between are required with a DataFrame")
    return split_groups(data, dv, between)


def _row(gr: Groups, test: str, statistic: float, df1: float, df2: float, p: float, **extra: float) -> pd.DataFrame:
    rec: dict[str, object] = {"dv": gr.dv, "between": gr.between, "test": test, "n": int(gr.n.sum()),
                              "k": len(gr.labels), "statistic": float(statistic), "df1": float(df1),
                              "df2": float(df2), "p_unc": float(p)}
    rec.update({k: float(v) for k, v in extra.items()})
    return pd.DataFrame([rec])


# ---------------------------------------------------------------------------------------------------------------
# descriptives and omnibus tests


def describe(data: pd.DataFrame | Groups, dv: str | None = None, between: str | None = None,
             ci: float = 0.95) -> pd.DataFrame:
    """n, mean, sd, standard error, t-based confidence interval and median of ``dv`` per group.

    Parameters
    ----------
    data : DataFrame or Groups
        Long data (one row per respondent) or an outcome already split by :func:`split_groups`.
    dv, between : str, optional
        Outcome and grouping columns (not needed with a :class:`Groups`).
    ci : float
        Confidence level of the interval of the mean (mean ± t(ci, n − 1)·se).

    Returns
    -------
    DataFrame
        ``dv, between, group, n, mean, sd, se, ci_low, ci_high, median``, one row per group.

    Examples
    --------
    >>> d = pd.DataFrame({"y": [1.0, 2, 3, 5, 6, 7], "g": list("aaabbb")})
    >>> describe(d, "y", "g")[["group", "n", "mean", "sd"]].to_dict("records")
    [{'group': 'a', 'n': 3, 'mean': 2.0, 'sd': 1.0}, {'group': 'b', 'n': 3, 'mean': 6.0, 'sd': 1.0}]
    """
    gr = _groups(data, dv, between)
    n, m, sd = gr.n, gr.mean, np.sqrt(gr.var)
    se = sd / np.sqrt(n)
    half = stats.t.ppf(0.5 + ci / 2, n - 1) * se
    return pd.DataFrame({"dv": gr.dv, "between": gr.between, "group": list(gr.labels), "n": n.astype(int),
                         "mean": m, "sd": sd, "se": se, "ci_low": m - half, "ci_high": m + half,
                         "median": [float(np.median(a)) for a in gr.arrays]})


def levene(data: pd.DataFrame | Groups, dv: str | None = None, between: str | None = None,
           center: str = "median") -> pd.DataFrame:
    """Levene's test of equal variances (``scipy.stats.levene``); ``center='median'`` is Brown-Forsythe.

    ``car::leveneTest``'s default is the median.

    Parameters
    ----------
    data : DataFrame or Groups
        Long data or an outcome split by :func:`split_groups`.
    dv, between : str, optional
        Outcome and grouping columns (not needed with a :class:`Groups`).
    center : {"median", "mean"}
        Deviations from the group median (Brown-Forsythe) or mean (Levene's original).

    Returns
    -------
    DataFrame
        One row: ``dv, between, test, n, k, statistic, df1, df2, p_unc`` (test ``levene_<center>``).

    Examples
    --------
    >>> d = pd.DataFrame({"y": [1.0, 2, 3, 2, 4, 9], "g": list("aaabbb")})
    >>> levene(d, "y", "g")["test"].iloc[0]
    'levene_median'
    """
    gr = _groups(data, dv, between)
    if center not in ("median", "mean"):
        raise ValueError("center must be 'median' or 'mean'")
    with np.errstate(divide="ignore", invalid="ignore"):  # no spread of deviations within groups: W = inf, p = 0
        res = stats.levene(*gr.arrays, center=center)
    k = len(gr.labels)
    return _row(gr, f"levene_{center}", res.statistic, k - 1, gr.n.sum() - k, res.pvalue)


def _ncp_bounds(cdf: Callable[[float, float], float], stat: float, level: float) -> tuple[float, float]:
    """Noncentrality bounds: cdf(stat; ncp) = 1 - a/2 (lower) and a/2 (upper), 0 where unattainable."""
    a = (1 - level) / 2
    out = []
    for target in (1 - a, a):
        if cdf(stat, 0.0) <= target:
            out.append(0.0)
            continue
        hi = max(10.0, 2 * stat)
        while cdf(stat, hi) > target:
            hi *= 2
        out.append(float(optimize.brentq(lambda x, t=target: cdf(stat, x) - t, 0.0, hi, xtol=1e-10)))
    return out[0], out[1]


def _pve_ci(f: float, df1: float, df2: float, level: float) -> tuple[float, float]:
    """effectsize's CI of a proportion of variance: noncentral-F bounds λ of ``f`` mapped to λ/(λ + df2)."""
    lo, hi = _ncp_bounds(lambda x, nc: stats.ncf.cdf(x, df1, df2, nc) if nc > 0 else stats.f.cdf(x, df1, df2),
                         f, level)
    return lo / (lo + df2), hi / (hi + df2)


def anova_oneway(data: pd.DataFrame | Groups, dv: str | None = None, between: str | None = None,
                 ci: float = 0.95) -> pd.DataFrame:
    """Classic one-way ANOVA (``aov``; the table is ``pingouin.anova``) with η², ω², ε² and CIs for η² and ω².

    η² = SSb/SSt; ω² = (SSb − dfb·MSw)/(SSt + MSw); ε² = (SSb − dfb·MSw)/SSt. The CIs are computed here, as
    ``effectsize::eta_squared`` / ``omega_squared(ci = 0.95, alternative = "two.sided")`` do them (no Python
    library has them): the noncentral F distribution is inverted at F (for ω²: at the F implied by ω²,
    (ω²/dfb)/((1 − ω²)/dfw)) and each noncentrality bound λ becomes λ/(λ + dfw).

    Parameters
    ----------
    data : DataFrame or Groups
        Long data or an outcome split by :func:`split_groups`.
    dv, between : str, optional
        Outcome and grouping columns (not needed with a :class:`Groups`).
    ci : float
        Confidence level of the effect-size intervals.

    Returns
    -------
    DataFrame
        One row: ``dv, between, test, n, k, statistic, df1, df2, p_unc, ss_between, ss_within, ms_within, eta2,
        omega2, epsilon2, ci_low, ci_high`` (η²'s CI) ``, omega2_ci_low, omega2_ci_high``.

    Raises
    ------
    DataError
        Every group constant (no variance within groups: F is infinite).

    Examples
    --------
    >>> d = pd.DataFrame({"y": [1.0, 2, 3, 2, 3, 4, 5, 6, 5], "g": list("aaabbbccc")})
    >>> r = anova_oneway(d, "y", "g").iloc[0]
    >>> round(float(r.eta2), 3), round(float(r.omega2), 3)
    (0.79, 0.696)
    """
    import pingouin  # here, not at the top: importing it takes ~0.5 s and only this table needs it

    gr = _groups(data, dv, between)
    if all(np.ptp(a) == 0 for a in gr.arrays):
        raise DataError(f"{gr.dv} has no variance within the {gr.between} groups; the F ratio is undefined",
                        column=gr.dv)
    long = pd.DataFrame({"y": gr.values, "g": np.repeat(np.arange(len(gr.labels)), gr.n.astype(int))})
    with warnings.catch_warnings():  # pingouin 0.7 calls dropna(inplace=True), deprecated in pandas 3.1
        warnings.filterwarnings("ignore", message=".*inplace.*", category=DeprecationWarning)
        tab = pingouin.anova(data=long, dv="y", between="g", detailed=True)
    p_col = "p_unc" if "p_unc" in tab.columns else "p-unc"  # pingouin < 0.6 wrote p-unc
    ssb, ssw = float(tab["SS"].iloc[0]), float(tab["SS"].iloc[1])
    df1, df2 = float(tab["DF"].iloc[0]), float(tab["DF"].iloc[1])
    f, p = float(tab["F"].iloc[0]), float(tab[p_col].iloc[0])
    sst, msw = ssb + ssw, ssw / df2
    omega2 = (ssb - df1 * msw) / (sst + msw)
    eta_ci = _pve_ci(f, df1, df2, ci)
    om_ci = _pve_ci(max(0.0, (omega2 / df1) / ((1 - omega2) / df2)), df1, df2, ci)
    return _row(gr, "anova", f, df1, df2, p, ss_between=ssb, ss_within=ssw, ms_within=msw,
                eta2=ssb / sst, omega2=omega2, epsilon2=(ssb - df1 * msw) / sst,
                ci_low=eta_ci[0], ci_high=eta_ci[1], omega2_ci_low=om_ci[0], omega2_ci_high=om_ci[1])


def welch_anova(data: pd.DataFrame | Groups, dv: str | None = None, between: str | None = None) -> pd.DataFrame:
    """Welch's heteroscedastic one-way ANOVA (``oneway.test(var.equal = FALSE)``; statsmodels' ``anova_oneway``).

    Parameters
    ----------
    data : DataFrame or Groups
        Long data or an outcome split by :func:`split_groups`.
    dv, between : str, optional
        Outcome and grouping columns (not needed with a :class:`Groups`).

    Returns
    -------
    DataFrame
        One row: ``dv, between, test, n, k, statistic, df1, df2, p_unc`` (df2 is Welch's fractional df).

    Raises
    ------
    DataError
        A group without variance (Welch's weights n/s² are undefined).

    Examples
    --------
    >>> d = pd.DataFrame({"y": [1.0, 2, 3, 2, 3, 4, 5, 6, 5], "g": list("aaabbbccc")})
    >>> round(float(welch_anova(d, "y", "g")["statistic"].iloc[0]), 4)
    12.8814
    """
    gr = _groups(data, dv, between)
    v = gr.var
    if np.any(v == 0):
        zero = [lab for lab, vi in zip(gr.labels, v, strict=True) if vi == 0]
        raise DataError(f"{gr.dv} has no variance within {gr.between} group(s) {', '.join(map(repr, zero))}; "
                        "Welch's test needs variance in every group (use --method kruskal)", column=gr.between)
    res = _sm_anova_oneway(list(gr.arrays), use_var="unequal", welch_correction=True)
    return _row(gr, "welch_anova", res.statistic, res.df_num, res.df_denom, res.pvalue)


def _ranks(gr: Groups) -> tuple[np.ndarray, float]:
    """Mid-ranks of all values (group after group) and the tie term sum(t^3 - t)."""
    allv = gr.values
    r = stats.rankdata(allv)
    _, t = np.unique(allv, return_counts=True)
    return r, float(np.sum(t.astype(float) ** 3 - t))


def kruskal(data: pd.DataFrame | Groups, dv: str | None = None, between: str | None = None,
            ci: float = 0.95) -> pd.DataFrame:
    """Kruskal-Wallis H with tie correction (``kruskal.test``; ``scipy.stats.kruskal``) and its effect sizes.

    ε² = H/((n² − 1)/(n + 1)) = H/(n − 1) (Tomczak & Tomczak 2014) and η²_H = (H − k + 1)/(n − k)
    (``rstatix::kruskal_effsize``). The CI of ε² is computed here (no library has it): it inverts the
    noncentral χ² distribution of H (asymptotic), [(k − 1 + λ_L)/(n − 1), (k − 1 + λ_U)/(n − 1)].

    Parameters
    ----------
    data : DataFrame or Groups
        Long data or an outcome split by :func:`split_groups`.
    dv, between : str, optional
        Outcome and grouping columns (not needed with a :class:`Groups`).
    ci : float
        Confidence level of the interval of ε².

    Returns
    -------
    DataFrame
        One row: ``dv, between, test, n, k, statistic, df1, df2`` (NaN) ``, p_unc, epsilon2, eta2_h, ci_low,
        ci_high``.

    Examples
    --------
    >>> d = pd.DataFrame({"y": [1.0, 2, 3, 2, 3, 4, 5, 6, 5], "g": list("aaabbbccc")})
    >>> round(float(kruskal(d, "y", "g")["statistic"].iloc[0]), 4)
    6.1083
    """
    gr = _groups(data, dv, between)
    res = stats.kruskal(*gr.arrays)
    h = float(res.statistic)
    ntot, k = float(gr.n.sum()), len(gr.labels)
    lam_lo, lam_hi = _ncp_bounds(lambda x, nc: stats.ncx2.cdf(x, k - 1, nc) if nc > 0 else stats.chi2.cdf(x, k - 1),
                                 h, ci)
    return _row(gr, "kruskal", h, k - 1, np.nan, res.pvalue, epsilon2=h / (ntot - 1),
                eta2_h=(h - k + 1) / (ntot - k), ci_low=(k - 1 + lam_lo) / (ntot - 1),
                ci_high=(k - 1 + lam_hi) / (ntot - 1))


_MULTIPLETESTS = {"holm": "holm", "bh": "fdr_bh", "fdr_bh": "fdr_bh"}


def p_adjust(p: Sequence[float] | np.ndarray, method: str = "holm") -> np.ndarray:
    """Adjust p-values for multiple testing (statsmodels' ``multipletests``), as R's ``p.adjust``.

    Missing values stay missing and do not count as tests.

    Parameters
    ----------
    p : sequence of float
        Unadjusted p-values (NaN allowed).
    method : {"holm", "bh", "none"}
        Holm (1979) step-down, Benjamini-Hochberg (1995) false discovery rate, or no adjustment.

    Returns
    -------
    ndarray
        Adjusted p-values in the input order.

    Examples
    --------
    >>> p_adjust([0.01, 0.04, 0.03]).round(3).tolist()
    [0.03, 0.06, 0.06]
    >>> p_adjust([0.01, 0.04, 0.03], "bh").round(3).tolist()
    [0.03, 0.04, 0.04]
    """
    method = method.lower()
    if method not in _MULTIPLETESTS and method != "none":
        raise ValueError(f"unknown correction {method!r}; use holm, bh or none")
    p = np.asarray(p, float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if not ok.any():
        return out
    out[ok] = p[ok] if method == "none" else multipletests(p[ok], method=_MULTIPLETESTS[method])[1]
    return out
