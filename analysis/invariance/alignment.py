"""Alignment optimisation (Asparouhov & Muthén 2014) of one factor across many groups, as sirt 4.3-21 defines it.

From configural loadings ``lambda`` and intercepts ``nu`` (G groups x I items; factor mean 0 and variance 1 in
every group), :func:`align` finds group factor means ``alpha_g`` and SDs ``psi_g`` so that the aligned parameters
``lambda_g / psi_g`` and ``nu_g - alpha_g lambda_g / psi_g`` are as equal across groups as a robust simplicity
function allows: most parameters approximately invariant, a few clearly not. The loss is sirt's (see
:mod:`analysis.invariance.alignment_loss`): component ``f(x) = ((x/a)^2 + eps)^(p/2)`` with ``align_scale`` a and
``align_pow`` p (sirt halves the power: the default p = .5 is Asparouhov & Muthén's ``sqrt(sqrt(x^2 + eps))``), the
L0 variant for p = 0, weights normalised per item (default ``sqrt(N_g)``: Mplus's ``sqrt(N_g N_h)`` per pair),
summed over ordered pairs of groups.

Identification: FIXED (``fixed=True``, sirt's default for G <= 999: the reference group has mean 0 and SD 1) or
FREE (``fixed=False``: reference mean 0, product of the SDs 1). A FIXED problem may have no sensible interior
minimum — the other groups' SDs drift upward while their aligned loadings collapse (bfi agreeableness by
education × gender is one); :func:`align` then raises :class:`AlignmentDriftError` (a one-line ``EstimationError``
naming the drift) instead of returning it. FREE (or another reference group) is the remedy.

With ``vcov`` (the configural sampling covariance of theta, see :mod:`analysis.invariance.alignment_se`) the
result carries delta-method standard errors of the aligned means and SDs.

Examples
--------
>>> import numpy as np
>>> lam = np.array([[.8, .7, .6, .7], [1.2, 1.05, .9, 1.05], [.8, .7, .6, .2]])
>>> nu = np.array([[0, .1, .2, .3], [.6, .625, .65, .825], [-.4, -.25, .9, .2]]) + 3
>>> res = align(lam, nu, n=[200, 300, 250], groups=["A", "B", "C"], items=["y1", "y2", "y3", "y4"])
>>> res.pars[["group", "mean", "sd"]].round(2).to_dict("list")
{'group': ['A', 'B', 'C'], 'mean': [0.0, 0.75, -0.5], 'sd': [1.0, 1.5, 1.0]}
>>> t = res.invariance()
>>> t[~t.invariant][["param", "item", "group"]].values.tolist()
[['loading', 'y4', 'C'], ['intercept', 'y3', 'C']]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from analysis.invariance.alignment_loss import LossSpec
from analysis.invariance.alignment_optim import EPS_GRID, Optimum, identification, minimise
from analysis.invariance.alignment_se import delta_vcov, ranking
from analysis.invariance.alignment_summary import (
    es_invariance,
    find_constraints,
    invariance_table,
    item_summary,
    mplus_lines,
)
from vcd_core.errors import EstimationError

__all__ = ["AlignmentDriftError", "AlignmentResult", "align"]

#: sirt 4.3-21 ``invariance.alignment`` defaults
DEFAULT_SCALE: tuple[float, float] = (1.0, 1.0)
DEFAULT_POWER: tuple[float, float] = (0.5, 0.5)
DEFAULT_EPS = 1e-3


class AlignmentDriftError(EstimationError):
    """The alignment problem has no usable interior minimum (the factor SDs drift); ``optimum`` holds where the
    optimiser stopped, for diagnosis only."""

    def __init__(self, message: str, optimum: Optimum | None = None) -> None:
        super().__init__(message)
        self.optimum = optimum


@dataclass(frozen=True)
class AlignmentResult:
    """An alignment solution of one factor (see :func:`align`).

    Attributes
    ----------
    factor, groups, items : labels
    mean, sd : (G,) aligned factor means and SDs
    se_mean, se_sd : (G,) their delta-method SEs (NaN without ``vcov``; 0 for the fixed ones)
    vcov_pars : (2G, 2G) covariance of (means, SDs), or None
    lambda_aligned, nu_aligned : (G, I) aligned loadings ``lambda / psi`` and intercepts ``nu - alpha lambda / psi``
    fopt : the loss at the optimum (final eps); fstart : at the start values
    fixed, reference : identification (FIXED/FREE) and the reference group index
    align_scale, align_pow, eps : the loss settings (``align_pow`` as given; sirt halves it internally)
    weights : (G, I) the normalised weights
    optimizer, converged, iterations, message : how the optimum was reached
    """

    factor: str
    groups: tuple[str, ...]
    items: tuple[str, ...]
    mean: np.ndarray = field(repr=False)
    sd: np.ndarray = field(repr=False)
    se_mean: np.ndarray = field(repr=False)
    se_sd: np.ndarray = field(repr=False)
    vcov_pars: np.ndarray | None = field(repr=False)
    lambda_config: np.ndarray = field(repr=False)
    nu_config: np.ndarray = field(repr=False)
    lambda_aligned: np.ndarray = field(repr=False)
    nu_aligned: np.ndarray = field(repr=False)
    weights: np.ndarray = field(repr=False)
    n: np.ndarray | None = field(repr=False)
    fopt: float
    fstart: float
    fixed: bool
    reference: int
    align_scale: tuple[float, float]
    align_pow: tuple[float, float]
    eps: float
    optimizer: str
    converged: bool
    iterations: int
    message: str = field(repr=False)

    @property
    def identification(self) -> str:
        """``"FIXED"`` or ``"FREE"``."""
        return "FIXED" if self.fixed else "FREE"

    @property
    def pars(self) -> pd.DataFrame:
        """One row per group: ``group n mean sd se_mean se_sd``."""
        n = self.n if self.n is not None else np.full(len(self.groups), np.nan)
        return pd.DataFrame({"group": list(self.groups), "n": n, "mean": self.mean, "sd": self.sd,
                             "se_mean": self.se_mean, "se_sd": self.se_sd})

    def aligned(self) -> pd.DataFrame:
        """Tidy aligned parameters: ``param item group configural aligned`` (loadings, then intercepts)."""
        rows = []
        for name, conf, al in (("loading", self.lambda_config, self.lambda_aligned),
                               ("intercept", self.nu_config, self.nu_aligned)):
            for i, item in enumerate(self.items):
                for g, grp in enumerate(self.groups):
                    rows.append({"param": name, "item": item, "group": grp, "configural": conf[g, i],
                                 "aligned": al[g, i]})
        return pd.DataFrame(rows)

    def es_invariance(self) -> pd.DataFrame:
        """sirt's ``es.invariance``: R2, sqrtU2 and rbar of loadings and intercepts."""
        return es_invariance(self.lambda_config, self.nu_config, self.mean, self.sd, self.lambda_aligned,
                             self.nu_aligned)

    def itempars(self) -> pd.DataFrame:
        """sirt's ``itempars.aligned``: per item Med/M/SD/Min/Max of the aligned parameters."""
        return item_summary(self.lambda_aligned, self.nu_aligned, self.items)

    def constraints(self, lambda_tol: float = 0.2, nu_tol: float = 0.4):
        """sirt's ``invariance_alignment_constraints`` (tolerances of sirt's example): (loadings, intercepts)
        :class:`~analysis.invariance.alignment_summary.Constraints`."""
        return (find_constraints(self.lambda_aligned, lambda_tol, self.weights),
                find_constraints(self.nu_aligned, nu_tol, self.weights))

    def invariance(self, lambda_tol: float = 0.2, nu_tol: float = 0.4) -> pd.DataFrame:
        """Approximate-invariance table: one row per parameter × group with its aligned value, the joint value and
        whether it is within the tolerance (Mplus-style: which groups share each parameter)."""
        cl, cn = self.constraints(lambda_tol, nu_tol)
        return invariance_table(self.lambda_aligned, self.nu_aligned, cl, cn, self.groups, self.items)

    def noninvariant(self, lambda_tol: float = 0.2, nu_tol: float = 0.4) -> list[tuple[str, str, str]]:
        """The non-invariant parameters as ``(param, item, group)``."""
        t = self.invariance(lambda_tol, nu_tol)
        t = t[~t["invariant"]]
        return list(zip(t["param"], t["item"], t["group"], strict=True))

    def ranking(self, level: float = 0.95) -> pd.DataFrame:
        """Groups ranked by aligned mean with Wald intervals and rank intervals (see
        :func:`analysis.invariance.alignment_se.ranking`)."""
        G = len(self.groups)
        cov = None if self.vcov_pars is None else self.vcov_pars[:G, :G]
        return ranking(self.groups, self.mean, cov, level)

    def summary(self, lambda_tol: float = 0.2, nu_tol: float = 0.4) -> str:
        """Text summary: settings, the optimum, means/SDs with SEs, R², the approximate-invariance table."""
        ref = self.groups[self.reference]
        how = (f"reference {ref}: mean 0, SD 1" if self.fixed else f"reference {ref}: mean 0; product of SDs 1")
        lines = [f"Alignment of {self.factor}: {len(self.groups)} groups, {len(self.items)} items, "
                 f"{self.identification} ({how})",
                 f"  align_scale {self.align_scale[0]:g}, {self.align_scale[1]:g}; align_pow "
                 f"{self.align_pow[0]:g}, {self.align_pow[1]:g}; eps {self.eps:g}; optimizer {self.optimizer}",
                 f"  loss at the optimum {self.fopt:.6f} (start {self.fstart:.6f}); "
                 f"{'converged' if self.converged else 'NOT converged'} in {self.iterations} iterations", ""]
        p = self.pars
        w = max(5, max(len(g) for g in self.groups))
        lines.append(f"  {'group':<{w}} {'n':>6} {'mean':>8} {'se':>7} {'sd':>8} {'se':>7}")
        for r in p.itertuples():
            n = "" if not np.isfinite(r.n) else f"{int(r.n)}"
            lines.append(f"  {r.group:<{w}} {n:>6} {r.mean:8.4f} {r.se_mean:7.4f} {r.sd:8.4f} {r.se_sd:7.4f}")
        es = self.es_invariance()
        lines += ["", f"  R2 loadings {es.loc['R2', 'loadings']:.4f}, intercepts {es.loc['R2', 'intercepts']:.4f}; "
                  f"rbar {es.loc['rbar', 'loadings']:.4f}, {es.loc['rbar', 'intercepts']:.4f}", "",
                  f"  Approximate invariance (tolerance {lambda_tol:g} loadings, {nu_tol:g} intercepts; "
                  "non-invariant groups in parentheses)"]
        lines += ["  " + s for s in mplus_lines(self.invariance(lambda_tol, nu_tol), self.groups)]
        return "\n".join(lines)

    def to_records(self) -> list[dict]:
        """JSON-able, one record per group: ``factor group n mean sd se_mean se_sd``."""
        out = []
        for r in self.pars.itertuples():
            rec = {"factor": self.factor, "group": r.group, "n": None if not np.isfinite(r.n) else int(r.n)}
            for k in ("mean", "sd", "se_mean", "se_sd"):
                v = float(getattr(r, k))
                rec[k] = v if np.isfinite(v) else None
            out.append(rec)
        return out


def _pair(x, name: str) -> tuple[float, float]:
    v = np.broadcast_to(np.asarray(x, float), (2,))
    if not np.all(np.isfinite(v)):
        raise EstimationError(f"{name} must be finite numbers")
    return float(v[0]), float(v[1])


def _inputs(lam, nu, n, wgt, groups, items) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                                  np.ndarray | None, tuple[str, ...], tuple[str, ...], np.ndarray]:
    L = np.array(lam, dtype=float, ndmin=2)
    V = np.array(nu, dtype=float, ndmin=2)
    if L.shape != V.shape:
        raise EstimationError(f"loadings {L.shape} and intercepts {V.shape} must have the same shape (groups x items)")
    G, I = L.shape
    if G < 2:
        raise EstimationError("alignment needs at least two groups")
    groups = tuple(str(g) for g in (groups if groups is not None else range(1, G + 1)))
    items = tuple(str(i) for i in (items if items is not None else [f"I{k + 1}" for k in range(I)]))
    if len(groups) != G or len(items) != I:
        raise EstimationError(f"{len(groups)} group and {len(items)} item labels for a {G} x {I} parameter matrix")
    nn = None if n is None else np.asarray(n, float)
    if nn is not None and (nn.shape != (G,) or np.any(nn <= 0)):
        raise EstimationError(f"n must hold {G} positive group sizes")
    if wgt is None:
        W = np.ones((G, I)) if nn is None else np.repeat(np.sqrt(nn)[:, None], I, axis=1)
    else:
        W = np.broadcast_to(np.asarray(wgt, float), (G, I)).copy()
        if np.any(W < 0) or not np.all(np.isfinite(W)):
            raise EstimationError("weights must be finite and non-negative")
    miss = np.isnan(L) | np.isnan(V)
    if miss.all(axis=0).any() or (~miss).sum(axis=0).min() < 2:
        raise EstimationError("every item needs loadings and intercepts in at least two groups")
    W = np.where(miss, 0.0, W)
    W = W / W.sum(axis=0, keepdims=True)
    Lf = np.where(miss, np.nanmean(L), L)
    Vf = np.where(miss, np.nanmean(V), V)
    return L, V, Lf, Vf, W, nn, groups, items, miss


def align(lam, nu, n=None, *, wgt=None, groups: Sequence | None = None, items: Sequence | None = None,
          factor: str = "F", fixed: bool = True, reference: int | str = 0,
          align_scale=DEFAULT_SCALE, align_pow=DEFAULT_POWER, eps: float = DEFAULT_EPS,
          eps_grid: Sequence[float] = EPS_GRID, optimizer: str = "newton",
          starts: Sequence[str] = ("median", "unit"),
          vcov: np.ndarray | None = None, sd_bounds: tuple[float, float] = (0.1, 10.0)) -> AlignmentResult:
    """Align one factor's configural loadings and intercepts across groups (sirt ``invariance.alignment``).

    Parameters
    ----------
    lam, nu : array-like (G, I)
        Configural loadings and intercepts (factor mean 0, variance 1 in every group); NaN = item not in a group.
    n : array-like (G,), optional
        Group sizes; the default weights are ``sqrt(n)`` (equal weights without ``n``, sirt's default).
    wgt : array-like (G, I), optional
        Explicit weights (normalised per item here).
    groups, items, factor : labels
    fixed : bool
        FIXED (reference mean 0, SD 1) or FREE (reference mean 0, product of SDs 1).
    reference : int or str
        The reference group (index or label; default the first).
    align_scale, align_pow : pairs (loadings, intercepts)
        sirt's ``align.scale`` and ``align.pow`` (defaults (1, 1) and (.5, .5); power 0 = L0).
    eps, eps_grid :
        Final smoothing constant (1e-3) and the exponents of the eps path (sirt: 0, -.5, …, -10).
    optimizer : {"newton", "sirt"}
        Trust-region Newton with analytic derivatives (default) or sirt's L-BFGS-B route (for parity).
    starts : start values tried in turn by ``"newton"`` until one gives a usable optimum (``"median"``: sirt's, with
        the eps path; ``"free"``, opt-in: FIXED from the rescaled FREE optimum; ``"unit"``: means 0, SDs 1).
    vcov : array, optional
        Sampling covariance of the configural theta (full 2GI x 2GI or per-group (G, 2I, 2I) blocks) for SEs.
    sd_bounds : SD ratios beyond which the solution counts as drifting (reported, never returned).

    Returns
    -------
    AlignmentResult

    Raises
    ------
    AlignmentDriftError
        No usable interior minimum (the SDs drift); the message suggests FREE.

    Examples
    --------
    >>> lam = np.ones((3, 2)); nu = np.array([[0., 0.], [.5, .5], [1., 1.]])
    >>> align(lam, nu).mean.round(4).tolist()
    [0.0, 0.5, 1.0]
    """
    scale, power = _pair(align_scale, "align_scale"), _pair(align_pow, "align_pow")
    if min(scale) <= 0 or min(power) < 0 or eps <= 0:
        raise EstimationError("align_scale must be > 0, align_pow >= 0 and eps > 0")
    L, V, Lf, Vf, W, nn, glabels, ilabels, miss = _inputs(lam, nu, n, wgt, groups, items)
    G, I = L.shape
    if isinstance(reference, str):
        if reference not in glabels:
            raise EstimationError(f"reference group {reference!r} is not among the groups {', '.join(glabels)}")
        ref = glabels.index(reference)
    else:
        ref = int(reference)
        if not 0 <= ref < G:
            raise EstimationError(f"reference index {ref} out of range for {G} groups")
    with threadpool_limits(1):
        opt = minimise(Lf, Vf, W, scale, power, eps, fixed=fixed, reference=ref, optimizer=optimizer,
                       starts=starts, eps_grid=eps_grid, sd_bounds=sd_bounds)
        if opt.drift:
            hint = (" Use FREE identification (fixed=False / --free) or another reference group."
                    if fixed else "")
            raise AlignmentDriftError(
                f"alignment of {factor} has no usable interior minimum ({opt.drift_reason}).{hint}", opt)
        psi = np.exp(opt.s)
        cov = None
        se_a = se_p = np.full(G, np.nan)
        if vcov is not None:
            spec = LossSpec(scale, power, float(eps))
            Vt = np.asarray(vcov, float)
            cov = delta_vcov(opt.alpha, opt.s, Lf, Vf, W, spec, identification(G, fixed, ref), Vt,
                             full=Vt.ndim == 2)
            sd_all = np.sqrt(np.clip(np.diag(cov), 0, None))
            se_a, se_p = sd_all[:G], sd_all[G:]
    la = L / psi[:, None]
    na = V - opt.alpha[:, None] * la
    return AlignmentResult(
        factor=str(factor), groups=glabels, items=ilabels, mean=opt.alpha, sd=psi, se_mean=se_a, se_sd=se_p,
        vcov_pars=cov, lambda_config=L, nu_config=V, lambda_aligned=la, nu_aligned=na, weights=W, n=nn,
        fopt=opt.value, fstart=opt.fstart, fixed=bool(fixed), reference=ref, align_scale=scale, align_pow=power,
        eps=float(eps), optimizer=optimizer, converged=opt.converged, iterations=opt.iterations, message=opt.message)
