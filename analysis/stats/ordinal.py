"""Ordinal sample statistics per group — what DWLS/WLSMV is fitted to, as lavaan 0.6.14's ``lav_samplestats``.

Per group: thresholds (``qnorm`` of the cumulative category proportions of each item's answers), two-step
polychoric correlations (ρ by ML with the thresholds fixed, :mod:`analysis.stats.ordinal_bvn`), their asymptotic
covariance matrix Γ (NACOV, Muthén 1984, :mod:`analysis.stats.ordinal_gamma`), the vector ``WLS.obs`` in lavaan's
order — all thresholds item by item, then the correlations of the lower triangle column by column
(``A2~~A1, A3~~A1, …``) — and the DWLS weights ``1 / diag(NACOV)``.

``missing="listwise"`` keeps the rows that answer every item; ``"pairwise"`` keeps every row that answers at
least one item: thresholds from each item's answers, each ρ from the rows answering both, and every row scores
0 on what it did not answer (lavaan's ``missing = "pairwise"``; N = the group's rows). Groups are in order of first
appearance, as lavaan orders them. Empty categories: :mod:`analysis.stats.ordinal_categories`.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(3)
>>> z = rng.multivariate_normal([0, 0, 0], [[1, .5, .4], [.5, 1, .3], [.4, .3, 1]], size=600)
>>> df = pd.DataFrame(np.digitize(z, [-1, 0, 1]) + 1, columns=["a", "b", "c"])
>>> st = ordinal_stats(df)
>>> g = st.groups[0]
>>> g.n, len(g.wls_obs), g.nacov.shape
(600, 12, (12, 12))
>>> st.obs_names[:2], st.obs_names[-1]
(['a|t1', 'a|t2'], 'c~~b')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import ndtri

from analysis.data.prepare import numeric_columns
from analysis.stats.ordinal_bvn import fit_rho
from analysis.stats.ordinal_categories import category_label, code_categories
from analysis.stats.ordinal_gamma import nacov as _nacov
from analysis.stats.ordinal_gamma import padded
from vcd_core.errors import DataError

__all__ = ["GroupOrdinalStats", "OrdinalStats", "ordinal_stats", "pair_index"]


def pair_index(p: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column item of every correlation in lavaan's order (``lav_matrix_vech(diagonal = FALSE)``).

    Examples
    --------
    >>> [x.tolist() for x in pair_index(3)]
    [[1, 2, 2], [0, 0, 1]]
    """
    cols, rows = np.triu_indices(p, 1)  # column-major lower triangle = row-major upper triangle, swapped
    return rows, cols


@dataclass(frozen=True)
class GroupOrdinalStats:
    """One group's ordinal sample statistics.

    Attributes
    ----------
    label : str
        Group label.
    n : int
        Rows of the group used (N of NACOV).
    thresholds : DataFrame
        One row per threshold: ``item``, ``threshold`` (``t1``…), ``name`` (``A1|t1``), ``below`` and ``above``
        (the category labels it separates) and ``value``.
    polychoric : DataFrame
        Items × items polychoric correlation matrix.
    pairwise_n : DataFrame
        Rows answering each pair (the diagonal: each item).
    category_counts : DataFrame
        ``item``, ``category``, ``count`` (after any merge of empty categories).
    wls_obs : ndarray
        Thresholds then correlations (lavaan's ``WLS.obs``).
    wls_v : ndarray
        DWLS weights ``1 / diag(NACOV)`` (lavaan's ``WLS.VD``).
    nacov : ndarray or None
        Γ (NACOV) of ``wls_obs``; ``None`` when only the weights were asked for.
    """

    label: str
    n: int
    thresholds: pd.DataFrame = field(repr=False)
    polychoric: pd.DataFrame = field(repr=False)
    pairwise_n: pd.DataFrame = field(repr=False)
    category_counts: pd.DataFrame = field(repr=False)
    wls_obs: np.ndarray = field(repr=False)
    wls_v: np.ndarray = field(repr=False)
    nacov: np.ndarray | None = field(default=None, repr=False)


@dataclass(frozen=True)
class OrdinalStats:
    """Ordinal sample statistics of all groups (see the module docstring).

    Attributes
    ----------
    items : tuple of str
        The ordered items, in model order.
    groups : tuple of GroupOrdinalStats
        Per group, in order of first appearance.
    missing : str
        ``"listwise"`` or ``"pairwise"``.
    categories : dict
        Item → its category labels (merged categories as ``"1+2"``).
    collapsed : DataFrame
        Merged empty categories: ``item``, ``category``, ``merged_into``, ``groups`` (empty when none).
    n_raw, n_excluded : int
        Rows given and rows left out (listwise: incomplete rows; pairwise: rows answering no item);
        ``n_raw = sum(n) + n_excluded``.
    """

    items: tuple[str, ...]
    groups: tuple[GroupOrdinalStats, ...]
    missing: str
    categories: dict[str, tuple[str, ...]]
    collapsed: pd.DataFrame = field(repr=False)
    n_raw: int = 0
    n_excluded: int = 0

    @property
    def ntotal(self) -> int:
        """Rows used over all groups."""
        return int(sum(g.n for g in self.groups))

    @property
    def th_item(self) -> np.ndarray:
        """Item index (0-based, into ``items``) of every threshold, in ``wls_obs`` order."""
        return np.repeat(np.arange(len(self.items)), [len(c) - 1 for c in self.categories.values()])

    @property
    def obs_names(self) -> list[str]:
        """Names of the ``wls_obs`` elements: ``A1|t1`` … then ``A2~~A1`` …"""
        th = list(self.groups[0].thresholds["name"])
        il, jl = pair_index(len(self.items))
        return th + [f"{self.items[i]}~~{self.items[j]}" for i, j in zip(il, jl, strict=True)]

    def summary(self) -> str:
        """Text summary: groups, sizes, categories, merges."""
        lines = [f"Ordinal sample statistics: {len(self.items)} items, {len(self.groups)} group(s), "
                 f"missing = {self.missing}, N = {self.ntotal} (of {self.n_raw} rows; {self.n_excluded} left out)"]
        for g in self.groups:
            tri = g.polychoric.to_numpy()[np.tril_indices(len(self.items), -1)]
            lines.append(f"  group {g.label}: n = {g.n}, {len(g.thresholds)} thresholds, polychoric "
                         f"{tri.min():.3f} … {tri.max():.3f}" if tri.size else f"  group {g.label}: n = {g.n}")
        if len(self.collapsed):
            for row in self.collapsed.itertuples():
                lines.append(f"  merged: {row.item} category {row.category} into {row.merged_into} "
                             f"(empty in {row.groups})")
        return "\n".join(lines)


def _select(data: pd.DataFrame, items: Sequence[str] | None, group: str | None,
            ordered: Sequence[str] | str) -> list[str]:
    cols = [c for c in data.columns if c != group] if items is None else list(items)
    unknown = [c for c in cols if c not in data.columns]
    if group is not None and group not in data.columns:
        unknown.append(group)
    if unknown:
        raise DataError(f"unknown column(s): {', '.join(map(str, unknown))}")
    if len(cols) < 2:
        raise DataError("ordinal statistics need at least two items")
    if isinstance(ordered, str):
        if ordered != "all":
            raise DataError(f"ordered must be 'all' or a list of items, not {ordered!r}")
    else:
        extra = [c for c in ordered if c not in cols]
        if extra:
            raise DataError(f"ordered item(s) not among the items: {', '.join(map(str, extra))}")
        cont = [c for c in cols if c not in set(ordered)]
        if cont:
            raise DataError("continuous items next to ordered ones are not supported yet (polyserial "
                            f"correlations): {', '.join(map(str, cont))}; declare every item ordered")
    return [str(c) for c in cols]


def _rows(data: pd.DataFrame, cols: list[str], group: str | None, missing: str
          ) -> tuple[np.ndarray, np.ndarray, list[str], int]:
    """Answers, group labels and group order of the rows kept; and how many rows were left out."""
    x = numeric_columns(data, cols).to_numpy(float)
    obs = ~np.isnan(x)
    bad = obs & (x != np.round(x))
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise DataError(f"value {float(x[r, c])!r} is not a category (ordered items need whole numbers)",
                        row=int(r) + 1, column=cols[c])
    if group is None:
        g = np.array(["all"] * len(x), dtype=object)
    else:
        gcol = data[group]
        if gcol.isna().any():
            raise DataError("group is missing", row=int(np.flatnonzero(gcol.isna().to_numpy())[0]) + 1,
                            column=group)
        g = gcol.astype(str).to_numpy(dtype=object)
    keep = obs.all(axis=1) if missing == "listwise" else obs.any(axis=1)
    labels = [str(v) for v in pd.unique(g[keep])]
    return x[keep], g[keep], labels, int((~keep).sum())


def _group_tables(codes: np.ndarray, nlev: np.ndarray) -> np.ndarray:
    """Every item pair's contingency table at once: one-hot codes, one cross-product."""
    n, p = codes.shape
    kmax = int(nlev.max())
    onehot = np.zeros((n, p * kmax))
    rows, cols = np.nonzero(codes >= 0)
    onehot[rows, cols * kmax + codes[rows, cols]] = 1.0
    return (onehot.T @ onehot).reshape(p, kmax, p, kmax).transpose(0, 2, 1, 3)


def ordinal_stats(data: pd.DataFrame, items: Sequence[str] | None = None, *, group: str | None = None,
                  ordered: Sequence[str] | str = "all", missing: str = "listwise",
                  empty_categories: str = "stop",
                  categories: Sequence[float] | Mapping[str, Sequence[float]] | None = None,
                  nacov: bool = True) -> OrdinalStats:
    """Thresholds, polychoric correlations, Γ and DWLS weights per group, as lavaan's ``lav_samplestats``.

    Parameters
    ----------
    data : DataFrame
        Integer-coded answers (missing = NaN) and, optionally, a group column.
    items : sequence of str, optional
        Items in model order (default: every column but ``group``).
    group : str, optional
        Column whose values define the groups (in order of first appearance).
    ordered : "all" or sequence of str
        Which items are ordered; today every item must be (continuous items need polyserial correlations).
    missing : {"listwise", "pairwise"}
        lavaan's ``missing`` for categorical data.
    empty_categories : {"stop", "collapse"}
        A category empty in some group: stop with a message, or merge it with its neighbour in every group.
    categories : sequence or mapping, optional
        The scale points (all items, or per item); default: the answers seen over all groups.
    nacov : bool
        Also the full Γ (for robust SEs and the scaled test); otherwise only its diagonal (the weights).

    Returns
    -------
    OrdinalStats

    Raises
    ------
    DataError
        Unknown columns, a non-integer answer (row and column named), a missing group, an empty category with
        ``empty_categories="stop"``, an item with one category, or a pair never answered together.

    Examples
    --------
    >>> df = pd.DataFrame({"a": [1, 2, 3, 1, 2, 3, 2, 2], "b": [1, 2, 3, 2, 2, 3, 1, 2]})
    >>> ordinal_stats(df).groups[0].thresholds["name"].tolist()
    ['a|t1', 'a|t2', 'b|t1', 'b|t2']
    """
    if missing not in ("listwise", "pairwise"):
        raise DataError(f"missing must be 'listwise' or 'pairwise', not {missing!r}")
    cols = _select(data, items, group, ordered)
    x, g, labels, n_out = _rows(data, cols, group, missing)
    if not labels:
        raise DataError("no rows left" + (" that answer every item" if missing == "listwise" else ""))
    coded = code_categories(x, g, labels, cols, categories=categories, empty=empty_categories)
    nlev = np.array([len(lv) for lv in coded.levels])
    kmax = int(nlev.max())
    p = len(cols)
    il, jl = pair_index(p)
    per_group = []
    for lab in labels:
        c = coded.codes[g == lab]
        tables = _group_tables(c, nlev)
        counts = tables[np.arange(p), np.arange(p)].diagonal(axis1=1, axis2=2)  # (p, kmax)
        nij = tables.sum(axis=(2, 3))
        if (nij[il, jl] == 0).any():
            m = int(np.flatnonzero(nij[il, jl] == 0)[0])
            raise DataError(f"group {lab}: items {cols[il[m]]} and {cols[jl[m]]} are never answered together")
        tau = [ndtri(np.cumsum(counts[i, :nlev[i] - 1]) / counts[i].sum()) for i in range(p)]
        per_group.append((lab, c, tables[il, jl], counts, nij, tau))
    # one Newton run for the correlations of all groups
    a = np.concatenate([padded(t[5], kmax - 1)[il] for t in per_group])
    b = np.concatenate([padded(t[5], kmax - 1)[jl] for t in per_group])
    rho_all = fit_rho(a, b, np.concatenate([t[2] for t in per_group]))
    out = []
    for k, (lab, c, tabs, counts, nij, tau) in enumerate(per_group):
        rho = rho_all[k * len(il):(k + 1) * len(il)]
        out.append(_group_result(lab, cols, coded.levels, c, tabs, counts, nij, tau, rho, nacov))
    collapsed = pd.DataFrame([(m.item, m.category, m.merged_into, ", ".join(m.groups)) for m in coded.collapsed],
                             columns=["item", "category", "merged_into", "groups"])
    cats = {it: tuple(category_label(v) for v in lv) for it, lv in zip(cols, coded.levels, strict=True)}
    return OrdinalStats(items=tuple(cols), groups=tuple(out), missing=missing, categories=cats,
                        collapsed=collapsed, n_raw=len(data), n_excluded=n_out)


def _group_result(lab: str, cols: list[str], levels: tuple[tuple[tuple[float, ...], ...], ...], c: np.ndarray,
                  tabs: np.ndarray, counts: np.ndarray, nij: np.ndarray, tau: list[np.ndarray], rho: np.ndarray,
                  full: bool) -> GroupOrdinalStats:
    p = len(cols)
    il, jl = pair_index(p)
    gam = _nacov(c, tau, il, jl, rho, tabs, full=full)
    diag = np.diag(gam) if full else gam
    th_rows = []
    for i, it in enumerate(cols):
        labs = [category_label(v) for v in levels[i]]
        for k, v in enumerate(tau[i]):
            th_rows.append((it, f"t{k + 1}", f"{it}|t{k + 1}", labs[k], labs[k + 1], float(v)))
    thresholds = pd.DataFrame(th_rows, columns=["item", "threshold", "name", "below", "above", "value"])
    mat = np.eye(p)
    mat[il, jl] = rho
    mat[jl, il] = rho
    cc = [(it, category_label(lv), int(counts[i, k])) for i, it in enumerate(cols) for k, lv in enumerate(levels[i])]
    return GroupOrdinalStats(
        label=lab, n=int(c.shape[0]), thresholds=thresholds,
        polychoric=pd.DataFrame(mat, index=cols, columns=cols),
        pairwise_n=pd.DataFrame(nij.astype(np.int64), index=cols, columns=cols),
        category_counts=pd.DataFrame(cc, columns=["item", "category", "count"]),
        wls_obs=np.concatenate([np.concatenate(tau), rho]), wls_v=1.0 / diag,
        nacov=gam if full else None)
