"""Standard errors of aligned factor means and SDs by the delta method, and a ranking of groups with intervals.

The aligned parameters ``z(theta)`` solve ``grad_z F(z; theta) = 0`` where theta are the configural loadings and
intercepts. By the implicit function theorem ``dz/dtheta = -H_zz^{-1} H_z,theta`` (both analytic, from
:func:`analysis.invariance.alignment_loss.loss_derivatives` at the final eps), so
``Var(alpha, psi) ~= J Var(theta) J'`` with ``J = d(alpha, psi)/dtheta``. This is sirt's ``vcov`` route
(``invariance.alignment(..., vcov = )``, there with numerical second derivatives); the sampling covariance of theta
comes from the configural fit (independent groups: block diagonal).

theta is ordered loadings (group-major: group 1 items 1..I, group 2 …) then intercepts in the same order; a
covariance may be given as the full 2GI x 2GI matrix or as G per-group blocks (2I x 2I: the group's I loadings then
its I intercepts).

Examples
--------
>>> import numpy as np
>>> from analysis.invariance.alignment_loss import LossSpec
>>> from analysis.invariance.alignment_optim import identification, minimise
>>> lam = np.array([[1.0, .8, .6], [1.4, 1.1, .9], [0.8, .7, .5]])
>>> nu = np.array([[0.0, .2, .1], [0.5, .6, .4], [-.4, -.1, -.1]])
>>> w = np.full((3, 3), 1 / 3)
>>> o = minimise(lam, nu, w, (1., 1.), (.5, .5), 1e-3, fixed=True, reference=0)
>>> V = np.tile(np.eye(6) * 0.01, (3, 1, 1))
>>> cov = delta_vcov(o.alpha, o.s, lam, nu, w, LossSpec((1., 1.), (.5, .5), 1e-3), identification(3, True, 0), V)
>>> cov.shape, bool(cov[0, 0] == 0)
((6, 6), True)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from analysis.invariance.alignment_loss import LossSpec, loss_derivatives

__all__ = ["delta_vcov", "ranking", "theta_blocks"]


def theta_blocks(vcov: np.ndarray, G: int, I: int) -> np.ndarray:
    """Per-group blocks (G, 2I, 2I) from a full theta covariance (2GI x 2GI) or from blocks (checked).

    Parameters
    ----------
    vcov : array
        (2GI, 2GI) in theta order, or (G, 2I, 2I).
    G, I : int

    Returns
    -------
    array (G, 2I, 2I)

    Examples
    --------
    >>> theta_blocks(np.eye(8), 2, 2)[1].diagonal().tolist()
    [1.0, 1.0, 1.0, 1.0]
    """
    V = np.asarray(vcov, float)
    if V.shape == (G, 2 * I, 2 * I):
        return V
    if V.shape != (2 * G * I, 2 * G * I):
        raise ValueError(f"vcov must be ({2 * G * I}, {2 * G * I}) or ({G}, {2 * I}, {2 * I}), not {V.shape}")
    out = np.empty((G, 2 * I, 2 * I))
    for g in range(G):
        idx = np.r_[g * I + np.arange(I), G * I + g * I + np.arange(I)]
        out[g] = V[np.ix_(idx, idx)]
    return out


def delta_vcov(alpha: np.ndarray, s: np.ndarray, lam: np.ndarray, nu: np.ndarray, w: np.ndarray, spec: LossSpec,
               T: np.ndarray, vcov: np.ndarray, full: bool = False) -> np.ndarray:
    """Covariance of the aligned (alpha_1..G, psi_1..G) by the delta method (implicit function theorem).

    Parameters
    ----------
    alpha, s : arrays (G,)
        The optimum (means, log SDs).
    lam, nu, w : arrays (G, I)
        Configural parameters (missing cells filled) and normalised weights.
    spec : LossSpec
        The loss at the final eps.
    T : array (2G, 2(G-1))
        The identification map (:func:`analysis.invariance.alignment_optim.identification`).
    vcov : array
        Sampling covariance of theta (full or per-group blocks, see the module doc); only within-group covariances
        are used with blocks, the full matrix is used as given.
    full : bool
        Use the full matrix even when groups could be treated blockwise.

    Returns
    -------
    array (2G, 2G)
        Rows/columns alpha_1..G then psi_1..G (the fixed ones have variance 0).

    Examples
    --------
    >>> theta_blocks(np.eye(4), 1, 2).shape
    (1, 4, 4)
    """
    G, I = lam.shape
    d = loss_derivatives(alpha, s, lam, nu, w, spec, cross=True)
    assert d.cross is not None
    Hz = T.T @ d.hess @ T
    Xz = T.T @ d.cross
    dz = -np.linalg.solve(Hz, Xz)            # (nz, 2GI)
    J = T @ dz                               # d(alpha, s)/dtheta
    J[G:] *= np.exp(s)[:, None]              # d psi = psi d s
    V = np.asarray(vcov, float)
    if full and V.shape == (2 * G * I, 2 * G * I):
        return J @ V @ J.T
    B = theta_blocks(V, G, I)
    out = np.zeros((2 * G, 2 * G))
    for g in range(G):
        idx = np.r_[g * I + np.arange(I), G * I + g * I + np.arange(I)]
        Jg = J[:, idx]
        out += Jg @ B[g] @ Jg.T
    return out


def ranking(groups: Sequence[str], mean: np.ndarray, cov: np.ndarray | None, level: float = 0.95,
            draws: int = 4000, seed: int = 20140101) -> pd.DataFrame:
    """Groups ranked by aligned mean (1 = highest) with Wald intervals of the means and intervals of the ranks.

    Rank intervals are the ``(1 - level)/2`` and ``(1 + level)/2`` quantiles of the ranks over draws from the
    normal approximation N(mean, cov) of the aligned means (their full covariance: means share the reference).

    Parameters
    ----------
    groups : labels
    mean : array (G,)
    cov : array (G, G) or None
        Covariance of the aligned means; None gives NaN intervals.
    level : float
    draws, seed :
        Size and seed of the simulation of ranks.

    Returns
    -------
    DataFrame
        ``rank group mean se ci_low ci_high rank_low rank_high``, sorted by rank.

    Examples
    --------
    >>> r = ranking(["a", "b", "c"], np.array([0., .5, -.2]), np.diag([0., .01, .01]))
    >>> r["group"].tolist(), r["rank"].tolist()
    (['b', 'a', 'c'], [1, 2, 3])
    """
    G = len(groups)
    mean = np.asarray(mean, float)
    order = np.argsort(-mean, kind="stable")
    rank = np.empty(G, int)
    rank[order] = np.arange(1, G + 1)
    z = stats.norm.ppf(0.5 + level / 2)
    if cov is None:
        se = np.full(G, np.nan)
        rlo = rhi = np.full(G, np.nan)
    else:
        C = np.asarray(cov, float)
        se = np.sqrt(np.clip(np.diag(C), 0, None))
        rng = np.random.default_rng(seed)
        ev, evec = np.linalg.eigh((C + C.T) / 2)
        L = evec * np.sqrt(np.clip(ev, 0, None))
        sims = mean + rng.standard_normal((draws, G)) @ L.T
        ranks = (-sims).argsort(axis=1).argsort(axis=1) + 1
        q = [(1 - level) / 2, (1 + level) / 2]
        rlo, rhi = np.quantile(ranks, q, axis=0, method="inverted_cdf")
    out = pd.DataFrame({"rank": rank, "group": list(groups), "mean": mean, "se": se, "ci_low": mean - z * se,
                        "ci_high": mean + z * se, "rank_low": rlo, "rank_high": rhi})
    return out.sort_values("rank").reset_index(drop=True)
