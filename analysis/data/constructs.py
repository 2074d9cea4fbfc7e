"""The bank's constructs as the data hold them, and the one selection rule of the prepared-data layer.

:func:`bank_constructs` gives each construct's items of a perspective (optionally only those among the data's
columns) with reverse keys and scale; :func:`select_constructs` applies the rule documented in
:mod:`analysis.data.prepare` (:data:`RULES`: per method the default selection and the minimum numbers of items
and constructs); :func:`recode_reversed` and :func:`numeric_columns` are the reverse-coding and number checks.
Re-exported by :mod:`analysis.data.prepare`, which is where analyses import them from.

Examples
--------
>>> [c.code for c in bank_constructs(bank(), "provider", kind="reason")][:3]
['INF', 'TRU', 'MIS']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from vcd_core.errors import BankError, DataError

__all__ = ["BankConstruct", "MethodRule", "RULES", "Selection", "bank", "bank_constructs", "numeric_columns",
           "recode_reversed", "rule_of", "select_constructs"]


def bank() -> Any:
    """The bundled item bank; if it does not validate yet, the part that does (``check_bank``).

    Returns
    -------
    Instrument

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
    """A construct's items of one perspective with reverse keys and the response scale."""

    name: str
    code: str
    items: tuple[str, ...]
    reverse: tuple[str, ...]
    scale_range: tuple[float, float]
    kind: str = ""  # "reason" or "outcome"
    scale: str = ""
    scale_values: tuple[float, ...] = ()

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

    Returns
    -------
    list of BankConstruct
        In bank order.

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
                                 c.kind, sc.code, tuple(float(v) for v in sc.values)))
    return out


def recode_reversed(data: pd.DataFrame, constructs: Iterable[BankConstruct]) -> pd.DataFrame:
    """A copy of ``data`` with each construct's reverse-keyed items recoded (min + max) − x.

    Parameters
    ----------
    data : DataFrame
    constructs : iterable of BankConstruct
        Reverse keys and scale ranges.

    Returns
    -------
    DataFrame

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

    Parameters
    ----------
    data : DataFrame
    items : sequence of str
        Columns of ``data``.

    Returns
    -------
    DataFrame
        The columns as numbers (missing cells NaN).

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


# ---------------------------------------------------------------------------------------------------------------
# the selection rule


@dataclass(frozen=True)
class MethodRule:
    """What a method takes from the bank by default and the fewest items (per construct) and constructs it needs."""

    constructs: str
    min_items: int
    min_constructs: int
    why: str


#: method → its default selection and minimums (the module docs' table).
RULES: dict[str, MethodRule] = {
    "efa": MethodRule("reasons", 1, 1, "items are analysed one by one"),
    "reliability": MethodRule("all", 2, 1, "alpha and omega need two items"),
    "validity": MethodRule("reasons", 2, 2, "HTMT needs a within-construct correlation and a pair of constructs"),
    "cfa": MethodRule("reasons", 2, 1, "a factor needs two indicators"),
    "invariance": MethodRule("reasons", 2, 1, "a factor needs two indicators"),
    "compare": MethodRule("reasons", 1, 1, "a score is the mean of the answered items"),
}

Selection = str | Sequence[str] | None


def rule_of(method: str | None) -> MethodRule:
    """The rule of ``method`` (:data:`RULES`); None: the reasons, at least one item.

    Examples
    --------
    >>> rule_of("cfa").min_items, rule_of(None).constructs
    (2, 'reasons')
    """
    if method is None:
        return MethodRule("reasons", 1, 1, "")
    if method not in RULES:
        raise DataError(f"unknown method {method!r}; use {', '.join(RULES)}")
    return RULES[method]


def select_constructs(inst: Any, available: Sequence[BankConstruct], constructs: Selection = "default",
                      method: str | None = None, perspective: str = "provider"
                      ) -> tuple[tuple[BankConstruct, ...], tuple[str, ...]]:
    """The constructs an analysis uses, by the one rule of this module, and notes on what was left out.

    Parameters
    ----------
    inst : Instrument
        The item bank (to tell an unknown construct from one without items in the data).
    available : sequence of BankConstruct
        The constructs with items in the data (reasons first, then outcomes).
    constructs : "default", "reasons", "all", str or sequence of str, or None
        The selection; a string other than the keywords is a comma-separated list of codes or names.
    method : str, optional
        A key of :data:`RULES` (default selection and minimums); None: reasons, at least one item.
    perspective : str
        Named in messages.

    Returns
    -------
    tuple of BankConstruct, tuple of str

    Raises
    ------
    DataError
        Unknown construct, a named construct without enough items, or too few constructs for the method.

    Examples
    --------
    >>> avail = [BankConstruct("a", "A", ("A1", "A2"), (), (1, 7), "reason"),
    ...          BankConstruct("b", "B", ("B1",), (), (1, 7), "reason")]
    >>> chosen, notes = select_constructs(bank(), avail, "reasons", "cfa")
    >>> [c.code for c in chosen], notes
    (['A'], ('cfa: B left out (1 item in the data; at least 2 needed: a factor needs two indicators)',))
    """
    if constructs is None:
        return (), ()
    rule = rule_of(method)
    what = method or "the analysis"
    if isinstance(constructs, str) and constructs == "default":
        constructs = rule.constructs
    notes: list[str] = []
    if isinstance(constructs, str) and constructs in ("reasons", "all"):
        pool = [c for c in available if constructs == "all" or c.kind == "reason"]
        if not pool:
            kind = "" if constructs == "all" else "reason "
            raise DataError(f"none of the bank's {perspective} {kind}items are columns of the data")
        chosen = [c for c in pool if len(c.items) >= rule.min_items]
        for c in pool:
            if len(c.items) < rule.min_items:
                k = len(c.items)
                notes.append(f"{what}: {c.code} left out ({k} item{'s' if k != 1 else ''} in the data; at least "
                             f"{rule.min_items} needed: {rule.why})")
    else:
        chosen = _named(inst, available, constructs, rule, what, perspective)
    if len(chosen) < rule.min_constructs:
        raise DataError(f"{what} needs at least {rule.min_constructs} constructs with {rule.min_items}+ "
                        f"{perspective} items in the data; found {len(chosen)}"
                        + (f" ({', '.join(c.code for c in chosen)})" if chosen else ""))
    return tuple(chosen), tuple(notes)


def _named(inst: Any, available: Sequence[BankConstruct], constructs: str | Sequence[str], rule: MethodRule,
           what: str, perspective: str) -> list[BankConstruct]:
    """An explicit selection: each code or name must be a bank construct with enough items in the data."""
    wanted = [w.strip() for w in (constructs.split(",") if isinstance(constructs, str) else constructs)]
    wanted = [w for w in dict.fromkeys(wanted) if w]
    if not wanted:
        raise DataError("no construct named; give codes or names, 'reasons' or 'all'")
    known = {k: c.code for c in inst.constructs for k in (c.code, c.code.casefold(), c.name)}
    by_code = {c.code: c for c in available}
    chosen: list[BankConstruct] = []
    for w in wanted:
        code = known.get(w) or known.get(w.casefold())
        if code is None:
            raise DataError(f"unknown construct {w!r}; the bank's constructs: "
                            f"{', '.join(c.code for c in inst.constructs)}")
        c = by_code.get(code)
        n = len(c.items) if c is not None else 0
        if n < rule.min_items:
            raise DataError(f"construct {code} has {n} {perspective} item(s) among the columns of the data; "
                            f"{what} needs at least {rule.min_items} ({rule.why})")
        if c is not None and c not in chosen:
            chosen.append(c)
    return chosen
