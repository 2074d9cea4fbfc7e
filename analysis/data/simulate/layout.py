"""What a simulated respondent answers, read from the item bank: items, checks, timing matrix, context, page order.

While the bank is being completed, the context questions and checks every part of the pipeline relies on fall
back to their documented definitions (the instrument API): RELTYPE, PHASE, COUNTRY, the TIMING matrix rows
``TIM_<reason code>`` on ``timing5``, and the instructed-response checks ATT1 (select 1) and ATT2 (select 7).

Examples
--------
>>> from instrument.validate import check_bank
>>> lay = build_layout(check_bank()[0], "provider")
>>> lay.items[:2], lay.constructs[0]
(('INF01', 'INF02'), 'INF')
>>> set(lay.checks) <= set(lay.page_order)
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from instrument.model import ResponseScale
from vcd_core.errors import BankError, DataError

__all__ = ["Layout", "build_layout"]

FALLBACK_CHECKS: tuple[tuple[str, int, int], ...] = (("ATT1", 1, 1), ("ATT2", 5, 7))  # code, after reason #, correct


@dataclass(frozen=True)
class Layout:
    """The rated rows and context of one perspective's questionnaire."""

    perspective: str
    constructs: tuple[str, ...]
    construct_names: dict[str, str] = field(hash=False)
    construct_kind: dict[str, str] = field(hash=False)
    construct_time: dict[str, str | None] = field(hash=False)
    items: tuple[str, ...] = ()
    item_construct: dict[str, str] = field(default_factory=dict, hash=False)
    item_theme: dict[str, str] = field(default_factory=dict, hash=False)
    item_theme_types: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    item_scale: dict[str, str] = field(default_factory=dict, hash=False)
    item_reverse: dict[str, bool] = field(default_factory=dict, hash=False)
    checks: dict[str, int] = field(default_factory=dict, hash=False)  # code -> correct value
    check_scale: dict[str, str] = field(default_factory=dict, hash=False)
    page_order: tuple[str, ...] = ()
    timing: dict[str, str] = field(default_factory=dict, hash=False)  # reason code -> column
    timing_scale: str = "timing5"
    scales: dict[str, ResponseScale] = field(default_factory=dict, hash=False)
    country_values: dict[str, int] = field(default_factory=dict, hash=False)  # ISO code -> COUNTRY choice value
    select_values: dict[str, dict[str, int]] = field(default_factory=dict, hash=False)  # RELTYPE/PHASE codes
    other_context: tuple[Any, ...] = ()
    fallbacks: tuple[str, ...] = ()


def build_layout(inst: Any, perspective: str, constructs: tuple[str, ...] | None = None) -> Layout:
    """The questionnaire of ``perspective`` as the simulator (and cleaning) needs it.

    ``constructs`` (codes or names) restricts the rated matrices to a subset (a smaller model for tests); the
    timing matrix and context questions stay.

    Raises
    ------
    DataError
        Unknown perspective or construct, or no items in that perspective.
    """
    if perspective not in ("provider", "customer"):
        raise DataError(f"perspective must be provider or customer, got {perspective!r}")
    if constructs is not None:
        known = {c.code for c in inst.constructs} | {c.name for c in inst.constructs}
        bad = [c for c in constructs if c not in known]
        if bad:
            raise DataError(f"unknown construct(s) {', '.join(bad)}")
    chosen = [c for c in inst.constructs if c.items_for(perspective)
              and (constructs is None or c.code in constructs or c.name in constructs)]
    if not chosen:
        where = " in those constructs" if constructs else ""
        raise DataError(f"the item bank has no {perspective} items{where}")
    fallbacks: list[str] = []
    items, ic, it, itt, isc, irev = [], {}, {}, {}, {}, {}
    for c in chosen:
        for t in c.themes:
            for i in t.items:
                if i.perspective != perspective:
                    continue
                items.append(i.code)
                ic[i.code], it[i.code], itt[i.code] = c.code, t.code, tuple(t.relationship_types)
                isc[i.code], irev[i.code] = i.scale, bool(i.reverse)
    # bank order within a construct = page order of items
    checks, cscale = {}, {}
    bank_checks = inst.checks_for(perspective)
    if bank_checks:
        page = list(inst.page_order(perspective))
        names = {c.name for c in chosen}
        kept_checks = [ch for ch in bank_checks if ch.construct in names]
        page = [p for p in page if p in ic or any(ch.code == p for ch in kept_checks)]
        for ch in kept_checks:
            checks[ch.code], cscale[ch.code] = int(ch.correct), ch.scale
    else:
        fallbacks.append("attention checks ATT1/ATT2 (checks.yaml absent)")
        page = list(items)
        for code, after, correct in FALLBACK_CHECKS:
            k = min(after, len(chosen) - 1)
            last = [i for i in items if ic[i] == chosen[k].code][-1]
            page.insert(page.index(last) + 1, code)
            checks[code], cscale[code] = correct, "agree7"
    timing, tscale = {}, "timing5"
    reasons = [c for c in inst.reasons()]
    try:
        q = inst.context_question("TIMING")
        tscale = q.scale or tscale
        for row in q.rows:
            for r in reasons:
                if row.construct in (r.name, r.code):
                    timing[r.code] = row.code
    except BankError:
        fallbacks.append("timing matrix TIM_* (context.yaml has no TIMING)")
    for r in reasons:
        timing.setdefault(r.code, f"TIM_{r.code}")
    if tscale not in inst.scales:
        raise DataError(f"the timing matrix scale {tscale!r} is not in the bank's scales.yaml")
    selects: dict[str, dict[str, int]] = {}
    defaults = {"RELTYPE": {"B2C": 1, "B2B": 2, "B2G": 3, "G2C": 4}, "PHASE": {"before": 1, "during": 2, "after": 3}}
    for code, default in defaults.items():
        try:
            selects[code] = {ch.code: ch.value for ch in inst.context_question(code).choices}
        except BankError:
            fallbacks.append(f"{code} (context.yaml absent)")
            selects[code] = default
    try:
        country_values = {ch.code: ch.value for ch in inst.context_question("COUNTRY").choices}
    except BankError:
        country_values = {}
    skip = {"RELTYPE", "PHASE", "COUNTRY", "TIMING"}
    other = tuple(q for q in inst.context_for(perspective) if q.code not in skip and q.type != "matrix")
    return Layout(
        perspective=perspective, constructs=tuple(c.code for c in chosen),
        construct_names={c.code: c.name for c in chosen}, construct_kind={c.code: c.kind for c in chosen},
        construct_time={c.code: c.time for c in chosen}, items=tuple(items), item_construct=ic, item_theme=it,
        item_theme_types=itt, item_scale=isc, item_reverse=irev, checks=checks, check_scale=cscale,
        page_order=tuple(page), timing=timing, timing_scale=tscale, scales=dict(inst.scales),
        country_values=country_values, select_values=selects, other_context=other, fallbacks=tuple(fallbacks),
    )
