"""MLR: sandwich (Huber-White) standard errors and the Yuan-Bentler (Mplus variant) scaled test, as in
lavaan's ``se="robust.huber.white"``, ``test="yuan.bentler.mplus"``.

* A0 = observed information (Hessian of fmin), B0 = (1/N) Σ_i s_i s_iᵀ with casewise scores s_i at the
  estimates; vcov = A0⁻¹ B0 A0⁻¹ / N.
* trace(UΓ) = Σ_g tr(B1_g A1_g⁻¹) − tr(B0 A0⁻¹) with the unstructured h1 information A1 and first-order
  information B1 at the saturated moments; c = trace(UΓ) / df. The same is done for the independence
  (baseline) model to scale its χ².

The functions take a fitted normal-theory estimator (complete data or FIML): its groups' statistics, casewise
scores (which fetch the raw rows) and moment-space information.

Examples
--------
>>> import numpy as np
>>> A = np.eye(2); B = 2 * np.eye(2)
>>> float(np.trace(sandwich(A, B, 100)) * 100)
4.0
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np

from analysis.stats import GroupStats

from .matrices import Representation


class NormalTheory(Protocol):
    """What the robust corrections need of a normal-theory estimator (``analysis.sem.estimators.ml`` / ``fiml``)."""

    rep: Representation
    groups: tuple[GroupStats, ...]
    w: np.ndarray
    ntotal: int

    def casewise_param_scores(self, x: np.ndarray, g: int) -> np.ndarray: ...

    def casewise_moment_scores(self, g: int, sigma: np.ndarray, mu: np.ndarray | None) -> np.ndarray: ...

    def moment_information(self, g: int, sigma: np.ndarray, mu: np.ndarray | None) -> np.ndarray: ...

    def moment_information_complete(self, S: np.ndarray, mean: np.ndarray | None) -> np.ndarray: ...

    def moment_hessian(self, g: int, sigma: np.ndarray, mu: np.ndarray | None) -> np.ndarray: ...

__all__ = ["NormalTheory", "sandwich", "first_order", "yb_mplus", "h1_traces", "h1_observed_info", "h1_inverse_info",
           "h1_first_order", "h1_cached", "baseline_trace_h0"]


def sandwich(A: np.ndarray, B: np.ndarray, n: int) -> np.ndarray:
    """``A⁻¹ B A⁻¹ / n``.

    Parameters
    ----------
    A, B : ndarray
        Information and first-order information.
    n : int
        Number of observations.

    Returns
    -------
    ndarray
    """
    Ai = np.linalg.inv(A)
    return Ai @ B @ Ai / n


def first_order(est: NormalTheory, x: np.ndarray) -> np.ndarray:
    """B0 = (1/N) Σ_i s_i s_iᵀ in ``x`` space (casewise scores at the structured estimates)."""
    rep = est.rep
    B = np.zeros((rep.nx, rep.nx))
    for g in range(rep.ngroups):
        Sg = est.casewise_param_scores(x, g)
        idx = rep.groups[g].xidx
        np.add.at(B, (idx[:, None], idx[None, :]), Sg.T @ Sg / est.ntotal)
    return B


def h1_cached(est: NormalTheory, g: int, what: str, make: Callable[[], np.ndarray]) -> np.ndarray:
    """A saturated-model (h1) matrix of group ``g``: it depends on the group's statistics only, so it is kept with
    them (``GroupStats``) and shared by every fit of the same statistics — the steps of an invariance ladder."""
    d = est.groups[g]
    cache = d.__dict__.setdefault("_h1_cache", {})
    key = (what, est.rep.meanstructure, est.rep.p, bool(getattr(est, "kron", True)))
    if key not in cache:
        cache[key] = make()
    return cache[key]


def h1_observed_info(est: NormalTheory, g: int) -> np.ndarray:
    """Observed information of the saturated model at its estimates (analytic moment Hessian under FIML)."""
    d = est.groups[g]
    if not d.fiml:
        return est.moment_information(g, d.cov, d.mean if est.rep.meanstructure else None)
    return h1_cached(est, g, "observed", lambda: est.moment_hessian(g, d.cov, d.mean))


def h1_inverse_info(est: NormalTheory, g: int) -> np.ndarray:
    """The inverse of :func:`h1_observed_info`."""
    return h1_cached(est, g, "observed_inverse", lambda: np.linalg.inv(h1_observed_info(est, g)))


def h1_first_order(est: NormalTheory, g: int) -> np.ndarray:
    """B1_g = (1/N_g) Σ m_i m_iᵀ at the saturated (h1) moments."""
    d = est.groups[g]

    def make() -> np.ndarray:
        M = est.casewise_moment_scores(g, d.cov, d.mean if est.rep.meanstructure else None)
        return M.T @ M / d.n

    return h1_cached(est, g, "first_order", make)


def h1_traces(est: NormalTheory) -> list[float]:
    """tr(B1_g A1_g⁻¹) per group (unstructured h1 information, first-order at the saturated moments)."""
    out = []
    p = est.rep.p
    for g, d in enumerate(est.groups):
        if not d.fiml:
            # closed form: tr(B1 A1^-1) = (mean r^4 - p)/2 [+ p with means], r^2 = Mahalanobis distance (S, N divisor)
            Dc = d.rows - d.mean
            r2 = np.einsum("ij,ij->i", Dc @ np.linalg.inv(d.cov), Dc)
            out.append(0.5 * (float(np.mean(r2**2)) - p) + (p if est.rep.meanstructure else 0.0))
            continue
        B1 = h1_first_order(est, g)
        out.append(float(np.sum(B1 * h1_inverse_info(est, g).T)))
    return out


def yb_mplus(trace_h1: float, trace_h0: float, df: int, npar: int, ndat: int) -> dict[str, float]:
    """Scaling factor of the Yuan-Bentler (Mplus) test from the h1 trace and the model's tr(B0 A0⁻¹).

    Examples
    --------
    >>> yb_mplus(30.0, 10.0, 10, 5, 20)["c"]
    2.0
    """
    tr = trace_h1 - trace_h0
    return dict(c=tr / df if df > 0 else float("nan"), trace_ugamma=tr, h1=trace_h1 / ndat,
                h0=trace_h0 / npar if npar else float("nan"))


def baseline_trace_h0(est: NormalTheory) -> tuple[float, list[tuple[np.ndarray, np.ndarray]]]:
    """tr(B0 A0⁻¹) of the independence model (diagonal Σ, free means under a mean structure).

    Returns the trace and the baseline moments per group.
    """
    rep = est.rep
    nv = len(rep.va)
    diag_pos = np.flatnonzero(rep.va == rep.vb)
    cols = list(diag_pos) + (list(nv + np.arange(rep.p)) if rep.meanstructure else [])
    q = len(cols)
    G = rep.ngroups
    A = np.zeros((G * q, G * q))
    B = np.zeros((G * q, G * q))
    moments = []
    for g, d in enumerate(est.groups):
        _cnt, mu0, var0 = d.univariate
        sig0 = np.diag(var0)
        moments.append((sig0, mu0))
        sl = slice(g * q, (g + 1) * q)
        if d.fiml:
            A[sl, sl] = est.w[g] * est.moment_hessian(g, sig0, mu0)[np.ix_(cols, cols)]
        else:
            # Σ0 diagonal: the information of (variances, means) is diagonal, 1/(2σ⁴) and 1/σ²
            a = 0.5 / var0**2
            A[sl, sl] = est.w[g] * np.diag(np.concatenate([a, 1.0 / var0]) if rep.meanstructure else a)
        # diagonal Σ0: scores of the variances (and means) only; under FIML a pattern's Σ0⁻¹ is the diagonal
        # of its observed variables, so a missing answer contributes nothing
        Z = (d.rows - mu0) / var0
        M = 0.5 * (Z**2 - 1 / var0)
        if rep.meanstructure:
            M = np.hstack([M, Z])
        if d.fiml:
            M[np.isnan(M)] = 0.0
        B[sl, sl] = M.T @ M / est.ntotal
    # A and B are block diagonal by group
    tot = 0.0
    for g in range(G):
        sl = slice(g * q, (g + 1) * q)
        tot += float(np.sum(B[sl, sl] * np.linalg.inv(A[sl, sl]).T))
    return tot, moments
