"""The result of a CFA fit: a frozen dataclass with parameters, fit measures, modification indices,
score tests, a lavaan-like ``summary()`` and ``to_dict()``, and the fitted engine state (:class:`EngineState`:
representation, bound estimator, estimates, information, covariance of the estimates) that modification indices,
score tests, invariance and alignment build on.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from analysis.sem import cfa
>>> rng = np.random.default_rng(5)
>>> y = rng.normal(size=(250, 1)) * [1, .8, .6, .7] + rng.normal(size=(250, 4))
>>> res = cfa("f =~ y1 + y2 + y3 + y4", pd.DataFrame(y, columns=["y1", "y2", "y3", "y4"]))
>>> "Model Test User Model" in res.summary(), sorted(res.to_dict())[:3]
(True, ['converged', 'estimator', 'fit'])
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from .estimators.base import Estimator, ParamCovariance
from .matrices import Representation
from .modindices import modification_indices, score_tests

__all__ = ["CfaResult", "EngineState", "Fit"]


def _clean(v: Any) -> Any:
    if isinstance(v, float | np.floating):
        v = float(v)
        return v if math.isfinite(v) else None
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


@dataclass(frozen=True, eq=False)
class EngineState:
    """The fitted engine behind a :class:`CfaResult` (public, read-only).

    Attributes
    ----------
    rep : the model's :class:`~analysis.sem.matrices.Representation` (matrices, Jacobians, free-parameter map)
    estimator : the estimator plug-in bound to the sample statistics (objective, gradient, information)
    x : the estimates of the free parameters, in ``free`` order (``params["free"]`` numbers them from 1)
    information : the information matrix the standard errors use (per observation), of kind ``information_kind``
    covariance : the covariance matrix of the estimates (:class:`~analysis.sem.estimators.base.ParamCovariance`:
        ``diag()``, ``full()``; a sandwich for MLR)

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from analysis.sem import cfa
    >>> y = np.random.default_rng(5).normal(size=(250, 1)) * [1, .8, .6] + np.random.default_rng(6).normal(
    ...     size=(250, 3))
    >>> eng = cfa("f =~ a + b + c", pd.DataFrame(y, columns=list("abc")), estimator="MLR").engine
    >>> eng.information_kind, eng.x.shape == (eng.rep.nx,), eng.first_order.shape
    ('observed', True, (6, 6))
    """

    rep: Representation
    estimator: Estimator
    x: np.ndarray
    information: np.ndarray
    information_kind: str
    covariance: ParamCovariance

    @cached_property
    def expected_information(self) -> np.ndarray:
        """Expected information at the estimates (per observation, ``x`` space)."""
        return self.estimator.expected_information(self.x)

    @property
    def first_order(self) -> np.ndarray | None:
        """B0, the first-order information of the casewise scores (robust estimators), else None."""
        return self.covariance.B


@dataclass(frozen=True)
class CfaResult:
    """A fitted CFA (see :func:`analysis.sem.cfa` and :meth:`analysis.sem.Model.fit`).

    Attributes
    ----------
    converged, warnings : whether the optimiser converged; Heywood cases, non-PD matrices, dropped rows …
    fit : dict of lavaan ``fitMeasures`` (names with ``_``)
    params : one row per parameter (lavaan ``parameterEstimates``): lhs op rhs group label free est se z pvalue
        ci_low ci_high std_lv std_all std_all_se; ``free`` is the 1-based index into :attr:`vcov` (0: fixed)
    partable : the full parameter table with est and se
    groups, nobs : group labels (``("",)`` for one group) and their sizes
    engine : the fitted :class:`EngineState` (estimates, information, covariance, estimator)

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from analysis.sem import cfa
    >>> y = np.random.default_rng(5).normal(size=(250, 1)) * [1, .8, .6] + np.random.default_rng(6).normal(
    ...     size=(250, 3))
    >>> res = cfa("f =~ a + b + c", pd.DataFrame(y, columns=list("abc")))
    >>> free = res.params[res.params["free"] > 0]
    >>> bool(np.allclose(np.sqrt(np.diag(res.vcov))[free["free"] - 1], free["se"]))
    True
    """

    converged: bool
    warnings: tuple[str, ...]
    fit: dict[str, float]
    params: pd.DataFrame
    partable: pd.DataFrame
    groups: tuple[str, ...]
    nobs: tuple[int, ...]
    estimator: str
    missing: str
    iterations: int
    model: Any = field(repr=False)
    std_lv: bool = False
    group_var: str | None = None
    engine: EngineState | None = field(default=None, repr=False, compare=False)

    @property
    def multigroup(self) -> bool:
        """True when fitted with ``group=``."""
        return self.group_var is not None

    def _engine(self) -> EngineState:
        if self.engine is None:
            raise ValueError("this result carries no fitted engine")
        return self.engine

    def modindices(self, minimum: float = 0.0) -> pd.DataFrame:
        """Modification indices (expected information) with EPC, sorted by ``mi``.

        Columns: lhs op rhs group mi epc sepc_lv sepc_all.
        """
        eng = self._engine()
        out = modification_indices(eng.rep, eng.estimator, eng.x, self.groups, self.multigroup)
        return out[out["mi"] >= minimum].reset_index(drop=True)

    def score_tests(self, reference: bool = False) -> pd.DataFrame:
        """Univariate score tests of the equality constraints (lavaan ``lavTestScore``), one per constraint.

        Columns: lhs op rhs group (the released row's group) ref_group plabel_ref plabel x2 df pvalue.
        ``reference=True`` adds, per constrained parameter, the test of releasing it in the first group.
        """
        eng = self._engine()
        return score_tests(eng.rep, eng.estimator, eng.x, self.groups, reference=reference)

    @property
    def vcov(self) -> np.ndarray:
        """Covariance matrix of the free parameters (n_x × n_x, in ``free`` order: row ``free − 1`` of
        :attr:`params`), lavaan's ``vcov()``; formed on first use."""
        return np.array(self._engine().covariance.full())

    @property
    def coef(self) -> np.ndarray:
        """The free-parameter estimates in ``free`` order (lavaan ``coef()``)."""
        return np.array(self._engine().x)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable: fit, params, converged, warnings, groups, nobs, estimator, missing."""
        keep = ["lhs", "op", "rhs", "group", "label", "est", "se", "z", "pvalue", "ci_low", "ci_high", "std_lv",
                "std_all"]
        params = [{k: _clean(v) for k, v in r.items()} for r in self.params[keep].to_dict("records")]
        return {
            "fit": {k: _clean(v) for k, v in self.fit.items()},
            "params": params,
            "converged": self.converged,
            "warnings": list(self.warnings),
            "groups": list(self.groups),
            "nobs": list(self.nobs),
            "estimator": self.estimator,
            "missing": self.missing,
            "iterations": self.iterations,
        }

    # ------------------------------------------------------------------ text
    def summary(self, standardized: bool = True) -> str:
        """A readable summary laid out like lavaan's ``summary(fit, fit.measures=TRUE)``."""
        f = self.fit
        L: list[str] = []
        status = "ended normally" if self.converged else "did NOT converge"
        L.append(f"vcd cfa ({self.estimator}, missing = {self.missing}) {status} after {self.iterations} iterations")
        L.append("")
        L.append(f"  {'Estimator':<44}{'ML':>14}")
        L.append(f"  {'Number of model parameters':<44}{int(f['npar']):>14}")
        if self.multigroup:
            L.append(f"  {'Number of observations per group:':<44}")
            for g, n in zip(self.groups, self.nobs, strict=True):
                L.append(f"    {g:<42}{n:>14}")
        else:
            L.append(f"  {'Number of observations':<44}{self.nobs[0]:>14}")
        sc = "chisq_scaled" in f

        def row(label: str, key: str, key2: str | None = None, fmt: str = ".3f") -> None:
            v = f.get(key)
            s = "" if v is None else format(v, fmt)
            s2 = ""
            if key2 is not None and key2 in f:
                s2 = format(f[key2], fmt)
            L.append(f"  {label:<44}{s:>14}{s2:>14}")

        L += ["", "Model Test User Model:" + ("" if not sc else f"{'Standard':>38}{'Scaled':>14}")]
        row("Test statistic", "chisq", "chisq_scaled" if sc else None)
        row("Degrees of freedom", "df", "df_scaled" if sc else None, ".0f")
        row("P-value (Chi-square)", "pvalue", "pvalue_scaled" if sc else None)
        if sc:
            row("Scaling correction factor (Yuan-Bentler Mplus)", "chisq_scaling_factor", None)
        L += ["", "Model Test Baseline Model:"]
        row("Test statistic", "baseline_chisq", "baseline_chisq_scaled" if sc else None)
        row("Degrees of freedom", "baseline_df", None, ".0f")
        L += ["", "User Model versus Baseline Model:"]
        row("Comparative Fit Index (CFI)", "cfi", "cfi_scaled" if sc else None)
        row("Tucker-Lewis Index (TLI)", "tli", "tli_scaled" if sc else None)
        if "cfi_robust" in f:
            row("Robust Comparative Fit Index (CFI)", "cfi_robust")
            row("Robust Tucker-Lewis Index (TLI)", "tli_robust")
        L += ["", "Loglikelihood and Information Criteria:"]
        row("Loglikelihood user model (H0)", "logl")
        row("Loglikelihood unrestricted model (H1)", "unrestricted_logl")
        row("Akaike (AIC)", "aic")
        row("Bayesian (BIC)", "bic")
        L += ["", "Root Mean Square Error of Approximation:"]
        row("RMSEA", "rmsea", "rmsea_scaled" if sc else None)
        row("90 Percent confidence interval - lower", "rmsea_ci_lower", "rmsea_ci_lower_scaled" if sc else None)
        row("90 Percent confidence interval - upper", "rmsea_ci_upper", "rmsea_ci_upper_scaled" if sc else None)
        row("P-value H_0: RMSEA <= 0.050", "rmsea_pvalue", "rmsea_pvalue_scaled" if sc else None)
        if "rmsea_robust" in f:
            row("Robust RMSEA", "rmsea_robust")
            row("90 Percent confidence interval - lower", "rmsea_ci_lower_robust")
            row("90 Percent confidence interval - upper", "rmsea_ci_upper_robust")
        L += ["", "Standardized Root Mean Square Residual:"]
        row("SRMR", "srmr")
        L += ["", "Parameter Estimates:", ""]
        se_kind = "Robust (Huber-White)" if self.estimator == "MLR" else "Standard"
        L.append(f"  {'Standard errors':<44}{se_kind:>22}")
        observed = set(self.model.observed)
        titles = {"=~": "Latent Variables:", "~": "Regressions:", "~~": "Covariances:", "~1": "Intercepts:"}
        p = self.params
        for gi, g in enumerate(self.groups):
            sub = p[p["group"] == g] if self.multigroup else p
            if self.multigroup:
                L += ["", f"Group {gi + 1} [{g}]:"]
            for op in ("=~", "~", "~~", "~1"):
                if op == "~~":
                    blocks = [("Covariances:", sub[(sub.op == op) & (sub.lhs != sub.rhs)]),
                              ("Variances:", sub[(sub.op == op) & (sub.lhs == sub.rhs)])]
                else:
                    blocks = [(titles[op], sub[sub.op == op])]
                for title, b in blocks:
                    if b.empty:
                        continue
                    head = f"{'':<22}{'Estimate':>10}{'Std.Err':>10}{'z-value':>10}{'P(>|z|)':>10}"
                    if standardized:
                        head += f"{'Std.lv':>10}{'Std.all':>10}"
                    L += ["", title, head]
                    last = None
                    for r in b.itertuples():
                        if op in ("=~", "~"):
                            if r.lhs != last:
                                L.append(f"  {r.lhs} {op}")
                                last = r.lhs
                            name = f"    {r.rhs}"
                        elif op == "~~" and r.lhs != r.rhs:
                            if r.lhs != last:
                                L.append(f"  {r.lhs} ~~")
                                last = r.lhs
                            name = f"    {r.rhs}"
                        else:
                            name = f"   .{r.lhs}" if r.lhs in observed else f"    {r.lhs}"
                        if r.label:
                            name = f"{name} ({r.label})"
                        fixed = r.free == 0
                        se = "" if fixed or not np.isfinite(r.se) else f"{r.se:.3f}"
                        z = "" if fixed or not np.isfinite(r.z) else f"{r.z:.3f}"
                        pv = "" if fixed or not np.isfinite(r.pvalue) else f"{r.pvalue:.3f}"
                        line = f"{name:<22}{r.est:>10.3f}{se:>10}{z:>10}{pv:>10}"
                        if standardized:
                            line += f"{r.std_lv:>10.3f}{r.std_all:>10.3f}"
                        L.append(line)
        if self.warnings:
            L += ["", "Warnings:"] + [f"  - {w}" for w in self.warnings]
        return "\n".join(L)


#: the fit object of :meth:`analysis.sem.Model.fit` (the same class)
Fit = CfaResult
