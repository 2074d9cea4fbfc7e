"""Moment-space algebra shared by the normal-theory estimators: information blocks over vech pairs.

For symmetric X, Y and vech pairs (i ≤ j) with weights m (½ on the diagonal), ``w_block`` is the expected
information of vech Σ, (V_ik V_jl + V_il V_jk) m m, and ``t_block`` the trace form tr(E_ij X E_kl Y) of the
observed information (twice ``w_block`` for X = Y = V).

Examples
--------
>>> import numpy as np
>>> V = np.array([[2.0, 0.5], [0.5, 1.0]]); I, J = np.triu_indices(2); m = np.where(I == J, .5, 1.)
>>> bool(np.allclose(2 * w_block(V, I, J, m), t_block(V, V, I, J, m)))
True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["w_block", "t_block", "vech_positions", "moment_hessian_pieces"]


def w_block(V: np.ndarray, a: np.ndarray, b: np.ndarray, m: np.ndarray) -> np.ndarray:
    """(V_ac V_bd + V_ad V_bc) m m over the vech pairs (a, b).

    Parameters
    ----------
    V : ndarray
        Inverse covariance matrix.
    a, b : ndarray of int
        Row and column of each vech element.
    m : ndarray
        Weights (½ on the diagonal).

    Returns
    -------
    ndarray
    """
    W = V[np.ix_(a, a)] * V[np.ix_(b, b)] + V[np.ix_(a, b)] * V[np.ix_(b, a)]
    return W * m[:, None] * m[None, :]


def t_block(X: np.ndarray, Y: np.ndarray, I: np.ndarray, J: np.ndarray, m: np.ndarray) -> np.ndarray:
    """T[(ij),(kl)] = tr(E_ij X E_kl Y) for symmetric X, Y over vech pairs (i ≤ j), weights m (½ on diagonal).

    Parameters
    ----------
    X, Y : ndarray
        Symmetric matrices.
    I, J : ndarray of int
        Row and column of each vech element.
    m : ndarray
        Weights.

    Returns
    -------
    ndarray
    """
    T = (X[np.ix_(J, I)] * Y[np.ix_(J, I)].T + X[np.ix_(J, J)] * Y[np.ix_(I, I)].T
         + X[np.ix_(I, I)] * Y[np.ix_(J, J)].T + X[np.ix_(I, J)] * Y[np.ix_(I, J)].T)
    return T * m[:, None] * m[None, :]


def vech_positions(p: int, va: np.ndarray, vb: np.ndarray) -> np.ndarray:
    """p × p matrix of the vech position of every (i, j) (symmetric).

    Examples
    --------
    >>> vech_positions(2, *np.triu_indices(2)).tolist()
    [[0, 1], [1, 2]]
    """
    pos = np.zeros((p, p), dtype=int)
    pos[va, vb] = np.arange(len(va))
    pos[vb, va] = np.arange(len(va))
    return pos


def moment_hessian_pieces(nmom: int, nv: int, meanstructure: bool, vpos: np.ndarray,
                          pieces: Sequence[tuple[np.ndarray, float, np.ndarray, np.ndarray]], sigma: np.ndarray,
                          mu: np.ndarray) -> np.ndarray:
    """Observed Hessian of ½ Σ_pieces w [log|Σ_oo| + tr(Q Σ_oo⁻¹)] with respect to (vech Σ, μ), Q = S + ddᵀ.

    Parameters
    ----------
    nmom, nv : int
        Number of moments (vech Σ [, μ]) and of vech Σ elements.
    meanstructure : bool
        Whether μ is among the moments.
    vpos : ndarray
        :func:`vech_positions`.
    pieces : sequence of (observed, weight, mean, covariance)
        One per missing-data pattern (or one with all variables).
    sigma, mu : ndarray
        The moments at which to evaluate.

    Returns
    -------
    ndarray (nmom × nmom)
    """
    H = np.zeros((nmom, nmom))
    for o, w, mean, S in pieces:
        V = np.linalg.inv(np.linalg.cholesky(sigma[np.ix_(o, o)]))
        V = V.T @ V
        dm = mean - mu[o]
        W = V @ (S + np.outer(dm, dm)) @ V
        sa, sb = np.triu_indices(len(o))
        m = np.where(sa == sb, 0.5, 1.0)
        TVW = t_block(V, W, sa, sb, m)
        full = vpos[o[sa], o[sb]]
        H[np.ix_(full, full)] += 0.5 * w * (TVW + TVW.T - t_block(V, V, sa, sb, m))
        if meanstructure:
            z = V @ dm
            Hm = w * (V[:, sa] * z[sb][None, :] + V[:, sb] * z[sa][None, :]) * m[None, :]
            H[np.ix_(nv + o, full)] += Hm
            H[np.ix_(full, nv + o)] += Hm.T
            H[np.ix_(nv + o, nv + o)] += w * V
    return H
