"""Table 3 of the seed study reproduced from the item bank: reason × theme × time × relationship types × items.

The rows follow :data:`instrument.table3.TABLE3` (the reference), not the bank, so a theme the bank lacks
shows up with zero items instead of disappearing.

Examples
--------
>>> from instrument.validate import load_bank
>>> rows = table3_coverage(load_bank())
>>> len(rows), rows[0]["reason_code"], rows[0]["theme"]
(21, 'INF', 'provider_incorrect_information')
>>> all(r["provider"] >= 1 and r["customer"] >= 1 for r in rows)
True
"""

from __future__ import annotations

from typing import Any

from instrument.model import Instrument
from instrument.table3 import PERSPECTIVES, RELATIONSHIP_TYPES, TABLE3


def table3_coverage(inst: Instrument) -> list[dict[str, Any]]:
    """One row per Table-3 theme with the number of bank items per perspective.

    Parameters
    ----------
    inst : Instrument
        A loaded (or merely checked, possibly incomplete) bank.

    Returns
    -------
    list of dict
        Keys ``reason``, ``reason_code``, ``time``, ``theme``, ``description``, ``relationship_types`` (as in
        Table 3), ``provider``, ``customer`` (item counts; 0 when the bank lacks the reason or theme) and
        ``provider_items``, ``customer_items`` (the codes).

    Examples
    --------
    >>> from instrument.validate import load_bank
    >>> row = table3_coverage(load_bank())[-1]
    >>> row["reason"], row["time"], row["relationship_types"]
    ('blaming', 'after', ['B2G'])
    """
    by_name = {c.name: c for c in inst.reasons()}
    rows = []
    for reason in TABLE3:
        c = by_name.get(reason.name)
        themes = {t.code: t for t in c.themes} if c is not None else {}
        for t3 in reason.themes:
            items = themes[t3.code].items if t3.code in themes else ()
            row: dict[str, Any] = {
                "reason": reason.name, "reason_code": reason.code, "time": reason.time, "theme": t3.code,
                "description": t3.description, "relationship_types": list(t3.relationship_types),
            }
            for p in PERSPECTIVES:
                codes = [i.code for i in items if i.perspective == p]
                row[p], row[f"{p}_items"] = len(codes), codes
            rows.append(row)
    return rows


def outcome_coverage(inst: Instrument) -> list[dict[str, Any]]:
    """One row per outcome construct with its themes and item counts per perspective.

    Parameters
    ----------
    inst : Instrument
        A loaded bank.

    Returns
    -------
    list of dict
        Keys ``construct``, ``code``, ``themes``, ``provider``, ``customer`` (item counts) and ``reverse``
        (reverse-keyed item codes).

    Examples
    --------
    >>> from instrument.validate import load_bank
    >>> [(r["code"], r["provider"] >= 4, r["customer"] >= 4) for r in outcome_coverage(load_bank())][:1]
    [('VCX', True, True)]
    """
    return [
        {"construct": c.name, "code": c.code, "themes": [t.code for t in c.themes],
         **{p: len(c.items_for(p)) for p in PERSPECTIVES},
         "reverse": [i.code for i in c.items if i.reverse]}
        for c in inst.outcomes()
    ]


def types_label(types: list[str] | tuple[str, ...]) -> str:
    """Relationship types as Table 3 writes them: ``RI`` when all four, else the types.

    Parameters
    ----------
    types : sequence of str
        Relationship types (``B2C``, ``B2B``, ``B2G``, ``G2C``).

    Returns
    -------
    str
        ``RI`` or the types joined by ``, ``.

    Examples
    --------
    >>> types_label(["B2C", "B2B", "B2G", "G2C"]), types_label(["B2B", "B2G"])
    ('RI', 'B2B, B2G')
    """
    return "RI" if set(types) == set(RELATIONSHIP_TYPES) else ", ".join(types)
