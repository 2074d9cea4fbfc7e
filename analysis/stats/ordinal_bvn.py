"""Bivariate normal probabilities on threshold grids and the two-step polychoric ρ, vectorised over pairs.

Everything here works on *padded* threshold arrays: pair ``p`` has the row item's thresholds ``a[p]`` (length
``A``) and the column item's ``b[p]`` (length ``B``); items with fewer categories are padded with
``+PAD`` (Φ(PAD) = 1 in double precision), so the padded categories have probability 0 and never hold a count.

* :func:`bvn_lower` — Φ₂(h, k; r), Genz's (2004) BVND: Gauss–Legendre quadrature of Plackett's integral with 6,
  12 or 20 nodes for |r| < .3, < .75, < .925 and the Drezner–Wesolowsky expansion above (absolute error ~1e-15).
* :func:`cell_tables` — cell probabilities, ∂P/∂ρ and ∂²P/∂ρ² of the (A+1)×(B+1) tables, lavaan's floor
  (``sqrt(.Machine$double.eps)``) for cells too small to count.
* :func:`fit_rho` — the ML ρ of every pair at once with the thresholds fixed (lavaan's
  ``lav_bvord_cor_twostep_fit``): safeguarded Newton on the score from the Pearson correlation of the codes,
  bounded to [-0.999, 0.999] as lavaan's ``nlminb`` call; 2×2 tables get lavaan's ``zero.add`` treatment.

Examples
--------
>>> import numpy as np
>>> float(np.round(bvn_lower(np.array(0.0), np.array(0.0), np.array(0.5)), 12))
0.333333333333
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

__all__ = ["PAD", "PI_FLOOR", "RHO_BOUND", "bvn_lower", "bvn_density", "cell_tables", "fit_rho"]

PAD = 38.0  # |threshold| beyond which Φ is 0 or 1 in double precision
PI_FLOOR = float(np.sqrt(np.finfo(float).eps))  # lavaan: cells below are floored and left out of the scores
RHO_BOUND = 0.999  # lavaan's nlminb bounds for ρ
_TWO_PI = 2.0 * np.pi
_GL = {n: np.polynomial.legendre.leggauss(n) for n in (6, 12, 20)}


def _plackett(h: np.ndarray, k: np.ndarray, r: np.ndarray, n: int) -> np.ndarray:
    """Φ₂ for |r| < .925: Φ(h)Φ(k) + (2π)⁻¹ ∫₀^asin r exp(-(h²+k²-2hk sinθ)/(2cos²θ)) dθ, n-point GL."""
    x, w = _GL[n]
    asr = np.arcsin(r)
    sn = np.sin(asr[..., None] * (1.0 + x) / 2.0)
    inv = 1.0 / (1.0 - sn * sn)
    hk = (h * k)[..., None]
    hs = ((h * h + k * k) / 2.0)[..., None]
    integ = np.exp((sn * hk - hs) * inv) @ w
    return integ * asr / (2.0 * _TWO_PI) + ndtr(h) * ndtr(k)


def _drezner(h: np.ndarray, k: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Φ₂(h, k; r) for |r| ≥ .925 (Genz's BVNU at (-h, -k) with the Drezner–Wesolowsky expansion)."""
    x, w = _GL[20]
    hu, ku = -h, np.where(r < 0, k, -k)  # upper-probability arguments; k negated for r < 0
    hk = hu * ku
    bvn = np.zeros(hu.shape)
    inner = np.abs(r) < 1.0
    if inner.any():
        hi, ki, hki, ri = hu[inner], ku[inner], hk[inner], r[inner]
        as_ = (1.0 - ri) * (1.0 + ri)
        a = np.sqrt(as_)
        bs = (hi - ki) ** 2
        c = (4.0 - hki) / 8.0
        d = (12.0 - hki) / 16.0
        asr = -(bs / as_ + hki) / 2.0
        with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
            val = np.where(asr > -100.0,
                           a * np.exp(asr) * (1.0 - c * (bs - as_) * (1.0 - d * bs / 5.0) / 3.0
                                              + c * d * as_ * as_ / 5.0), 0.0)
            b = np.sqrt(bs)
            corr = (np.exp(-hki / 2.0) * np.sqrt(_TWO_PI) * ndtr(-b / a) * b
                    * (1.0 - c * bs * (1.0 - d * bs / 5.0) / 3.0))
            val = val - np.where(hki > -100.0, np.nan_to_num(corr), 0.0)
            half = a / 2.0
            xs = (half[..., None] * (1.0 + x)) ** 2
            asq = -(bs[..., None] / xs + hki[..., None]) / 2.0
            sp = 1.0 + c[..., None] * xs * (1.0 + d[..., None] * xs)
            rs = np.sqrt(1.0 - xs)
            ep = np.exp(-(hki[..., None] / 2.0) * xs / (1.0 + rs) ** 2) / rs
            term = np.where(asq > -100.0, np.exp(asq) * (sp - ep), 0.0)
        bvn[inner] = (half * (term @ w) - val) / _TWO_PI
    hmax = np.maximum(hu, ku)
    lower_gap = np.where(hu < 0, ndtr(ku) - ndtr(hu), ndtr(-hu) - ndtr(-ku))
    return np.where(r > 0, bvn + ndtr(-hmax), np.where(hu >= ku, -bvn, lower_gap - bvn))


def bvn_lower(h: np.ndarray, k: np.ndarray, r: np.ndarray) -> np.ndarray:
    """P(X ≤ h, Y ≤ k) of a standard bivariate normal with correlation r (arguments broadcast).

    Parameters
    ----------
    h, k : ndarray
        Upper limits (clipped to ±PAD).
    r : ndarray
        Correlations in [-1, 1].

    Returns
    -------
    ndarray
        Φ₂(h, k; r), clipped to [0, 1].

    Examples
    --------
    >>> round(float(bvn_lower(np.array(1.0), np.array(-0.5), np.array(-0.95))), 10)
    0.1522051843
    """
    h, k, r = np.broadcast_arrays(np.asarray(h, float), np.asarray(k, float), np.asarray(r, float))
    h = np.clip(h, -PAD, PAD)
    k = np.clip(k, -PAD, PAD)
    out = np.empty(h.shape)
    ar = np.abs(r)
    for lo, hi, n in ((0.0, 0.3, 6), (0.3, 0.75, 12), (0.75, 0.925, 20)):
        sel = (ar >= lo) & (ar < hi)
        if sel.any():
            out[sel] = _plackett(h[sel], k[sel], r[sel], n)
    big = ar >= 0.925
    if big.any():
        out[big] = _drezner(h[big], k[big], r[big])
    return np.clip(out, 0.0, 1.0)


def bvn_density(h: np.ndarray, k: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Standard bivariate normal density φ₂(h, k; r) (0 at ±PAD).

    Examples
    --------
    >>> round(float(bvn_density(np.array(0.0), np.array(0.0), np.array(0.0))), 6)
    0.159155
    """
    om = 1.0 - r * r
    with np.errstate(under="ignore"):
        dens = np.exp(-(h * h - 2.0 * r * h * k + k * k) / (2.0 * om)) / (_TWO_PI * np.sqrt(om))
    return np.where((np.abs(h) >= PAD) | (np.abs(k) >= PAD), 0.0, dens)


def _corners(inner: np.ndarray, fa: np.ndarray, fb: np.ndarray, total: float = 1.0) -> np.ndarray:
    """(P, A+2, B+2) corner array of a CDF-like grid with the margins on the last row/column."""
    npair, na, nb = inner.shape
    out = np.zeros((npair, na + 2, nb + 2))
    out[:, 1:-1, 1:-1] = inner
    out[:, 1:-1, -1] = fa
    out[:, -1, 1:-1] = fb
    out[:, -1, -1] = total
    return out


def _grid_cdf(a: np.ndarray, b: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """Φ₂(a_i, b_j; ρ) on every pair's grid (P, A, B), padded thresholds → the other margin."""
    ai = np.broadcast_to(a[:, :, None], (a.shape[0], a.shape[1], b.shape[1]))
    bj = np.broadcast_to(b[:, None, :], ai.shape)
    rr = np.broadcast_to(rho[:, None, None], ai.shape)
    grid = np.empty(ai.shape)
    live = (ai < PAD) & (bj < PAD)
    grid[live] = bvn_lower(ai[live], bj[live], rr[live])
    grid[~live] = np.where(ai[~live] >= PAD, ndtr(bj[~live]), ndtr(ai[~live]))
    return grid


def _guv(u: np.ndarray, v: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """∂φ₂/∂ρ = φ₂ · guv (Olsson 1979, A2 corrected as in lavaan)."""
    om = 1.0 - rho * rho
    return (u * v * om - rho * (u * u - 2.0 * rho * u * v + v * v) + rho * om) / (om * om)


def cell_tables(a: np.ndarray, b: np.ndarray, rho: np.ndarray, order: int = 1
                ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Cell probabilities of every pair's table and their first (and second) ρ-derivatives.

    Parameters
    ----------
    a, b : ndarray
        Padded thresholds (P, A) of the row items and (P, B) of the column items.
    rho : ndarray
        (P,) correlations.
    order : {0, 1, 2}
        Highest derivative wanted.

    Returns
    -------
    pi : ndarray
        (P, A+1, B+1) probabilities, floored at ``PI_FLOOR`` as lavaan does.
    dpi, d2pi : ndarray or None
        ∂P/∂ρ and ∂²P/∂ρ² of the cells.

    Examples
    --------
    >>> p, _, _ = cell_tables(np.array([[0.0]]), np.array([[0.0]]), np.array([0.0]), order=0)
    >>> p.round(3).tolist()
    [[[0.25, 0.25], [0.25, 0.25]]]
    """
    fa, fb = ndtr(a), ndtr(b)
    pi = np.diff(np.diff(_corners(_grid_cdf(a, b, rho), fa, fb), axis=1), axis=2)
    pi = np.maximum(pi, PI_FLOOR)
    dpi = d2pi = None
    if order >= 1:
        ai, bj, rr = a[:, :, None], b[:, None, :], rho[:, None, None]
        dens = bvn_density(ai, bj, rr)
        zero = np.zeros_like(fa)
        dpi = np.diff(np.diff(_corners(dens, zero, np.zeros_like(fb), 0.0), axis=1), axis=2)
        if order >= 2:
            g = dens * _guv(np.minimum(ai, PAD), np.minimum(bj, PAD), rr)
            d2pi = np.diff(np.diff(_corners(g, zero, np.zeros_like(fb), 0.0), axis=1), axis=2)
    return pi, dpi, d2pi


def _pearson(tab: np.ndarray) -> np.ndarray:
    """Pearson correlation of the category codes 1..K from each pair's table (lavaan's starting value)."""
    n = tab.sum(axis=(1, 2))
    ra = np.arange(1, tab.shape[1] + 1, dtype=float)
    cb = np.arange(1, tab.shape[2] + 1, dtype=float)
    pa, pb = tab.sum(2) / n[:, None], tab.sum(1) / n[:, None]
    ma, mb = pa @ ra, pb @ cb
    va = pa @ ra**2 - ma**2
    vb = pb @ cb**2 - mb**2
    cov = np.einsum("pab,a,b->p", tab, ra, cb) / n - ma * mb
    with np.errstate(invalid="ignore", divide="ignore"):
        r = cov / np.sqrt(va * vb)
    return np.where(np.isfinite(r) & (np.abs(r) < 1.0), r, 0.0)


def _zero_add_2x2(a: np.ndarray, b: np.ndarray, tab: np.ndarray, fixed: np.ndarray, rho: np.ndarray) -> None:
    """lavaan's 2×2 special cases (``zero.add = c(0.5, 0)``, ``zero.keep.margins = TRUE``); edits in place."""
    two = (a[:, 1:] >= PAD).all(axis=1) & (b[:, 1:] >= PAD).all(axis=1)
    for p in np.flatnonzero(two):
        f = tab[p, :2, :2]
        zeros = np.flatnonzero(f.ravel() == 0)
        if len(zeros) == 2:
            rho[p], fixed[p] = (1.0 if f[0, 0] > 0 else -1.0), True
            continue
        if len(zeros) == 1:
            s = 0.5 if zeros[0] in (0, 3) else -0.5
            f += np.array([[s, -s], [-s, s]])
        if f[0, 0] * f[1, 1] == f[0, 1] * f[1, 0]:
            rho[p], fixed[p] = 0.0, True
        elif a[p, 0] == 0.0 and b[p, 0] == 0.0:
            rho[p], fixed[p] = -np.cos(2.0 * np.pi * f[0, 0] / f.sum()), True


def fit_rho(a: np.ndarray, b: np.ndarray, tab: np.ndarray, tol: float = 1e-12, max_iter: int = 100) -> np.ndarray:
    """Two-step polychoric ρ of every pair: the root of the multinomial score with the thresholds fixed.

    Parameters
    ----------
    a, b : ndarray
        Padded thresholds (P, A) and (P, B).
    tab : ndarray
        (P, A+1, B+1) cell counts (zero in padded cells).
    tol : float
        Convergence on |Δρ|.
    max_iter : int
        Newton/bisection steps at most.

    Returns
    -------
    ndarray
        (P,) correlations in [-0.999, 0.999].

    Examples
    --------
    >>> tab = np.array([[[40.0, 10.0], [10.0, 40.0]]])
    >>> round(float(fit_rho(np.array([[0.1]]), np.array([[0.0]]), tab)[0]), 4)
    0.8022
    """
    tab = np.array(tab, dtype=float)
    npair = a.shape[0]
    rho = _pearson(tab)
    fixed = np.zeros(npair, bool)
    _zero_add_2x2(a, b, tab, fixed, rho)
    lo = np.full(npair, -RHO_BOUND)
    hi = np.full(npair, RHO_BOUND)
    rho = np.clip(rho, lo, hi)
    active = ~fixed
    for _ in range(max_iter):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        r = rho[idx]
        pi, dpi, d2pi = cell_tables(a[idx], b[idx], r, order=2)
        assert dpi is not None and d2pi is not None
        f = np.where(pi > PI_FLOOR, tab[idx], 0.0)
        score = (f * dpi / pi).sum(axis=(1, 2))
        hess = (f * d2pi / pi).sum(axis=(1, 2)) - (f * dpi * dpi / (pi * pi)).sum(axis=(1, 2))
        up = score > 0
        lo[idx] = np.where(up, r, lo[idx])
        hi[idx] = np.where(up, hi[idx], r)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = -score / hess
        newton_ok = np.isfinite(step) & (hess < 0)
        converged = newton_ok & (np.abs(step) < tol)  # a step below rounding must not count as leaving the bracket
        new = r + np.where(newton_ok, step, 0.0)
        bad = ~converged & (~newton_ok | (new <= lo[idx]) | (new >= hi[idx]))
        new = np.where(bad, (lo[idx] + hi[idx]) / 2.0, new)
        done = converged | (hi[idx] - lo[idx] < tol)
        rho[idx] = new
        active[idx[done]] = False
    return np.clip(rho, -RHO_BOUND, RHO_BOUND)
