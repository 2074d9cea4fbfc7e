"""Invariance summaries of an alignment solution, as sirt 4.3-21 computes them.

* :func:`es_invariance` — ``R2`` (share of the configural parameters' variation explained by the aligned factor
  means and SDs with invariant item parameters), ``sqrtU2 = sqrt(1 - R2)`` and ``rbar`` (mean correlation between
  groups of the aligned parameters over items), for loadings and intercepts (sirt's ``es.invariance``):
  ``R2_lambda = 1 - sum (lambda - psi M_lambda)^2 / sum lambda^2`` and
  ``R2_nu = 1 - sum (nu - M_nu - alpha M_lambda)^2 / sum nu^2`` with M the item means of the aligned parameters.
* :func:`item_summary` — per item Med/M/SD/Min/Max of the aligned loadings and intercepts (``itempars.aligned``).
* :func:`find_constraints` — sirt's ``invariance_alignment_find_parameter_constraints``: per item a joint value
  (the median of the aligned parameter over groups: sirt's weighted-mean update averages the joint value itself
  over the groups within ``tol``, so it stays there) and which groups deviate from it by more than ``tol``;
  :func:`invariance_table` puts both parameter types in one tidy table (one row per parameter × group) and
  :func:`mplus_lines` prints it the way Mplus's "approximate measurement invariance" output does (the groups
  sharing the parameter, the others in parentheses).

Examples
--------
>>> import numpy as np
>>> la = np.array([[1.0, .5], [1.02, .52], [.98, .9]])
>>> c = find_constraints(la, tol=.2, wgt=np.full((3, 2), 1 / 3))
>>> c.n_unique_items.tolist(), np.round(c.joint, 3).tolist()
([0, 1], [1.0, 0.52])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Constraints", "es_invariance", "find_constraints", "invariance_table", "item_summary", "mplus_lines"]


def _rbar(x: np.ndarray) -> float:
    """Mean off-diagonal correlation between the rows (groups) of x over its columns (items)."""
    c = np.corrcoef(x)
    n = c.shape[0]
    return float((np.nansum(c) - n) / (n * n - n))


def es_invariance(lam: np.ndarray, nu: np.ndarray, alpha: np.ndarray, psi: np.ndarray, lam_al: np.ndarray,
                  nu_al: np.ndarray) -> pd.DataFrame:
    """sirt's ``es.invariance``: rows R2, sqrtU2, rbar; columns loadings, intercepts.

    Parameters
    ----------
    lam, nu : arrays (G, I)
        Configural loadings and intercepts (NaN = missing).
    alpha, psi : arrays (G,)
        Aligned factor means and SDs.
    lam_al, nu_al : arrays (G, I)
        Aligned loadings and intercepts.

    Returns
    -------
    DataFrame

    Examples
    --------
    >>> lam = np.array([[1., .8], [2., 1.6]]); nu = np.array([[0., .1], [1., .9]])
    >>> psi = np.array([1., 2.]); alpha = np.array([0., 1.])
    >>> la = lam / psi[:, None]; na = nu - alpha[:, None] * la
    >>> float(es_invariance(lam, nu, alpha, psi, la, na).loc["R2", "loadings"])
    1.0
    """
    M_l = np.nanmean(lam_al, axis=0)[None, :]
    M_n = np.nanmean(nu_al, axis=0)[None, :]
    r2_l = 1 - np.nansum((lam - psi[:, None] * M_l) ** 2) / np.nansum(lam**2)
    r2_n = 1 - np.nansum((nu - M_n - alpha[:, None] * M_l) ** 2) / np.nansum(nu**2)
    r2 = np.array([r2_l, r2_n])
    rbar = np.array([_rbar(np.nan_to_num(lam_al)), _rbar(np.nan_to_num(nu_al))])
    return pd.DataFrame([r2, np.sqrt(np.clip(1 - r2, 0, None)), rbar], index=["R2", "sqrtU2", "rbar"],
                        columns=["loadings", "intercepts"])


def item_summary(lam_al: np.ndarray, nu_al: np.ndarray, items: Sequence[str]) -> pd.DataFrame:
    """sirt's ``itempars.aligned``: per item Med/M/SD/Min/Max of the aligned loadings and intercepts (SD with n - 1).

    Parameters
    ----------
    lam_al, nu_al : arrays (G, I)
    items : item names

    Returns
    -------
    DataFrame
        Index ``items``; columns ``Med_lambda M_lambda SD_lambda Min_lambda Max_lambda`` and the same for ``nu``.

    Examples
    --------
    >>> item_summary(np.array([[1.], [3.]]), np.array([[0.], [2.]]), ["y"]).loc["y", "SD_nu"].round(4)
    np.float64(1.4142)
    """
    out = {}
    for lab, x in (("lambda", lam_al), ("nu", nu_al)):
        out[f"Med_{lab}"] = np.nanmedian(x, axis=0)
        out[f"M_{lab}"] = np.nanmean(x, axis=0)
        out[f"SD_{lab}"] = np.nanstd(x, axis=0, ddof=1)
        out[f"Min_{lab}"] = np.nanmin(x, axis=0)
        out[f"Max_{lab}"] = np.nanmax(x, axis=0)
    return pd.DataFrame(out, index=list(items))


@dataclass(frozen=True)
class Constraints:
    """Parameter-level invariance of one parameter type (sirt ``invariance_alignment_constraints``).

    Attributes
    ----------
    tol : the tolerance
    joint : (I,) the joint (invariant) value per item
    est : (G, I) the joint value where a group is within ``tol``, its own aligned value elsewhere
    invariant : (G, I) bool, the group shares the joint value (NaN cells False)
    n_unique_items, n_unique_groups : deviating groups per item / deviating items per group
    n_parm_all : number of distinct parameters (joint values used + deviating ones)
    n_total : number of (non-missing) group × item parameters
    prop_noninvariance : percent of parameters that deviate
    iterations : sirt's iteration counter
    """

    tol: float
    joint: np.ndarray
    est: np.ndarray
    invariant: np.ndarray
    n_unique_items: np.ndarray
    n_unique_groups: np.ndarray
    n_parm_all: int
    n_total: int
    prop_noninvariance: float
    iterations: int


def find_constraints(parm: np.ndarray, tol: float, wgt: np.ndarray | None = None, maxiter: int = 20,
                     conv: float = 1e-5) -> Constraints:
    """sirt's ``invariance_alignment_find_parameter_constraints`` for one parameter type.

    Parameters
    ----------
    parm : array (G, I)
        Aligned parameters (NaN = missing).
    tol : float
        Deviations larger than this make a group's parameter non-invariant.
    wgt : array (G, I), optional
        The alignment weights (normalised; zero where missing); default equal weights.
    maxiter, conv :
        sirt's iteration limit (20) and convergence criterion (1e-5) of ``invariance_alignment_constraints``.

    Returns
    -------
    Constraints

    Examples
    --------
    >>> c = find_constraints(np.array([[0.], [0.1], [1.0]]), tol=.4)
    >>> c.invariant[:, 0].tolist(), round(float(c.joint[0]), 3)
    ([True, True, False], 0.1)
    """
    G, I = parm.shape
    miss = np.isnan(parm)
    x = np.where(miss, 0.0, parm)
    w = np.ones((G, I)) if wgt is None else np.asarray(wgt, float)
    w = np.where(miss, 0.0, w)
    joint = np.nanmedian(parm, axis=0)
    est = x.copy()
    it = 1
    while True:
        old = est
        est = np.tile(joint, (G, 1))
        dev = np.abs(x - est) > tol
        est = np.where(dev, x, est)
        keep = (~dev) * w
        with np.errstate(invalid="ignore", divide="ignore"):
            j1 = (est * keep).sum(axis=0) / keep.sum(axis=0)
            j2 = (est * w).sum(axis=0) / w.sum(axis=0)
        joint = np.where(np.isnan(j1), j2, j1)
        change = float(np.max(np.abs(est - old)))
        stop = change < conv or it >= maxiter
        it += 1
        if it == 2:
            stop = False
        if stop:
            break
    est = np.where(miss, np.nan, est)
    d = np.abs(est - joint[None, :])
    uniq = np.where(miss, False, d > 1e-5)
    shared = np.where(miss, False, d <= 1e-5)
    n_items = uniq.sum(axis=0)
    n_parm = int((shared.sum(axis=0) > 0).sum() + n_items.sum())
    n_total = int((~miss).sum())
    return Constraints(tol=float(tol), joint=joint, est=est, invariant=shared, n_unique_items=n_items,
                       n_unique_groups=uniq.sum(axis=1), n_parm_all=n_parm, n_total=n_total,
                       prop_noninvariance=100.0 * float(uniq.sum()) / n_total, iterations=it)


def invariance_table(lam_al: np.ndarray, nu_al: np.ndarray, cl: Constraints, cn: Constraints,
                     groups: Sequence[str], items: Sequence[str]) -> pd.DataFrame:
    """One row per parameter × group: ``param`` (``loading``/``intercept``), ``item``, ``group``, ``aligned``,
    ``joint``, ``deviation``, ``invariant`` (within the tolerance of the joint value).

    Parameters
    ----------
    lam_al, nu_al : arrays (G, I)
    cl, cn : Constraints of the loadings and intercepts
    groups, items : labels

    Returns
    -------
    DataFrame

    Examples
    --------
    >>> la = np.array([[1.], [1.1], [2.]]); na = np.zeros((3, 1))
    >>> t = invariance_table(la, na, find_constraints(la, .2), find_constraints(na, .4), ["a", "b", "c"], ["y"])
    >>> t[t.param == "loading"].invariant.tolist()
    [True, True, False]
    """
    rows = []
    for name, al, c in (("loading", lam_al, cl), ("intercept", nu_al, cn)):
        for i, item in enumerate(items):
            for g, grp in enumerate(groups):
                rows.append({"param": name, "item": item, "group": grp, "aligned": al[g, i], "joint": c.joint[i],
                             "deviation": al[g, i] - c.joint[i], "invariant": bool(c.invariant[g, i])})
    return pd.DataFrame(rows)


def mplus_lines(table: pd.DataFrame, groups: Sequence[str]) -> list[str]:
    """Mplus-style text: per parameter type and item the groups, non-invariant ones in parentheses.

    Parameters
    ----------
    table : DataFrame from :func:`invariance_table`
    groups : group labels in order

    Returns
    -------
    list of str

    Examples
    --------
    >>> la = np.array([[1.], [1.1], [2.]]); na = np.zeros((3, 1))
    >>> t = invariance_table(la, na, find_constraints(la, .2), find_constraints(na, .4), ["a", "b", "c"], ["y"])
    >>> mplus_lines(t, ["a", "b", "c"])[:2]
    ['Loadings', '  y  a b (c)']
    """
    out: list[str] = []
    width = max(len(str(i)) for i in table["item"]) if len(table) else 1
    for name, head in (("loading", "Loadings"), ("intercept", "Intercepts")):
        out.append(head)
        sub = table[table["param"] == name]
        for item, rows in sub.groupby("item", sort=False):
            inv = dict(zip(rows["group"], rows["invariant"], strict=True))
            cells = [str(g) if inv.get(g, False) else f"({g})" for g in groups if g in inv]
            out.append(f"  {str(item):<{width}}  " + " ".join(cells))
    return out
