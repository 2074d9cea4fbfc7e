"""Γ (NACOV) of thresholds and polychoric correlations: Muthén (1984) as lavaan 0.6.14's ``muthen1984``.

With the casewise scores ``SC = [SC.TH, SC.COR]`` (univariate threshold scores of every item, then the ρ score
of every pair; 0 where an answer is missing), ``INNER = SC'SC`` and the block-triangular

    B = [[A11, 0], [A21, A22]],   A11 = the item blocks of INNER's threshold part,
                                  A21[pair, th] = Σ_cases  score_ρ · ∂ℓ_pair/∂τ  (bivariate threshold scores),
                                  A22 = diag(Σ_cases score_ρ²),

lavaan's weight matrix is ``WLS.W = B⁻¹ INNER B⁻ᵀ`` and ``NACOV = N · WLS.W`` (N = the group's rows). Here the
product is formed as ``N · GᵀG`` with ``G = SC B⁻ᵀ`` (never a p⁴ loop); A21 comes from the pair tables.
Cells whose probability is below lavaan's floor (``sqrt(.Machine$double.eps)``) have no score (lavaan sets them
``NA`` and its cross-products skip them).

Examples
--------
>>> import numpy as np
>>> codes = np.array([[0, 0], [1, 1], [1, 0], [0, 1], [1, 1], [0, 0]])
>>> tau = [np.array([0.0]), np.array([0.0])]
>>> tab = np.array([[[2.0, 1.0], [1.0, 2.0]]])
>>> g = nacov(codes, tau, np.array([1]), np.array([0]), np.array([0.5]), tab, full=True)
>>> g.shape
(3, 3)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.linalg.blas import dsyrk
from scipy.special import ndtr

from analysis.stats.ordinal_bvn import PAD, PI_FLOOR, cell_tables

__all__ = ["nacov", "threshold_scores", "padded"]

_SQ2PI = np.sqrt(2.0 * np.pi)


def _dnorm(x: np.ndarray) -> np.ndarray:
    with np.errstate(under="ignore"):
        return np.where(np.abs(x) >= PAD, 0.0, np.exp(-0.5 * x * x) / _SQ2PI)


def padded(tau: Sequence[np.ndarray], width: int) -> np.ndarray:
    """Thresholds as a (p, width) array padded with ``+PAD``.

    Examples
    --------
    >>> padded([np.array([0.0]), np.array([-1.0, 1.0])], 2).tolist()
    [[0.0, 38.0], [-1.0, 1.0]]
    """
    out = np.full((len(tau), width), PAD)
    for i, t in enumerate(tau):
        out[i, :len(t)] = t
    return out


def threshold_scores(codes: np.ndarray, tau: Sequence[np.ndarray]) -> np.ndarray:
    """Casewise scores of the univariate thresholds (lavaan's ``lav_uvord_scores``), n × Σ(K_i - 1).

    A case in category c of item i scores φ(τ_c)/π_c on threshold c and -φ(τ_{c-1})/π_c on threshold c-1.

    Examples
    --------
    >>> threshold_scores(np.array([[0], [1], [-1]]), [np.array([0.0])]).round(4).tolist()
    [[0.7979], [-0.7979], [0.0]]
    """
    n = codes.shape[0]
    nth = [len(t) for t in tau]
    out = np.zeros((n, sum(nth)))
    start = 0
    for i, t in enumerate(tau):
        cdf = np.concatenate([[0.0], ndtr(t), [1.0]])
        dens = np.concatenate([[0.0], _dnorm(t), [0.0]])
        prob = np.diff(cdf)
        c = codes[:, i]
        ok = c >= 0
        rows = np.flatnonzero(ok)
        cc = c[ok]
        up = cc < nth[i]
        out[rows[up], start + cc[up]] = dens[cc[up] + 1] / prob[cc[up]]
        lo = cc > 0
        out[rows[lo], start + cc[lo] - 1] = -dens[cc[lo]] / prob[cc[lo]]
        start += nth[i]
    return out


def _pair_parts(a: np.ndarray, b: np.ndarray, rho: np.ndarray, tab: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per pair: the ρ-score of every cell and the rows of A21 for the row and the column item's thresholds."""
    pi, dpi, _ = cell_tables(a, b, rho, order=1)
    assert dpi is not None
    live = pi > PI_FLOOR
    score = np.where(live, dpi / pi, 0.0)  # (P, A+1, B+1)
    m = np.where(live, tab * score / pi, 0.0)
    r = np.sqrt(1.0 - rho * rho)[:, None, None]
    rr = rho[:, None, None]
    lo_b = np.concatenate([np.full((b.shape[0], 1), -PAD), b], axis=1)  # lower limits of the column categories
    hi_b = np.concatenate([b, np.full((b.shape[0], 1), PAD)], axis=1)
    lo_a = np.concatenate([np.full((a.shape[0], 1), -PAD), a], axis=1)
    hi_a = np.concatenate([a, np.full((a.shape[0], 1), PAD)], axis=1)
    ak = a[:, :, None]
    # Q1[k, b] = ∂ P(y1 ≤ k, y2 = b) / ∂τ1_k
    q1 = _dnorm(ak) * (ndtr((hi_b[:, None, :] - rr * ak) / r) - ndtr((lo_b[:, None, :] - rr * ak) / r))
    a21_row = ((m[:, :-1, :] - m[:, 1:, :]) * q1).sum(axis=2)
    bk = b[:, :, None]
    q2 = _dnorm(bk) * (ndtr((hi_a[:, None, :] - rr * bk) / r) - ndtr((lo_a[:, None, :] - rr * bk) / r))
    a21_col = ((m[:, :, :-1] - m[:, :, 1:]).transpose(0, 2, 1) * q2).sum(axis=2)
    return score, a21_row, a21_col


def nacov(codes: np.ndarray, tau: Sequence[np.ndarray], il: np.ndarray, jl: np.ndarray, rho: np.ndarray,
          tab: np.ndarray, full: bool = True) -> np.ndarray:
    """NACOV of (thresholds, polychorics) of one group, in lavaan's WLS.obs order.

    Parameters
    ----------
    codes : ndarray
        n × p category codes 0..K_i-1 (-1 = missing).
    tau : sequence of ndarray
        Thresholds of every item.
    il, jl : ndarray
        Row and column item of every pair (lavaan's order: lower triangle column by column).
    rho : ndarray
        Polychoric correlation of every pair.
    tab : ndarray
        (pairs, Kmax, Kmax) contingency tables (rows answering both items).
    full : bool
        The whole matrix (for robust SEs and tests) or only its diagonal (the DWLS weights' inverse).

    Returns
    -------
    ndarray
        (q, q) NACOV, or its diagonal (q,), q = Σ(K_i - 1) + pairs.

    Examples
    --------
    >>> codes = np.array([[0, 0], [1, 1], [1, 0], [0, 1], [1, 1], [0, 0]])
    >>> d = nacov(codes, [np.array([0.0])] * 2, np.array([1]), np.array([0]), np.array([0.5]),
    ...           np.array([[[2.0, 1.0], [1.0, 2.0]]]), full=False)
    >>> d.shape
    (3,)
    """
    n, p = codes.shape
    nth = np.array([len(t) for t in tau])
    kmax = int(nth.max()) + 1
    tpad = padded(tau, kmax - 1)
    score, a21_row, a21_col = _pair_parts(tpad[il], tpad[jl], rho, tab)
    sc_th = threshold_scores(codes, tau)
    # ρ scores per case: look each case's cell up in its pair's score table (0 if an answer is missing)
    flat = np.concatenate([score.reshape(len(il), -1), np.zeros((len(il), 1))], axis=1)
    ci, cj = codes[:, il], codes[:, jl]
    cell = np.where((ci >= 0) & (cj >= 0), ci * kmax + cj, kmax * kmax)
    sc_cor = np.take_along_axis(flat, cell.T, axis=1).T
    # A11 (item blocks of INNER's threshold part) and A22 (diagonal); items padded to kmax - 1 thresholds
    km1 = kmax - 1
    live = np.arange(km1)[None, :] < nth[:, None]  # (p, km1)
    sc3 = np.zeros((n, p, km1))
    sc3[:, live] = sc_th
    sc3t = sc3.transpose(1, 0, 2)  # (p, n, km1): batched BLAS products per item
    a11 = np.matmul(sc3t.transpose(0, 2, 1), sc3t)
    a11[~live] = 0.0
    a11 += np.einsum("pk,kl->pkl", (~live).astype(float), np.eye(km1))  # identity on padding
    g3 = np.matmul(sc3t, np.linalg.inv(a11)).transpose(1, 0, 2)
    a22 = (sc_cor * sc_cor).sum(axis=0)
    # G_cor = (SC_cor - G_th A21ᵀ) / A22, A21 having the thresholds of the pair's two items only
    cross = (np.einsum("npk,pk->np", g3[:, il, :], a21_row) + np.einsum("npk,pk->np", g3[:, jl, :], a21_col))
    g_cor = (sc_cor - cross) / a22
    g_th = g3[:, live]
    gmat = np.concatenate([g_th, g_cor], axis=1)
    if not full:
        return float(n) * (gmat * gmat).sum(axis=0)
    upper = dsyrk(float(n), gmat, trans=1)  # n · GᵀG, upper triangle
    return np.triu(upper) + np.triu(upper, 1).T
