"""Group tests on one outcome: descriptives, Levene, Welch/classic ANOVA, Kruskal-Wallis, post hoc tests, effect sizes.

Pingouin-style functions: each takes a long DataFrame, the outcome column ``dv`` and the grouping column
``between`` and returns a tidy DataFrame with identifier-safe columns (``p_unc``, ``p_adj``, ``ci_low``,
``ci_high``). The formulas follow R (``oneway.test``, ``aov``, ``kruskal.test``, ``car::leveneTest``,
``TukeyHSD``, ``rstatix::games_howell_test``) and are checked against R output on psychTools' ``bfi``
(``tests/reference/bfi_group_tests.json``). The studentized-range distribution is computed here, vectorised
(:func:`ptukey`, :func:`qtukey`), because SciPy's is slow for per-pair quantiles.

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

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

import numpy as np
import pandas as pd
from scipy import interpolate, optimize, special, stats

from vcd_core.errors import DataError

__all__ = [
    "anova_oneway",
    "describe",
    "dunn",
    "games_howell",
    "kruskal",
    "levene",
    "p_adjust",
    "ptukey",
    "qtukey",
    "tukey_hsd",
    "welch_anova",
]

# ---------------------------------------------------------------------------------------------------------------
# studentized range distribution (Gauss-Legendre quadrature; matches scipy.stats.studentized_range to ~1e-8)


def _panels(a: float, b: float, npan: int, nodes: int) -> tuple[np.ndarray, np.ndarray]:
    x, w = np.polynomial.legendre.leggauss(nodes)
    edges = np.linspace(a, b, npan + 1)
    h = np.diff(edges) / 2
    return (edges[:-1, None] + h[:, None] * (x[None, :] + 1)).ravel(), (h[:, None] * w[None, :]).ravel()


_ZX, _ZW = _panels(-8.5, 8.5, 8, 20)
_ZPHI = _ZW * np.exp(-(_ZX**2) / 2) / np.sqrt(2 * np.pi)
_ZCDF = special.ndtr(_ZX)
_UX, _UW = _panels(0.0, 1.0, 10, 20)
_W_MAX = 14.0
_DF_INF = 25000.0  # as R's ptukey: above this many df the range of normals is used (df = inf)


def _prange(w: np.ndarray, k: int) -> np.ndarray:
    """P(range of k standard normals < w), elementwise."""
    d = np.clip(_ZCDF - special.ndtr(_ZX - np.asarray(w, float)[..., None]), 0.0, 1.0)
    return np.clip(k * np.sum(_ZPHI * d ** (k - 1), axis=-1), 0.0, 1.0)


@lru_cache(maxsize=64)
def _prange_spline(k: int) -> interpolate.CubicSpline:
    """A cubic spline of w ↦ P(range < w) on [0, 14] (step 0.005; interpolation error < 1e-9)."""
    w = np.linspace(0.0, _W_MAX, 2801)
    return interpolate.CubicSpline(w, _prange(w, k))


def _prange_fast(w: np.ndarray, k: int) -> np.ndarray:
    w = np.asarray(w, float)
    return np.where(w >= _W_MAX, 1.0, np.clip(_prange_spline(k)(np.minimum(w, _W_MAX)), 0.0, 1.0))


def ptukey(q: np.ndarray | float, k: int, df: np.ndarray | float) -> np.ndarray:
    """Cumulative distribution of the studentized range (R's ``ptukey(q, k, df)``), vectorised over ``q``/``df``.

    Examples
    --------
    >>> round(float(ptukey(3.5, 3, 20)[0]), 6)
    0.944108
    """
    q = np.atleast_1d(np.asarray(q, float))
    df = np.broadcast_to(np.asarray(df, float), q.shape)
    out = np.zeros(q.shape)
    pos = q > 0
    big = pos & (~np.isfinite(df) | (df > _DF_INF))
    out[big] = _prange(q[big], k)
    fin = pos & ~big
    if fin.any():
        d = df[fin][:, None]
        lo = 0.5 * np.log(stats.chi2.ppf(1e-16, d) / d)
        hi = 0.5 * np.log(stats.chi2.isf(1e-16, d) / d)
        y = lo + (hi - lo) * _UX[None, :]
        x = d * np.exp(2 * y)
        dens = np.exp(stats.chi2.logpdf(x, d) + np.log(2 * x)) * (hi - lo)
        out[fin] = np.clip(np.sum(_UW * dens * _prange_fast(q[fin][:, None] * np.exp(y), k), axis=-1), 0.0, 1.0)
    return out


def qtukey(p: float, k: int, df: np.ndarray | float) -> np.ndarray:
    """Quantile of the studentized range (R's ``qtukey(p, k, df)``), vectorised over ``df`` (bisection on ptukey).

    Examples
    --------
    >>> round(float(qtukey(0.95, 3, 20)[0]), 4)
    3.5779
    """
    df = np.atleast_1d(np.asarray(df, float))
    lo, hi = np.zeros(df.shape), np.full(df.shape, 1.0)
    while True:  # bracket
        low = ptukey(hi, k, df) < p
        if not low.any():
            break
        hi = np.where(low, hi * 2, hi)
    for _ in range(45):
        mid = (lo + hi) / 2
        below = ptukey(mid, k, df) < p
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return (lo + hi) / 2


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


def _row(gr: Groups, test: str, statistic: float, df1: float, df2: float, p: float, **extra) -> pd.DataFrame:
    rec = {"dv": gr.dv, "between": gr.between, "test": test, "n": int(gr.n.sum()), "k": len(gr.labels),
           "statistic": float(statistic), "df1": float(df1), "df2": float(df2), "p_unc": float(p)}
    rec.update({k: float(v) for k, v in extra.items()})
    return pd.DataFrame([rec])


# ---------------------------------------------------------------------------------------------------------------
# descriptives and omnibus tests


def describe(data: pd.DataFrame | Groups, dv: str | None = None, between: str | None = None,
             ci: float = 0.95) -> pd.DataFrame:
    """n, mean, sd, standard error, t-based confidence interval and median of ``dv`` per group.

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


def _oneway_f(arrays: Sequence[np.ndarray]) -> tuple[float, float, float, float, float, float]:
    n = np.array([len(a) for a in arrays], float)
    m = np.array([a.mean() for a in arrays])
    grand = np.sum(n * m) / n.sum()
    ssb = float(np.sum(n * (m - grand) ** 2))
    ssw = float(sum(np.sum((a - mi) ** 2) for a, mi in zip(arrays, m, strict=True)))
    df1, df2 = len(arrays) - 1, n.sum() - len(arrays)
    f = (ssb / df1) / (ssw / df2) if ssw > 0 else np.inf
    return f, df1, df2, ssb, ssw, float(stats.f.sf(f, df1, df2))


def levene(data: pd.DataFrame | Groups, dv: str | None = None, between: str | None = None,
           center: str = "median") -> pd.DataFrame:
    """Levene's test of equal variances; ``center='median'`` is Brown-Forsythe (``car::leveneTest`` default).

    Examples
    --------
    >>> d = pd.DataFrame({"y": [1.0, 2, 3, 2, 4, 9], "g": list("aaabbb")})
    >>> levene(d, "y", "g")["test"].iloc[0]
    'levene_median'
    """
    gr = _groups(data, dv, between)
    if center not in ("median", "mean"):
        raise ValueError("center must be 'median' or 'mean'")
    fn = np.median if center == "median" else np.mean
    f, df1, df2, _, _, p = _oneway_f([np.abs(a - fn(a)) for a in gr.arrays])
    return _row(gr, f"levene_{center}", f, df1, df2, p)


def _ncp_bounds(cdf, stat: float, level: float) -> tuple[float, float]:
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


def anova_oneway(data: pd.DataFrame | Groups, dv: str | None = None, between: str | None = None,
                 ci: float = 0.95) -> pd.DataFrame:
    """Classic one-way ANOVA (``aov``) with η², ω², ε² and two-sided CIs for η² and ω².

    η² = SSb/SSt; ω² = (SSb − dfb·MSw)/(SSt + MSw); ε² = (SSb − dfb·MSw)/SSt. CIs follow
    ``effectsize::eta_squared`` / ``omega_squared(ci = 0.95, alternative = "two.sided")``: the noncentral F
    distribution is inverted at F (for ω²: at the F implied by ω², (ω²/dfb)/((1 − ω²)/dfw)) and each
    noncentrality bound λ becomes λ/(λ + dfw). ``ci_low``/``ci_high`` are η²'s, ``omega2_ci_low``/``_high`` ω²'s.

    Examples
    --------
    >>> d = pd.DataFrame({"y": [1.0, 2, 3, 2, 3, 4, 5, 6, 5], "g": list("aaabbbccc")})
    >>> r = anova_oneway(d, "y", "g").iloc[0]
    >>> round(float(r.eta2), 3), round(float(r.omega2), 3)
    (0.79, 0.696)
    """
    gr = _groups(data, dv, between)
    f, df1, df2, ssb, ssw, p = _oneway_f(gr.arrays)
    sst, msw = ssb + ssw, ssw / df2
    omega2 = (ssb - df1 * msw) / (sst + msw)
    eta_ci = _pve_ci(f, df1, df2, ci)
    om_ci = _pve_ci(max(0.0, (omega2 / df1) / ((1 - omega2) / df2)), df1, df2, ci)
    return _row(gr, "anova", f, df1, df2, p, ss_between=ssb, ss_within=ssw, ms_within=msw,
                eta2=ssb / sst, omega2=omega2, epsilon2=(ssb - df1 * msw) / sst,
                ci_low=eta_ci[0], ci_high=eta_ci[1], omega2_ci_low=om_ci[0], omega2_ci_high=om_ci[1])


def _pve_ci(f: float, df1: float, df2: float, level: float) -> tuple[float, float]:
    """effectsize's CI of a proportion of variance: noncentral-F bounds λ of ``f`` mapped to λ/(λ + df2)."""
    lo, hi = _ncp_bounds(lambda x, nc: stats.ncf.cdf(x, df1, df2, nc) if nc > 0 else stats.f.cdf(x, df1, df2),
                         f, level)
    return lo / (lo + df2), hi / (hi + df2)


def welch_anova(data: pd.DataFrame | Groups, dv: str | None = None, between: str | None = None) -> pd.DataFrame:
    """Welch's heteroscedastic one-way ANOVA (``oneway.test(var.equal = FALSE)``).

    Examples
    --------
    >>> d = pd.DataFrame({"y": [1.0, 2, 3, 2, 3, 4, 5, 6, 5], "g": list("aaabbbccc")})
    >>> round(float(welch_anova(d, "y", "g")["statistic"].iloc[0]), 4)
    12.8814
    """
    gr = _groups(data, dv, between)
    n, m, v = gr.n, gr.mean, gr.var
    if np.any(v == 0):
        zero = [lab for lab, vi in zip(gr.labels, v, strict=True) if vi == 0]
        raise DataError(f"{gr.dv} has no variance within {gr.between} group(s) {', '.join(map(repr, zero))}; "
                        "Welch's test needs variance in every group (use --method kruskal)", column=gr.between)
    k = len(n)
    w = n / v
    sw = w.sum()
    mw = np.sum(w * m) / sw
    tmp = np.sum((1 - w / sw) ** 2 / (n - 1)) / (k**2 - 1)
    f = np.sum(w * (m - mw) ** 2) / ((k - 1) * (1 + 2 * (k - 2) * tmp))
    df2 = 1 / (3 * tmp)
    return _row(gr, "welch_anova", f, k - 1, df2, stats.f.sf(f, k - 1, df2))


def _ranks(gr: Groups) -> tuple[np.ndarray, float]:
    """Mid-ranks of all values (group after group) and the tie term sum(t^3 - t)."""
    allv = gr.values
    r = stats.rankdata(allv)
    _, t = np.unique(allv, return_counts=True)
    return r, float(np.sum(t.astype(float) ** 3 - t))


def kruskal(data: pd.DataFrame | Groups, dv: str | None = None, between: str | None = None,
            ci: float = 0.95) -> pd.DataFrame:
    """Kruskal-Wallis H with tie correction (``kruskal.test``), ε² = H/(n − 1) and η²_H = (H − k + 1)/(n − k).

    The CI of ε² inverts the noncentral χ² distribution of H (asymptotic): [(k−1+λ_L)/(n−1), (k−1+λ_U)/(n−1)].

    Examples
    --------
    >>> d = pd.DataFrame({"y": [1.0, 2, 3, 2, 3, 4, 5, 6, 5], "g": list("aaabbbccc")})
    >>> round(float(kruskal(d, "y", "g")["statistic"].iloc[0]), 4)
    6.1083
    """
    gr = _groups(data, dv, between)
    r, ties = _ranks(gr)
    n = gr.n
    ntot = n.sum()
    ends = np.cumsum(n).astype(int)
    rsum = np.add.reduceat(r, np.r_[0, ends[:-1]])
    h = (12 / (ntot * (ntot + 1)) * np.sum(rsum**2 / n) - 3 * (ntot + 1)) / (1 - ties / (ntot**3 - ntot))
    k = len(n)
    lam_lo, lam_hi = _ncp_bounds(lambda x, nc: stats.ncx2.cdf(x, k - 1, nc) if nc > 0 else stats.chi2.cdf(x, k - 1),
                                 h, ci)
    return _row(gr, "kruskal", h, k - 1, np.nan, stats.chi2.sf(h, k - 1), epsilon2=h / (ntot - 1),
                eta2_h=(h - k + 1) / (ntot - k), ci_low=(k - 1 + lam_lo) / (ntot - 1),
                ci_high=(k - 1 + lam_hi) / (ntot - 1))


# ---------------------------------------------------------------------------------------------------------------
# post hoc tests


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

    Examples
    --------
    >>> d = pd.DataFrame({"y": [1.0, 2, 3, 2, 3, 4, 5, 6, 5], "g": list("aaabbbccc")})
    >>> round(float(tukey_hsd(d, "y", "g")["p_adj"].iloc[1]), 4)
    0.0085
    """
    gr = _groups(data, dv, between)
    i, j = _pairs(gr)
    n = gr.n
    _, _, df2, _, ssw, _ = _oneway_f(gr.arrays)
    msw = ssw / df2
    out = _pair_frame(gr, i, j, "tukey_hsd")
    se = np.sqrt(msw / 2 * (1 / n[i] + 1 / n[j]))
    q = np.abs(out["estimate"].to_numpy()) / se
    k = len(gr.labels)
    half = float(qtukey(ci, k, df2)[0]) * se
    out["se"], out["t"], out["df"] = se * np.sqrt(2), q / np.sqrt(2), df2
    out["p_adj"] = 1 - ptukey(q, k, df2)
    out["ci_low"], out["ci_high"] = out["estimate"] - half, out["estimate"] + half
    return out


def dunn(data: pd.DataFrame | Groups, dv: str | None = None, between: str | None = None,
         correction: str = "holm") -> pd.DataFrame:
    """Dunn's (1964) pairwise rank test with tie correction; p adjusted over the pairs (Holm or BH).

    ``z`` = (mean rank2 − mean rank1)/sqrt((N(N+1)/12 − Σ(t³−t)/(12(N−1)))·(1/n1 + 1/n2)), two-sided p.

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


def p_adjust(p: Sequence[float] | np.ndarray, method: str = "holm") -> np.ndarray:
    """Adjust p-values for multiple testing: ``holm`` (default), ``bh`` (Benjamini-Hochberg) or ``none``.

    Same as R's ``p.adjust``; missing values stay missing and do not count as tests.

    Examples
    --------
    >>> p_adjust([0.01, 0.04, 0.03]).round(3).tolist()
    [0.03, 0.06, 0.06]
    >>> p_adjust([0.01, 0.04, 0.03], "bh").round(3).tolist()
    [0.03, 0.04, 0.04]
    """
    p = np.asarray(p, float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    q = p[ok]
    m = len(q)
    if m == 0:
        return out
    method = method.lower()
    if method == "holm":
        o = np.argsort(q, kind="stable")
        adj = np.minimum(1, np.maximum.accumulate((m - np.arange(m)) * q[o]))
    elif method in ("bh", "fdr_bh"):
        o = np.argsort(q, kind="stable")[::-1]
        adj = np.minimum(1, np.minimum.accumulate(m / np.arange(m, 0, -1) * q[o]))
    elif method == "none":
        o, adj = np.arange(m), q
    else:
        raise ValueError(f"unknown correction {method!r}; use holm, bh or none")
    res = np.empty(m)
    res[o] = adj
    out[ok] = res
    return out
