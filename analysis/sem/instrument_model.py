"""The CFA model syntax generated from the item bank: one factor per construct, its items as indicators.

Examples
--------
>>> from types import SimpleNamespace as NS
>>> inst = NS(constructs=(NS(code="INF", items=(NS(code="INF01", perspective="provider"),
...                                            NS(code="INF02", perspective="provider"))),))
>>> print(model_from_instrument(inst))
INF =~ INF01 + INF02
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from vcd_core.errors import BankError

__all__ = ["model_from_instrument"]


def model_from_instrument(inst: Any, perspective: str = "provider", constructs: Sequence[str] | None = None) -> str:
    """lavaan syntax ``CODE =~ ITEM1 + ITEM2 + …`` per construct of the bank (in bank order).

    Parameters
    ----------
    inst : Instrument
        From :func:`instrument.validate.load_bank`.
    perspective : {"provider", "customer"}
        Which items to use.
    constructs : list of str, optional
        Construct codes or names to include (default: every reason construct with ≥ 2 items in the
        perspective, i.e. the eight reasons when the bank is complete).

    Returns
    -------
    str
        lavaan syntax, one ``=~`` line per construct.

    Examples
    --------
    >>> from instrument.validate import load_bank
    >>> model_from_instrument(load_bank(), constructs=["INF"]).split(" =~ ")[0]
    'INF'

    Raises
    ------
    BankError
        Unknown construct, or a construct with fewer than 2 items in the perspective.
    """
    reasons = getattr(inst, "reasons", None)
    all_c = list(reasons() if callable(reasons) else (reasons or inst.constructs))
    if constructs is not None:
        pool = list(inst.constructs)
        chosen = []
        for want in constructs:
            hit = [c for c in pool if want in (c.code, getattr(c, "name", None))]
            if not hit:
                raise BankError(f"unknown construct {want!r}; known: {', '.join(c.code for c in pool)}")
            chosen.append(hit[0])
    else:
        chosen = all_c
    lines = []
    for c in chosen:
        items = [i.code for i in c.items if i.perspective == perspective]
        if len(items) < 2:
            if constructs is None:
                continue
            raise BankError(f"construct {c.code} has {len(items)} {perspective} item(s); a factor needs at least 2")
        lines.append(f"{c.code} =~ " + " + ".join(items))
    if not lines:
        raise BankError(f"no construct has at least 2 {perspective} items")
    return "\n".join(lines)
