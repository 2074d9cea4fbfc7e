"""Fitting a model representation to sample statistics with an estimator plug-in: start values → optimiser →
information and covariance of the estimates → test statistics and fit measures → parameter table → checks.

Nothing here depends on a particular estimator: each step goes through the
:class:`~analysis.sem.estimators.base.Estimator` interface.

Examples
--------
>>> import numpy as np
>>> from analysis.stats import SampleStats, group_stats
>>> from analysis.sem.syntax import parse_model
>>> from analysis.sem.partable import build_partable
>>> from analysis.sem.matrices import Representation
>>> y = np.random.default_rng(1).normal(size=(300, 1)) @ [[1.0, .8, .6]] + np.random.default_rng(2).normal(
...     size=(300, 3))
>>> pm = parse_model("f =~ a + b + c")
>>> ss = SampleStats(("a", "b", "c"), (group_stats(y),))
>>> res = fit_representation(pm, Representation(build_partable(pm)), ss)
>>> res.converged, int(res.fit["df"])
(True, 0)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from analysis.stats import SampleStats

from .estimators import estimator_class
from .estimators.base import Estimator, ParamCovariance, Tests
from .fit import fit_measures, srmr_bentler
from .matrices import Representation
from .optimize import optimize
from .results import CfaResult, EngineState
from .standardized import row_values, standardize, std_jacobian
from .start import start_values, warm_start
from .syntax import ParsedModel

__all__ = ["fit_representation", "degrees_of_freedom"]


def degrees_of_freedom(rep: Representation) -> tuple[int, int]:
    """(sample moments, model degrees of freedom) of a representation.

    Examples
    --------
    >>> from analysis.sem.syntax import parse_model
    >>> from analysis.sem.partable import build_partable
    >>> degrees_of_freedom(Representation(build_partable(parse_model("f =~ a + b + c + d"))))
    (10, 2)
    """
    ndat = rep.ngroups * (rep.p * (rep.p + 1) // 2 + (rep.p if rep.meanstructure else 0))
    return ndat, ndat - rep.nx


def _estimate(est: Estimator, labels: Sequence[str], start: CfaResult | None
              ) -> tuple[np.ndarray, bool, int, str]:
    rep = est.rep
    if start is not None:
        x0, covered = warm_start(rep, labels, start.group_var is not None, start.params)
        if not covered.all():
            x0[~covered] = start_values(rep, est.groups)[~covered]
        if not np.isfinite(est.objective(x0)):
            x0 = start_values(rep, est.groups)
    else:
        x0 = start_values(rep, est.groups)
    return optimize(est, x0)


def _standard_errors(est: Estimator, x: np.ndarray, information: str | None, warnings: list[str]
                     ) -> tuple[np.ndarray, str, ParamCovariance]:
    A, kind = est.se_information(x, information)
    try:
        cov = est.covariance(x, A)
    except np.linalg.LinAlgError:
        warnings.append("the information matrix is singular: the model may not be identified; no standard errors")
        cov = ParamCovariance(None, None, est.ntotal, est.rep.nx)
    return A, kind, cov


def _fit_measures(est: Estimator, x: np.ndarray, tests: Tests, df: int, base_df: int) -> dict[str, float]:
    rep = est.rep
    implied = rep.implied(x)
    srmr = sum(est.w[g] * srmr_bentler(d.cov, d.mean, implied[g][0], implied[g][1] if rep.meanstructure else None)
               for g, d in enumerate(est.groups))
    N = est.ntotal
    return fit_measures(chisq=tests.chisq, df=df, npar=rep.nx, ntotal=N, ngroups=rep.ngroups, logl=tests.logl,
                        logl_h1=tests.logl_h1, baseline_chisq=tests.baseline_chisq, baseline_df=base_df, srmr=srmr,
                        fmin=tests.chisq / (2 * N), scaled=tests.scaled, robust=tests.robust)


def _param_table(rep: Representation, x: np.ndarray, cov: ParamCovariance, std_se: bool,
                 glabels: list[str] | None) -> pd.DataFrame:
    pt = rep.pt
    values = row_values(rep, x)
    var = cov.diag()
    se_x = np.sqrt(np.clip(var, 0, None))
    free = pt["free"].to_numpy()
    at = np.maximum(free - 1, 0)
    se = np.where(free > 0, se_x[at], 0.0)
    se = np.where((free > 0) & np.isnan(var)[at], np.nan, se)
    std_lv, std_all = standardize(rep, x)
    if std_se:
        Jall = std_jacobian(rep, x, 1)
        std_all_se = np.sqrt(np.clip(((Jall @ cov.full()) * Jall).sum(axis=1), 0, None))
    else:
        std_all_se = np.full(len(pt), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(free > 0, values / se, np.nan)
    pval = 2 * sps.norm.sf(np.abs(z))
    zc = sps.norm.ppf(0.975)
    return pd.DataFrame({
        "lhs": pt["lhs"], "op": pt["op"], "rhs": pt["rhs"],
        "group": [glabels[g - 1] for g in pt["group"]] if glabels is not None else "",
        "label": pt["label"], "free": free, "est": values, "se": se, "z": z, "pvalue": pval,
        "ci_low": values - zc * se, "ci_high": values + zc * se,
        "std_lv": std_lv, "std_all": std_all, "std_all_se": std_all_se,
    })


def fit_representation(pm: ParsedModel, rep: Representation, stats: SampleStats, *, estimator: str = "ML",
                       information: str | None = None, start: CfaResult | None = None, std_se: bool = True,
                       std_lv: bool = False, options: Mapping[str, Any] | None = None) -> CfaResult:
    """Fit ``rep`` (built from ``pm``) to ``stats`` with the plug-in for (``estimator``, ``stats.missing``).

    Parameters
    ----------
    pm : ParsedModel
        The parsed syntax (kept on the result).
    rep : Representation
        Its matrix representation for ``stats``' groups.
    stats : SampleStats
        Sufficient statistics, one entry per group in model order.
    estimator : str
        ``"ML"`` or ``"MLR"``.
    information : {"expected", "observed"}, optional
        Information for the standard errors (default: the estimator's).
    start : CfaResult, optional
        Warm start from a related fit.
    std_se : bool
        Delta-method SEs of the standardized solution.
    std_lv : bool
        Recorded on the result (the representation already carries the identification).
    options : mapping, optional
        Options of the estimator plug-in (e.g. ``kron_max_p`` for FIML).

    Returns
    -------
    CfaResult
    """
    est = estimator_class(estimator, stats.missing)(rep, stats.groups, **dict(options or {}))
    warnings = list(stats.warnings)
    for d in stats.groups:
        if d.fiml and not d.em_converged:
            warnings.append(f"EM for the saturated model did not converge{' in group ' + d.label if d.label else ''}")
    x, converged, iters, msg = _estimate(est, stats.labels, start)
    if not converged:
        warnings.append(f"the model did not converge ({msg}); estimates are not trustworthy")
    A, kind, cov = _standard_errors(est, x, information, warnings)
    _ndat, df = degrees_of_freedom(rep)
    tests = est.test(x, A, cov, df, rep.ngroups * rep.p * (rep.p - 1) // 2)
    warnings += tests.warnings
    fm = _fit_measures(est, x, tests, df, rep.ngroups * rep.p * (rep.p - 1) // 2)
    multigroup = stats.group_var is not None
    glabels = list(stats.labels)
    params = _param_table(rep, x, cov, std_se, glabels if multigroup else None)
    ptab = rep.pt.copy()
    ptab.attrs = dict(rep.pt_attrs)
    ptab["est"] = params["est"].to_numpy()
    ptab["se"] = params["se"].to_numpy()
    warnings += _diagnostics(rep, x, params, glabels if multigroup else None)
    return CfaResult(
        converged=bool(converged), warnings=tuple(warnings), fit=fm, params=params, partable=ptab,
        groups=tuple(glabels), nobs=tuple(d.n for d in stats.groups), estimator=est.name, missing=stats.missing,
        iterations=int(iters), model=pm, std_lv=std_lv, group_var=stats.group_var,
        engine=EngineState(rep=rep, estimator=est, x=x, information=A, information_kind=kind, covariance=cov),
    )


def _diagnostics(rep: Representation, x: np.ndarray, params: pd.DataFrame, glabels: list[str] | None) -> list[str]:
    out = []
    for g in range(rep.ngroups):
        where = f" in group {glabels[g]}" if glabels else ""
        mats = rep.matrices(x, g)
        for k, names in (("theta", rep.observed), ("psi", rep.latent)):
            M = mats[k]
            neg = [names[i] for i in np.flatnonzero(np.diag(M) < 0)]
            if neg:
                what = "residual variance" if k == "theta" else "latent variance"
                out.append(f"Heywood case{where}: negative {what} of {', '.join(neg)}")
            if len(M) and not neg and np.linalg.eigvalsh(M).min() < -1e-10:
                what = "residual covariance matrix (theta)" if k == "theta" else "latent covariance matrix (psi)"
                out.append(f"the {what}{where} is not positive definite")
        sig, _ = rep.implied(x)[g]
        if np.linalg.eigvalsh(sig).min() <= 0:
            out.append(f"the model-implied covariance matrix{where} is not positive definite")
    big = params[(params["op"] == "=~") & (params["std_all"].abs() > 1)]
    for r in big.itertuples():
        out.append(f"standardized loading {r.lhs} =~ {r.rhs} is {r.std_all:.3f} (> 1)")
    return out
