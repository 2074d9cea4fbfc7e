"""Measurement models from the item bank, shared by ``vcd efa``, ``vcd reliability`` and ``vcd validity``.

Examples
--------
>>> inst = bank()
>>> cons = bank_constructs(inst, "provider", kind="reason")
>>> len(cons) >= 6
True
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from vcd_core.errors import BankError, DataError

__all__ = ["bank", "BankConstruct", "bank_constructs", "recode_reversed"]


def bank() -> Any:
    """The bundled item bank; if it does not validate yet, the part that does (``check_bank``).

    Examples
    --------
    >>> len(bank().reasons()) >= 6
    True
    """
    from instrument.validate import load_bank

    try:
        return load_bank()
    except BankError:
        from instrument.validate import check_bank

        inst, _ = check_bank()
        if inst is None:
            raise
        return inst


@dataclass(frozen=True)
class BankConstruct:
    """A construct's items of one perspective with reverse keys and the response-scale range."""

    name: str
    code: str
    items: tuple[str, ...]
    reverse: tuple[str, ...]
    scale_range: tuple[float, float]
    kind: str = ""  # "reason" or "outcome"

    @property
    def keyed(self) -> list[str]:
        """Items with a leading ``-`` for reverse-keyed ones (the ``--scale`` notation)."""
        return [f"-{i}" if i in self.reverse else i for i in self.items]


def bank_constructs(inst: Any, perspective: str = "provider", kind: str | None = None,
                    columns: Iterable[str] | None = None) -> list[BankConstruct]:
    """The bank's constructs for a perspective (optionally only items present in ``columns``).

    Parameters
    ----------
    inst : Instrument
    perspective : {"provider", "customer"}
    kind : {"reason", "outcome"}, optional
    columns : iterable of str, optional
        Data columns; items not among them are left out, constructs without items dropped.

    Examples
    --------
    >>> [c.code for c in bank_constructs(bank(), "provider", kind="reason", columns=["INF01", "INF02"])]
    ['INF']
    """
    if perspective not in ("provider", "customer"):
        raise DataError(f"perspective must be 'provider' or 'customer', not {perspective!r}")
    cols = None if columns is None else set(columns)
    out = []
    for c in inst.constructs:
        if kind is not None and c.kind != kind:
            continue
        its = [i for i in c.items_for(perspective) if cols is None or i.code in cols]
        if not its:
            continue
        sc = inst.scale(its[0].scale)
        out.append(BankConstruct(c.name, c.code, tuple(i.code for i in its),
                                 tuple(i.code for i in its if i.reverse), (float(sc.minimum), float(sc.maximum)),
                                 c.kind))
    return out


def recode_reversed(data: pd.DataFrame, constructs: Iterable[BankConstruct]) -> pd.DataFrame:
    """A copy of ``data`` with each construct's reverse-keyed items recoded (min + max) − x.

    Examples
    --------
    >>> c = BankConstruct("x", "X", ("a", "b"), ("b",), (1.0, 7.0))
    >>> recode_reversed(pd.DataFrame({"a": [1, 2], "b": [1, 7]}), [c])["b"].tolist()
    [7.0, 1.0]
    """
    out = data.copy()
    for c in constructs:
        lo, hi = c.scale_range
        for i in c.reverse:
            out[i] = lo + hi - pd.to_numeric(out[i], errors="coerce")
    return out


def numeric_columns(data: pd.DataFrame, items: Sequence[str]) -> pd.DataFrame:
    """``data[items]`` as numbers; a cell that is present but not a number is a :class:`DataError` naming its row
    (1-based) and column — never silently turned into a blank.

    Examples
    --------
    >>> numeric_columns(pd.DataFrame({"A1": [1, "2"], "A2": [3, 4]}), ["A1", "A2"])["A1"].tolist()
    [1, 2]
    >>> numeric_columns(pd.DataFrame({"A1": [1, "x"]}), ["A1"])
    Traceback (most recent call last):
    ...
    vcd_core.errors.DataError: row 2, column A1: value 'x' is not a number
    """
    x = data[list(items)].apply(pd.to_numeric, errors="coerce")
    for c in items:
        bad = x[c].isna() & data[c].notna()
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0]) + 1
            raise DataError(f"value {data[c][bad].iloc[0]!r} is not a number", row=row, column=str(c))
    return x
