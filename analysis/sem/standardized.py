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


def _std_group(rep: Representation, x: np.ndarray, g: int, est: np.ndarray, rows: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """(std_lv, std_all) of the partable ``rows`` of group ``g`` (0-based), vectorised."""
    arr = rep.arrays
    mats = rep.matrices(x, g)
    pr = rep._parts(mats)
    sig, veta = pr["sigma"], pr["M"]
    sd_lv = np.sqrt(np.clip(np.diag(veta), 0, None))
    sd_ov = np.sqrt(np.clip(np.diag(sig), 0, None))
    th = np.diag(mats["theta"])
    ps = np.diag(mats["psi"])
    v = est[rows]
    k = arr["mat"][rows]
    r = arr["row"][rows].astype(int)
    c = arr["col"][rows].astype(int)
    lv = np.full(len(rows), np.nan)
    al = np.full(len(rows), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        m = k == "lambda"
        lv[m] = v[m] * sd_lv[c[m]]
        al[m] = lv[m] / sd_ov[r[m]]
        m = k == "theta"
        lv[m] = v[m]
        d = m & (r == c)
        al[d] = v[d] / sd_ov[r[d]] ** 2
        o = m & (r != c)
        al[o] = v[o] / np.sqrt(th[r[o]] * th[c[o]])
        m = k == "psi"
        d = m & (r == c)
        lv[d] = al[d] = v[d] / veta[r[d], r[d]]
        o = m & (r != c)
        lv[o] = al[o] = v[o] / np.sqrt(ps[r[o]] * ps[c[o]])
        m = k == "beta"
        lv[m] = al[m] = v[m] * sd_lv[c[m]] / sd_lv[r[m]]
        m = k == "nu"
        lv[m] = v[m]
        al[m] = v[m] / sd_ov[r[m]]
        m = k == "alpha"
        lv[m] = al[m] = v[m] / sd_lv[r[m]]
    return lv, al


def standardize_values(rep: Representation, x: np.ndarray, est: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Standardize arbitrary values ``est`` (one per partable row) with the scales implied at ``x``."""
    arr = rep.arrays
    n = len(arr["mat"])
    std_lv = np.full(n, np.nan)
    std_all = np.full(n, np.nan)
    for g in range(rep.ngroups):
        rows = np.flatnonzero(arr["group"] == g + 1)
        std_lv[rows], std_all[rows] = _std_group(rep, x, g, est, rows)
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
    """Numerical Jacobian (rows × nx) of std_lv (``which=0``) or std_all (``which=1``).

    Group by group: a parameter moves only the standardized values of the groups it belongs to.
    """
    n = len(x)
    arr = rep.arrays
    J = np.zeros((len(arr["free"]), n))
    free = arr["free"]
    for g in range(rep.ngroups):
        rows = np.flatnonzero(arr["group"] == g + 1)
        for k in np.unique(rep.groups[g].xidx):
            h = 1e-6 * max(1.0, abs(x[k]))
            e = np.zeros(n)
            e[k] = h
            up = _std_group(rep, x + e, g, _values(free, arr["ustart"], x + e), rows)[which]
            dn = _std_group(rep, x - e, g, _values(free, arr["ustart"], x - e), rows)[which]
            J[rows, k] = (up - dn) / (2 * h)
    return J


def _values(free: np.ndarray, ustart: np.ndarray, x: np.ndarray) -> np.ndarray:
    out = ustart.copy()
    sel = free > 0
    out[sel] = x[free[sel] - 1]
    return out
