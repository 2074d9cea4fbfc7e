"""Translation readiness: TRAPD statuses counted per language and construct.

A status unit (an item text, a check, a context question's label, a whole response scale) is counted once;
texts the bank records no status for (choice, row, construct and theme labels, stems) are counted apart as
``untracked``. ``ready`` counts the units at ``reviewed`` or later, the statuses the exports accept without a
warning (:data:`instrument.table3.REVIEWED_STATUSES`).

Examples
--------
>>> from instrument.translations.catalog import build_catalog
>>> rows = readiness(build_catalog(), ["fi"])
>>> total = rows[-1]
>>> total["construct"], total["draft1"], total["ready"], total["total"]
('all', 152, 0, 152)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from instrument.table3 import REVIEWED_STATUSES
from instrument.translations.catalog import Catalog
from instrument.translations.workbook import TARGET_STATUSES, check_target

#: the columns of a readiness row, in order.
READINESS_COLUMNS: tuple[str, ...] = ("lang", "construct", *TARGET_STATUSES, "total", "ready", "ready_share",
                                      "untracked")


def readiness(cat: Catalog, langs: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """One row per language and construct (bank order), then an ``all`` row per language.

    Parameters
    ----------
    cat : Catalog
        The bank's texts.
    langs : sequence of str, optional
        Target languages (default: every language but the source).

    Returns
    -------
    list of dict
        Keys :data:`READINESS_COLUMNS`: status counts of the status units, ``total`` (units), ``ready``
        (units at reviewed or later), ``ready_share`` (``ready / total``, 0 when there is none) and
        ``untracked`` (texts without a status).

    Raises
    ------
    TranslationError
        A language that is the source or not in the bank.

    Examples
    --------
    >>> from instrument.translations.catalog import build_catalog
    >>> [r["construct"] for r in readiness(build_catalog(), ["de"])][:3]
    ['scales', 'context', 'INF']
    """
    targets = list(langs) if langs else list(cat.targets)
    for lang in targets:
        check_target(cat, lang)
    groups = list(dict.fromkeys(e.construct for e in cat.entries))
    out = []
    for lang in targets:
        counts = {g: dict.fromkeys((*TARGET_STATUSES, "untracked"), 0) for g in groups}
        seen: set[str] = set()
        for e in cat.entries:
            if e.unit is None:
                counts[e.construct]["untracked"] += 1
            elif e.unit not in seen:
                seen.add(e.unit)
                counts[e.construct][e.statuses[lang].status] += 1
        every = dict.fromkeys((*TARGET_STATUSES, "untracked"), 0)
        for g in groups:
            for k, v in counts[g].items():
                every[k] += v
        for g, c in [*counts.items(), ("all", every)]:
            total = sum(c[s] for s in TARGET_STATUSES)
            ready = sum(c[s] for s in TARGET_STATUSES if s in REVIEWED_STATUSES)
            out.append({"lang": lang, "construct": g, **{s: c[s] for s in TARGET_STATUSES}, "total": total,
                        "ready": ready, "ready_share": ready / total if total else 0.0, "untracked": c["untracked"]})
    return out
