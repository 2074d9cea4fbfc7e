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

import numpy as np

__all__ = ["w_block", "t_block"]


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
