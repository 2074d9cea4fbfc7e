"""Standardized solutions (lavaan's ``std.lv`` and ``std.all`` with ``cov.std=TRUE``) and their
delta-method standard errors.

Examples
--------
>>> import numpy as np
>>> from analysis.sem.syntax import parse_model
>>> from analysis.sem.partable import build_partable
>>> from analysis.sem.matrices import Representation
>>> rep = Representation(build_partable(parse_model("f =~ x1 + x2")))
>>> lv, al = standardize(rep, np.array([0.5, 1.0, 1.0, 2.0]))
>>> [round(float(v), 4) for v in al[:2]]
[0.8165, 0.5774]
"""

from __future__ import annotations

import numpy as np

from .matrices import Representation

__all__ = ["standardize", "standardize_values", "std_jacobian"]


def standardize_values(rep: Representation, x: np.ndarray, est: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Standardize arbitrary values ``est`` (one per partable row) with the scales implied at ``x``."""
    arr = rep.arrays
    n = len(arr["mat"])
    std_lv = np.full(n, np.nan)
    std_all = np.full(n, np.nan)
    for g in range(rep.ngroups):
        mats = rep.matrices(x, g)
        sig, _ = rep.implied(x)[g]
        veta = rep.veta(x, g)
        sd_lv = np.sqrt(np.clip(np.diag(veta), 0, None))
        sd_ov = np.sqrt(np.clip(np.diag(sig), 0, None))
        theta, psi = mats["theta"], mats["psi"]
        rows = np.flatnonzero(arr["group"] == g + 1)
        mat, rr, cc = arr["mat"], arr["row"], arr["col"]
        with np.errstate(divide="ignore", invalid="ignore"):
            for i in rows:
                v, r, c = est[i], rr[i], cc[i]
                k = mat[i]
                if k == "lambda":
                    std_lv[i] = v * sd_lv[c]
                    std_all[i] = v * sd_lv[c] / sd_ov[r]
                elif k == "theta":
                    std_lv[i] = v
                    std_all[i] = v / sd_ov[r] ** 2 if r == c else v / np.sqrt(theta[r, r] * theta[c, c])
                elif k == "psi":
                    if r == c:
                        std_lv[i] = std_all[i] = v / veta[r, r]
                    else:
                        std_lv[i] = std_all[i] = v / np.sqrt(psi[r, r] * psi[c, c])
                elif k == "beta":
                    std_lv[i] = std_all[i] = v * sd_lv[c] / sd_lv[r]
                elif k == "nu":
                    std_lv[i] = v
                    std_all[i] = v / sd_ov[r]
                elif k == "alpha":
                    std_lv[i] = std_all[i] = v / sd_lv[r]
    return std_lv, std_all


def row_values(rep: Representation, x: np.ndarray) -> np.ndarray:
    """Estimate of every partable row at ``x`` (fixed rows: their value)."""
    free = rep.arrays["free"]
    out = rep.arrays["ustart"].copy()
    sel = free > 0
    out[sel] = x[free[sel] - 1]
    return out


def standardize(rep: Representation, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(std_lv, std_all) for every partable row at ``x``."""
    return standardize_values(rep, x, row_values(rep, x))


def std_jacobian(rep: Representation, x: np.ndarray, which: int = 1) -> np.ndarray:
    """Numerical Jacobian (rows × nx) of std_lv (``which=0``) or std_all (``which=1``)."""
    n = len(x)
    J = np.zeros((len(rep.arrays["free"]), n))
    for k in range(n):
        h = 1e-6 * max(1.0, abs(x[k]))
        e = np.zeros(n)
        e[k] = h
        J[:, k] = (standardize(rep, x + e)[which] - standardize(rep, x - e)[which]) / (2 * h)
    return J
