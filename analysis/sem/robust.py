"""MLR: sandwich (Huber-White) standard errors and the Yuan-Bentler (Mplus variant) scaled test, as in
lavaan's ``se="robust.huber.white"``, ``test="yuan.bentler.mplus"``.

* A0 = observed information (Hessian of fmin), B0 = (1/N) Σ_i s_i s_iᵀ with casewise scores s_i at the
  estimates; vcov = A0⁻¹ B0 A0⁻¹ / N.
* trace(UΓ) = Σ_g tr(B1_g A1_g⁻¹) − tr(B0 A0⁻¹) with the unstructured h1 information A1 and first-order
  information B1 at the saturated moments; c = trace(UΓ) / df. The same is done for the independence
  (baseline) model to scale its χ².

Examples
--------
>>> import numpy as np
>>> A = np.eye(2); B = 2 * np.eye(2)
>>> float(np.trace(sandwich(A, B, 100)) * 100)
4.0
"""

from __future__ import annotations

import numpy as np

from .estimator_ml import MLEstimator

__all__ = ["sandwich", "first_order", "yb_mplus", "h1_traces"]


def sandwich(A: np.ndarray, B: np.ndarray, n: int) -> np.ndarray:
    """``A⁻¹ B A⁻¹ / n``."""
    Ai = np.linalg.inv(A)
    return Ai @ B @ Ai / n


def first_order(est: MLEstimator, x: np.ndarray) -> np.ndarray:
    """B0 = (1/N) Σ_i s_i s_iᵀ in ``x`` space (casewise scores at the structured estimates)."""
    rep = est.rep
    B = np.zeros((rep.nx, rep.nx))
    for g in range(rep.ngroups):
        Sg = est.casewise_param_scores(x, g)
        idx = rep.groups[g].xidx
        np.add.at(B, (idx[:, None], idx[None, :]), Sg.T @ Sg / est.ntotal)
    return B


def _h1_observed_info(est: MLEstimator, g: int) -> np.ndarray:
    """Observed information of the saturated model at its estimates (analytic moment Hessian under FIML)."""
    d = est.data[g]
    if not d.fiml:
        return est.moment_information(g, d.S, d.mean if est.rep.meanstructure else None)
    cache = est.__dict__.setdefault("_h1_info_cache", {})
    if g not in cache:
        cache[g] = est.moment_hessian(g, d.S, d.mean)
    return cache[g]


def h1_first_order(est: MLEstimator, g: int) -> np.ndarray:
    """B1_g = (1/N_g) Σ m_i m_iᵀ at the saturated (h1) moments (cached on ``est``)."""
    cache = est.__dict__.setdefault("_h1_first_order_cache", {})
    if g not in cache:
        d = est.data[g]
        M = est.casewise_moment_scores(g, d.S, d.mean if est.rep.meanstructure else None)
        cache[g] = M.T @ M / d.n
    return cache[g]


def h1_traces(est: MLEstimator) -> list[float]:
    """tr(B1_g A1_g⁻¹) per group (unstructured h1 information, first-order at the saturated moments)."""
    out = []
    p = est.rep.p
    for g, d in enumerate(est.data):
        if not d.fiml:
            # closed form: tr(B1 A1^-1) = (mean r^4 - p)/2 [+ p with means], r^2 = Mahalanobis distance (S, N divisor)
            Dc = d.Y - d.mean
            r2 = np.einsum("ij,ij->i", Dc @ np.linalg.inv(d.S), Dc)
            out.append(0.5 * (float(np.mean(r2**2)) - p) + (p if est.rep.meanstructure else 0.0))
            continue
        A1 = _h1_observed_info(est, g)
        B1 = h1_first_order(est, g)
        out.append(float(np.sum(B1 * np.linalg.inv(A1).T)))
    return out


def yb_mplus(trace_h1: float, A0: np.ndarray, B0: np.ndarray, df: int, npar: int, ndat: int,
             A0_inv: np.ndarray | None = None) -> dict:
    """Scaling factor of the Yuan-Bentler (Mplus) test from the h1 trace and the model's A0, B0
    (``A0_inv``: A0⁻¹ when the caller has it already)."""
    trace_h0 = float(np.sum(B0 * (np.linalg.inv(A0) if A0_inv is None else A0_inv).T))
    tr = trace_h1 - trace_h0
    return dict(c=tr / df if df > 0 else float("nan"), trace_ugamma=tr, h1=trace_h1 / ndat,
                h0=trace_h0 / npar if npar else float("nan"))


def baseline_trace_h0(est: MLEstimator) -> tuple[float, list[tuple[np.ndarray, np.ndarray]]]:
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
    for g, d in enumerate(est.data):
        if d.fiml:
            mu0 = np.array([np.nanmean(d.Y[:, j]) for j in range(rep.p)])
            var0 = np.array([np.nanvar(d.Y[:, j]) for j in range(rep.p)])
        else:
            mu0, var0 = d.mean, np.diag(d.S).copy()
        sig0 = np.diag(var0)
        mu_arg = mu0 if rep.meanstructure else None
        moments.append((sig0, mu0))
        sl = slice(g * q, (g + 1) * q)

        if d.fiml:
            A[sl, sl] = est.w[g] * est.moment_hessian(g, sig0, mu0)[np.ix_(cols, cols)]
        else:
            # Σ0 diagonal: the information of (variances, means) is diagonal, 1/(2σ⁴) and 1/σ²
            a = 0.5 / var0**2
            A[sl, sl] = est.w[g] * np.diag(np.concatenate([a, 1.0 / var0]) if mu_arg is not None else a)
        # diagonal Σ0: scores of the variances (and means) only; under FIML a pattern's Σ0⁻¹ is the diagonal
        # of its observed variables, so a missing answer contributes nothing
        Z = (d.Y - mu0) / var0
        M = 0.5 * (Z**2 - 1 / var0)
        if rep.meanstructure:
            M = np.hstack([M, Z])
        if d.fiml:
            M[np.isnan(M)] = 0.0
        B[sl, sl] = M.T @ M / est.ntotal
    return float(np.sum(B * np.linalg.inv(A).T)), moments
