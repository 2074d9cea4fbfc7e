"""Analytic observed information (Hessian of ``fmin``) for CFA models (no regressions among factors), complete data
or FIML by missing-data pattern.

With F = log|Σ| + tr(QΣ⁻¹) − … per pattern (Q = S + ddᵀ, d = m − μ, V = Σ⁻¹, G = V − VQV), Σₖ = ∂Σ/∂θₖ,
μₖ = ∂μ/∂θₖ:

    ∂²F/∂θₖ∂θₗ = tr(G Σₖₗ) − 2 dᵀV μₖₗ − tr(VΣₖVΣₗ) + 2 tr(VΣₖ VQ VΣₗ)
                 + 2 μₖᵀVμₗ + 2 dᵀVΣₖVμₗ + 2 dᵀVΣₗVμₖ

and ``fmin = Σ_g (N_g/N) F_g / 2``. The second derivatives Σₖₗ, μₖₗ of a CFA are non-zero only for
(λ_ij, λ_kl): ψ_jl(e_i e_kᵀ + e_k e_iᵀ); (λ_ij, ψ_ab): e_i (dΨ Λᵀ)_j + transpose; (λ_ij, α_j): μ = e_i.
This replaces 2·n_par numerical gradients (minutes for ten groups × 50 items) by a few matrix products.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from analysis.sem import cfa
>>> rng = np.random.default_rng(4)
>>> y = rng.normal(size=(300, 1)) * [1, .8, .7, .6] + rng.normal(size=(300, 4))
>>> res = cfa("f =~ a + b + c + d", pd.DataFrame(y, columns=list("abcd")), estimator="MLR")
>>> H = observed_information(res._rep, res._est, res._x)
>>> bool(np.allclose(H, numeric_information(res._est, res._x), atol=1e-6))
True
"""

from __future__ import annotations

import numpy as np

from .estimator_ml import MLEstimator
from .matrices import Representation

__all__ = ["supported", "observed_information", "numeric_information"]


def supported(rep: Representation) -> bool:
    """Whether the analytic Hessian applies (no regressions among latent variables).

    Examples
    --------
    >>> from analysis.sem.syntax import parse_model
    >>> from analysis.sem.partable import build_partable
    >>> supported(Representation(build_partable(parse_model("f =~ a + b + c"))))
    True
    """
    return not rep.has_beta


def numeric_information(est: MLEstimator, x: np.ndarray) -> np.ndarray:
    """Hessian of ``fmin`` by central differences of the analytic gradient (models with regressions; the
    reference for the analytic form in tests)."""
    n = len(x)
    H = np.zeros((n, n))
    for k in range(n):
        h = 1e-5 * max(1.0, abs(x[k]))
        e = np.zeros(n)
        e[k] = h
        H[:, k] = (est.gradient(x + e) - est.gradient(x - e)) / (2 * h)
    return (H + H.T) / 2


def _pattern_hessian(V: np.ndarray, Q: np.ndarray, d: np.ndarray, dS: np.ndarray, dM: np.ndarray | None
                     ) -> np.ndarray:
    """The θ-space Hessian of F for one pattern without the second-derivative (curvature) terms."""
    q = dS.shape[0]
    A = V @ dS                                  # (q, p, p): V Σ_k
    VQ = V @ Q
    C = VQ @ A                                  # V Q V Σ_l
    At = np.swapaxes(A, 1, 2).reshape(q, -1)    # vec(A_lᵀ)
    Af = A.reshape(q, -1)
    H = -(Af @ At.T)                            # − tr(V Σ_k V Σ_l)
    H += 2.0 * (Af @ np.swapaxes(C, 1, 2).reshape(q, -1).T)   # + 2 tr(VΣ_k · VQVΣ_l)
    if dM is not None:
        VM = V @ dM.T                            # (p, q): V μ_l
        H += 2.0 * (dM @ VM)                     # 2 μ_kᵀ V μ_l
        z = V @ d
        U = dS @ z                               # (q, p): Σ_k V d
        T = U @ VM                               # dᵀVΣ_kVμ_l
        H += 2.0 * (T + T.T)
    return H


def observed_information(rep: Representation, est: MLEstimator, x: np.ndarray) -> np.ndarray:
    """Observed information (Hessian of ``fmin``, per observation) in ``x`` space, analytically.

    Parameters
    ----------
    rep, est, x : the fitted representation, estimator and estimates (``CfaResult._rep/_est/_x``).

    Returns
    -------
    ndarray (n_x, n_x)
    """
    nx = rep.nx
    H = np.zeros((nx, nx))
    p = rep.p
    nv = len(rep.va)
    for g in range(rep.ngroups):
        gm = rep.groups[g]
        mats = rep.matrices(x, g)
        sig, mu, D = rep.delta(x, g)
        q = D.shape[1]
        dS = np.zeros((q, p, p))
        dS[:, rep.va, rep.vb] = D[:nv].T
        dS[:, rep.vb, rep.va] = D[:nv].T
        dM = D[nv:].T if rep.meanstructure else None  # (q, p)
        data = est.data[g]
        pats = data.patterns if data.fiml else [None]
        Hg = np.zeros((q, q))
        Gfull = np.zeros((p, p))
        zfull = np.zeros(p)
        for pt in pats:
            if pt is None:
                o, n_p, mean, S = np.arange(p), data.n, data.mean, data.S
            else:
                o, n_p, mean, S = pt.obs, pt.n, pt.mean, pt.S
            so = sig[np.ix_(o, o)]
            V = np.linalg.inv(so)
            V = (V + V.T) / 2
            d = mean - mu[o] if mu is not None else np.zeros(len(o))
            Q = S + np.outer(d, d)
            wgt = n_p / data.n
            Hg += wgt * _pattern_hessian(V, Q, d, dS[:, o][:, :, o], dM[:, o] if dM is not None else None)
            G = V - V @ Q @ V
            Gfull[np.ix_(o, o)] += wgt * G
            zfull[o] += wgt * (V @ d)
        Hg += _curvature(rep, gm, mats, Gfull, zfull)
        idx = gm.xidx
        if len(np.unique(idx)) == len(idx):
            H[np.ix_(idx, idx)] += 0.5 * est.w[g] * Hg
        else:  # equal labels inside a group: several columns map to one parameter
            np.add.at(H, (idx[:, None], idx[None, :]), 0.5 * est.w[g] * Hg)
    return (H + H.T) / 2


def _curvature(rep: Representation, gm, mats: dict[str, np.ndarray], G: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Σ_k,l terms: tr(G Σ_kl) − 2 dᵀVμ_kl, pattern-weighted G and z = V d (CFA: λλ, λψ, λα pairs)."""
    q = len(gm.xidx)
    out = np.zeros((q, q))
    L, Psi = mats["lambda"], mats["psi"]
    lr, lc, lp = gm.cells["lambda"]
    if not len(lr):
        return out
    # (λ_ij, λ_kl): 2 ψ_jl G_ik
    out[np.ix_(lp, lp)] += 2.0 * Psi[np.ix_(lc, lc)] * G[np.ix_(lr, lr)]
    # (λ_ij, ψ_ab): 2[δ_ja (ΛᵀG)_bi + δ_jb (ΛᵀG)_ai] (a ≠ b); 2 δ_ja (ΛᵀG)_ai (a = b)
    pr, pc, pp = gm.cells["psi"]
    if len(pr):
        LG = L.T @ G  # (m, p)
        for a, b, col in zip(pr, pc, pp, strict=True):
            v = np.where(lc == a, LG[b, lr], 0.0)
            if a != b:
                v = v + np.where(lc == b, LG[a, lr], 0.0)
            out[lp, col] += 2.0 * v
            out[col, lp] += 2.0 * v
    # (λ_ij, α_j): μ_kl = e_i → −2 (V d)_i
    if rep.meanstructure:
        ar, _ac, ap = gm.cells["alpha"]
        for a, col in zip(ar, ap, strict=True):
            v = np.where(lc == a, -2.0 * z[lr], 0.0)
            out[lp, col] += v
            out[col, lp] += v
    return out
