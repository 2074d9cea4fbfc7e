"""Polychoric correlations by the two-step method (thresholds from the margins, then ρ by ML).

Step 1: each item's thresholds are ``Φ⁻¹`` of its cumulative category proportions (all of the item's observed
answers — psych's ``global=TRUE``, lavaan's univariate thresholds). Step 2: for every pair the correlation ρ of the
underlying bivariate normal maximises the multinomial likelihood of the pair's contingency table (rows where both
items are answered) with the thresholds held fixed. The bivariate normal CDF is Genz's (2004) BVND algorithm,
vectorised over all pairs and cells, and ρ is found for all pairs at once by bisection on the score (to 1e-12).
If the matrix is not positive definite it is smoothed as :func:`psych::cor.smooth` does.

psych's ``polychoric`` finds each ρ with R's ``optimize`` (tolerance ≈ 1.2e-4) and cell probabilities with
``mnormt::sadmvn`` (absolute error 1e-6); our ρ is the exact maximum, which lavaan's ``lavCor`` also reaches.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(1)
>>> z = rng.multivariate_normal([0, 0], [[1, .5], [.5, 1]], size=2000)
>>> df = pd.DataFrame(np.digitize(z, [-1, 0, 1]) + 1, columns=["a", "b"])
>>> res = polychoric(df)
>>> round(float(res.rho.loc["a", "b"]), 1)
0.5
>>> res.thresholds.columns.tolist()
['t1', 't2', 't3']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from analysis.data.prepare import numeric_columns
from vcd_core.errors import DataError

__all__ = ["PolychoricResult", "polychoric", "bivariate_normal_cdf", "smooth_correlation"]

_BIG = 38.0  # |threshold| beyond which Φ is 0 or 1 in double precision
_RMAX = 0.9999  # bounds of ρ


def _gauss_legendre(n: int) -> tuple[np.ndarray, np.ndarray]:
    x, w = np.polynomial.legendre.leggauss(n)
    return x, w


_GL20 = _gauss_legendre(20)


def bivariate_normal_cdf(h: np.ndarray, k: np.ndarray, r: np.ndarray) -> np.ndarray:
    """P(X ≤ h, Y ≤ k) for a standard bivariate normal with correlation r (vectorised, ~1e-15).

    Genz's BVND method: Gauss-Legendre quadrature of Plackett's integral for |r| < .925, and the
    Drezner-Wesolowsky expansion with quadrature of the remainder otherwise. Arguments broadcast.

    Parameters
    ----------
    h, k : ndarray
        Upper limits (``±inf`` allowed).
    r : ndarray
        Correlations in (−1, 1).

    Returns
    -------
    ndarray
        The probabilities, broadcast shape of the arguments.

    Examples
    --------
    >>> round(float(bivariate_normal_cdf(np.array(0.0), np.array(0.0), np.array(0.5))), 6)
    0.333333
    """
    h, k, r = np.broadcast_arrays(np.asarray(h, float), np.asarray(k, float), np.asarray(r, float))
    h = np.clip(h, -_BIG, _BIG)
    k = np.clip(k, -_BIG, _BIG)
    out = np.empty(h.shape)
    x, w = _GL20
    small = np.abs(r) < 0.925
    if small.any():
        hs, ks, rs = h[small], k[small], r[small]
        asr = np.arcsin(rs)
        # ∫_0^asr exp(-(h²+k²-2hk sinθ)/(2cos²θ)) dθ / (2π), nodes θ = asr (1 + x) / 2
        sn = np.sin(asr[..., None] * (1.0 + x) / 2.0)
        hk = (hs * ks)[..., None]
        hh = ((hs * hs + ks * ks) / 2.0)[..., None]
        integ = (w * np.exp((sn * hk - hh) / (1.0 - sn * sn))).sum(-1)
        out[small] = integ * asr / (4.0 * np.pi) + ndtr(hs) * ndtr(ks)
    big = ~small
    if big.any():
        # Genz: work with upper probabilities of (-h, -k)
        hb, kb, rb = -h[big], -k[big], r[big]
        kb = np.where(rb < 0, -kb, kb)
        hk = hb * kb
        bvn = np.zeros(hb.shape)
        inner = np.abs(rb) < 1.0
        if inner.any():
            hi, ki, hki, ri = hb[inner], kb[inner], hk[inner], rb[inner]
            as_ = (1.0 - ri) * (1.0 + ri)
            a = np.sqrt(as_)
            bs = (hi - ki) ** 2
            c = (4.0 - hki) / 8.0
            d = (12.0 - hki) / 16.0
            val = a * np.exp(-(bs / as_ + hki) / 2.0) * (1.0 - c * (bs - as_) * (1.0 - d * bs / 5.0) / 3.0
                                                        + c * d * as_ * as_ / 5.0)
            b = np.sqrt(bs)
            with np.errstate(over="ignore", invalid="ignore"):
                corr = (np.exp(-hki / 2.0) * np.sqrt(2.0 * np.pi) * ndtr(-b / a) * b
                        * (1.0 - c * bs * (1.0 - d * bs / 5.0) / 3.0))
            val = val - np.where(hki > -160.0, np.nan_to_num(corr), 0.0)
            half = a / 2.0
            # quadrature over xs = (half (1 + t))², t the Gauss-Legendre nodes on [-1, 1]
            xs = (half[..., None] * (x + 1.0)) ** 2
            rs = np.sqrt(1.0 - xs)
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                t1 = np.exp(-bs[..., None] / (2.0 * xs) - hki[..., None] / (1.0 + rs)) / rs
                t2 = (np.exp(-(bs[..., None] / xs + hki[..., None]) / 2.0)
                      * (1.0 + c[..., None] * xs * (1.0 + d[..., None] * xs)))
            val = val + (half[..., None] * w * np.nan_to_num(t1 - t2)).sum(-1)
            bvn[inner] = -val / (2.0 * np.pi)
        pos = rb > 0
        res = np.where(pos, bvn + ndtr(-np.maximum(hb, kb)), -bvn)
        neg_adj = (~pos) & (kb > hb)
        res = np.where(neg_adj & (hb < 0), res + ndtr(kb) - ndtr(hb), res)
        res = np.where(neg_adj & (hb >= 0), res + ndtr(-hb) - ndtr(-kb), res)
        out[big] = res
    return np.clip(out, 0.0, 1.0)


def _bvn_density(h: np.ndarray, k: np.ndarray, r: np.ndarray) -> np.ndarray:
    h = np.clip(h, -_BIG, _BIG)
    k = np.clip(k, -_BIG, _BIG)
    om = 1.0 - r * r
    return np.exp(-(h * h - 2.0 * r * h * k + k * k) / (2.0 * om)) / (2.0 * np.pi * np.sqrt(om))


def _cell_probs(rho: np.ndarray, a: np.ndarray, b: np.ndarray, fa: np.ndarray, fb: np.ndarray,
                deriv: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """Cell probabilities (pairs, K, K) (and dP/dρ) from thresholds a (pairs, K-1), b (pairs, K-1)."""
    npair, km1 = a.shape
    r = rho[:, None, None]
    ai = a[:, :, None]
    bj = b[:, None, :]
    inner = bivariate_normal_cdf(ai, bj, r)
    corner = np.zeros((npair, km1 + 2, km1 + 2))
    corner[:, 1:-1, 1:-1] = inner
    corner[:, 1:-1, -1] = fa
    corner[:, -1, 1:-1] = fb
    corner[:, -1, -1] = 1.0
    p = np.diff(np.diff(corner, axis=1), axis=2)
    dp = None
    if deriv:
        dens = np.zeros_like(corner)
        dens[:, 1:-1, 1:-1] = _bvn_density(ai, bj, r)
        dp = np.diff(np.diff(dens, axis=1), axis=2)
    return p, dp


def _score(rho, a, b, fa, fb, tab):
    p, dp = _cell_probs(rho, a, b, fa, fb, deriv=True)
    # observed cells whose probability underflows push ρ away (floor, never skip)
    return (tab * dp / np.maximum(p, 1e-300)).sum(axis=(1, 2))


def _fit_rho(a: np.ndarray, b: np.ndarray, tab: np.ndarray, tol: float = 1e-12) -> np.ndarray:
    """ML ρ for every pair: bisection on the score over (-1, 1), vectorised over pairs."""
    fa, fb = ndtr(np.clip(a, -_BIG, _BIG)), ndtr(np.clip(b, -_BIG, _BIG))
    lo = np.full(a.shape[0], -_RMAX)
    hi = np.full(a.shape[0], _RMAX)
    s_lo = _score(lo, a, b, fa, fb, tab)
    s_hi = _score(hi, a, b, fa, fb, tab)
    # score > 0 at the lower end and < 0 at the upper end brackets the maximum; otherwise a boundary maximum
    for _ in range(64):
        mid = (lo + hi) / 2.0
        s = _score(mid, a, b, fa, fb, tab)
        up = s > 0
        lo = np.where(up, mid, lo)
        hi = np.where(up, hi, mid)
        if np.max(hi - lo) < tol:
            break
    rho = (lo + hi) / 2.0
    rho = np.where(s_lo <= 0, -_RMAX, rho)
    rho = np.where(s_hi >= 0, _RMAX, rho)
    return rho


def smooth_correlation(r: np.ndarray, eig_tol: float = 1e-12) -> tuple[np.ndarray, bool]:
    """psych's ``cor.smooth``: if an eigenvalue is below machine epsilon, lift small ones and rescale.

    Parameters
    ----------
    r : ndarray
        A symmetric matrix with unit diagonal.
    eig_tol : float
        Eigenvalues below this are raised to 100·``eig_tol`` before rescaling.

    Returns
    -------
    (ndarray, bool)
        The (possibly smoothed) correlation matrix and whether it was changed.

    Examples
    --------
    >>> m, changed = smooth_correlation(np.eye(2))
    >>> changed
    False
    """
    vals, vecs = np.linalg.eigh(r)
    if vals.min() >= np.finfo(float).eps:
        return r, False
    vals = np.where(vals < eig_tol, 100 * eig_tol, vals)
    vals = vals * r.shape[0] / vals.sum()
    x = (vecs * vals) @ vecs.T
    d = np.sqrt(np.diag(x))
    return x / np.outer(d, d), True


@dataclass(frozen=True)
class PolychoricResult:
    """Polychoric correlations with thresholds.

    Attributes
    ----------
    rho : DataFrame
        items × items correlation matrix.
    thresholds : DataFrame
        items × ``t1 … t(K-1)`` (``-inf``/``inf`` for empty extreme categories).
    categories : tuple of float
        The common response categories (sorted).
    n_obs : int
        Number of rows.
    pairwise_n : DataFrame
        Rows used for each pair.
    smoothed : bool
        Whether the matrix was smoothed to be positive definite.
    """

    rho: pd.DataFrame
    thresholds: pd.DataFrame
    categories: tuple[float, ...]
    n_obs: int
    pairwise_n: pd.DataFrame = field(repr=False)
    smoothed: bool = False

    def summary(self) -> str:
        """A short text summary."""
        p = self.rho.shape[0]
        lines = [f"Polychoric correlations: {p} items, {len(self.categories)} categories, n = {self.n_obs}"
                 + (" (smoothed to positive definite)" if self.smoothed else "")]
        lines.append(self.rho.round(3).to_string())
        return "\n".join(lines)


def polychoric(data: pd.DataFrame, items: Sequence[str] | None = None, missing: str = "pairwise",
               smooth: bool = True) -> PolychoricResult:
    """Two-step polychoric correlation matrix of ordinal items.

    Parameters
    ----------
    data : DataFrame
        Integer-coded answers (missing = NaN).
    items : sequence of str, optional
        Columns to use (default: all columns).
    missing : {"pairwise", "listwise"}
        Pairwise: thresholds from each item's answers, each ρ from rows answering both (psych's default);
        listwise: only rows answering every item.
    smooth : bool
        Smooth a non-positive-definite result (psych ``cor.smooth``).

    Returns
    -------
    PolychoricResult

    Raises
    ------
    DataError
        Unknown or non-integer columns, an item with one observed category, more than 10 categories, or a
        pair without common rows.

    Examples
    --------
    >>> df = pd.DataFrame({"a": [1, 2, 3, 1, 2, 3, 2, 2], "b": [1, 2, 3, 2, 2, 3, 1, 2]})
    >>> polychoric(df).rho.shape
    (2, 2)
    """
    if missing not in ("pairwise", "listwise"):
        raise DataError(f"missing must be 'pairwise' or 'listwise', not {missing!r}")
    cols = list(data.columns) if items is None else list(items)
    unknown = [c for c in cols if c not in data.columns]
    if unknown:
        raise DataError(f"unknown item(s): {', '.join(map(str, unknown))}")
    if len(cols) < 2:
        raise DataError("polychoric correlations need at least two items")
    x = numeric_columns(data, cols)
    if missing == "listwise":
        x = x.dropna()
    arr = x.to_numpy(float)
    obs = ~np.isnan(arr)
    vals = np.unique(arr[obs])
    if len(vals) and np.any(vals != np.round(vals)):
        c = cols[int(np.flatnonzero((arr != np.round(arr)) & obs)[0] % len(cols))]
        raise DataError("polychoric correlations need integer-coded categories", column=str(c))
    if len(vals) > 10:
        raise DataError(f"{len(vals)} distinct values: too many categories for polychoric correlations (max 10)")
    for j, c in enumerate(cols):
        if len(np.unique(arr[obs[:, j], j])) < 2:
            raise DataError("item has fewer than two observed categories (no variance)", column=str(c))
    # codes 0..K-1 on the common category set
    K = len(vals)
    codes = np.full(arr.shape, -1, dtype=np.int64)
    codes[obs] = np.searchsorted(vals, arr[obs])
    p = len(cols)
    freq = np.stack([np.bincount(codes[obs[:, j], j], minlength=K) for j in range(p)])
    n_item = freq.sum(1)
    cum = np.cumsum(freq, 1)[:, :-1] / n_item[:, None]
    with np.errstate(divide="ignore"):
        tau = ndtri(cum)
    # pairwise tables
    il, jl = np.tril_indices(p, -1)
    tabs = np.empty((len(il), K, K))
    npair = np.empty(len(il), dtype=np.int64)
    for m, (i, j) in enumerate(zip(il.tolist(), jl.tolist(), strict=True)):
        both = obs[:, i] & obs[:, j]
        t = np.bincount(codes[both, i] * K + codes[both, j], minlength=K * K).reshape(K, K)
        tabs[m] = t
        npair[m] = both.sum()
    if (npair == 0).any():
        m = int(np.flatnonzero(npair == 0)[0])
        raise DataError(f"items {cols[il[m]]} and {cols[jl[m]]} are never answered together")
    props = tabs / npair[:, None, None]
    rho = _fit_rho(tau[il], tau[jl], props)
    mat = np.eye(p)
    mat[il, jl] = rho
    mat[jl, il] = rho
    smoothed = False
    if smooth:
        mat, smoothed = smooth_correlation(mat)
    nmat = np.diag(n_item).astype(np.int64)
    nmat[il, jl] = npair
    nmat[jl, il] = npair
    names = [str(c) for c in cols]
    return PolychoricResult(
        rho=pd.DataFrame(mat, index=names, columns=names),
        thresholds=pd.DataFrame(tau, index=names, columns=[f"t{k + 1}" for k in range(K - 1)]),
        categories=tuple(float(v) for v in vals),
        n_obs=int(arr.shape[0]),
        pairwise_n=pd.DataFrame(nmat, index=names, columns=names),
        smoothed=smoothed,
    )
