"""The alignment simplicity function (sirt 4.3-21 ``invariance.alignment``) with analytic derivatives.

For groups g, h and items (columns) i, with aligned loadings ``l_gi = lambda_gi / psi_g`` and aligned intercepts
``m_gi = nu_gi - alpha_g * l_gi``, the loss is

    F = sum_i sum_{g != h} w_gi w_hi [ f_1(l_gi - l_hi) + f_2(m_gi - m_hi) ]

over *ordered* pairs (twice the unordered sum, as sirt), with the component loss

    f(x) = ((x / a)^2 + eps)^(p / 2)            (p > 0; sirt's ``align.pow`` p is halved internally)
    f(x) = (x / a)^2 / ((x / a)^2 + eps)        (p = 0, the L0 approximation of O'Neill & Burke 2023)

``a`` is ``align.scale``; ``w`` are the weights normalised per item (``w_gi / sum_g w_gi``). The parameters are
``alpha`` and ``s = log psi`` of every group; :func:`loss_derivatives` returns F, its gradient and Hessian in
``(alpha, s)`` and (optionally) the cross derivatives ``d^2 F / d(alpha, s) d(lambda, nu)`` that the delta-method
standard errors need. Everything is vectorised over (G, G, I) arrays: O(G^2 I) per evaluation.

Columns need not be items: an ordinal item's thresholds can be aligned as extra intercept columns that repeat the
item's loading (sirt's workaround for categorical items), without changing anything here.

Examples
--------
>>> import numpy as np
>>> lam = np.array([[1.0, .8], [1.2, 1.0], [0.9, .7]])
>>> nu = np.array([[0.0, .2], [0.3, .5], [-.1, .1]])
>>> w = np.full((3, 2), 1 / 3)
>>> spec = LossSpec(scale=(1.0, 1.0), power=(0.5, 0.5), eps=1e-3)
>>> d = loss_derivatives(np.zeros(3), np.zeros(3), lam, nu, w, spec)
>>> round(d.value, 6), d.grad.shape, d.hess.shape
(1.257603, (6,), (6, 6))
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["LossSpec", "LossDerivatives", "component", "loss_value", "loss_derivatives"]


@dataclass(frozen=True)
class LossSpec:
    """The component loss of the two parameter types (loadings, intercepts).

    Attributes
    ----------
    scale : (a_loadings, a_intercepts), sirt's ``align.scale``
    power : (p_loadings, p_intercepts), sirt's ``align.pow`` *as the user gives it* (halved internally)
    eps : the smoothing constant of the current step
    """

    scale: tuple[float, float]
    power: tuple[float, float]
    eps: float


def component(x: np.ndarray, scale: float, power: float, eps: float, order: int = 0) -> np.ndarray:
    """The component loss f, or its first or second derivative, elementwise.

    Parameters
    ----------
    x : array
        Differences of aligned parameters.
    scale, power, eps : float
        sirt's ``align.scale`` and ``align.pow`` (halved here) for this parameter type, and ``eps``.
    order : {0, 1, 2}
        0 for f, 1 for f', 2 for f''.

    Returns
    -------
    array
        Same shape as ``x``.

    Examples
    --------
    >>> float(component(np.array(0.3), 1.0, 0.5, 1e-3).round(6))
    0.549238
    >>> float(component(np.array(0.3), 1.0, 0.0, 1e-3).round(6))
    0.989011
    """
    a2 = scale * scale
    u = x * x / a2 + eps
    if power > 0:
        p = power / 2.0
        if order == 0:
            return np.asarray(u**p)
        if order == 1:
            return np.asarray(2.0 * p * x / a2 * u ** (p - 1.0))
        return np.asarray(2.0 * p / a2 * u ** (p - 1.0) + 4.0 * p * (p - 1.0) * x * x / (a2 * a2) * u ** (p - 2.0))
    # L0: f = v / (v + eps) with v = (x / a)^2, i.e. 1 - eps / u
    if order == 0:
        return np.asarray(1.0 - eps / u)
    if order == 1:
        return np.asarray(2.0 * eps * x / (a2 * u * u))
    return np.asarray(2.0 * eps / (a2 * u * u) - 8.0 * eps * x * x / (a2 * a2 * u**3))


def _f012(x: np.ndarray, scale: float, power: float, eps: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """f, f', f'' together (shared powers)."""
    a2 = scale * scale
    u = x * x / a2 + eps
    if power > 0:
        p = power / 2.0
        um1 = u ** (p - 1.0)
        f = um1 * u
        f1 = 2.0 * p * x / a2 * um1
        f2 = 2.0 * p / a2 * um1 + 4.0 * p * (p - 1.0) * x * x / (a2 * a2) * um1 / u
        return f, f1, f2
    iu2 = 1.0 / (u * u)
    return 1.0 - eps / u, 2.0 * eps * x / a2 * iu2, 2.0 * eps / a2 * iu2 - 8.0 * eps * x * x / (a2 * a2) * iu2 / u


def _pair_weights(w: np.ndarray) -> np.ndarray:
    """w_gi w_hi for g != h, shape (G, G, I)."""
    ww = w[:, None, :] * w[None, :, :]
    G = w.shape[0]
    ww[np.arange(G), np.arange(G), :] = 0.0
    return ww


def _aligned(alpha: np.ndarray, s: np.ndarray, lam: np.ndarray, nu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ipsi = np.exp(-s)[:, None]
    la = lam * ipsi
    return la, nu - alpha[:, None] * la


def loss_value(alpha: np.ndarray, s: np.ndarray, lam: np.ndarray, nu: np.ndarray, w: np.ndarray,
               spec: LossSpec, per_item: bool = False) -> float | np.ndarray:
    """The alignment loss F at group means ``alpha`` and log SDs ``s``.

    Parameters
    ----------
    alpha, s : arrays (G,)
        Factor means and log factor SDs of the groups.
    lam, nu : arrays (G, I)
        Configural loadings and intercepts.
    w : array (G, I)
        Weights, already normalised per item (zero for a missing parameter).
    spec : LossSpec
    per_item : bool
        Return the contribution of every item (column) instead of the total.

    Returns
    -------
    float, or array (I,) with ``per_item``

    Examples
    --------
    >>> lam = np.ones((2, 1)); nu = np.array([[0.0], [0.5]]); w = np.full((2, 1), .5)
    >>> round(float(loss_value(np.zeros(2), np.zeros(2), lam, nu, w, LossSpec((1., 1.), (.5, .5), 1e-3))), 6)
    0.44282
    """
    la, ma = _aligned(alpha, s, lam, nu)
    ww = _pair_weights(w)
    dl = la[:, None, :] - la[None, :, :]
    dm = ma[:, None, :] - ma[None, :, :]
    terms = ww * (component(dl, spec.scale[0], spec.power[0], spec.eps)
                  + component(dm, spec.scale[1], spec.power[1], spec.eps))
    per = terms.sum(axis=(0, 1))
    return per if per_item else float(per.sum())


@dataclass(frozen=True)
class LossDerivatives:
    """F, its gradient (2G: alpha then s) and Hessian (2G x 2G); ``cross`` (2G x 2GI) is d^2F / d(alpha, s) d theta
    with theta = (lambda row-major, nu row-major), or None."""

    value: float
    grad: np.ndarray
    hess: np.ndarray
    cross: np.ndarray | None = None


def loss_derivatives(alpha: np.ndarray, s: np.ndarray, lam: np.ndarray, nu: np.ndarray, w: np.ndarray,
                     spec: LossSpec, cross: bool = False) -> LossDerivatives:
    """F, the analytic gradient and Hessian in ``(alpha, log psi)`` of all groups, optionally the cross derivatives.

    Parameters
    ----------
    alpha, s : arrays (G,)
        Factor means and log factor SDs.
    lam, nu, w : arrays (G, I)
        Configural loadings, intercepts and normalised weights.
    spec : LossSpec
    cross : bool
        Also return d^2 F / d(alpha, s) d(lambda, nu) (for the implicit-function-theorem standard errors).

    Returns
    -------
    LossDerivatives

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> lam = rng.uniform(.5, 1, (4, 3)); nu = rng.normal(size=(4, 3)); w = np.full((4, 3), .25)
    >>> spec = LossSpec((1., 1.), (.5, .5), .01)
    >>> a, s = rng.normal(size=4), rng.normal(scale=.2, size=4)
    >>> d = loss_derivatives(a, s, lam, nu, w, spec)
    >>> h = 1e-6; e = np.zeros(4); e[1] = h
    >>> num = (loss_value(a + e, s, lam, nu, w, spec) - loss_value(a - e, s, lam, nu, w, spec)) / (2 * h)
    >>> bool(abs(num - d.grad[1]) < 1e-6)
    True
    """
    G, I = lam.shape
    psi_inv = np.exp(-s)
    la, ma = _aligned(alpha, s, lam, nu)
    ww = _pair_weights(w)
    dl = la[:, None, :] - la[None, :, :]
    dm = ma[:, None, :] - ma[None, :, :]
    (a1, a2), (p1, p2), eps = spec.scale, spec.power, spec.eps
    fl, fl1, fl2 = _f012(dl, a1, p1, eps)
    fm, fm1, fm2 = _f012(dm, a2, p2, eps)
    value = float(np.sum(ww * (fl + fm)))
    # first derivatives in the aligned parameters (f' is odd: both ordered pairs give the same sign)
    A = 2.0 * np.sum(ww * fl1, axis=1)  # (G, I)
    B = 2.0 * np.sum(ww * fm1, axis=1)
    g_alpha = -np.sum(B * la, axis=1)
    g_s = -np.sum(A * la, axis=1) + alpha * np.sum(B * la, axis=1)
    # second derivatives in the aligned parameters: per item a weighted graph Laplacian
    Kl = 2.0 * ww * fl2
    Km = 2.0 * ww * fm2
    Hl = -Kl
    Hm = -Km
    idx = np.arange(G)
    Hl[idx, idx, :] = Kl.sum(axis=1)
    Hm[idx, idx, :] = Km.sum(axis=1)
    Jma = -la               # dm/dalpha
    Jms = alpha[:, None] * la  # dm/ds
    Jls = -la               # dl/ds
    H_aa = np.einsum("gi,ghi,hi->gh", Jma, Hm, Jma)
    H_as = np.einsum("gi,ghi,hi->gh", Jma, Hm, Jms) + np.diag(np.sum(B * la, axis=1))
    H_ss = (np.einsum("gi,ghi,hi->gh", Jls, Hl, Jls) + np.einsum("gi,ghi,hi->gh", Jms, Hm, Jms)
            + np.diag(np.sum(A * la, axis=1) - alpha * np.sum(B * la, axis=1)))
    hess = np.block([[H_aa, H_as], [H_as.T, H_ss]])
    grad = np.concatenate([g_alpha, g_s])
    X = None
    if cross:
        X = _cross(alpha, psi_inv, la, A, B, Hl, Hm, Jma, Jms, Jls)
    return LossDerivatives(value=value, grad=grad, hess=hess, cross=X)


def _cross(alpha, psi_inv, la, A, B, Hl, Hm, Jma, Jms, Jls) -> np.ndarray:
    """d^2 F / d(alpha, s)_g d(lambda, nu)_hi, shape (2G, 2 G I) with columns lambda (h, i) then nu (h, i)."""
    G, I = la.shape
    dl_dlam = psi_inv[:, None] * np.ones((1, I))      # dl_hi / dlambda_hi
    dm_dlam = -(alpha * psi_inv)[:, None] * np.ones((1, I))  # dm_hi / dlambda_hi
    # alpha rows
    a_lam = np.einsum("gi,ghi,hi->ghi", Jma, Hm, dm_dlam)
    a_nu = np.einsum("gi,ghi->ghi", Jma, Hm)
    s_lam = np.einsum("gi,ghi,hi->ghi", Jls, Hl, dl_dlam) + np.einsum("gi,ghi,hi->ghi", Jms, Hm, dm_dlam)
    s_nu = np.einsum("gi,ghi->ghi", Jms, Hm)
    idx = np.arange(G)
    a_lam[idx, idx, :] += -B * psi_inv[:, None]
    s_lam[idx, idx, :] += -A * psi_inv[:, None] + B * (alpha * psi_inv)[:, None]
    top = np.concatenate([a_lam.reshape(G, G * I), a_nu.reshape(G, G * I)], axis=1)
    bottom = np.concatenate([s_lam.reshape(G, G * I), s_nu.reshape(G, G * I)], axis=1)
    return np.vstack([top, bottom])
