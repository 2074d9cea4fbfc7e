"""The instrument as frozen dataclasses, loaded from the item bank's YAML files.

The bank (``instrument/bank/*.yaml``) is data: ``languages.yaml``, ``scales.yaml``, one file per reason
(``kind: reason``), ``outcomes.yaml`` (several ``kind: outcome`` constructs), ``context.yaml`` (context
questions, among them the per-reason timing matrix) and ``checks.yaml`` (attention checks). Item codes are
the join key of the whole pipeline. :func:`instrument.validate.load_bank` loads and validates the bank
(see :mod:`instrument.validate`) and raises one :class:`~vcd_core.errors.BankError` listing every problem.

Examples
--------
>>> from instrument.validate import load_bank
>>> inst = load_bank()
>>> [c.code for c in inst.reasons()]
['INF', 'TRU', 'MIS', 'SRV', 'CHG', 'EXP', 'MSB', 'BLM']
>>> item = inst.item("INF01")
>>> item.construct, item.perspective in ("provider", "customer")
('absence_of_information', True)
>>> inst.scale(item.scale).values
(1, 2, 3, 4, 5, 6, 7)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from vcd_core.errors import BankError

BANK_DIR: Path = Path(__file__).resolve().parent / "bank"


@dataclass(frozen=True)
class Text:
    """One wording in one language with its TRAPD status (``source draft1 draft2 reviewed adjudicated pretested``)."""

    text: str
    status: str


@dataclass(frozen=True)
class Language:
    """A survey language: ISO 639-1 ``code``, English ``name``, ``native`` name and the Qualtrics language code."""

    code: str
    name: str
    native: str
    qualtrics: str

    @property
    def xlsform(self) -> str:
        """The XLSForm language label, e.g. ``English (en)``."""
        return f"{self.name} ({self.code})"


@dataclass(frozen=True)
class ResponseScale:
    """A fully labelled response scale: numeric ``values`` with one label per value and language."""

    code: str
    values: tuple[int, ...]
    labels: Mapping[str, tuple[str, ...]] = field(hash=False)
    status: Mapping[str, str] = field(hash=False)

    @property
    def minimum(self) -> int:
        """The lowest scale value."""
        return min(self.values)

    @property
    def maximum(self) -> int:
        """The highest scale value."""
        return max(self.values)

    def reverse(self, value: float) -> float:
        """Reverse-code ``value`` on this scale: ``min + max - value``."""
        return self.minimum + self.maximum - value

    def label(self, value: int, lang: str = "en") -> str:
        """The label of ``value`` in ``lang``."""
        return self.labels[lang][self.values.index(value)]


@dataclass(frozen=True)
class Item:
    """A rated statement. ``construct`` is the construct's name, ``construct_code`` its short code."""

    code: str
    construct: str
    construct_code: str
    kind: str
    theme: str
    perspective: str
    scale: str
    reverse: bool
    text: Mapping[str, Text] = field(hash=False)
    source: str
    time: str | None
    relationship_types: tuple[str, ...]
    file: str

    def wording(self, lang: str = "en") -> str:
        """The item text in ``lang``."""
        return self.text[lang].text


@dataclass(frozen=True)
class Theme:
    """A second-order theme (for reasons: one of Table 3) with its relationship types and items."""

    code: str
    label: Mapping[str, str] = field(hash=False)
    relationship_types: tuple[str, ...]
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Construct:
    """A reason (``kind='reason'``) or outcome (``kind='outcome'``) measured by a matrix of items.

    ``stem`` maps perspective → language → the matrix instruction shown above the items.
    """

    name: str
    code: str
    kind: str
    label: Mapping[str, str] = field(hash=False)
    time: str | None
    source: str
    stem: Mapping[str, Mapping[str, str]] = field(hash=False)
    themes: tuple[Theme, ...]
    file: str

    @property
    def items(self) -> tuple[Item, ...]:
        """All items of the construct, in bank order."""
        return tuple(i for t in self.themes for i in t.items)

    def items_for(self, perspective: str) -> tuple[Item, ...]:
        """Items of one perspective (``provider`` or ``customer``), in bank order."""
        return tuple(i for i in self.items if i.perspective == perspective)


@dataclass(frozen=True)
class Choice:
    """An answer option of a context question: string ``code`` (e.g. ``B2C``) and numeric ``value``."""

    code: str
    value: int
    label: Mapping[str, str] = field(hash=False)


@dataclass(frozen=True)
class MatrixRow:
    """A row of a context matrix (the timing matrix: one row per reason, ``construct`` names it)."""

    code: str
    construct: str | None
    label: Mapping[str, str] = field(hash=False)


@dataclass(frozen=True)
class ContextQuestion:
    """A context question. ``type`` is ``select_one``, ``integer``, ``text`` or ``matrix``.

    ``column`` names the ResponseSet metadata column it fills (``country``, ``language``,
    ``relationship_type``, ``phase``) or is ``None``. Matrix questions have ``rows`` and a ``scale``.
    """

    code: str
    type: str
    label: Mapping[str, Text] = field(hash=False)
    choices: tuple[Choice, ...]
    rows: tuple[MatrixRow, ...]
    scale: str | None
    required: bool
    column: str | None
    perspective: str | None
    file: str

    def choice(self, code_or_value: str | int) -> Choice:
        """The choice with this code or numeric value."""
        for c in self.choices:
            if c.code == code_or_value or c.value == code_or_value:
                return c
        raise BankError(f"question {self.code} has no choice {code_or_value!r}", file=self.file)


@dataclass(frozen=True)
class AttentionCheck:
    """An instructed-response item placed inside a construct's matrix (after item ``after``).

    A respondent passes when the answer equals ``correct``.
    """

    code: str
    construct: str
    after: str | None
    perspectives: tuple[str, ...]
    scale: str
    correct: int
    text: Mapping[str, Text] = field(hash=False)
    file: str


@dataclass(frozen=True)
class Instrument:
    """The whole instrument: languages, scales, constructs (reasons, outcomes), context and checks."""

    languages: tuple[Language, ...]
    source_language: str
    scales: Mapping[str, ResponseScale] = field(hash=False)
    constructs: tuple[Construct, ...]
    context: tuple[ContextQuestion, ...]
    checks: tuple[AttentionCheck, ...]
    path: Path

    # -- look-ups -------------------------------------------------------------------------------------------
    def items(
        self,
        perspective: str | None = None,
        construct: str | None = None,
        kind: str | None = None,
    ) -> tuple[Item, ...]:
        """Items filtered by perspective, construct (name or code) and kind (``reason``/``outcome``).

        Examples
        --------
        >>> from instrument.validate import load_bank
        >>> inst = load_bank()
        >>> len(inst.items(perspective="provider", construct="INF")) >= 5
        True
        """
        out: list[Item] = []
        for c in self.constructs:
            if construct is not None and construct not in (c.name, c.code):
                continue
            if kind is not None and c.kind != kind:
                continue
            out.extend(i for i in c.items if perspective is None or i.perspective == perspective)
        if construct is not None and not any(construct in (c.name, c.code) for c in self.constructs):
            raise BankError(f"unknown construct {construct!r}")
        return tuple(out)

    def item(self, code: str) -> Item:
        """The item with this code (:class:`BankError` if unknown)."""
        for c in self.constructs:
            for i in c.items:
                if i.code == code:
                    return i
        raise BankError(f"unknown item code {code!r}")

    def construct(self, name_or_code: str) -> Construct:
        """The construct with this name (``blaming``) or code (``BLM``)."""
        for c in self.constructs:
            if name_or_code in (c.name, c.code):
                return c
        raise BankError(f"unknown construct {name_or_code!r}")

    def reasons(self) -> tuple[Construct, ...]:
        """The eight reasons, in Table 3 order."""
        return tuple(c for c in self.constructs if c.kind == "reason")

    def outcomes(self) -> tuple[Construct, ...]:
        """The outcome constructs."""
        return tuple(c for c in self.constructs if c.kind == "outcome")

    def scale(self, code: str) -> ResponseScale:
        """The response scale with this code."""
        try:
            return self.scales[code]
        except KeyError:
            raise BankError(f"unknown scale {code!r}") from None

    def language(self, code: str) -> Language:
        """The language with this ISO code."""
        for lang in self.languages:
            if lang.code == code:
                return lang
        raise BankError(f"unknown language {code!r}; the bank has {', '.join(self.language_codes)}")

    @property
    def language_codes(self) -> tuple[str, ...]:
        """ISO codes of all languages, source first."""
        return tuple(lang.code for lang in self.languages)

    def context_question(self, code: str) -> ContextQuestion:
        """The context question with this code (e.g. ``RELTYPE``, ``TIMING``)."""
        for q in self.context:
            if q.code == code:
                return q
        raise BankError(f"unknown context question {code!r}")

    def context_for(self, perspective: str) -> tuple[ContextQuestion, ...]:
        """Context questions asked in one perspective."""
        return tuple(q for q in self.context if q.perspective in (None, perspective))

    def checks_for(self, perspective: str) -> tuple[AttentionCheck, ...]:
        """Attention checks asked in one perspective."""
        return tuple(c for c in self.checks if perspective in c.perspectives)

    def matrix(self, construct: str, perspective: str) -> tuple[Item | AttentionCheck, ...]:
        """One construct's matrix in page order, attention checks inserted after their anchor item."""
        c = self.construct(construct)
        rows: list[Item | AttentionCheck] = list(c.items_for(perspective))
        for chk in self.checks_for(perspective):
            if chk.construct != c.name:
                continue
            codes = [r.code for r in rows]
            pos = codes.index(chk.after) + 1 if chk.after in codes else len(rows)
            rows.insert(pos, chk)
        return tuple(rows)

    def page_order(self, perspective: str, kind: str | None = None) -> tuple[str, ...]:
        """Codes of all rated rows (items and checks) in the order respondents see them."""
        return tuple(
            r.code
            for c in self.constructs
            if kind is None or c.kind == kind
            for r in self.matrix(c.name, perspective)
        )


def item_codes(items: Iterable[Item]) -> list[str]:
    """The codes of ``items``, in order.

    Parameters
    ----------
    items : iterable of Item
        Items, e.g. from :meth:`Instrument.items`.

    Returns
    -------
    list of str
        Their codes.

    Examples
    --------
    >>> from instrument.validate import load_bank
    >>> item_codes(load_bank().items(construct="BLM", perspective="provider"))[:1]
    ['BLM01']
    """
    return [i.code for i in items]
