"""Categories of ordered items: per item levels, integer codes, empty categories per item × group.

lavaan 0.6.14 takes an ordered item's categories from the pooled data and stops when one of them is empty in a
group (``lav_samplestats_step1``: "some categories of variable `X' are empty in group g"). Here an empty category
is found before anything is estimated, and the user chooses:

* ``empty_categories="stop"`` (default): a :class:`~vcd_core.errors.DataError` naming item, group and category;
* ``empty_categories="collapse"``: the category is merged with a neighbouring category **in every group** (so the
  item keeps the same thresholds in all groups, which threshold invariance needs) and the merge is recorded. The
  lowest category merges upward, the highest downward, an interior one into the neighbour with fewer answers
  over all groups (the lower one on a tie). Merging repeats until no group has an empty category.

Categories are the item's distinct answers over all groups unless ``categories`` names them (e.g. 1..7 of the
bank's response scale); then a scale point nobody used is an empty category in every group.

Examples
--------
>>> import numpy as np
>>> x = np.array([[1.0], [2.0], [3.0], [2.0], [3.0], [3.0]])
>>> g = np.array(["a", "a", "a", "b", "b", "b"])
>>> coded = code_categories(x, g, ["a", "b"], ["q1"], empty="collapse")
>>> coded.levels
(((1.0, 2.0), (3.0,)),)
>>> coded.collapsed[0].category, coded.collapsed[0].merged_into, coded.collapsed[0].groups
('1', '2', ('b',))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from vcd_core.errors import DataError

__all__ = ["Collapse", "CodedItems", "code_categories", "category_label"]


@dataclass(frozen=True)
class Collapse:
    """One merge of an empty category into its neighbour (applied in every group)."""

    item: str
    category: str  # label of the category that was empty (e.g. "1")
    merged_into: str  # label of the neighbour it joined (e.g. "2")
    groups: tuple[str, ...]  # groups in which it was empty


@dataclass(frozen=True)
class CodedItems:
    """Integer codes 0..K_i-1 (-1 = missing) and, per item, the original values behind each code."""

    codes: np.ndarray
    levels: tuple[tuple[tuple[float, ...], ...], ...]
    collapsed: tuple[Collapse, ...]


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def category_label(values: Sequence[float]) -> str:
    """Label of a (possibly merged) category: ``"3"`` or ``"1+2"``.

    Examples
    --------
    >>> category_label((1.0, 2.0))
    '1+2'
    """
    return "+".join(_fmt(v) for v in values)


def _counts(col: np.ndarray, gidx: np.ndarray, ngroup: int, nlev: int) -> np.ndarray:
    ok = col >= 0
    return np.bincount(gidx[ok] * nlev + col[ok], minlength=ngroup * nlev).reshape(ngroup, nlev)


def _collapse_item(item: str, levels: list[tuple[float, ...]], counts: np.ndarray, group_labels: Sequence[str],
                   empty: str) -> tuple[list[tuple[float, ...]], np.ndarray, list[Collapse]]:
    """Merge empty categories of one item until every group uses every category (or stop)."""
    merges: list[Collapse] = []
    while True:
        empty_cells = np.argwhere(counts == 0)
        if len(empty_cells) == 0:
            return levels, counts, merges
        lev = int(empty_cells[:, 1].min())
        groups = tuple(str(group_labels[int(g)]) for g in np.flatnonzero(counts[:, lev] == 0))
        label = category_label(levels[lev])
        if empty == "stop":
            shown = " ".join(str(int(c)) for c in counts[np.flatnonzero(counts[:, lev] == 0)[0]])
            raise DataError(f"group {groups[0]}: category {label} is empty (counts per category {shown}); "
                            "merge it with its neighbour in every group (empty_categories='collapse') or drop "
                            "the group", column=item)
        if len(levels) <= 2:
            raise DataError(f"group {groups[0]}: only one category is used, even after merging empty "
                            "categories (an ordered item needs two)", column=item)
        total = counts.sum(axis=0)
        if lev == 0:
            nb = 1
        elif lev == len(levels) - 1:
            nb = lev - 1
        else:
            nb = lev - 1 if total[lev - 1] <= total[lev + 1] else lev + 1
        merges.append(Collapse(item, label, category_label(levels[nb]), groups))
        lo, hi = min(lev, nb), max(lev, nb)
        levels = levels[:lo] + [tuple(sorted(levels[lo] + levels[hi]))] + levels[hi + 1:]
        counts = np.concatenate([counts[:, :lo], counts[:, lo:lo + 1] + counts[:, hi:hi + 1],
                                 counts[:, hi + 1:]], axis=1)


def code_categories(x: np.ndarray, groups: np.ndarray, group_labels: Sequence[str], items: Sequence[str],
                    categories: Sequence[float] | Mapping[str, Sequence[float]] | None = None,
                    empty: str = "stop") -> CodedItems:
    """Code ordered answers as 0..K-1 per item, with the empty-category rule applied across groups.

    Parameters
    ----------
    x : ndarray
        n × p answers (NaN = missing), integer-valued.
    groups : ndarray
        n group labels (values of ``group_labels``).
    group_labels : sequence of str
        The groups, in output order.
    items : sequence of str
        Item names (for messages).
    categories : sequence of float or mapping item → sequence, optional
        The scale points of every item (or per item); default: the distinct answers over all groups.
    empty : {"stop", "collapse"}
        What to do with a category that is empty in some group.

    Returns
    -------
    CodedItems

    Raises
    ------
    DataError
        A value outside ``categories``, an empty category with ``empty="stop"``, or an item with fewer than two
        categories.

    Examples
    --------
    >>> x = np.array([[1.0, 2.0], [2.0, np.nan], [1.0, 1.0]])
    >>> code_categories(x, np.array(["all"] * 3), ["all"], ["a", "b"]).codes.tolist()
    [[0, 1], [1, -1], [0, 0]]
    """
    if empty not in ("stop", "collapse"):
        raise DataError(f"empty_categories must be 'stop' or 'collapse', not {empty!r}")
    glab = {g: i for i, g in enumerate(group_labels)}
    gidx = np.array([glab[g] for g in groups], dtype=np.int64)
    codes = np.full(x.shape, -1, dtype=np.int64)
    all_levels: list[tuple[tuple[float, ...], ...]] = []
    merges: list[Collapse] = []
    for j, item in enumerate(items):
        col = x[:, j]
        obs = ~np.isnan(col)
        if isinstance(categories, Mapping):
            cats = categories.get(item)
        else:
            cats = categories
        vals = np.unique(col[obs]) if cats is None else np.array(sorted(float(c) for c in cats))
        if cats is not None:
            bad = obs & ~np.isin(col, vals)
            if bad.any():
                r = int(np.flatnonzero(bad)[0])
                raise DataError(f"value {_fmt(col[r])} is not one of the categories "
                                f"{', '.join(_fmt(v) for v in vals)}", row=r + 1, column=item)
        if len(vals) < 2:
            raise DataError("item has fewer than two categories (no variance)", column=item)
        raw = np.full(len(col), -1, dtype=np.int64)
        raw[obs] = np.searchsorted(vals, col[obs])
        counts = _counts(raw, gidx, len(group_labels), len(vals))
        levels, _, item_merges = _collapse_item(item, [(float(v),) for v in vals], counts, group_labels, empty)
        merges.extend(item_merges)
        # map original value positions to merged codes
        to_code = np.empty(len(vals), dtype=np.int64)
        for code, lev in enumerate(levels):
            to_code[np.searchsorted(vals, lev)] = code
        codes[obs, j] = to_code[raw[obs]]
        all_levels.append(tuple(levels))
    return CodedItems(codes=codes, levels=tuple(all_levels), collapsed=tuple(merges))
