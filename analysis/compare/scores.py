"""Scale scores: one score per reason (and theme), the mean of the answered items after reverse-coding from the
bank; the grouping columns and their levels.

Examples
--------
>>> reason_names()[:2]
['absence_of_information', 'insufficient_trust']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis.compare.timing import _instrument, timing_columns
from vcd_core.errors import DataError

__all__ = ["GROUPINGS", "LEVELS", "PHASES", "RELATIONSHIP_TYPES", "reason_names", "scale_scores"]

RELATIONSHIP_TYPES: tuple[str, ...] = ("B2C", "B2B", "B2G", "G2C")
PHASES: tuple[str, ...] = ("before", "during", "after")
#: allowed labels per grouping column (``country`` is free).
LEVELS: dict[str, tuple[str, ...]] = {"relationship_type": RELATIONSHIP_TYPES, "phase": PHASES}
GROUPINGS: tuple[str, ...] = ("relationship_type", "phase", "country")


def reason_names(inst: Any | None = None) -> list[str]:
    """Names of the eight reasons in Table 3 order (``absence_of_information`` …).

    Parameters
    ----------
    inst : Instrument, optional
        The item bank (default: the bundled one).

    Returns
    -------
    list of str
        Reason names in Table 3 order.

    Examples
    --------
    >>> reason_names()[:2]
    ['absence_of_information', 'insufficient_trust']
    """
    return [r.name for r in _instrument(inst).reasons()]


# ---------------------------------------------------------------------------------------------------------------
# scale scores


def _reverse_coded(data: pd.DataFrame, items: Sequence[Any], inst: Any) -> pd.DataFrame:
    cols = {}
    for it in items:
        if it.code not in data.columns:
            continue
        col = pd.to_numeric(data[it.code], errors="coerce")
        bad = col.isna() & data[it.code].notna()
        sc = inst.scale(it.scale)
        bad |= col.notna() & ~col.isin(sc.values)
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(f"value {data[it.code].iloc[pos]} is not on scale {it.scale} "
                            f"({min(sc.values)}..{max(sc.values)})", row=pos + 1, column=it.code)
        cols[it.code] = (sc.minimum + sc.maximum - col) if it.reverse else col
    return pd.DataFrame(cols, index=data.index)


def scale_scores(
    data: pd.DataFrame,
    inst: Any | None = None,
    reasons: Sequence[str] | None = None,
    themes: bool = False,
    keep: Sequence[str] = ("respondent_id", "country", "language", "relationship_type", "phase"),
) -> pd.DataFrame:
    """Scale scores: the mean of each respondent's answered items of a reason after reverse-coding.

    Reverse-keyed items (``reverse: true`` in the bank) are recoded as (min + max) − x on their own scale.
    Items of either perspective count (a respondent answers one form). A respondent without any answered item
    of a reason gets a missing score. With ``themes=True`` a column ``<reason>.<theme>`` per theme is added.

    Parameters
    ----------
    data : DataFrame
        Responses: item codes as columns plus metadata.
    inst : Instrument, optional
        The item bank (default: :func:`instrument.model.load_bank`).
    reasons : sequence of str, optional
        Reason names or codes; default all eight.
    themes : bool
        Also score each second-order theme.
    keep : sequence of str
        Metadata columns copied (when present), and all timing-matrix columns.

    Returns
    -------
    DataFrame
        The ``keep`` and timing-matrix columns present, then one score column per reason (``<reason>.<theme>``
        columns too with ``themes=True``), in the rows of ``data``.

    Raises
    ------
    DataError
        An unknown reason, a reason with none of its items in the data, a value off its scale (row, column).

    Examples
    --------
    >>> from analysis.data.simulate.core import SimulationSpec, simulate
    >>> from instrument.validate import load_bank
    >>> responses = simulate(load_bank(), SimulationSpec(countries=("FI", "DE"), n_per_country=40, seed=1)).data
    >>> scale_scores(responses).columns[:3].tolist()
    ['respondent_id', 'country', 'language']
    """
    inst = _instrument(inst)
    all_reasons = inst.reasons()
    if reasons is None:
        chosen = list(all_reasons)
    else:
        chosen = []
        for r in reasons:
            match = [c for c in all_reasons if r in (c.name, c.code)]
            if not match:
                raise DataError(f"unknown reason {r!r}; the reasons are {', '.join(c.name for c in all_reasons)}")
            chosen.append(match[0])
    timing = [c for c in timing_columns(inst).values() if c in data.columns]
    out = data[[c for c in keep if c in data.columns] + timing].copy()
    for r in chosen:
        items = r.items
        rc = _reverse_coded(data, items, inst)
        if rc.shape[1] == 0:
            raise DataError(f"none of the items of {r.name} ({items[0].code}…) are in the data", column=r.name)
        out[r.name] = rc.mean(axis=1, skipna=True)
        if themes:
            for t in r.themes:
                cols = [i.code for i in t.items if i.code in rc.columns]
                out[f"{r.name}.{t.code}"] = rc[cols].mean(axis=1, skipna=True) if cols else np.nan
    return out


# ---------------------------------------------------------------------------------------------------------------
# group comparisons
