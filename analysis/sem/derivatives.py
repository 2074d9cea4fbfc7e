"""The moment derivatives of a LISREL-type model as rank-two forms, and the information matrices built from them.

Every free parameter θ_k moves the implied covariance matrix by a symmetric rank-two matrix and the implied means by
(at most) one vector:

    ∂Σ/∂θ_k = h_k (b_u b_vᵀ + b_v b_uᵀ),    ∂μ/∂θ_k = c_k b_w,

with b_* columns of the basis ``B = [I_p | C | L̃]`` (``C = ΛM``, ``L̃ = Λ(I−B)⁻¹``, ``M`` the latent covariance
matrix): λ_ij → (e_i, C_j), β_rc → (L̃_r, C_c), ψ_ab → (L̃_a, L̃_b), θ_ik → (e_i, e_k), with h = ½ on diagonals;
ν_i → μ along e_i, α_a → along L̃_a, λ_ij and β_rc move μ by E(η)_j b. Traces such as tr(V ∂Σ_k W ∂Σ_l) are then
products of entries of the small Gram matrices ``Bᵀ V B`` and ``Bᵀ W B``: an information block costs O(q²) after
O(p²m) work, instead of forming q matrices of p × p.

Examples
--------
>>> import numpy as np
>>> from analysis.sem.syntax import parse_model
>>> from analysis.sem.partable import build_partable
>>> from analysis.sem.matrices import Representation
>>> rep = Representation(build_partable(parse_model("f =~ a + b + c"), meanstructure=True))
>>> x = np.array([.8, .7, .5, .6, .7, 1.2, 0., 0., 0.])
>>> sig, mu, D = rep.delta(x, 0)
>>> V = np.linalg.inv(sig); nv = len(rep.va)
>>> dS = np.zeros((D.shape[1], 3, 3)); dS[:, rep.va, rep.vb] = D[:nv].T; dS[:, rep.vb, rep.va] = D[:nv].T
>>> dense = 0.5 * np.einsum("kab,bc,lcd,da->kl", dS, V, dS, V) + D[nv:].T @ V @ D[nv:]
>>> bool(np.allclose(expected_block(rep, x, 0, V), dense))
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .matrices import Representation

__all__ = ["DerivIndex", "deriv_index", "basis", "gram", "mean_coefficients", "expected_block", "gradient_block",
           "observed_block"]


@dataclass(frozen=True)
class DerivIndex:
    """Static rank-two structure of one group's free rows (``unco`` order): basis columns u, v and weight h of
    ∂Σ (h = 0: Σ does not move), basis column w of ∂μ with coefficient kind ``mkind`` (0 none, 1 one, 2 E(η) of
    latent ``mcol``)."""

    u: np.ndarray
    v: np.ndarray
    h: np.ndarray
    w: np.ndarray
    mkind: np.ndarray
    mcol: np.ndarray


def deriv_index(rep: Representation, g: int) -> DerivIndex:
    """The :class:`DerivIndex` of group ``g`` (built once per representation).

    Parameters
    ----------
    rep : Representation
        The model.
    g : int
        Group (0-based).

    Returns
    -------
    DerivIndex

    Examples
    --------
    >>> from analysis.sem.syntax import parse_model
    >>> from analysis.sem.partable import build_partable
    >>> di = deriv_index(Representation(build_partable(parse_model("f =~ a + b"))), 0)
    >>> di.u.tolist(), di.v.tolist(), di.h.tolist()
    ([1, 0, 1, 3], [2, 0, 1, 3], [1.0, 0.5, 0.5, 0.5])
    """
    cache: dict[int, DerivIndex] = rep.__dict__.setdefault("_deriv_index", {})
    if g in cache:
        return cache[g]
    gm = rep.groups[g]
    p, m = rep.p, rep.m
    q = len(gm.unco)
    u, v, w = np.zeros(q, int), np.zeros(q, int), np.zeros(q, int)
    h, mkind, mcol = np.zeros(q), np.zeros(q, int), np.zeros(q, int)
    ms = rep.meanstructure
    r, c, pos = gm.cells["lambda"]
    u[pos], v[pos], h[pos] = r, p + c, 1.0
    if ms:
        w[pos], mkind[pos], mcol[pos] = r, 2, c
    r, c, pos = gm.cells["beta"]
    u[pos], v[pos], h[pos] = p + m + r, p + c, 1.0
    if ms:
        w[pos], mkind[pos], mcol[pos] = p + m + r, 2, c
    for kind, off in (("psi", p + m), ("theta", 0)):
        r, c, pos = gm.cells[kind]
        u[pos], v[pos], h[pos] = off + r, off + c, np.where(r == c, 0.5, 1.0)
    if ms:
        r, _c, pos = gm.cells["nu"]
        w[pos], mkind[pos] = r, 1
        r, _c, pos = gm.cells["alpha"]
        w[pos], mkind[pos] = p + m + r, 1
    out = DerivIndex(u, v, h, w, mkind, mcol)
    cache[g] = out
    return out


def basis(parts: dict[str, np.ndarray]) -> np.ndarray:
    """The non-identity basis columns ``[C | L̃]`` (p × 2m) from :meth:`Representation._parts`."""
    return np.hstack([parts["C"], parts["Ls"]])


def gram(X: np.ndarray, Bp: np.ndarray, o: np.ndarray | None = None) -> np.ndarray:
    """``Bᵀ X B`` for ``B = [I | Bp]``; with ``o``, X is the |o| × |o| matrix of the observed variables ``o``
    (embedded with zeros elsewhere).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[2.0, 1.0], [1.0, 3.0]]); Bp = np.array([[1.0], [2.0]])
    >>> B = np.hstack([np.eye(2), Bp])
    >>> bool(np.allclose(gram(X, Bp), B.T @ X @ B)), bool(np.allclose(gram(X[:1, :1], Bp, np.array([0]))[0], [2, 0, 2]))
    (True, True)
    """
    p, k = Bp.shape
    out = np.zeros((p + k, p + k))
    if o is None:
        XB = X @ Bp
        out[:p, :p] = X
        out[:p, p:] = XB
        out[p:, :p] = XB.T
        out[p:, p:] = Bp.T @ XB
        return out
    Bo = Bp[o]
    XB = X @ Bo
    out[np.ix_(o, o)] = X
    out[o, p:] = XB
    out[p:, o] = XB.T
    out[p:, p:] = Bo.T @ XB
    return out


def mean_coefficients(di: DerivIndex, ea: np.ndarray) -> np.ndarray:
    """c_k of ∂μ/∂θ_k = c_k b_w (``ea`` = E(η), the latent means)."""
    return np.where(di.mkind == 1, 1.0, np.where(di.mkind == 2, ea[di.mcol], 0.0))


def _pair(Ga: np.ndarray, Gb: np.ndarray, di: DerivIndex) -> np.ndarray:
    """T_kl = Ga[u_k,u_l] Gb[v_k,v_l] + Ga[u_k,v_l] Gb[v_k,u_l] (without the h weights)."""
    u, v = di.u, di.v
    return Ga[np.ix_(u, u)] * Gb[np.ix_(v, v)] + Ga[np.ix_(u, v)] * Gb[np.ix_(v, u)]


def expected_block(rep: Representation, x: np.ndarray, g: int, V: np.ndarray, o: np.ndarray | None = None,
                   parts: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """½ tr(V ∂Σ_k V ∂Σ_l) + ∂μ_kᵀ V ∂μ_l over group ``g``'s free rows, for V = Σ⁻¹ (of the observed set ``o``).

    Parameters
    ----------
    rep, x, g : the model, the parameters and the group
    V : ndarray
        Inverse implied covariance matrix (of the variables ``o`` when given).
    o : ndarray, optional
        Observed variables of a missing-data pattern.
    parts : dict, optional
        ``rep._parts`` at ``x`` when the caller has them.

    Returns
    -------
    ndarray (q × q)
    """
    pr = parts if parts is not None else rep._parts(rep.matrices(x, g))
    di = deriv_index(rep, g)
    G = gram(V, basis(pr), o)
    out = _pair(G, G, di) * np.outer(di.h, di.h)
    if rep.meanstructure:
        c = mean_coefficients(di, pr["ea"])
        out += np.outer(c, c) * G[np.ix_(di.w, di.w)]
    return out


def gradient_block(rep: Representation, x: np.ndarray, g: int, G: np.ndarray, gmu: np.ndarray | None,
                   parts: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """∂f/∂θ_k = ½ tr(G ∂Σ_k) + gmuᵀ ∂μ_k for the moment gradient (G, gmu) of a fit function f.

    Examples
    --------
    >>> import numpy as np
    >>> from analysis.sem.syntax import parse_model
    >>> from analysis.sem.partable import build_partable
    >>> rep = Representation(build_partable(parse_model("f =~ a + b + c")))
    >>> x = np.array([.8, .7, .5, .6, .7, 1.2]); _, _, D = rep.delta(x, 0)
    >>> G = np.array([[1., .2, .1], [.2, 2., .3], [.1, .3, 1.5]]); m = np.where(rep.va == rep.vb, .5, 1.)
    >>> bool(np.allclose(gradient_block(rep, x, 0, G, None), D.T @ (G[rep.va, rep.vb] * m)))
    True
    """
    pr = parts if parts is not None else rep._parts(rep.matrices(x, g))
    di = deriv_index(rep, g)
    Bp = basis(pr)
    GB = G @ Bp
    p = rep.p
    full = np.zeros((p + Bp.shape[1], p + Bp.shape[1]))
    full[:p, :p] = G
    full[:p, p:] = GB
    full[p:, :p] = GB.T
    full[p:, p:] = Bp.T @ GB
    out = di.h * full[di.u, di.v]
    if rep.meanstructure and gmu is not None:
        bm = np.concatenate([gmu, Bp.T @ gmu])
        out = out + mean_coefficients(di, pr["ea"]) * bm[di.w]
    return out


def observed_block(rep: Representation, x: np.ndarray, g: int, V: np.ndarray, W: np.ndarray, z: np.ndarray | None,
                   o: np.ndarray | None = None, parts: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """The Hessian of ½F (F = log|Σ| + tr(QΣ⁻¹), Q = S + ddᵀ) over group ``g``'s free rows without the second
    derivatives of the moments: −½ tr(VΣ_kVΣ_l) + tr(VΣ_k W Σ_l) + μ_kᵀVμ_l + dᵀVΣ_kVμ_l + dᵀVΣ_lVμ_k, with
    W = VQV and z = Vd (of the observed set ``o`` when given).

    Returns
    -------
    ndarray (q × q)
    """
    pr = parts if parts is not None else rep._parts(rep.matrices(x, g))
    di = deriv_index(rep, g)
    Bp = basis(pr)
    GV = gram(V, Bp, o)
    GW = gram(W, Bp, o)
    u, v = di.u, di.v
    hh = np.outer(di.h, di.h)
    out = (-_pair(GV, GV, di)
           + GW[np.ix_(v, u)] * GV[np.ix_(v, u)].T + GW[np.ix_(v, v)] * GV[np.ix_(u, u)].T
           + GW[np.ix_(u, u)] * GV[np.ix_(v, v)].T + GW[np.ix_(u, v)] * GV[np.ix_(u, v)].T) * hh
    if rep.meanstructure and z is not None:
        c = mean_coefficients(di, pr["ea"])
        out += np.outer(c, c) * GV[np.ix_(di.w, di.w)]
        p = rep.p
        zb = np.zeros(GV.shape[0])
        if o is None:
            zb[:p] = z
            zb[p:] = Bp.T @ z
        else:
            zb[o] = z
            zb[p:] = Bp[o].T @ z
        T = (di.h * zb[u])[:, None] * GV[np.ix_(v, di.w)] + (di.h * zb[v])[:, None] * GV[np.ix_(u, di.w)]
        T *= c[None, :]
        out += T + T.T
    return out
