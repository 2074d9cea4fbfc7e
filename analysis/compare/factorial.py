"""Models with more than one factor: the two-way ANOVA (Type II / Type III) and a random-intercept model.

:func:`anova_twoway` reproduces ``car::Anova(lm(y ~ A * B), type = 2)`` and, with sum-to-zero contrasts,
``type = 3`` (checked against R on psychTools' ``bfi``). :func:`mixed_random_intercept` fits
``y ~ fixed + (1 | group)`` by REML (profiled likelihood, exact), checks convergence and reports it
(checked against ``lme4::lmer`` and statsmodels' ``MixedLM``).

Examples
--------
>>> import pandas as pd
>>> d = pd.DataFrame({"y": [1.0, 2, 3, 4, 2, 3, 5, 7, 1, 2, 4, 4],
...                   "a": list("xxxxxxyyyyyy"), "b": list("pqpqpqpqpqpq")})
>>> anova_twoway(d, "y", "a", "b")["term"].tolist()
['a', 'b', 'a:b', 'Residuals']
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from vcd_core.errors import DataError, EstimationError

__all__ = ["anova_twoway", "mixed_random_intercept"]


def _factor(data: pd.DataFrame, col: str) -> tuple[np.ndarray, list[str]]:
    if col not in data.columns:
        raise DataError(f"column {col!r} is not in the data", column=col)
    g = data[col]
    if isinstance(g.dtype, pd.CategoricalDtype):
        levels = [str(c) for c in g.cat.categories if (g == c).any()]
    else:
        levels = sorted(pd.unique(g.astype(str)))
    return pd.Categorical(g.astype(str), categories=levels).codes, levels


def _coding(codes: np.ndarray, k: int, sum_to_zero: bool) -> np.ndarray:
    """k - 1 columns: treatment (first level = reference) or sum-to-zero (last level = -1) contrasts."""
    x = np.zeros((len(codes), k - 1))
    for j in range(k - 1):
        x[codes == j + 1 if not sum_to_zero else codes == j, j] = 1.0
    if sum_to_zero:
        x[codes == k - 1, :] = -1.0
    return x


def _rss(x: np.ndarray, y: np.ndarray) -> tuple[float, int]:
    beta, _, rank, _ = np.linalg.lstsq(x, y, rcond=None)
    r = y - x @ beta
    return float(r @ r), int(rank)


def anova_twoway(data: pd.DataFrame, dv: str, a: str, b: str, typ: int = 2) -> pd.DataFrame:
    """Two-way ANOVA with interaction, Type II (default) or Type III with sum-to-zero contrasts.

    Type II tests each main effect adjusted for the other (not for the interaction); Type III tests each term
    adjusted for all others and needs every cell of ``a`` × ``b`` filled. ``partial_eta2`` = SS/(SS + SS_res).

    Sums of squares by model comparison (least squares with the rank of each design), as ``car::Anova`` does.
    Written here, not with statsmodels' ``anova_lm``: it agrees on complete designs (the tests compare) but with
    an empty cell its Type II table is wrong: it keeps the aliased interaction column, giving df 4 instead of 3
    and other sums of squares than car's (``tests/reference/expected/small_samples.R``, ``twoway_empty_cell``).

    Parameters
    ----------
    data : DataFrame
        One row per respondent; rows missing ``dv``, ``a`` or ``b`` are left out.
    dv : str
        Numeric outcome.
    a, b : str
        The two factors (levels: categories of a categorical column, else sorted labels).
    typ : {2, 3}
        Type II (treatment coding) or Type III (sum-to-zero coding) sums of squares.

    Returns
    -------
    DataFrame
        ``term, ss, df, ms, statistic, p_unc, partial_eta2`` (Type III also has the ``(Intercept)`` row),
        then ``Residuals``.

    Examples
    --------
    >>> d = pd.DataFrame({"y": [1.0, 2, 3, 4, 2, 3, 5, 7, 1, 2, 4, 4],
    ...                   "a": list("xxxxxxyyyyyy"), "b": list("pqpqpqpqpqpq")})
    >>> round(float(anova_twoway(d, "y", "a", "b")["ss"].iloc[0]), 4)
    5.3333
    """
    if typ not in (2, 3):
        raise ValueError("typ must be 2 or 3")
    if dv not in data.columns:
        raise DataError(f"column {dv!r} is not in the data", column=dv)
    for col in (a, b):
        if col not in data.columns:
            raise DataError(f"column {col!r} is not in the data", column=col)
    d = data[[dv, a, b]].dropna()
    y = d[dv].to_numpy(float)
    ca, la = _factor(d, a)
    cb, lb = _factor(d, b)
    if len(la) < 2 or len(lb) < 2:
        raise DataError(f"two-way ANOVA needs two levels of {a} and of {b}", column=a if len(la) < 2 else b)
    cells = pd.crosstab(ca, cb).reindex(index=range(len(la)), columns=range(len(lb)), fill_value=0)
    if typ == 3 and (cells.to_numpy() == 0).any():
        empty = [f"{la[i]}×{lb[j]}" for i, j in zip(*np.nonzero(cells.to_numpy() == 0), strict=True)]
        raise DataError(f"Type III ANOVA needs every {a} × {b} cell; empty: {', '.join(empty)}")
    xa, xb = _coding(ca, len(la), typ == 3), _coding(cb, len(lb), typ == 3)
    xab = (xa[:, :, None] * xb[:, None, :]).reshape(len(y), -1)
    one = np.ones((len(y), 1))
    rss_full, rank_full = _rss(np.hstack([one, xa, xb, xab]), y)
    df_res = len(y) - rank_full
    if df_res <= 0 or rss_full <= 0:
        raise DataError(f"two-way ANOVA of {dv} has no residual variance or degrees of freedom", column=dv)
    ms_res = rss_full / df_res
    terms: list[tuple[str, float, int]] = []
    if typ == 2:
        rss_ab, rank_ab = _rss(np.hstack([one, xa, xb]), y)
        rss_a, rank_a = _rss(np.hstack([one, xa]), y)
        rss_b, rank_b = _rss(np.hstack([one, xb]), y)
        terms = [(a, rss_b - rss_ab, rank_ab - rank_b), (b, rss_a - rss_ab, rank_ab - rank_a),
                 (f"{a}:{b}", rss_ab - rss_full, rank_full - rank_ab)]
    else:
        blocks = {"(Intercept)": one, a: xa, b: xb, f"{a}:{b}": xab}
        for name in blocks:
            rest = np.hstack([m for other, m in blocks.items() if other != name])
            rss, rank = _rss(rest, y)
            terms.append((name, rss - rss_full, rank_full - rank))
    rows = []
    for name, ss, df in terms:
        f = (ss / df) / ms_res if df > 0 else np.nan
        rows.append({"term": name, "ss": ss, "df": float(df), "ms": ss / df if df > 0 else np.nan, "statistic": f,
                     "p_unc": float(stats.f.sf(f, df, df_res)) if df > 0 else np.nan,
                     "partial_eta2": ss / (ss + rss_full)})
    rows.append({"term": "Residuals", "ss": rss_full, "df": float(df_res), "ms": ms_res, "statistic": np.nan,
                 "p_unc": np.nan, "partial_eta2": np.nan})
    out = pd.DataFrame(rows)
    out.insert(0, "dv", dv)
    out.insert(1, "type", typ)
    return out


def _ols_reml_loglik(x: np.ndarray, y: np.ndarray) -> float:
    """REML log-likelihood of the linear model (R's ``logLik(lm, REML = TRUE)``)."""
    q, r = np.linalg.qr(x)
    res = y - q @ (q.T @ y)
    n = len(y) - x.shape[1]
    val = 0.5 * (-n * (np.log(2 * np.pi) + 1 - np.log(n) + np.log(res @ res)))
    return float(val - np.sum(np.log(np.abs(np.diag(r)))))


def _ri_suffstats(x: np.ndarray, y: np.ndarray, groups: np.ndarray, ng: int):
    """Per-group sums for the random-intercept likelihood: n_j, X_j'1, 1'y_j."""
    nj = np.bincount(groups, minlength=ng).astype(float)
    sx = np.vstack([np.bincount(groups, weights=x[:, c], minlength=ng) for c in range(x.shape[1])]).T
    sy = np.bincount(groups, weights=y, minlength=ng)
    return nj, sx, sy, x.T @ x, x.T @ y, float(y @ y)


def _ri_profile(theta: float, stats_: tuple, n: int, p: int) -> tuple[float, np.ndarray, float, np.ndarray]:
    """Profiled REML log-likelihood at θ = σ_group/σ_residual; also β̂, σ̂² and (X'W⁻¹X)⁻¹."""
    nj, sx, sy, xtx, xty, yty = stats_
    c = theta**2 / (1 + nj * theta**2)
    a = xtx - (sx * c[:, None]).T @ sx
    b = xty - sx.T @ (c * sy)
    yy = yty - np.sum(c * sy**2)
    ainv = np.linalg.inv(a)
    beta = ainv @ b
    rss = float(yy - beta @ b)
    sigma2 = rss / (n - p)
    _, logdet_a = np.linalg.slogdet(a)
    ll = -0.5 * ((n - p) * (np.log(2 * np.pi * sigma2) + 1) + np.sum(np.log1p(nj * theta**2)) + logdet_a)
    return float(ll), beta, sigma2, ainv


def mixed_random_intercept(
    data: pd.DataFrame,
    dv: str,
    group: str = "country",
    fixed: tuple[str, ...] = (),
) -> dict[str, object]:
    """``dv ~ fixed factors + (1 | group)`` by REML, as ``lme4::lmer(REML = TRUE)``; convergence checked.

    The REML likelihood of a random-intercept model is profiled to one parameter, θ = σ_group/σ_residual,
    computed from per-group sums (exact, any n) and maximised by bounded Brent search on [0, 1e3] with the
    boundary θ = 0 checked. We use our own code because statsmodels' ``MixedLM`` (even with
    ``method=["nm", "lbfgs"]``) stops ~1e-3 (relative) from lme4's group variance on the reference data and
    warns about convergence; the tests compare both against lme4. Fixed factors use treatment coding (first
    level = reference); SEs are lme4's (σ̂²(X'V⁻¹X)⁻¹). The group variance is tested against the
    fixed-effects-only model by a REML likelihood-ratio test with the 50:50 χ²(0)/χ²(1) mixture p (boundary).

    Parameters
    ----------
    data : DataFrame
        One row per respondent; rows missing any used column are left out.
    dv : str
        Numeric outcome.
    group : str
        Grouping of the random intercept (at least three groups).
    fixed : tuple of str
        Fixed factors (treatment coding, first level the reference).

    Returns
    -------
    dict
        ``dv, group, n, n_groups, fixed`` (DataFrame ``term, estimate, se, z, p_unc``), ``var_group``,
        ``var_residual``, ``icc``, ``reml_loglik``, ``lrt_chisq``, ``lrt_p``, ``converged``, ``boundary``
        (group variance estimated as 0), ``optimizer``, ``warnings`` (list of str).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> g = np.repeat(list("abcdefgh"), 30)
    >>> y = np.repeat(rng.normal(0, 1, 8), 30) + rng.normal(0, 1, 240)
    >>> res = mixed_random_intercept(pd.DataFrame({"y": y, "g": g}), "y", "g")
    >>> res["converged"], res["var_group"] > 0.2
    (True, True)
    """
    from scipy import optimize

    cols = [dv, group, *fixed]
    for col in cols:
        if col not in data.columns:
            raise DataError(f"column {col!r} is not in the data", column=col)
    d = data[cols].dropna()
    y = d[dv].to_numpy(float)
    groups, glevels = _factor(d, group)
    if len(glevels) < 3:
        raise DataError(f"a random intercept for {group} needs at least three groups (found {len(glevels)})",
                        column=group)
    blocks, names = [np.ones((len(y), 1))], ["(Intercept)"]
    for f in fixed:
        codes, levels = _factor(d, f)
        blocks.append(_coding(codes, len(levels), sum_to_zero=False))
        names += [f"{f}[{lv}]" for lv in levels[1:]]
    x = np.hstack(blocks)
    n, p = x.shape
    if np.linalg.matrix_rank(x) < p or n - p < 2:
        raise EstimationError(f"mixed model of {dv}: the fixed effects ({', '.join(fixed)}) are not estimable")
    st = _ri_suffstats(x, y, groups, len(glevels))
    if np.ptp(y) == 0:
        raise DataError(f"{dv} has no variance; the mixed model cannot be fitted", column=dv)
    res = optimize.minimize_scalar(lambda t: -_ri_profile(t, st, n, p)[0], bounds=(0.0, 1e3), method="bounded",
                                   options={"xatol": 1e-10, "maxiter": 500})
    ll0 = _ri_profile(0.0, st, n, p)[0]
    theta = float(res.x) if -res.fun > ll0 else 0.0
    ll, beta, sigma2, ainv = _ri_profile(theta, st, n, p)
    h = 1e-5 * max(theta, 1e-3)
    grad = (_ri_profile(theta + h, st, n, p)[0] - _ri_profile(max(theta - h, 0.0), st, n, p)[0]) / (
        theta + h - max(theta - h, 0.0))
    boundary = theta < 1e-6
    converged = bool(res.success) and theta < 1e3 - 1e-3 and (boundary or abs(grad) < 1e-3)
    notes = []
    if boundary:
        notes.append(f"the {group} variance of {dv} is estimated at the boundary (0)")
    if not converged:
        notes.append(f"the mixed model of {dv} did not converge (gradient {grad:.2g})")
    se = np.sqrt(np.diag(sigma2 * ainv))
    z = beta / se
    fixed_df = pd.DataFrame({"term": names, "estimate": beta, "se": se, "z": z, "p_unc": 2 * stats.norm.sf(np.abs(z))})
    lrt = max(0.0, 2 * (ll - _ols_reml_loglik(x, y)))
    var_g = theta**2 * sigma2
    return {
        "dv": dv, "group": group, "n": n, "n_groups": len(glevels), "fixed": fixed_df,
        "var_group": var_g, "var_residual": sigma2, "icc": var_g / (var_g + sigma2), "reml_loglik": ll,
        "lrt_chisq": lrt, "lrt_p": 0.5 * float(stats.chi2.sf(lrt, 1)) if lrt > 0 else 1.0,
        "converged": converged, "boundary": boundary, "optimizer": "bounded Brent on profiled REML",
        "warnings": notes,
    }
