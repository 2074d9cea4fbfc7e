"""Modification indices with EPC (lavaan ``modindices``) and univariate score tests of equality
constraints (lavaan ``lavTestScore``), both from the expected information.

* MI of a parameter fixed at 0: ``N·g²/V`` with g the gradient of fmin and
  ``V = I₁₁ − I₁₂ I₂₂⁻¹ I₂₁``; EPC = ``−g/V``; sepc.all standardizes the EPC like the estimate.
* Score test of releasing the equality of row *o* with its class (all other constraints kept): the
  released space is span{K, e_o} (K maps free numbers to rows), so
  ``X² = N·(uᵀA⁻¹u + (cᵀA⁻¹u − s_o)² / (d − cᵀA⁻¹c))`` with A = KᵀIK, c = KᵀI e_o, d = I_oo, u = Kᵀs.

Examples
--------
>>> candidate_rows(("x1", "x2"), ("f",), {("f", "=~", "x1"), ("f", "=~", "x2")})
[('x1', '~~', 'x2')]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .blocks import ArrowInverse, blocks_of
from .estimators.base import Estimator
from .matrices import Representation
from .standardized import row_values, standardize_values

__all__ = ["candidate_rows", "modification_indices", "score_tests"]


def candidate_rows(observed: Sequence[str], latent: Sequence[str], present: set[tuple[str, str, str]]
                   ) -> list[tuple[str, str, str]]:
    """Parameters not in the model that modindices() considers: cross-loadings and (residual) covariances.

    Parameters
    ----------
    observed, latent : sequence of str
        The model's variables.
    present : set of (lhs, op, rhs)
        Rows already in the parameter table.

    Returns
    -------
    list of (lhs, op, rhs)
    """
    out = []
    for lv in latent:
        for ov in observed:
            if (lv, "=~", ov) not in present:
                out.append((lv, "=~", ov))
    for names in (observed, latent):
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                if (a, "~~", b) not in present and (b, "~~", a) not in present:
                    out.append((a, "~~", b))
    return out


def modification_indices(rep: Representation, est: Estimator, x: np.ndarray, groups: tuple[str, ...],
                         multigroup: bool) -> pd.DataFrame:
    """All modification indices, sorted decreasing.

    Parameters
    ----------
    rep, est, x : the fitted representation, estimator and estimates (:class:`~analysis.sem.results.EngineState`)
    groups : tuple of str
        Group labels.
    multigroup : bool
        Whether to label rows with their group.

    Returns
    -------
    DataFrame with columns lhs op rhs group mi epc sepc_lv sepc_all
    """
    pt = rep.pt
    present = set(zip(pt["lhs"], pt["op"], pt["rhs"], strict=True))
    cand = candidate_rows(rep.observed, rep.latent, present)
    cols = ["lhs", "op", "rhs", "group", "mi", "epc", "sepc_lv", "sepc_all"]
    if not cand:
        return pd.DataFrame(columns=cols)
    ov = {v: i for i, v in enumerate(rep.observed)}
    lv = {v: i for i, v in enumerate(rep.latent)}
    add = []
    nx = rep.nx
    nunco = rep.nunco
    for g in range(1, rep.ngroups + 1):
        for lhs, op, rhs in cand:
            if op == "=~":
                mat, r, c = "lambda", ov[rhs], lv[lhs]
            elif lhs in ov:
                mat, r, c = "theta", max(ov[lhs], ov[rhs]), min(ov[lhs], ov[rhs])
            else:
                mat, r, c = "psi", max(lv[lhs], lv[rhs]), min(lv[lhs], lv[rhs])
            nx += 1
            nunco += 1
            add.append(dict(lhs=lhs, op=op, rhs=rhs, user=10, block=g, group=g, free=nx, unco=nunco,
                            ustart=np.nan, exo=0, label="", plabel="", start=None, mat=mat, row=r, col=c))
    ext = pd.concat([pt, pd.DataFrame(add)], ignore_index=True)
    ext["id"] = np.arange(1, len(ext) + 1)
    ext.attrs.update(rep.pt_attrs)
    rep_e = Representation(ext)
    est_e = est.rebind(rep_e)
    xe = np.concatenate([x, np.zeros(rep_e.nx - rep.nx)])
    I = est_e.expected_information(xe)
    grad = est_e.gradient(xe)
    m = rep.nx
    I22i = np.linalg.inv(I[:m, :m])
    I12 = I[m:, :m]
    V = np.diag(I[m:, m:]) - np.einsum("ij,jk,ik->i", I12, I22i, I12)
    gm = grad[m:]
    N = est.ntotal
    with np.errstate(divide="ignore", invalid="ignore"):
        V = np.where(V < np.finfo(float).eps ** (1 / 3), np.nan, V)
        mi = N * gm * gm / V
        dg = -N * gm
        epc = mi / np.where(np.abs(dg) < 1e-15, 1.0, dg)
    extra = ext.iloc[len(pt):].reset_index(drop=True)
    vals = np.zeros(len(ext))
    vals[: len(pt)] = row_values(rep, x)
    vals[len(pt):] = np.abs(np.nan_to_num(epc))
    s_lv, s_all = standardize_values(rep_e, xe, vals)
    sign = np.sign(epc)
    out = pd.DataFrame({
        "lhs": extra["lhs"], "op": extra["op"], "rhs": extra["rhs"],
        "group": [groups[k - 1] for k in extra["group"]] if multigroup else "",
        "mi": mi, "epc": epc, "sepc_lv": sign * s_lv[len(pt):], "sepc_all": sign * s_all[len(pt):],
    })
    out = out[out["mi"].notna()].sort_values("mi", ascending=False, kind="stable").reset_index(drop=True)
    return out


def score_tests(rep: Representation, est: Estimator, x: np.ndarray, groups: tuple[str, ...],
                reference: bool = False) -> pd.DataFrame:
    """Univariate score tests of every equality constraint (releasing one constraint at a time).

    With ``reference=True`` each class also gets the test of releasing its first row (the reference group's
    parameter, compared with the next group), which lavaan's constraint-wise ``lavTestScore`` does not list.

    Parameters
    ----------
    rep, est, x : the fitted representation, estimator and estimates
    groups : tuple of str
        Group labels.
    reference : bool
        Also test releasing the first row of each class.

    Returns
    -------
    DataFrame with columns lhs op rhs group ref_group plabel_ref plabel x2 df pvalue
    """
    pt = rep.pt.copy(deep=False)
    pt.attrs = {}  # pandas deep-copies attrs on every operation
    cols = ["lhs", "op", "rhs", "group", "ref_group", "plabel_ref", "plabel", "x2", "df", "pvalue"]
    fr = pt[pt["unco"] > 0].sort_values("unco")
    dup = fr[fr.duplicated("free", keep=False)]
    if dup.empty:
        return pd.DataFrame(columns=cols)
    blocks = est.unco_blocks(x)
    nun = rep.nunco
    I = np.zeros((nun, nun))
    s = np.zeros(nun)
    for g, blk in enumerate(blocks):
        idx = rep.groups[g].unco
        I[np.ix_(idx, idx)] += blk
        s[idx] += est.w[g] * est.group_gradient(g, x)
    ux = np.asarray(rep.unco_to_x)
    nx = rep.nx

    def kt(M: np.ndarray) -> np.ndarray:  # Kᵀ M: sum the rows of M that share a free parameter
        out = np.zeros((nx,) + M.shape[1:])
        np.add.at(out, ux, M)
        return out

    A = kt(kt(I).T)  # Kᵀ I K (I symmetric)
    solve: Callable[[np.ndarray], np.ndarray]
    try:
        solve = ArrowInverse(blocks_of(rep), A).solve
    except np.linalg.LinAlgError:  # not positive definite: a dense inverse, as far as it goes
        dense = np.linalg.inv(A)

        def solve(b: np.ndarray) -> np.ndarray:
            return dense @ b
    u = kt(s)
    Aiu = solve(u)
    base = float(u @ Aiu)
    N = est.ntotal
    srt = dup.sort_values(["free", "unco"], kind="stable")
    fcol = srt["free"].to_numpy()
    first = np.r_[True, fcol[1:] != fcol[:-1]]
    start = np.maximum.accumulate(np.where(first, np.arange(len(srt)), 0))  # position of the class's first row
    keep = np.ones(len(srt), bool) if reference else ~first
    pos = np.flatnonzero(keep)
    other = np.where(first[pos], pos + 1, start[pos])  # the row compared with: the first row, or the second
    recs = {c: srt[c].to_numpy() for c in ("lhs", "op", "rhs", "group", "plabel", "unco")}
    plan = [({k: recs[k][i] for k in recs}, {k: recs[k][j] for k in recs}) for i, j in zip(pos, other, strict=True)]
    O = np.array([int(r["unco"]) - 1 for r, _ in plan], dtype=int)
    C = kt(I[:, O])                                   # Kᵀ I e_o for every tested row (nx × |O|)
    schur = I[O, O] - np.einsum("ij,ij->j", C, solve(C))
    num = C.T @ Aiu - s[O]
    with np.errstate(divide="ignore", invalid="ignore"):
        x2s = np.where(schur > 1e-12, N * (base + num ** 2 / schur), np.nan)
    rows = []
    for (r, ref), x2 in zip(plan, x2s, strict=True):
        rows.append(dict(lhs=r["lhs"], op=r["op"], rhs=r["rhs"], group=groups[int(r["group"]) - 1],
                         ref_group=groups[int(ref["group"]) - 1], plabel_ref=ref["plabel"],
                         plabel=r["plabel"], x2=float(x2), df=1, pvalue=float(stats.chi2.sf(x2, 1))))
    return pd.DataFrame(rows, columns=cols)
