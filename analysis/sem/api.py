"""``cfa()``: data checks → parameter table → ML / MLR / FIML estimation → fit → :class:`CfaResult`.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(7)
>>> f = rng.normal(size=(300, 2)) @ [[1, .4], [0, .9]]
>>> y = np.hstack([f[:, [0]] * [1, .8, .7], f[:, [1]] * [1, .9, .6]]) + rng.normal(size=(300, 6))
>>> df = pd.DataFrame(y, columns=["a1", "a2", "a3", "b1", "b2", "b3"])
>>> res = cfa("A =~ a1 + a2 + a3\\nB =~ b1 + b2 + b3", df)
>>> res.converged, int(res.fit["df"]), int(res.fit["npar"])
(True, 8, 13)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats
from threadpoolctl import threadpool_limits

from vcd_core.errors import DataError, EstimationError

from . import hessian, robust
from .blocks import blocks_of
from .estimator_ml import MLEstimator
from .fiml_robust import fiml_corrected
from .fit import fit_measures, srmr_bentler
from .matrices import Representation
from .partable import build_partable
from .results import CfaResult
from .samplestats import GroupData
from .standardized import row_values, standardize, std_jacobian
from .syntax import ParsedModel, parse_model

__all__ = ["cfa"]

_LOG2PI = float(np.log(2 * np.pi))


def _numeric(data: pd.DataFrame, cols: Sequence[str]) -> pd.DataFrame:
    out = {}
    for c in cols:
        s = data[c]
        if pd.api.types.is_bool_dtype(s) or not (pd.api.types.is_numeric_dtype(s) or s.dtype == object
                                                 or pd.api.types.is_string_dtype(s)):
            raise DataError(f"column is not numeric (dtype {s.dtype})", column=str(c))
        v = pd.to_numeric(s, errors="coerce")
        bad = v.isna() & s.notna()
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(f"non-numeric value {s.iloc[i]!r}", row=i + 1, column=str(c))
        out[c] = v.astype(float)
    return pd.DataFrame(out, index=data.index)


def _group_data(Y: np.ndarray, label: str, fiml: bool, observed: Sequence[str]) -> GroupData:
    n, p = Y.shape
    where = f"group {label}: " if label else ""
    if n < 2 or (not fiml and n <= p):
        raise DataError(f"{where}{n} complete rows for {p} variables; need more rows than variables")
    gd = GroupData.from_array(Y, label, fiml=fiml)
    ev = np.linalg.eigvalsh(gd.S)
    if ev.min() <= 1e-10 * max(ev.max(), 1e-300):
        sd = np.sqrt(np.diag(gd.S))
        const = [observed[i] for i in np.flatnonzero(sd < 1e-12)]
        extra = f" (constant: {', '.join(const)})" if const else " (some variables are linear combinations)"
        raise EstimationError(f"{where}the sample covariance matrix is singular{extra}")
    return gd


def cfa(
    model: str | ParsedModel,
    data: pd.DataFrame,
    *,
    group: str | None = None,
    group_order: Sequence | None = None,
    group_equal: Sequence[str] = (),
    group_partial: Sequence[str | tuple[str, object]] = (),
    estimator: str = "ML",
    missing: str = "listwise",
    std_lv: bool = False,
    meanstructure: bool | None = None,
    information: str | None = None,
    start: CfaResult | None = None,
    std_se: bool = True,
) -> CfaResult:
    """Fit a (multi-group) confirmatory factor model like lavaan's ``cfa()``.

    Parameters
    ----------
    model : str or ParsedModel
        lavaan syntax (``=~ ~~ ~ ~1``, ``1*x``, ``a*x``, ``c(a,b)*x``, ``==``).
    data : DataFrame
        Observed columns (extra columns ignored).
    group, group_order : optional
        Grouping column; groups in order of first appearance unless ``group_order`` is given.
    group_equal, group_partial :
        lavaan's ``group.equal`` / ``group.partial`` (``"loadings"``, ``"intercepts"``, …; ``"F =~ x3"``).
        A ``group_partial`` entry ``("x3 ~1", "DE")`` releases the parameter in group ``DE`` only.
    estimator : {"ML", "MLR"}
        MLR: ML estimates, Huber-White SEs, Yuan-Bentler (Mplus) scaled χ², robust CFI/TLI/RMSEA.
    missing : {"listwise", "fiml", "ml"}
        Listwise deletion (dropped rows are reported in ``warnings``) or full-information ML.
    std_lv : bool
        Identify factors by fixing their variances to 1 instead of the first loading.
    meanstructure : bool, optional
        Default: True with groups, FIML or intercept terms, else False (lavaan's default).
    information : {"expected", "observed"}, optional
        For ML SEs. Default: expected (complete data), observed (FIML; MLR always uses observed).
    start : CfaResult, optional
        Start from the estimates of an earlier fit of a related model (same variables and groups: e.g. the
        previous step of an invariance ladder); parameters made equal start at the mean of the earlier values.
    std_se : bool
        Compute delta-method SEs of the standardized solution (``std_all_se``; NaN when False — faster).

    Returns
    -------
    CfaResult

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(3)
    >>> y = rng.normal(size=(200, 1)) * [1, .8, .6] + rng.normal(size=(200, 3))
    >>> res = cfa("f =~ y1 + y2 + y3", pd.DataFrame(y, columns=["y1", "y2", "y3"]), std_lv=True)
    >>> int(res.fit["df"]), res.params.loc[0, "op"]
    (0, '=~')
    """
    with threadpool_limits(1):
        return _cfa(model, data, group, group_order, group_equal, group_partial, estimator, missing, std_lv,
                    meanstructure, information, start, std_se)


def _checked_inverse(A: np.ndarray, blk) -> np.ndarray:
    """A⁻¹, or ``LinAlgError`` when A is singular or not positive definite (smallest eigenvalue ≤ 1e-12·max|A|;
    for multi-group arrows checked blockwise: positive definite blocks and Schur complement, bounded inverse)."""
    tol = 1e-12 * max(1.0, float(np.abs(A).max()))
    if not blk.useful:
        if np.linalg.eigvalsh(A).min() <= tol:
            raise np.linalg.LinAlgError("singular")
        return np.linalg.inv(A)
    if not blk.is_pd(A):
        raise np.linalg.LinAlgError("not positive definite")
    Ai = blk.inv(A)
    if not np.isfinite(Ai).all() or np.abs(np.diag(Ai)).max() * tol >= 1.0:
        raise np.linalg.LinAlgError("singular")
    return Ai


def _warm_start(x: np.ndarray, pt: pd.DataFrame, labels: list, start: CfaResult) -> tuple[np.ndarray, np.ndarray]:
    prev = start.params
    key = zip(prev["lhs"], prev["op"], prev["rhs"], prev["group"].astype(str), strict=True)
    val = dict(zip(key, prev["est"].to_numpy(float), strict=True))
    sums = np.zeros(len(x))
    cnt = np.zeros(len(x))
    glab = [str(lb) for lb in labels]
    for lhs, op, rhs, g, fr in zip(pt["lhs"], pt["op"], pt["rhs"], pt["group"], pt["free"], strict=True):
        v = val.get((lhs, op, rhs, glab[g - 1] if start.group_var is not None else ""))
        if fr > 0 and v is not None and np.isfinite(v):
            sums[fr - 1] += v
            cnt[fr - 1] += 1
    out = x.copy()
    out[cnt > 0] = sums[cnt > 0] / cnt[cnt > 0]
    return out, cnt > 0


def _cfa(model, data, group, group_order, group_equal, group_partial, estimator, missing, std_lv,
         meanstructure, information, start=None, std_se=True) -> CfaResult:
    pm = parse_model(model) if isinstance(model, str) else model
    estimator = str(estimator).upper()
    if estimator not in ("ML", "MLR"):
        raise EstimationError(f"unknown estimator {estimator!r}; use ML or MLR")
    missing = {"ml": "fiml", "fiml": "fiml", "listwise": "listwise"}.get(str(missing).lower())
    if missing is None:
        raise EstimationError("missing must be 'listwise' or 'fiml'")
    fiml = missing == "fiml"
    if not isinstance(data, pd.DataFrame):
        raise DataError("data must be a pandas DataFrame")
    observed = list(pm.observed)
    absent = [v for v in observed if v not in data.columns]
    if absent:
        raise DataError(f"unknown variable(s) in the model, not in the data: {', '.join(absent)}")
    if group is not None and group not in data.columns:
        raise DataError(f"group column {group!r} is not in the data")
    Xdf = _numeric(data, observed)
    warnings: list[str] = []
    if group is not None:
        gcol = data[group]
        if gcol.isna().any():
            k = int(gcol.isna().sum())
            warnings.append(f"{k} row(s) with missing {group} dropped")
        labels = list(pd.unique(gcol.dropna()))
        if group_order is not None:
            unknown = [g for g in group_order if g not in labels]
            if unknown:
                raise DataError(f"group(s) {unknown} not found in column {group}")
            labels = list(group_order)
        gvals = gcol.to_numpy()
    else:
        labels = [""]
        gvals = np.array([""] * len(data), dtype=object)
    Xall = Xdf.to_numpy()
    datas: list[GroupData] = []
    for lab in labels:
        sel = gvals == lab
        Y = Xall[sel]
        miss = np.isnan(Y)
        if fiml:
            allmiss = miss.all(axis=1)
            if allmiss.any():
                warnings.append(f"{int(allmiss.sum())} row(s){' in group ' + str(lab) if lab != '' else ''} "
                                "with all model variables missing dropped")
            Y = Y[~allmiss]
        else:
            anymiss = miss.any(axis=1)
            if anymiss.any():
                warnings.append(f"{int(anymiss.sum())} row(s){' in group ' + str(lab) if lab != '' else ''} "
                                "with missing values dropped (listwise)")
            Y = Y[~anymiss]
        datas.append(_group_data(Y, str(lab), fiml, observed))
    G = len(datas)
    if meanstructure is None:
        meanstructure = G > 1 or fiml or any(t.op == "~1" for t in pm.terms)
    gindex = {str(lab): i + 1 for i, lab in enumerate(labels)}
    partial_specs: list[str | tuple[str, int]] = []
    for spec in group_partial:
        if isinstance(spec, str):
            partial_specs.append(spec)
            continue
        text, glab = spec
        if group is None or str(glab) not in gindex:
            raise DataError(f"group_partial {text!r}: group {glab!r} is not among the groups")
        partial_specs.append((text, gindex[str(glab)]))
    pt = build_partable(pm, ngroups=G, std_lv=std_lv, meanstructure=bool(meanstructure),
                        group_equal=group_equal, group_partial=partial_specs)
    rep = Representation(pt)
    p = rep.p
    ndat = G * (p * (p + 1) // 2 + (p if rep.meanstructure else 0))
    npar = rep.nx
    df = ndat - npar
    if df < 0:
        raise EstimationError(f"the model is not identified: {npar} free parameters but only {ndat} sample "
                              f"moments (df = {df})")
    est = MLEstimator(rep, datas)
    for d in datas:
        if d.fiml and not d.em_converged:
            warnings.append(f"EM for the saturated model did not converge{' in group ' + d.label if d.label else ''}")
    if start is not None:
        x0, covered = _warm_start(np.zeros(rep.nx), pt, labels, start)
        if not covered.all():
            x0[~covered] = est.start_values()[~covered]
        if not np.isfinite(est.objective(x0)):
            x0 = est.start_values()
    else:
        x0 = est.start_values()
    x, converged, iters, msg = est.optimize(x0)
    if not converged:
        warnings.append(f"the model did not converge ({msg}); estimates are not trustworthy")
    N = est.ntotal
    if information is not None and information not in ("expected", "observed"):
        raise EstimationError(f"information must be 'expected' or 'observed', not {information!r}")
    if information is None:
        information = "observed" if (fiml or estimator == "MLR") else "expected"
    info_exp = est.expected_information(x)
    if information == "observed" or estimator == "MLR":
        if fiml or not hessian.supported(rep):
            A = est.observed_information(x)  # FIML: pattern sums (analysis.sem.fiml_sums) for CFA models
        else:
            A = hessian.observed_information(rep, est, x)
    else:
        A = info_exp
    B0 = None
    vcov = np.full((npar, npar), np.nan)
    try:
        Ainv = _checked_inverse(A, blocks_of(rep))
        if estimator == "MLR":
            B0 = robust.first_order(est, x)
            vcov = Ainv @ B0 @ Ainv / N  # sandwich
        else:
            vcov = Ainv / N
    except np.linalg.LinAlgError:
        warnings.append("the information matrix is singular: the model may not be identified; no standard errors")
    # test statistics
    implied = rep.implied(x)
    logl = sum(est.group_logl(g, s, m) for g, (s, m) in enumerate(implied))
    logl_h1 = sum(d.logl_h1 for d in datas)
    chisq = max(2 * (logl_h1 - logl), 0.0)
    base_logl = 0.0
    for d in datas:
        if d.fiml:
            for j in range(p):
                col = d.Y[:, j]
                col = col[~np.isnan(col)]
                base_logl += -len(col) / 2 * (_LOG2PI + np.log(col.var()) + 1)
        else:
            base_logl += -d.n / 2 * (p * _LOG2PI + np.sum(np.log(np.diag(d.S))) + p)
    base_chisq = 2 * (logl_h1 - base_logl)
    base_df = G * p * (p - 1) // 2
    srmr = sum(est.w[g] * srmr_bentler(d.S, d.mean, implied[g][0], implied[g][1] if rep.meanstructure else None)
               for g, d in enumerate(datas))
    scaled = robust_fit = None
    if estimator == "MLR" and B0 is not None:
        tr_h1 = float(np.sum(robust.h1_traces(est)))
        scaled = robust.yb_mplus(tr_h1, A, B0, df, npar, ndat, A0_inv=Ainv)
        tr0, _ = robust.baseline_trace_h0(est)
        scaled["c_null"] = (tr_h1 - tr0) / base_df
        if not fiml:
            robust_fit = dict(xx3=chisq, c3=scaled["c"], xx3_scaled=chisq / scaled["c"], xx3_null=base_chisq,
                              c3_null=scaled["c_null"])
    if fiml and df > 0:
        try:
            robust_fit = fiml_corrected(est, x, "V3" if estimator == "MLR" else "V6", df, base_df)
        except np.linalg.LinAlgError:
            warnings.append("robust CFI/TLI/RMSEA (FIML correction) could not be computed: singular information")
    fm = fit_measures(chisq=chisq, df=df, npar=npar, ntotal=N, ngroups=G, logl=logl, logl_h1=logl_h1,
                      baseline_chisq=base_chisq, baseline_df=base_df, srmr=srmr, fmin=chisq / (2 * N),
                      scaled=scaled, robust=robust_fit)
    # parameters
    values = row_values(rep, x)
    se_x = np.sqrt(np.clip(np.diag(vcov), 0, None))
    free = pt["free"].to_numpy()
    se = np.where(free > 0, se_x[np.maximum(free - 1, 0)], 0.0)
    se = np.where((free > 0) & np.isnan(np.diag(vcov))[np.maximum(free - 1, 0)], np.nan, se)
    std_lv, std_all = standardize(rep, x)
    if std_se:
        Jall = std_jacobian(rep, x, 1)
        std_all_se = np.sqrt(np.clip(((Jall @ vcov) * Jall).sum(axis=1), 0, None))
    else:
        std_all_se = np.full(len(pt), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(free > 0, values / se, np.nan)
    pval = 2 * stats.norm.sf(np.abs(z))
    zc = stats.norm.ppf(0.975)
    glabels = [str(lb) for lb in labels]
    params = pd.DataFrame({
        "lhs": pt["lhs"], "op": pt["op"], "rhs": pt["rhs"],
        "group": [glabels[g - 1] for g in pt["group"]] if group is not None else "",
        "label": pt["label"], "free": free, "est": values, "se": se, "z": z, "pvalue": pval,
        "ci_low": values - zc * se, "ci_high": values + zc * se,
        "std_lv": std_lv, "std_all": std_all, "std_all_se": std_all_se,
    })
    ptab = pt.copy()
    ptab["est"] = values
    ptab["se"] = se
    warnings += _diagnostics(rep, x, params, glabels if group is not None else None)
    return CfaResult(
        converged=bool(converged), warnings=tuple(warnings), fit=fm, params=params, partable=ptab,
        groups=tuple(glabels), nobs=tuple(d.n for d in datas), estimator=estimator, missing=missing,
        iterations=int(iters), model=pm, std_lv=std_lv, group_var=group,
        _rep=rep, _est=est, _x=x, _vcov=vcov, _info=info_exp, _A=A, _B0=B0,
    )


def _diagnostics(rep: Representation, x: np.ndarray, params: pd.DataFrame, glabels) -> list[str]:
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
