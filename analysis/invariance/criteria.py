"""Decision rules for the invariance ladder: absolute fit of the configural model, change in fit for the others.

* **chen2007** (default; Chen 2007, for N > 300 and unequal groups): a step is *not supported* when
  ΔCFI ≤ −.010 **together with** ΔRMSEA ≥ .015 **or** ΔSRMR ≥ .030 (loadings) / ≥ .010 (intercepts, residuals).
  Chen (2007, p. 501): "a change of ≥ −.010 in CFI, supplemented by a change of ≥ .015 in RMSEA or a change of
  ≥ .030 in SRMR would indicate noninvariance" — a drop of exactly .010 (and a rise of exactly .015 / .030 /
  .010) counts: every boundary belongs to *not supported*.
* **cheung2002** (Cheung & Rensvold 2002): not supported when ΔCFI ≤ −.010 (the same boundary).

The configural model is judged on absolute fit: CFI ≥ .90, RMSEA ≤ .08 and SRMR ≤ .08 (acceptable fit,
Hu & Bentler 1999; Marsh, Hau & Wen 2004; the boundary values are acceptable). Under MLR the robust CFI and RMSEA
(lavaan's ``.robust``) are used. Differences and values are rounded to :data:`DECIMALS` decimals before the
comparison, so that ΔCFI = .96 − .97 (−0.00999999999999990 in binary floating point) is −.010 as printed.

Examples
--------
>>> ok, why = judge_step("metric", {"cfi": .95, "rmsea": .05, "srmr": .04}, {"cfi": .935, "rmsea": .07,
...                      "srmr": .05}, "chen2007")
>>> ok, why
(False, 'ΔCFI -0.015 ≤ -0.010 with ΔRMSEA 0.020 ≥ 0.015')
>>> judge_step("metric", {"cfi": .95, "rmsea": .05, "srmr": .04}, {"cfi": .935, "rmsea": .055, "srmr": .05},
...            "chen2007")[0]
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from vcd_core.errors import EstimationError

__all__ = ["CRITERIA", "CONFIGURAL_CUTOFFS", "DECIMALS", "STEP_EQUAL", "STEP_CLASS", "Rule", "check_criteria",
           "fit_basis", "judge_configural", "judge_step"]

#: decimals kept before comparing a fit index or a difference with a cutoff (removes binary rounding noise)
DECIMALS = 12

#: the equality classes of each step of the ladder (lavaan ``group.equal``)
STEP_EQUAL: dict[str, tuple[str, ...]] = {
    "configural": (),
    "metric": ("loadings",),
    "scalar": ("loadings", "intercepts"),
    "strict": ("loadings", "intercepts", "residuals"),
}

#: the class each step adds (what ``--partial`` may release at that step)
STEP_CLASS: dict[str, str] = {"metric": "loadings", "scalar": "intercepts", "strict": "residuals"}



@dataclass(frozen=True)
class Rule:
    """Change-in-fit cutoffs: not supported when ΔCFI ≤ ``delta_cfi`` and (when ``delta_rmsea`` is set)
    ΔRMSEA ≥ ``delta_rmsea`` or ΔSRMR ≥ ``delta_srmr[step]``."""

    delta_cfi: float
    citation: str
    delta_rmsea: float | None = None
    delta_srmr: dict[str, float] = field(default_factory=dict)


#: change-in-fit thresholds per rule set
CRITERIA: dict[str, Rule] = {
    "chen2007": Rule(-0.010, "Chen (2007)", 0.015, {"metric": 0.030, "scalar": 0.010, "strict": 0.010}),
    "cheung2002": Rule(-0.010, "Cheung & Rensvold (2002)"),
}

#: absolute fit needed for the configural model
CONFIGURAL_CUTOFFS: dict[str, float] = {"cfi": 0.90, "rmsea": 0.08, "srmr": 0.08}


def check_criteria(name: str) -> str:
    """Validate a criteria name (case-insensitive) and return its canonical form.

    Examples
    --------
    >>> check_criteria("Chen2007")
    'chen2007'
    """
    key = str(name).lower().replace("_", "").replace("-", "")
    if key not in CRITERIA:
        raise EstimationError(f"unknown invariance criteria {name!r}; use {' or '.join(CRITERIA)}")
    return key


def fit_basis(fit: Mapping[str, float], estimator: str) -> dict[str, float]:
    """The CFI / TLI / RMSEA / SRMR a decision uses: lavaan's robust measures under MLR, else the standard ones.

    Examples
    --------
    >>> fit_basis({"cfi": .9, "tli": .8, "rmsea": .1, "srmr": .05, "cfi_robust": .95, "tli_robust": .9,
    ...            "rmsea_robust": .06}, "MLR")
    {'cfi': 0.95, 'tli': 0.9, 'rmsea': 0.06, 'srmr': 0.05}
    """
    out = {}
    for k in ("cfi", "tli", "rmsea"):
        v = fit.get(k, math.nan)
        if str(estimator).upper() == "MLR":
            for alt in (f"{k}_robust", f"{k}_scaled"):
                a = fit.get(alt)
                if a is not None and math.isfinite(a):
                    v = a
                    break
        out[k] = float(v)
    out["srmr"] = float(fit.get("srmr", math.nan))
    return out


def _r(v: float) -> float:
    return round(float(v), DECIMALS)


def judge_configural(fit: Mapping[str, float]) -> tuple[bool, str]:
    """Absolute fit of the configural model against :data:`CONFIGURAL_CUTOFFS` (boundaries acceptable).

    Parameters
    ----------
    fit : mapping
        ``cfi``, ``rmsea``, ``srmr`` (from :func:`fit_basis`).

    Returns
    -------
    tuple
        ``(acceptable, reason)``.

    Examples
    --------
    >>> judge_configural({"cfi": .93, "rmsea": .09, "srmr": .05})
    (False, 'RMSEA 0.090 > 0.08')
    >>> judge_configural({"cfi": .90, "rmsea": .08, "srmr": .08})[0]
    True
    """
    c = CONFIGURAL_CUTOFFS
    bad = []
    if not _r(fit["cfi"]) >= c["cfi"]:
        bad.append(f"CFI {fit['cfi']:.3f} < {c['cfi']:.2f}")
    if not _r(fit["rmsea"]) <= c["rmsea"]:
        bad.append(f"RMSEA {fit['rmsea']:.3f} > {c['rmsea']:.2f}")
    if not _r(fit["srmr"]) <= c["srmr"]:
        bad.append(f"SRMR {fit['srmr']:.3f} > {c['srmr']:.2f}")
    if bad:
        return False, "; ".join(bad)
    return True, f"CFI {fit['cfi']:.3f}, RMSEA {fit['rmsea']:.3f}, SRMR {fit['srmr']:.3f}"


def judge_step(step: str, prev: Mapping[str, float], cur: Mapping[str, float], criteria: str) -> tuple[bool, str]:
    """Whether the change in fit from ``prev`` to ``cur`` supports ``step`` under ``criteria``.

    Parameters
    ----------
    step : {"metric", "scalar", "strict"}
        The step judged (its ΔSRMR cutoff under chen2007).
    prev, cur : mapping
        ``cfi``, ``rmsea``, ``srmr`` of the last accepted and the current model.
    criteria : str
        A key of :data:`CRITERIA`.

    Returns
    -------
    tuple
        ``(supported, reason)``; the reason states the deciding differences.

    Examples
    --------
    >>> judge_step("metric", {"cfi": .97, "rmsea": .05, "srmr": .04}, {"cfi": .96, "rmsea": .065, "srmr": .04},
    ...            "chen2007")
    (False, 'ΔCFI -0.010 ≤ -0.010 with ΔRMSEA 0.015 ≥ 0.015')
    """
    rule = CRITERIA[check_criteria(criteria)]
    d_cfi = _r(cur["cfi"] - prev["cfi"])
    d_rmsea = _r(cur["rmsea"] - prev["rmsea"])
    d_srmr = _r(cur["srmr"] - prev["srmr"])
    cfi_bad = d_cfi <= rule.delta_cfi
    if rule.delta_rmsea is None:
        if cfi_bad:
            return False, f"ΔCFI {d_cfi:.3f} ≤ {rule.delta_cfi:.3f}"
        return True, f"ΔCFI {d_cfi:.3f} > {rule.delta_cfi:.3f}"
    srmr_cut = rule.delta_srmr[step]
    rmsea_bad = d_rmsea >= rule.delta_rmsea
    srmr_bad = d_srmr >= srmr_cut
    if cfi_bad and (rmsea_bad or srmr_bad):
        parts = []
        if rmsea_bad:
            parts.append(f"ΔRMSEA {d_rmsea:.3f} ≥ {rule.delta_rmsea:.3f}")
        if srmr_bad:
            parts.append(f"ΔSRMR {d_srmr:.3f} ≥ {srmr_cut:.3f}")
        return False, f"ΔCFI {d_cfi:.3f} ≤ {rule.delta_cfi:.3f} with " + " and ".join(parts)
    return True, f"ΔCFI {d_cfi:.3f}, ΔRMSEA {d_rmsea:.3f}, ΔSRMR {d_srmr:.3f}"
