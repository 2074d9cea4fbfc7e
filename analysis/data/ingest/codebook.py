"""What a response column can be: the bank's codes (items, checks, context questions, matrix rows) as specs.

A :class:`ColumnSpec` says how a column's cells become values: rated rows (items, attention checks, the
timing matrix) take the scale's numeric values or their labels in any bank language; ``select_one`` context
questions take a choice's value, code or label and give the choice code; ``integer`` gives a number; ``text``
keeps the text. While the bank is still being completed, context questions that the whole pipeline relies on
(RELTYPE, PHASE, COUNTRY, TIMING, ATT1/ATT2 — see the instrument API) fall back to their documented
definitions.

Examples
--------
>>> from instrument.validate import check_bank
>>> cb = Codebook(check_bank()[0])
>>> cb.match(("inf01",)).code, cb.match(("INF[INF01]", "INF01")).kind
('INF01', 'item')
>>> cb.spec("INF01").label_values["strongly agree"], cb.spec("INF01").label_values["täysin eri mieltä"]
(7, 1)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from instrument.model import Instrument
from instrument.table3 import TABLE3

#: canonical metadata columns of a ResponseSet, in order.
META_COLUMNS: tuple[str, ...] = ("respondent_id", "country", "language", "relationship_type", "phase",
                                 "duration_sec", "finished", "source_row")
#: flag columns every ResponseSet has right after the metadata.
FLAG_COLUMNS: tuple[str, ...] = ("preview", "duplicate_id")

_FALLBACK_SELECT = {
    "RELTYPE": ("relationship_type", (("B2C", 1), ("B2B", 2), ("B2G", 3), ("G2C", 4))),
    "PHASE": ("phase", (("before", 1), ("during", 2), ("after", 3))),
    "COUNTRY": ("country", ()),
}


def norm_key(name: str) -> str:
    """Column-name key for matching: case-folded, without ``_ - . space``.

    Examples
    --------
    >>> norm_key("tim_inf") == norm_key("TIM-INF") == norm_key("TIMINF")
    True
    """
    return re.sub(r"[\s_\-.]", "", name).casefold()


def norm_label(text: str) -> str:
    """Label key: whitespace collapsed, case-folded, surrounding quotes removed.

    Examples
    --------
    >>> norm_label("  Strongly   Agree ")
    'strongly agree'
    """
    return " ".join(str(text).strip().strip('"').split()).casefold()


@dataclass(frozen=True)
class ColumnSpec:
    """How one bank code is read from a response column.

    ``kind``: ``item``, ``check``, ``matrix`` (timing matrix row), ``select_one``, ``integer`` or ``text``.
    ``out`` is the output column (the code, or the metadata column a context question fills).

    Examples
    --------
    >>> ColumnSpec("PHASE", "phase", "select_one").out
    'phase'
    """

    code: str
    out: str
    kind: str
    scale: str | None = None
    values: tuple[int, ...] = ()
    label_values: dict[str, int] = field(default_factory=dict, hash=False)
    choices: dict[str, str] = field(default_factory=dict, hash=False)
    choice_values: dict[int, str] = field(default_factory=dict, hash=False)
    perspective: str | None = None
    fallback: bool = False

    @property
    def rated(self) -> bool:
        """True for items, attention checks and matrix rows (numeric scale values).

        Examples
        --------
        >>> ColumnSpec("INF01", "INF01", "item").rated
        True
        """
        return self.kind in ("item", "check", "matrix")

    def describe_scale(self) -> str:
        """``agree7 (1..7)`` or the list of allowed values.

        Examples
        --------
        >>> ColumnSpec("X", "X", "item", "odd", (1, 3, 5)).describe_scale()
        'odd (1, 3, 5)'
        """
        vals = list(self.values)
        if vals and vals == list(range(min(vals), max(vals) + 1)):
            return f"{self.scale} ({min(vals)}..{max(vals)})"
        return f"{self.scale} ({', '.join(map(str, vals))})"


class Codebook:
    """All column specs of an instrument with name matching (exact, then case- and separator-insensitive).

    Examples
    --------
    >>> from instrument.validate import check_bank
    >>> Codebook(check_bank()[0]).match(("relationship_type",)).code
    'RELTYPE'
    """

    def __init__(self, inst: Instrument) -> None:
        self.inst = inst
        self.specs: dict[str, ColumnSpec] = {}
        self.fallbacks: list[str] = []
        #: scale → labels that mean different values in different languages (not used for mapping)
        self.ambiguous: dict[str, tuple[str, ...]] = {}
        langs = inst.language_codes

        def scale_labels(code: str) -> dict[str, int]:
            sc = inst.scales.get(code)
            if sc is None:
                return {}
            out: dict[str, int] = {}
            clash: set[str] = set()
            for lang in langs:
                for v, lab in zip(sc.values, sc.labels.get(lang, ()), strict=False):
                    key = norm_label(lab)
                    if out.setdefault(key, v) != v:
                        clash.add(key)  # one spelling, two values in two languages: not usable
            for key in clash:
                del out[key]
            if clash:
                self.ambiguous[code] = tuple(sorted(clash))
            return out

        def rated(code: str, kind: str, scale: str, persp: str | None = None, fallback: bool = False) -> None:
            sc = inst.scales.get(scale)
            values = tuple(sc.values) if sc else ()
            self.specs[code] = ColumnSpec(code, code, kind, scale, values, scale_labels(scale), perspective=persp,
                                          fallback=fallback)

        for item in inst.items():
            rated(item.code, "item", item.scale, item.perspective)
        for chk in inst.checks:
            rated(chk.code, "check", chk.scale)
        for q in inst.context:
            if q.type == "matrix":
                for row in q.rows:
                    rated(row.code, "matrix", str(q.scale))
            elif q.type == "select_one":
                self.specs[q.code] = self._select(q.code, q.column or q.code,
                                                  [(c.code, c.value, tuple(c.label.values())) for c in q.choices])
            else:
                kind = "integer" if q.type == "integer" else "text"
                self.specs[q.code] = ColumnSpec(q.code, q.column or q.code, kind)
        # documented fallbacks while the bank is incomplete
        outs = {s.out for s in self.specs.values()}
        for code, (out, choices) in _FALLBACK_SELECT.items():
            if code not in self.specs and out not in outs:
                self.specs[code] = self._select(code, out, [(c, v, ()) for c, v in choices], fallback=True)
        if not any(q.type == "matrix" for q in inst.context) and "timing5" in inst.scales:
            for r in TABLE3:
                rated(f"TIM_{r.code}", "matrix", "timing5", fallback=True)
        if not inst.checks and "agree7" in inst.scales:
            for code in ("ATT1", "ATT2"):
                rated(code, "check", "agree7", fallback=True)
        self._exact = {c: c for c in self.specs}
        self._exact.update({s.out: c for c, s in self.specs.items()})
        self._loose: dict[str, str] = {}
        for c, s in self.specs.items():
            self._loose.setdefault(norm_key(c), c)
            self._loose.setdefault(norm_key(s.out), c)

    @staticmethod
    def _select(code: str, out: str, choices: list[tuple[str, int, tuple[str, ...]]],
                fallback: bool = False) -> ColumnSpec:
        keys: dict[str, str] = {}
        for ccode, _value, labels in choices:
            keys[norm_label(ccode)] = ccode
            for lab in labels:
                keys.setdefault(norm_label(lab), ccode)
        return ColumnSpec(code, out, "select_one", choices=keys, choice_values={v: c for c, v, _ in choices},
                          fallback=fallback)

    def spec(self, code: str) -> ColumnSpec:
        """The spec of a bank code (``KeyError`` if unknown).

        Examples
        --------
        >>> from instrument.validate import check_bank
        >>> Codebook(check_bank()[0]).spec("INF01").scale
        'agree7'
        """
        return self.specs[code]

    def match(self, keys: tuple[str, ...]) -> ColumnSpec | None:
        """The spec for the first of ``keys`` naming a bank code (exact match first, then loose), or None.

        Examples
        --------
        >>> from instrument.validate import check_bank
        >>> cb = Codebook(check_bank()[0])
        >>> cb.match(("TIMING[TIMINF]", "TIMINF")).code, cb.match(("remarks",)) is None
        ('TIM_INF', True)
        """
        for k in keys:
            if k in self._exact:
                return self.specs[self._exact[k]]
        for k in keys:
            hit = self._loose.get(norm_key(k))
            if hit is not None:
                return self.specs[hit]
        return None

    def language_map(self) -> dict[str, str]:
        """Every spelling of a bank language (ISO code, Qualtrics code, XLSForm label, names) → ISO code.

        Examples
        --------
        >>> from instrument.validate import check_bank
        >>> m = Codebook(check_bank()[0]).language_map()
        >>> m["es-es"], m["german (de)"], m["suomi"]
        ('es', 'de', 'fi')
        """
        out: dict[str, str] = {}
        for lang in self.inst.languages:
            for s in (lang.code, lang.qualtrics, lang.xlsform, lang.name, lang.native):
                out[s.casefold()] = lang.code
        return out


def resolve_answers(raw: dict[str, str], label_values: dict[str, int]) -> dict[str, float]:
    """Answer code → scale value: the label's bank value, else ``assessment_value``, else a numeric code.

    ``raw`` maps normalised answer codes to their texts; keys ``"\\0av:<code>"`` carry assessment values.

    Examples
    --------
    >>> raw = {"a1": "Strongly disagree", "x": "Other", "\\0av:x": "3", "5": "Fünf"}
    >>> resolve_answers(raw, {"strongly disagree": 1})
    {'a1': 1.0, 'x': 3.0, '5': 5.0}
    """
    out: dict[str, float] = {}
    for code, text in raw.items():
        if code.startswith("\0av:"):
            continue
        v: float | None = label_values.get(norm_label(re.sub(r"<[^>]+>", " ", text)))
        if v is None and f"\0av:{code}" in raw:
            try:
                v = float(raw[f"\0av:{code}"])
            except ValueError:
                v = None
        if v is None and re.fullmatch(r"-?\d+", code):
            v = float(code)
        if v is not None:
            out[code] = float(v)
    return out
