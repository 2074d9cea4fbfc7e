"""Likelihood-ratio (χ² difference) tests between nested fits, like lavaan's ``lavTestLRT``.

ML: plain difference. MLR: Satorra-Bentler (2001) scaled difference,
``c_d = (df₀·c₀ − df₁·c₁)/(df₀ − df₁)``, ``T = (χ²₀ − χ²₁)/c_d``. The RMSEA of the difference
(lavaan ≥ 0.6-13) uses the unscaled difference with ``c_hat = c_d`` (complete data only).

Examples
--------
>>> import numpy as np, pandas as pd
>>> from analysis.sem import cfa
>>> rng = np.random.default_rng(2)
>>> y = rng.normal(size=(300, 1)) * [1, .8, .7, .6] + rng.normal(size=(300, 4))
>>> df = pd.DataFrame(y, columns=["a", "b", "c", "d"])
>>> free = cfa("f =~ a + b + c + d", df)
>>> equal = cfa("f =~ a + l*b + l*c + d", df)
>>> int(lrt(free, equal)["df_diff"].iloc[1])
1
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from vcd_core.errors import EstimationError

from .fit import rmsea

__all__ = ["lrt"]


def lrt(*fits, names: list[str] | None = None) -> pd.DataFrame:
    """Compare nested models (sorted by df, least restricted first).

    Parameters
    ----------
    *fits : CfaResult
        Two or more fits of the same data (same estimator).
    names : list of str, optional
        Row names (default ``model1``, ``model2`` … in the order given).

    Returns
    -------
    DataFrame with columns model df aic bic chisq chisq_diff df_diff pvalue rmsea scaling_factor
    (``chisq`` is the unscaled χ² and ``chisq_diff`` the scaled difference for MLR, as in lavaan's table).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from analysis.sem import Model
    >>> y = np.random.default_rng(2).normal(size=(300, 1)) * [1, .8, .7, .6] + np.random.default_rng(3).normal(
    ...     size=(300, 4))
    >>> df = pd.DataFrame(y, columns=list("abcd"))
    >>> tab = lrt(Model("f =~ a + b + c + d").fit(df), Model("f =~ a + l*b + l*c + l*d").fit(df), names=["free", "eq"])
    >>> tab["model"].tolist(), int(tab["df_diff"].iloc[1])
    (['free', 'eq'], 2)
    """
    if len(fits) < 2:
        raise EstimationError("lrt() needs at least two fitted models")
    names = list(names) if names is not None else [f"model{i + 1}" for i in range(len(fits))]
    est = {f.estimator for f in fits}
    if len(est) > 1:
        raise EstimationError("lrt(): all models must use the same estimator")
    if len({sum(f.nobs) for f in fits}) > 1:
        raise EstimationError("lrt(): the models were fitted to different numbers of observations")
    scaled = est == {"MLR"}
    order = sorted(range(len(fits)), key=lambda i: fits[i].fit["df"])
    rows = []
    prev = None
    for i in order:
        f = fits[i].fit
        row = dict(model=names[i], df=int(f["df"]), aic=f["aic"], bic=f["bic"],
                   chisq=f["chisq"], chisq_diff=np.nan, df_diff=np.nan,
                   pvalue=np.nan, rmsea=np.nan, scaling_factor=np.nan)
        if prev is not None:
            p = prev.fit
            m = int(f["df"] - p["df"])
            t = f["chisq"] - p["chisq"]
            c = 1.0
            if scaled and m > 0:
                c1 = f["chisq_scaling_factor"] if f["df"] > 0 else 1.0
                c0 = p["chisq_scaling_factor"] if p["df"] > 0 else 1.0
                c = (f["df"] * c1 - p["df"] * c0) / m
                row["scaling_factor"] = c
            diff = t / c if c > 0 else np.nan
            row.update(chisq_diff=diff, df_diff=m, pvalue=float(stats.chi2.sf(diff, m)) if m > 0 else np.nan)
            if fits[i].missing == "listwise" and m > 0:
                row["rmsea"] = rmsea(t, m, f["ntotal"], len(fits[i].groups), c_hat=c)
        rows.append(row)
        prev = fits[i]
    return pd.DataFrame(rows)
