"""Fit measures named like lavaan's ``fitMeasures`` with ``.`` → ``_``.

Formulas follow lavaan 0.6: χ² = 2(logl_h1 − logl), RMSEA with N (×√G for several groups) and its CI by
inverting the non-central χ², Bentler's SRMR (with means under a mean structure; averaged over groups
weighted by N), CFI/TLI against the independence model, and for MLR the scaled (χ²/c) and robust
(Brosseau-Liard, Savalei & Li) variants.

Examples
--------
>>> round(rmsea(85.3055217699727, 24, 301), 6)
0.092121
>>> [round(v, 6) for v in rmsea_ci(85.3055217699727, 24, 301)]
[0.071418, 0.113678]
>>> round(cfi(85.3055217699727, 24, 918.851589292384, 36), 6)
0.93056
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats
from scipy.optimize import brentq

__all__ = ["rmsea", "rmsea_ci", "rmsea_pvalue", "cfi", "tli", "srmr_bentler", "fit_measures"]


def rmsea(x2: float, df: float, n: float, g: int = 1, c_hat: float = 1.0) -> float:
    """RMSEA = √max(0, χ²/(N·df) − c/N)·√G (lavaan's ``lav_fit_rmsea``)."""
    if not df > 0:
        return 0.0
    return math.sqrt(max(x2 / n / df - c_hat / n, 0.0)) * math.sqrt(g)


def _cdf(x2: float, df: float, ncp: float) -> float:
    return float(stats.chi2.cdf(x2, df) if ncp <= 0 else stats.ncx2.cdf(x2, df, ncp))


def rmsea_ci(x2: float, df: float, n: float, g: int = 1, c_hat: float = 1.0,
             level: float = 0.90) -> tuple[float, float]:
    """Lower and upper limit of the RMSEA confidence interval (lavaan's ``lav_fit_rmsea_ci``)."""
    if not (np.isfinite(x2) and np.isfinite(df)) or df < 1:
        return 0.0, 0.0
    up, lo = 1 - (1 - level) / 2, (1 - level) / 2
    if _cdf(x2, df, 0) - up < 0:
        lower = 0.0
    else:
        lam = brentq(lambda L: _cdf(x2, df, L) - up, 0, x2, xtol=1e-12)
        lower = math.sqrt(c_hat * lam / (n * df)) * math.sqrt(g)
    nr = max(n, 4 * x2)
    if _cdf(x2, df, nr) - lo > 0 or _cdf(x2, df, 0) - lo < 0:
        upper = 0.0
    else:
        lam = brentq(lambda L: _cdf(x2, df, L) - lo, 0, nr, xtol=1e-12)
        upper = math.sqrt(c_hat * lam / (n * df)) * math.sqrt(g)
    return lower, upper


def rmsea_pvalue(x2: float, df: float, n: float, g: int = 1, c_hat: float = 1.0, h0: float = 0.05) -> float:
    """P(RMSEA ≤ h0) test of close fit."""
    if not df > 0:
        return float("nan")
    ncp = n * df / c_hat * h0**2 / g
    return float(1 - _cdf(x2, df, ncp))


def cfi(x2: float, df: float, x2_null: float, df_null: float, c_hat: float = 1.0, c_hat_null: float = 1.0) -> float:
    """Comparative fit index (with the robust corrections when ``c_hat``/``c_hat_null`` are given)."""
    if df > 0 and c_hat != 1 and c_hat_null != 1:
        t1 = max(x2 - c_hat * df, 0)
        t2 = max(x2 - c_hat * df, x2_null - c_hat_null * df_null, 0)
    else:
        t1 = max(x2 - df, 0)
        t2 = max(x2 - df, x2_null - df_null, 0)
    if math.isclose(t1, 0, abs_tol=1.5e-8) and math.isclose(t2, 0, abs_tol=1.5e-8):
        return 1.0
    return 1 - t1 / t2


def tli(x2: float, df: float, x2_null: float, df_null: float, c_hat: float = 1.0, c_hat_null: float = 1.0) -> float:
    """Tucker-Lewis index (NNFI)."""
    if df > 0 and c_hat != 1 and c_hat_null != 1:
        t1 = (x2 - c_hat * df) * df_null
        t2 = (x2_null - c_hat_null * df_null) * df
    else:
        t1 = (x2 - df) * df_null
        t2 = (x2_null - df_null) * df
    if df > 0 and abs(t2) > 0:
        return 1 - t1 / t2
    return 1.0


def srmr_bentler(S: np.ndarray, mean: np.ndarray, sigma: np.ndarray, mu: np.ndarray | None) -> float:
    """Bentler's SRMR of one group (residual covariances over sample SDs; means included if ``mu``)."""
    sd = np.sqrt(np.diag(S))
    r = (S - sigma) / np.outer(sd, sd)
    iu = np.triu_indices(len(sd))
    ss = float(np.sum(r[iu] ** 2))
    e = len(iu[0])
    if mu is not None:
        ss += float(np.sum(((mean - mu) / sd) ** 2))
        e += len(sd)
    return math.sqrt(ss / e)


def fit_measures(*, chisq: float, df: int, npar: int, ntotal: int, ngroups: int, logl: float, logl_h1: float,
                 baseline_chisq: float, baseline_df: int, srmr: float, fmin: float,
                 scaled: dict | None = None, robust: dict | None = None) -> dict[str, float]:
    """All fit measures from the test statistics.

    ``scaled`` (MLR): c, c_null, trace_ugamma, h1, h0. ``robust``: xx3, c3, xx3_scaled, xx3_null, c3_null for
    the robust CFI/TLI/RMSEA (complete data: χ², c, χ²/c, baseline χ², c_null; FIML: lavaan's FIML-C values).

    Parameters
    ----------
    chisq, df, npar, ntotal, ngroups : the model's test statistic, degrees of freedom, parameters, N and groups
    logl, logl_h1 : log-likelihoods of the model and the saturated model
    baseline_chisq, baseline_df : the independence model's test
    srmr, fmin : Bentler's SRMR and the minimum of the fit function
    scaled, robust : dict, optional
        The robust estimators' inputs (see above).

    Returns
    -------
    dict of lavaan ``fitMeasures`` names (``.`` → ``_``)

    Examples
    --------
    >>> fm = fit_measures(chisq=85.3055217699727, df=24, npar=21, ntotal=301, ngroups=1,
    ...                   logl=-3737.7449266262, logl_h1=-3695.09216574121, baseline_chisq=918.851589292384,
    ...                   baseline_df=36, srmr=0.0652, fmin=0.1417)
    >>> round(fm["tli"], 6), round(fm["aic"], 4), round(fm["bic"], 4)
    (0.895839, 7517.4899, 7595.3392)
    """
    n, G = ntotal, ngroups
    fm: dict[str, float] = {"npar": float(npar), "fmin": fmin, "chisq": chisq, "df": float(df)}
    fm["pvalue"] = float(stats.chi2.sf(chisq, df)) if df > 0 else float("nan")
    fm["baseline_chisq"] = baseline_chisq
    fm["baseline_df"] = float(baseline_df)
    fm["baseline_pvalue"] = float(stats.chi2.sf(baseline_chisq, baseline_df))
    fm["cfi"] = cfi(chisq, df, baseline_chisq, baseline_df)
    fm["tli"] = tli(chisq, df, baseline_chisq, baseline_df)
    fm["logl"] = logl
    fm["unrestricted_logl"] = logl_h1
    fm["aic"] = -2 * logl + 2 * npar
    fm["bic"] = -2 * logl + npar * math.log(n)
    fm["bic2"] = -2 * logl + npar * math.log((n + 2) / 24)
    fm["ntotal"] = float(n)
    fm["rmsea"] = rmsea(chisq, df, n, G)
    lo, hi = rmsea_ci(chisq, df, n, G)
    fm["rmsea_ci_lower"], fm["rmsea_ci_upper"] = lo, hi
    fm["rmsea_pvalue"] = rmsea_pvalue(chisq, df, n, G)
    fm["srmr"] = srmr
    if scaled:
        c, c0, tr = scaled["c"], scaled["c_null"], scaled["trace_ugamma"]
        xs, x0s = chisq / c, baseline_chisq / c0
        fm["chisq_scaled"] = xs
        fm["df_scaled"] = float(df)
        fm["pvalue_scaled"] = float(stats.chi2.sf(xs, df)) if df > 0 else float("nan")
        fm["chisq_scaling_factor"] = c
        fm["baseline_chisq_scaled"] = x0s
        fm["baseline_df_scaled"] = float(baseline_df)
        fm["baseline_pvalue_scaled"] = float(stats.chi2.sf(x0s, baseline_df))
        fm["baseline_chisq_scaling_factor"] = c0
        fm["cfi_scaled"] = cfi(xs, df, x0s, baseline_df)
        fm["tli_scaled"] = tli(xs, df, x0s, baseline_df)
        fm["rmsea_scaled"] = rmsea(chisq, tr, n, G)
        lo, hi = rmsea_ci(chisq, tr, n, G)
        fm["rmsea_ci_lower_scaled"], fm["rmsea_ci_upper_scaled"] = lo, hi
        fm["rmsea_pvalue_scaled"] = rmsea_pvalue(chisq, tr, n, G)
        fm["scaling_factor_h1"] = scaled["h1"]
        fm["scaling_factor_h0"] = scaled["h0"]
    if robust:
        x3, c3, x3s, x3n, c3n = (robust[k] for k in ("xx3", "c3", "xx3_scaled", "xx3_null", "c3_null"))
        fm["cfi_robust"] = cfi(x3, df, x3n, baseline_df, c3, c3n)
        fm["tli_robust"] = tli(x3, df, x3n, baseline_df, c3, c3n)
        fm["rmsea_robust"] = rmsea(x3, df, n, G, c_hat=c3)
        lo, hi = rmsea_ci(x3s, df, n, G, c_hat=c3)
        fm["rmsea_ci_lower_robust"], fm["rmsea_ci_upper_robust"] = lo, hi
        fm["rmsea_pvalue_robust"] = rmsea_pvalue(x3s, df, n, G, c_hat=c3)
    return fm
