"""The parameter table: one pandas DataFrame, a row per parameter (lavaan's idea, our code).

Columns: ``id lhs op rhs user block group free unco ustart exo label plabel mat row col``.
``unco`` numbers every free row (1, 2, ...); ``free`` numbers the *estimated* parameters: rows that are
constrained equal (same label, ``==``, or ``group_equal``) share one ``free`` number. Fixed rows have
``free == unco == 0`` and their value in ``ustart``. Defaults (residual variances, factor (co)variances,
intercepts, latent means, marker loadings) are rows with ``user == 0``.

Examples
--------
>>> from analysis.sem.syntax import parse_model
>>> pt = build_partable(parse_model("f =~ x1 + x2 + x3"))
>>> print(pt[["lhs", "op", "rhs", "free", "ustart"]].head(4).to_string(index=False))
lhs op rhs  free  ustart
  f =~  x1     0     1.0
  f =~  x2     1     NaN
  f =~  x3     2     NaN
 x1 ~~  x1     3     NaN
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from vcd_core.errors import EstimationError, ModelSyntaxError

from .syntax import ModelTerm, ParsedModel

__all__ = ["build_partable", "GROUP_EQUAL", "param_class", "parse_param"]

GROUP_EQUAL = ("loadings", "intercepts", "means", "residuals", "residual_covariances", "lv_variances",
               "lv_covariances", "regressions")


def parse_param(text: str) -> tuple[str, str, str]:
    """Split ``"F =~ x1"``, ``"x1 ~1"``, ``"x1 ~~ x2"`` into (lhs, op, rhs).

    Examples
    --------
    >>> parse_param("INF =~ INF03"), parse_param("INF03 ~ 1"), parse_param("x1~~x2")
    (('INF', '=~', 'INF03'), ('INF03', '~1', ''), ('x1', '~~', 'x2'))
    """
    m = re.fullmatch(r"\s*([A-Za-z_.][\w.]*)\s*(=~|~~|~\s*1|~)\s*([A-Za-z_.][\w.]*)?\s*", text)
    if not m:
        raise ModelSyntaxError(f"cannot read parameter {text!r}; write it like 'F =~ x1', 'x1 ~1' or 'x1 ~~ x2'")
    op = m.group(2).replace(" ", "")
    if op == "~1":
        return m.group(1), "~1", ""
    if not m.group(3):
        raise ModelSyntaxError(f"parameter {text!r} has no right-hand side")
    return m.group(1), op, m.group(3)


def param_class(op: str, lhs: str, rhs: str, latent: set[str]) -> str:
    """The ``group_equal`` class of a parameter.

    Examples
    --------
    >>> param_class("~~", "x1", "x1", {"f"}), param_class("~1", "f", "", {"f"})
    ('residuals', 'means')
    """
    if op == "=~":
        return "loadings"
    if op == "~":
        return "regressions"
    if op == "~1":
        return "means" if lhs in latent else "intercepts"
    lat = lhs in latent
    if lhs == rhs:
        return "lv_variances" if lat else "residuals"
    return "lv_covariances" if lat else "residual_covariances"


def _per_group(vals: tuple | None, ngroups: int, what: str, term: ModelTerm) -> list:
    if vals is None:
        return [None] * ngroups
    if len(vals) == 1:
        return [vals[0]] * ngroups
    if len(vals) != ngroups:
        raise ModelSyntaxError(
            f"line {term.line}: c() for {term.lhs} {term.op} {term.rhs} has {len(vals)} {what} but there are "
            f"{ngroups} group(s)")
    return list(vals)


_Key = tuple[str, str, str]


def _equal_specs(group_equal: Sequence[str], group_partial: Sequence[str | tuple[str, int]], ngroups: int
                 ) -> tuple[set[str], set[_Key], dict[_Key, set[int]]]:
    """The ``group_equal`` classes, the parameters released in every group and those released per group."""
    geq = set()
    for g in group_equal:
        key = g.replace(".", "_")
        if key not in GROUP_EQUAL:
            raise EstimationError(f"unknown group_equal {g!r}; use some of {', '.join(GROUP_EQUAL)}")
        geq.add(key)
    partial: set[_Key] = set()
    partial_in: dict[_Key, set[int]] = {}
    for spec in group_partial:
        if isinstance(spec, str):
            partial.add(parse_param(spec))
        else:
            text, gi = spec
            if not 1 <= int(gi) <= ngroups:
                raise EstimationError(f"group_partial {text!r}: group {gi} is not in 1..{ngroups}")
            partial_in.setdefault(parse_param(text), set()).add(int(gi))
    return geq, partial, partial_in


class _Cells:
    """Where a parameter lives: (matrix, row, column) from (lhs, op, rhs)."""

    def __init__(self, model: ParsedModel) -> None:
        self.lat = set(model.latent)
        self.ov = {v: i for i, v in enumerate(model.observed)}
        self.lv = {v: i for i, v in enumerate(model.latent)}

    def __call__(self, op: str, lhs: str, rhs: str) -> tuple[str, int, int]:
        lat, ov, lv = self.lat, self.ov, self.lv
        if op == "=~":
            if rhs in lat:
                raise EstimationError(f"'{lhs} =~ {rhs}': second-order factors are not supported")
            return "lambda", ov[rhs], lv[lhs]
        if op == "~":
            if lhs not in lat or rhs not in lat:
                raise EstimationError(f"'{lhs} ~ {rhs}': only regressions among latent variables are supported")
            return "beta", lv[lhs], lv[rhs]
        if op == "~1":
            return ("alpha", lv[lhs], 0) if lhs in lat else ("nu", ov[lhs], 0)
        if (lhs in lat) != (rhs in lat):
            raise EstimationError(f"'{lhs} ~~ {rhs}': covariances between a latent and an observed variable "
                                  "are not supported")
        if lhs in lat:
            a, b = lv[lhs], lv[rhs]
            return "psi", max(a, b), min(a, b)
        a, b = ov[lhs], ov[rhs]
        return "theta", max(a, b), min(a, b)


def _group_rows(model: ParsedModel, where: _Cells, g: int, ngroups: int, std_lv: bool, meanstructure: bool,
                geq: set[str]) -> list[dict[str, Any]]:
    """The rows of group ``g`` (1-based): the user's terms, then lavaan's defaults."""
    seen: set[tuple[str, int, int]] = set()
    first_loading: dict[str, int] = {}
    grows: list[dict[str, Any]] = []
    for t in model.terms:
        cell = where(t.op, t.lhs, t.rhs)
        if cell in seen:
            raise ModelSyntaxError(f"line {t.line}: parameter {t.lhs} {t.op} {t.rhs} is specified twice")
        seen.add(cell)
        fixed = _per_group(t.fixed, ngroups, "values", t)[g - 1]
        label = _per_group(t.labels, ngroups, "labels", t)[g - 1]
        start = _per_group(t.start, ngroups, "start values", t)[g - 1]
        row = dict(lhs=t.lhs, op=t.op, rhs=t.rhs, user=1, ustart=fixed, label=label or "", start=start,
                   fixed=fixed is not None, forced=t.free_forced or t.fixed is not None)
        if t.op == "=~" and t.lhs not in first_loading:
            first_loading[t.lhs] = len(grows)
        grows.append(row)
    # marker / std.lv
    for i in first_loading.values():
        r = grows[i]
        if not std_lv and not r["forced"]:
            r["fixed"], r["ustart"] = True, 1.0

    def add(lhs: str, op: str, rhs: str, fixed: float | None = None) -> None:
        cell = where(op, lhs, rhs)
        if cell not in seen:
            seen.add(cell)
            grows.append(dict(lhs=lhs, op=op, rhs=rhs, user=0, ustart=fixed, label="", start=None,
                              fixed=fixed is not None, forced=False))

    for v in model.observed:
        add(v, "~~", v)
    # std.lv: variances fixed to 1, except in groups 2.. once loadings are equal (lavaan >= 0.6-4)
    free_var = g > 1 and "loadings" in geq and "lv_variances" not in geq
    for v in model.latent:
        add(v, "~~", v, 1.0 if std_lv and not free_var else None)
    endo = {t.lhs for t in model.terms if t.op == "~"}
    exo = [v for v in model.latent if v not in endo]
    for i, a in enumerate(exo):
        for b in exo[i + 1:]:
            add(a, "~~", b)
    if meanstructure:
        for v in model.observed:
            add(v, "~1", "")
        free_means = g > 1 and "intercepts" in geq and "means" not in geq
        for v in model.latent:
            add(v, "~1", "", None if free_means else 0.0)
    for r in grows:
        r["group"] = g
    return grows


class _UnionFind:
    def __init__(self, items: np.ndarray) -> None:
        self.parent = {int(r): int(r) for r in items}

    def find(self, a: int) -> int:
        parent = self.parent
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _number_free(pt: pd.DataFrame, model: ParsedModel, geq: set[str], partial: set[_Key],
                 partial_in: dict[_Key, set[int]], ngroups: int) -> None:
    """Label fixes (``a == 1``), then ``unco`` and ``free`` numbers: rows equal by label, ``==`` or
    ``group_equal`` (unless released) share one ``free`` number."""
    fixes = {c.lhs: c.rhs for c in model.constraints if not isinstance(c.rhs, str)}
    labels = set(pt["label"]) - {""}
    for c in model.constraints:
        for lab in (c.lhs, c.rhs) if isinstance(c.rhs, str) else (c.lhs,):
            if lab not in labels:
                raise ModelSyntaxError(f"line {c.line}: constraint uses unknown label {lab!r}")
    for lab, val in fixes.items():
        sel = pt["label"] == lab
        pt.loc[sel, "fixed"] = True
        pt.loc[sel, "ustart"] = float(val)
    free_rows = np.flatnonzero(~pt["fixed"].to_numpy(bool))
    unco = np.zeros(len(pt), dtype=int)
    unco[free_rows] = np.arange(1, len(free_rows) + 1)
    pt["unco"] = unco
    uf = _UnionFind(free_rows)
    lab_arr = pt["label"].to_numpy()
    lhs_arr, op_arr, rhs_arr = pt["lhs"].to_numpy(), pt["op"].to_numpy(), pt["rhs"].to_numpy()
    grp_arr = pt["group"].to_numpy()
    by_label: dict[str, int] = {}
    for r in free_rows:
        lab = lab_arr[r]
        if lab:
            if lab in by_label:
                uf.union(by_label[lab], int(r))
            else:
                by_label[lab] = int(r)
    for c in model.constraints:
        if isinstance(c.rhs, str) and c.lhs in by_label and c.rhs in by_label:
            uf.union(by_label[c.lhs], by_label[c.rhs])
    if geq and ngroups > 1:
        # rows of a constrained parameter that are not released share the first such row's number
        lat_set = set(model.latent)
        anchor: dict[_Key, int] = {}
        for r in free_rows:
            key = (str(lhs_arr[r]), str(op_arr[r]), str(rhs_arr[r]))
            if (key in partial or int(grp_arr[r]) in partial_in.get(key, set())
                    or param_class(key[1], key[0], key[2], lat_set) not in geq):
                continue
            if key in anchor:
                uf.union(anchor[key], int(r))
            else:
                anchor[key] = int(r)
    free = np.zeros(len(pt), dtype=int)
    nums: dict[int, int] = {}
    for r in free_rows:
        root = uf.find(int(r))
        if root not in nums:
            nums[root] = len(nums) + 1
        free[r] = nums[root]
    pt["free"] = free


def build_partable(
    model: ParsedModel,
    *,
    ngroups: int = 1,
    std_lv: bool = False,
    meanstructure: bool = False,
    group_equal: Sequence[str] = (),
    group_partial: Sequence[str | tuple[str, int]] = (),
) -> pd.DataFrame:
    """Build the parameter table of a (multi-group) CFA.

    Parameters
    ----------
    model : ParsedModel
        From :func:`analysis.sem.syntax.parse_model`.
    ngroups : int
        Number of groups; every group gets the same rows (``block``/``group`` = 1..G).
    std_lv : bool
        Fix latent variances to 1 and free all loadings (else the first loading of each factor is 1).
    meanstructure : bool
        Add observed intercepts (free) and latent means (fixed 0; free in groups 2.. when
        ``"intercepts"`` is in ``group_equal`` and ``"means"`` is not, as lavaan does).
    group_equal, group_partial :
        lavaan's ``group.equal`` classes and the parameters released from them: ``"F =~ x3"`` releases the
        parameter in every group (lavaan); ``("F =~ x3", g)`` releases it in group *g* (1-based) only, the
        other groups staying equal to each other (partial invariance found by score tests).

    Returns
    -------
    DataFrame
        The parameter table (see the module notes); ``attrs`` hold observed, latent, meanstructure, ngroups.

    Examples
    --------
    >>> from analysis.sem.syntax import parse_model
    >>> pt = build_partable(parse_model("f =~ x1 + x2 + x3"), ngroups=2, meanstructure=True,
    ...                     group_equal=["loadings"])
    >>> print(pt[(pt.op == "=~")][["rhs", "group", "free", "unco"]].to_string(index=False))
    rhs  group  free  unco
     x1      1     0     0
     x2      1     1     1
     x3      1     2     2
     x1      2     0     0
     x2      2     1    10
     x3      2     2    11
    """
    geq, partial, partial_in = _equal_specs(group_equal, group_partial, ngroups)
    if meanstructure is False and any(t.op == "~1" for t in model.terms):
        meanstructure = True
    where = _Cells(model)
    rows: list[dict[str, Any]] = []
    for g in range(1, ngroups + 1):
        rows += _group_rows(model, where, g, ngroups, std_lv, meanstructure, geq)
    pt = pd.DataFrame(rows)
    pt.insert(0, "id", np.arange(1, len(pt) + 1))
    pt["block"] = pt["group"]
    pt["exo"] = 0
    pt["plabel"] = [f".p{i}." for i in pt["id"]]
    cells = [where(o, lh, rh) for o, lh, rh in zip(pt.op, pt.lhs, pt.rhs, strict=True)]
    pt["mat"] = [c[0] for c in cells]
    pt["row"] = [c[1] for c in cells]
    pt["col"] = [c[2] for c in cells]
    _number_free(pt, model, geq, partial, partial_in, ngroups)
    pt.loc[pt["fixed"], "ustart"] = pt.loc[pt["fixed"], "ustart"].astype(float)
    pt["ustart"] = pd.to_numeric(pt["ustart"], errors="coerce")
    pt.loc[~pt["fixed"], "ustart"] = np.nan
    cols = ["id", "lhs", "op", "rhs", "user", "block", "group", "free", "unco", "ustart", "exo", "label",
            "plabel", "start", "mat", "row", "col"]
    out = pt[cols].copy()
    out.attrs.update(observed=tuple(model.observed), latent=tuple(model.latent), meanstructure=bool(meanstructure),
                     ngroups=ngroups)
    return out
