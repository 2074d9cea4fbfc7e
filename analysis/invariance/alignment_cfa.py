"""Alignment from a configural multi-group CFA: extraction of loadings, intercepts and their covariance, every
factor aligned, and a one-call route from data.

The configural model is identified as sirt and Mplus do: factor variance 1 and mean 0 in every group, all loadings
and intercepts free (``cfa(..., group=..., std_lv=True)`` with no ``group_equal``). :func:`configural_inputs`
reads only the public ``CfaResult.params`` (lhs op rhs group free est) and the covariance matrix of the free
estimates (``CfaResult.vcov``, in ``free`` order; a property today, a method ``vcov()`` once the engine provides it
— both are accepted). Each factor is aligned separately over its own items, which must load on it alone (simple
structure, as Mplus requires).

Ordinal items (WLSMV) will enter the same way once the engine fits them: an item's thresholds become extra
intercept columns that repeat the item's loading (sirt's workaround, Mplus for categorical items); nothing in the
alignment core needs to change.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(4)
>>> rows = []
>>> for g, (m, s) in enumerate([(0, 1), (.5, 1.3), (-.3, .8)]):
...     f = m + s * rng.normal(size=(400, 1))
...     rows.append(pd.DataFrame(f * [.8, .7, .6, .7] + rng.normal(scale=.6, size=(400, 4)),
...                              columns=["a", "b", "c", "d"]).assign(g=f"G{g + 1}"))
>>> fit = align_data("F =~ a + b + c + d", pd.concat(rows), "g")
>>> fit.result("F").pars[["group", "mean", "sd"]].round(1).to_dict("list")
{'group': ['G1', 'G2', 'G3'], 'mean': [0.0, 0.4, -0.3], 'sd': [1.0, 1.4, 0.8]}
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.invariance.alignment import AlignmentDriftError, AlignmentResult, align
from analysis.sem import CfaResult, cfa, parse_model
from analysis.sem.syntax import ParsedModel
from vcd_core.errors import EstimationError

__all__ = ["AlignmentFit", "ConfiguralInputs", "align_data", "align_fit", "configural_inputs", "factor_items",
           "residual_variances", "vcov_of"]


def vcov_of(fit: CfaResult) -> np.ndarray:
    """The covariance matrix of the free estimates (``free`` order), whether ``vcov`` is a property or a method.

    Parameters
    ----------
    fit : CfaResult

    Returns
    -------
    array

    Examples
    --------
    >>> class R:
    ...     vcov = np.eye(2)
    >>> vcov_of(R()).shape
    (2, 2)
    """
    v: Any = fit.vcov
    v = v() if callable(v) else v
    return np.asarray(v, float)


def factor_items(params: pd.DataFrame) -> dict[str, list[str]]:
    """Items of every factor (in the model's order), from the loadings of the first group.

    Parameters
    ----------
    params : DataFrame
        ``CfaResult.params``.

    Returns
    -------
    dict factor -> items

    Raises
    ------
    EstimationError
        An item loads on more than one factor.

    Examples
    --------
    >>> p = pd.DataFrame({"lhs": ["F", "F", "G"], "op": ["=~"] * 3, "rhs": ["a", "b", "c"], "group": ["1"] * 3})
    >>> factor_items(p)
    {'F': ['a', 'b'], 'G': ['c']}
    """
    first = params["group"].iloc[0]
    lo = params[(params["op"] == "=~") & (params["group"] == first)]
    out: dict[str, list[str]] = {}
    owner: dict[str, str] = {}
    for f, item in zip(lo["lhs"], lo["rhs"], strict=True):
        if item in owner:
            raise EstimationError(f"alignment needs simple structure: item {item} loads on {owner[item]} and {f}")
        owner[item] = f
        out.setdefault(str(f), []).append(str(item))
    return out


@dataclass(frozen=True)
class ConfiguralInputs:
    """One factor's configural parameters: ``lam``, ``nu`` (G x I), ``n`` (G,), labels, and ``vcov`` — the
    covariance of theta = (loadings group-major, then intercepts), 2GI x 2GI."""

    factor: str
    groups: tuple[str, ...]
    items: tuple[str, ...]
    lam: np.ndarray = field(repr=False)
    nu: np.ndarray = field(repr=False)
    n: np.ndarray = field(repr=False)
    vcov: np.ndarray | None = field(repr=False)


def _index(p: pd.DataFrame) -> dict[tuple[str, str, str, str], tuple[float, int]]:
    keys = zip(p["lhs"].astype(str), p["op"].astype(str), p["rhs"].astype(str), p["group"].astype(str), strict=True)
    vals = zip(p["est"].to_numpy(float), p["free"].to_numpy(int), strict=True)
    return dict(zip(keys, vals, strict=True))


def _cell(ix: dict, lhs: str, op: str, rhs: str, group: str) -> tuple[float, int]:
    r = ix.get((lhs, op, rhs, group))
    if r is None:
        what = f"{lhs} ~1" if op == "~1" else f"{lhs} {op} {rhs}"
        raise EstimationError(f"the configural fit has no parameter {what} in group {group}")
    return r


def configural_inputs(fit: CfaResult, factor: str, vcov: np.ndarray | None = None) -> ConfiguralInputs:
    """Loadings, intercepts, group sizes and the sampling covariance of one factor from a configural fit.

    Parameters
    ----------
    fit : CfaResult
        Multi-group configural fit with factor variance 1 and mean 0 in every group (``std_lv=True``).
    factor : str
    vcov : array, optional
        The fit's covariance of the free estimates when already at hand (default: read from ``fit``).

    Returns
    -------
    ConfiguralInputs

    Raises
    ------
    EstimationError
        Not multi-group, not identified as alignment needs, cross-group equality constraints, unknown factor.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> y = rng.normal(size=(300, 1)) * [.8, .7, .6] + rng.normal(scale=.6, size=(300, 3))
    >>> d = pd.DataFrame(y, columns=["a", "b", "c"]).assign(g=np.repeat(["x", "y"], 150))
    >>> ci = configural_inputs(cfa("F =~ a + b + c", d, group="g", std_lv=True), "F")
    >>> ci.lam.shape, ci.vcov.shape
    ((2, 3), (12, 12))
    """
    if not fit.multigroup or len(fit.groups) < 2:
        raise EstimationError("alignment needs a multi-group configural fit (cfa(..., group=...))")
    p = fit.params
    items_of = factor_items(p)
    if factor not in items_of:
        raise EstimationError(f"factor {factor!r} is not in the model ({', '.join(items_of)})")
    items = items_of[factor]
    groups = tuple(str(g) for g in fit.groups)
    G, I = len(groups), len(items)
    lam, nu = np.empty((G, I)), np.empty((G, I))
    free = np.zeros(2 * G * I, int)
    ix = _index(p)
    for g, grp in enumerate(groups):
        var_est, var_free = _cell(ix, factor, "~~", factor, grp)
        mean_est, mean_free = _cell(ix, factor, "~1", "", grp)
        if var_free != 0 or abs(var_est - 1) > 1e-12 or mean_free != 0 or abs(mean_est) > 1e-12:
            raise EstimationError(f"alignment needs the configural model with factor variance 1 and mean 0 in every "
                                  f"group (cfa(..., std_lv=True), no group_equal); {factor} in group {grp} is not")
        for i, item in enumerate(items):
            (lam[g, i], free[g * I + i]) = _cell(ix, factor, "=~", item, grp)
            (nu[g, i], free[G * I + g * I + i]) = _cell(ix, item, "~1", "", grp)
    if np.any(free == 0):
        raise EstimationError(f"alignment needs every loading and intercept of {factor} free in every group")
    if len(set(free.tolist())) != len(free):
        raise EstimationError(f"the configural fit constrains loadings or intercepts of {factor} equal across groups;"
                              " alignment starts from the configural model (no group_equal)")
    V = vcov_of(fit) if vcov is None else vcov
    vt = V[np.ix_(free - 1, free - 1)] if V.size else None
    if vt is not None and not np.all(np.isfinite(vt)):
        vt = None
    return ConfiguralInputs(factor=factor, groups=groups, items=tuple(items), lam=lam, nu=nu,
                            n=np.asarray(fit.nobs, float), vcov=vt)


def residual_variances(fit: CfaResult, factor: str) -> np.ndarray:
    """Configural residual variances (G x I) of one factor's items, for the Monte Carlo check.

    Parameters
    ----------
    fit : CfaResult
    factor : str

    Returns
    -------
    array

    Examples
    --------
    >>> residual_variances.__name__
    'residual_variances'
    """
    ix = _index(fit.params)
    items = factor_items(fit.params)[factor]
    return np.array([[_cell(ix, i, "~~", i, str(g))[0] for i in items] for g in fit.groups])


@dataclass(frozen=True)
class AlignmentFit:
    """Alignment of every factor of a configural fit: ``results`` (one :class:`AlignmentResult` per aligned
    factor), ``failed`` (factor -> reason: a factor without a usable optimum has no numbers), ``configural``."""

    results: tuple[AlignmentResult, ...]
    failed: dict[str, str] = field(hash=False)
    configural: CfaResult = field(repr=False)

    def result(self, factor: str) -> AlignmentResult:
        """The alignment of one factor (an ``EstimationError`` naming the reason when it failed)."""
        for r in self.results:
            if r.factor == factor:
                return r
        if factor in self.failed:
            raise EstimationError(self.failed[factor])
        raise EstimationError(f"factor {factor!r} was not aligned")

    @property
    def pars(self) -> pd.DataFrame:
        """All factors: ``factor group n mean sd se_mean se_sd``."""
        if not self.results:
            return pd.DataFrame(columns=["factor", "group", "n", "mean", "sd", "se_mean", "se_sd"])
        return pd.concat([r.pars.assign(factor=r.factor) for r in self.results], ignore_index=True)[
            ["factor", "group", "n", "mean", "sd", "se_mean", "se_sd"]]

    def to_records(self) -> list[dict]:
        """JSON-able, one record per factor and group (see :meth:`AlignmentResult.to_records`)."""
        return [rec for r in self.results for rec in r.to_records()]

    def summary(self, lambda_tol: float = 0.2, nu_tol: float = 0.4) -> str:
        """The configural fit line and every factor's summary (failed factors with their reason)."""
        f = self.configural.fit
        head = (f"Configural model: {len(self.configural.groups)} groups, chisq {f['chisq']:.3f}, df {int(f['df'])}, "
                f"CFI {f.get('cfi', float('nan')):.3f}, RMSEA {f.get('rmsea', float('nan')):.3f}")
        parts = [head] + [r.summary(lambda_tol, nu_tol) for r in self.results]
        parts += [f"Alignment of {k} FAILED: {v}" for k, v in self.failed.items()]
        return "\n\n".join(parts)


def align_fit(fit: CfaResult, factors: Sequence[str] | None = None, se: bool = True,
              **kwargs: Any) -> AlignmentFit:
    """Align every (or the named) factor of a configural multi-group fit.

    Parameters
    ----------
    fit : CfaResult
        Configural fit (``std_lv=True``, no ``group_equal``).
    factors : sequence of str, optional
        Default: all factors of the model.
    se : bool
        Delta-method SEs from the fit's covariance of the estimates.
    **kwargs :
        Passed to :func:`analysis.invariance.alignment.align` (``fixed``, ``reference``, ``align_scale`` …).

    Returns
    -------
    AlignmentFit

    Examples
    --------
    >>> align_fit.__name__
    'align_fit'
    """
    names = list(factors) if factors is not None else list(factor_items(fit.params))
    done, failed = [], {}
    V = vcov_of(fit) if se else np.empty((0, 0))
    for f in names:
        ci = configural_inputs(fit, f, V)
        try:
            done.append(align(ci.lam, ci.nu, ci.n, groups=ci.groups, items=ci.items, factor=f,
                              vcov=ci.vcov if se else None, **kwargs))
        except AlignmentDriftError as exc:
            failed[f] = str(exc)
    return AlignmentFit(results=tuple(done), failed=failed, configural=fit)


def align_data(model: str | ParsedModel, data: pd.DataFrame, group: str, *, estimator: str = "ML",
               missing: str = "listwise", group_order: Sequence | None = None, factors: Sequence[str] | None = None,
               se: bool = True, **kwargs: Any) -> AlignmentFit:
    """Fit the configural model (factor variance 1, mean 0 in every group) and align its factors.

    Parameters
    ----------
    model : str or ParsedModel
        lavaan syntax of the measurement model.
    data : DataFrame
    group : str
        Grouping column.
    estimator, missing :
        ``"ML"``/``"MLR"``; ``"listwise"``/``"fiml"`` (passed to :func:`analysis.sem.cfa`).
    group_order : sequence, optional
        Order of the groups (the first is the default reference).
    factors, se, **kwargs :
        See :func:`align_fit`.

    Returns
    -------
    AlignmentFit

    Examples
    --------
    >>> align_data.__name__
    'align_data'
    """
    pm = parse_model(model) if isinstance(model, str) else model
    fit = cfa(pm, data, group=group, group_order=group_order, estimator=estimator, missing=missing, std_lv=True,
              std_se=False)
    if not fit.converged:
        raise EstimationError("the configural model did not converge; alignment needs its estimates")
    return align_fit(fit, factors, se=se, **kwargs)
