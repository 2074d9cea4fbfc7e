"""Minimising the alignment loss: identification, start values, the eps path, and the drift check.

Parameters are the factor means ``alpha`` and log SDs ``s = log psi`` of all G groups, mapped from a free vector
``z`` by a fixed linear map ``(alpha, s) = T z`` (:func:`identification`):

* FIXED: ``alpha_r = 0`` and ``psi_r = 1`` in the reference group r; ``z`` = the other means and log SDs.
* FREE: ``alpha_r = 0`` and ``prod psi_g = 1`` (sirt's ``fixed = FALSE``: ``log psi`` centred).

Like sirt, the loss is minimised along a decreasing sequence of smoothing constants ``eps`` (1, 10^-.5, …, down to
the requested ``eps``), each step warm-started from the last. Two optimisers:

* ``"newton"`` (default): a trust-region Newton method (``scipy.optimize.minimize(method="trust-exact")``) with the
  analytic gradient and Hessian in ``(alpha, log psi)``, converged to a gradient norm of 1e-10 at each step; it
  reaches the minimum more precisely than sirt's L-BFGS-B, whose default stopping rule (relative reduction
  ``factr`` 1e7 · machine eps) can leave the SDs ~1e-4 from it.
* ``"sirt"``: sirt 4.3-21's own route, step for step: ``optim(method = "L-BFGS-B")`` (limited memory 5, ``factr``
  1e7, ``pgtol`` 0, at most 100 iterations per eps) in ``(alpha, psi)`` with ``psi >= .01``, the analytic gradient
  for FIXED with a positive power and ``optim``'s finite differences (``ndeps`` 1e-3) otherwise (FREE, L0). It
  reproduces sirt's estimates to ~1e-10 and is there for parity checks.

Drift. A FIXED problem can lack a sensible interior minimum: the SDs of the other groups grow without bound while
their aligned loadings shrink toward 0 (the loss of G - 1 collapsed loadings is small; bfi agreeableness with
psi_1 = 1 is such a case). :func:`minimise` reports it — the optimiser stopped without a strict local minimum
(gradient not ~0 or Hessian not positive definite) or an SD ratio outside ``sd_bounds`` (default 0.1 to 10, relative
to the reference group under FIXED, to the geometric mean under FREE) — and the caller refuses to return such an
optimum as a result.

Examples
--------
>>> import numpy as np
>>> from analysis.invariance.alignment_loss import LossSpec
>>> lam = np.array([[1.0, .8, .6], [1.5, 1.2, .9], [0.8, .64, .48]])
>>> nu = np.array([[0.0, .2, .1], [0.5, .6, .4], [-.4, -.12, -.14]])
>>> w = np.full((3, 3), 1 / 3)
>>> opt = minimise(lam, nu, w, (1.0, 1.0), (0.5, 0.5), 1e-3, fixed=True, reference=0)
>>> np.round(np.exp(opt.s), 3).tolist(), np.round(opt.alpha, 3).tolist()
([1.0, 1.5, 0.8], [0.0, 0.5, -0.4])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize

from analysis.invariance.alignment_loss import LossSpec, loss_derivatives, loss_value

__all__ = ["Optimum", "eps_sequence", "identification", "minimise", "start_values"]

#: sirt's default eps grid exponents: eps_grid = seq(0, -10, by = -.5)
EPS_GRID: tuple[float, ...] = tuple(np.arange(0.0, -10.01, -0.5))
#: sirt's lower bound of the SDs in its L-BFGS-B route
PSI_MIN = 0.01


def eps_sequence(eps: float, grid: Sequence[float] = EPS_GRID) -> list[float]:
    """sirt's ``sirt_define_eps_sequence``: the values 10^grid and eps, decreasing, down to eps.

    Parameters
    ----------
    eps : float
        The final smoothing constant.
    grid : sequence of float
        Exponents (base 10).

    Returns
    -------
    list of float

    Examples
    --------
    >>> [round(e, 4) for e in eps_sequence(1e-2)]
    [1.0, 0.3162, 0.1, 0.0316, 0.01]
    """
    vals = sorted(set([float(10.0**g) for g in grid] + [float(eps)]), reverse=True)
    return [v for v in vals if v >= eps]


def identification(G: int, fixed: bool, reference: int) -> np.ndarray:
    """The map T with ``(alpha, log psi) = T z`` (shape 2G x 2(G-1)).

    Parameters
    ----------
    G : int
        Number of groups.
    fixed : bool
        FIXED (reference mean 0, SD 1) or FREE (reference mean 0, product of SDs 1).
    reference : int
        Index of the reference group.

    Returns
    -------
    array

    Examples
    --------
    >>> T = identification(3, fixed=False, reference=0)
    >>> np.round(T[3:].sum(axis=0), 12).tolist()
    [0.0, 0.0, 0.0, 0.0]
    """
    keep = [g for g in range(G) if g != reference]
    E = np.zeros((G, G - 1))
    E[keep, np.arange(G - 1)] = 1.0
    S = E if fixed else (np.eye(G) - 1.0 / G) @ E
    T = np.zeros((2 * G, 2 * (G - 1)))
    T[:G, : G - 1] = E
    T[G:, G - 1:] = S
    return T


def start_values(lam: np.ndarray, nu: np.ndarray, reference: int, kind: str = "median") -> tuple[np.ndarray,
                                                                                                  np.ndarray]:
    """Start values ``(alpha, psi)``: sirt's (group medians of loadings and intercepts relative to the reference)
    or ``"unit"`` (means 0, SDs 1).

    Parameters
    ----------
    lam, nu : arrays (G, I)
    reference : int
    kind : {"median", "unit"}

    Returns
    -------
    (alpha, psi)

    Examples
    --------
    >>> a, p = start_values(np.array([[1., 2.], [2., 4.]]), np.array([[0., 1.], [1., 2.]]), 0)
    >>> a.tolist(), p.tolist()
    ([0.0, 1.0], [1.0, 2.0])
    """
    G = lam.shape[0]
    if kind == "unit":
        return np.zeros(G), np.ones(G)
    psi = np.median(lam, axis=1)
    psi = psi / psi[reference]
    alpha = np.median(nu, axis=1)
    alpha = alpha - alpha[reference]
    if not np.all(psi > 0):  # negative median loadings: fall back to the unit start
        psi = np.ones(G)
    return alpha, psi


@dataclass(frozen=True)
class Optimum:
    """A minimiser of the loss: ``alpha``, ``s`` (log SDs), ``value`` F at the final eps, ``fstart`` F at the start
    (final eps), the optimiser's ``converged``/``iterations``/``message``, and the drift check (``drift`` True when
    the optimum is not a usable interior minimum, ``drift_reason`` says why)."""

    alpha: np.ndarray
    s: np.ndarray
    value: float
    fstart: float
    converged: bool
    iterations: int
    message: str
    drift: bool
    drift_reason: str
    start: str


def _newton(z: np.ndarray, T: np.ndarray, lam, nu, w, spec: LossSpec, maxiter: int) -> tuple[np.ndarray, Any]:
    G = lam.shape[0]

    def parts(zz):
        x = T @ zz
        return x[:G], x[G:]

    def fun(zz):
        a, s = parts(zz)
        if np.max(np.abs(s)) > 30:
            return np.inf
        return loss_value(a, s, lam, nu, w, spec)

    cache: dict[str, Any] = {}

    def derivs(zz):
        if cache.get("z") is None or not np.array_equal(cache["z"], zz):
            a, s = parts(zz)
            cache["z"], cache["d"] = zz.copy(), loss_derivatives(a, s, lam, nu, w, spec)
        return cache["d"]

    def jac(zz):
        return T.T @ derivs(zz).grad

    def hess(zz):
        return T.T @ derivs(zz).hess @ T

    with np.errstate(over="ignore", invalid="ignore"):
        res = optimize.minimize(fun, z, jac=jac, hess=hess, method="trust-exact",
                                options={"gtol": 1e-10, "maxiter": maxiter})
    return np.asarray(res.x), res


def _sirt_step(z: np.ndarray, G: int, fixed: bool, lam, nu, w, spec: LossSpec,
               numeric: bool) -> tuple[np.ndarray, Any]:
    """One sirt L-BFGS-B run; z = (alpha_-r, psi_-r) in sirt's own coordinates (reference first)."""
    lower = np.r_[np.full(G - 1, -np.inf), np.full(G - 1, PSI_MIN)]

    def pars(zz):
        a = np.r_[0.0, zz[: G - 1]]
        p = np.r_[1.0, zz[G - 1:]]
        s = np.log(p)
        if not fixed:
            s = s - s.mean()
        return a, s

    def f(zz):
        a, s = pars(zz)
        return loss_value(a, s, lam, nu, w, spec)

    def fg(zz):
        a, s = pars(zz)
        if numeric:  # optim's finite differences: ndeps 1e-3, clipped at the lower bound
            g = np.empty_like(zz)
            for k in range(len(zz)):
                up, dn = zz.copy(), zz.copy()
                up[k] += 1e-3
                dn[k] = max(zz[k] - 1e-3, lower[k])
                g[k] = (f(up) - f(dn)) / (up[k] - dn[k])
            return f(zz), g
        d = loss_derivatives(a, s, lam, nu, w, spec)
        psi = np.exp(s)
        return d.value, np.r_[d.grad[1:G], d.grad[G + 1:] / psi[1:]]

    bounds = [(None, None)] * (G - 1) + [(PSI_MIN, None)] * (G - 1)
    res = optimize.minimize(fg, z, jac=True, method="L-BFGS-B", bounds=bounds,
                            options={"maxcor": 5, "ftol": 1e7 * np.finfo(float).eps, "gtol": 0.0, "maxiter": 100})
    return np.asarray(res.x), res


def _drift(alpha, s, T, lam, nu, w, spec, fixed: bool, reference: int, sd_bounds, converged: bool) -> str:
    """Why the optimum is not a usable interior minimum ('' when it is)."""
    rel = s - (s[reference] if fixed else s.mean())
    lo, hi = sd_bounds
    ratio = np.exp(rel)
    where = "the reference group's" if fixed else "their geometric mean"
    if ratio.max() > hi or ratio.min() < lo:
        return (f"the factor SDs drift: {ratio.min():.3g} to {ratio.max():.3g} times {where} (outside "
                f"{lo:g}–{hi:g}); the aligned loadings of those groups collapse toward 0")
    d = loss_derivatives(alpha, s, lam, nu, w, spec)
    gz = T.T @ d.grad
    Hz = T.T @ d.hess @ T
    ev = np.linalg.eigvalsh(Hz)
    if ev.min() <= 1e-8 * max(1.0, ev.max()):
        return f"no strict local minimum (smallest Hessian eigenvalue {ev.min():.3g})"
    if not converged and np.linalg.norm(gz) > 1e-5 * max(1.0, abs(d.value)):
        return f"the optimiser stopped before a minimum (gradient norm {np.linalg.norm(gz):.3g})"
    return ""


def _run_sirt(a0, p0, lam, nu, w, final: LossSpec, path, fixed: bool, reference: int):
    G = lam.shape[0]
    order = [reference] + [g for g in range(G) if g != reference]
    lo, no, wo = lam[order], nu[order], w[order]
    z = np.r_[a0[order][1:], p0[order][1:]]
    numeric = (not fixed) or final.power[0] == 0 or final.power[1] == 0
    iters = 0
    res: Any = None
    for e in path:
        z, res = _sirt_step(z, G, fixed, lo, no, wo, LossSpec(final.scale, final.power, e), numeric)
        iters += int(res.nit)
    alpha_o = np.r_[0.0, z[: G - 1]]
    s_o = np.log(np.r_[1.0, z[G - 1:]])
    if not fixed:
        s_o = s_o - s_o.mean()
    alpha, s = np.empty(G), np.empty(G)
    alpha[order], s[order] = alpha_o, s_o
    return alpha, s, bool(res.success), iters, str(res.message)


def _run_newton(a0, s0, T, lam, nu, w, final: LossSpec, path, fixed: bool, reference: int, sd_bounds, maxiter):
    G = lam.shape[0]
    z = np.linalg.lstsq(T, np.r_[a0, s0 - s0[reference]], rcond=None)[0]
    iters = 0
    res: Any = None
    for e in path:
        z, res = _newton(z, T, lam, nu, w, LossSpec(final.scale, final.power, e), maxiter)
        iters += int(res.nit)
        sz = (T @ z)[G:]
        rel = sz - (sz[reference] if fixed else sz.mean())
        if np.exp(rel.max()) > 100 * sd_bounds[1] or np.exp(rel.min()) < sd_bounds[0] / 100:
            break  # drifting for sure: the later (sharper) steps cannot bring it back
    x = T @ z
    gnorm = float(np.linalg.norm(res.jac))
    converged = bool(res.success) or gnorm < 1e-6 * max(1.0, abs(float(res.fun)))
    return x[:G], x[G:], converged, iters, str(res.message)


def minimise(lam: np.ndarray, nu: np.ndarray, w: np.ndarray, scale: tuple[float, float], power: tuple[float, float],
             eps: float, *, fixed: bool, reference: int, optimizer: str = "newton",
             starts: Sequence[str] = ("median", "unit"), eps_grid: Sequence[float] = EPS_GRID,
             sd_bounds: tuple[float, float] = (0.1, 10.0), maxiter: int = 500) -> Optimum:
    """Minimise the alignment loss from each start along the eps path; the best usable optimum.

    Parameters
    ----------
    lam, nu, w : arrays (G, I)
        Configural loadings, intercepts, normalised weights (missing cells already filled and weighted 0).
    scale, power, eps :
        sirt's ``align.scale``, ``align.pow`` (as given) and final ``eps``.
    fixed, reference :
        FIXED or FREE identification and the reference group index.
    optimizer : {"newton", "sirt"}
    starts : sequence of {"median", "free", "unit"}
        Start values, tried in order until one gives a usable (non-drifting) optimum: sirt's median start (with the
        eps path), ``"free"`` (FIXED only: the FREE optimum rescaled to the reference group, then FIXED at the final
        eps; opt-in: it can find a local FIXED minimum next to the FREE solution where sirt's path drifts — for
        the bounded L0 loss such local minima exist almost everywhere), ``"unit"`` (means 0, SDs 1). ``"sirt"``
        uses the median start only. The drift check judges the optimum reached from these starts.
    eps_grid : exponents of the eps path.
    sd_bounds : SD ratios beyond which the optimum counts as drifting.
    maxiter : iterations per eps step (newton).

    Returns
    -------
    Optimum
        The first non-drifting optimum; if every start drifts, the lowest one (``drift`` True).

    Examples
    --------
    >>> lam = np.ones((2, 2)); nu = np.array([[0., 0.], [.5, .5]]); w = np.full((2, 2), .5)
    >>> o = minimise(lam, nu, w, (1., 1.), (.5, .5), 1e-3, fixed=True, reference=0)
    >>> round(float(o.alpha[1]), 6), o.drift
    (0.5, False)
    """
    G = lam.shape[0]
    if optimizer not in ("newton", "sirt"):
        raise ValueError(f"optimizer must be 'newton' or 'sirt', not {optimizer!r}")
    T = identification(G, fixed, reference)
    epss = eps_sequence(eps, eps_grid)
    final = LossSpec(tuple(scale), tuple(power), float(eps))  # type: ignore[arg-type]
    found = []
    for kind in (["median"] if optimizer == "sirt" else [k for k in starts if fixed or k != "free"]):
        if kind == "free":  # the FREE optimum, rescaled to the reference group; FIXED at the final eps only
            fr = minimise(lam, nu, w, scale, power, eps, fixed=False, reference=reference, starts=("median", "unit"),
                          eps_grid=eps_grid, sd_bounds=sd_bounds, maxiter=maxiter)
            if fr.drift:
                continue
            psi_r = float(np.exp(fr.s[reference]))
            a0, p0 = (fr.alpha - fr.alpha[reference]) / psi_r, np.exp(fr.s - fr.s[reference])
            path = [float(eps)]
        else:
            a0, p0 = start_values(lam, nu, reference, kind)
            path = epss
        s0 = np.log(p0)
        fstart = loss_value(a0, s0 - (0.0 if fixed else s0.mean()), lam, nu, w, final)
        if optimizer == "sirt":
            alpha, s, converged, iters, msg = _run_sirt(a0, p0, lam, nu, w, final, path, fixed, reference)
        else:
            alpha, s, converged, iters, msg = _run_newton(a0, s0, T, lam, nu, w, final, path, fixed, reference,
                                                          sd_bounds, maxiter)
        value = loss_value(alpha, s, lam, nu, w, final)
        reason = _drift(alpha, s, T, lam, nu, w, final, fixed, reference, sd_bounds, converged)
        found.append(Optimum(alpha=alpha, s=s, value=float(value), fstart=float(fstart), converged=converged,
                             iterations=iters, message=msg, drift=bool(reason), drift_reason=reason, start=kind))
        if not reason:
            return found[-1]
    if not found:
        raise ValueError("no start values to try")
    return min(found, key=lambda o: o.value)
