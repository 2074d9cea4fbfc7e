"""Every text the item bank translates, located to the character in its YAML file.

The TRAPD round trip (Harkness 2003: Translation, Review, Adjudication, Pretesting, Documentation) needs two
things from the bank: the texts themselves with their status per language, and where each one is written, so
that an edit replaces exactly that scalar and leaves every other byte of the file as it was. This module
composes the YAML files (PyYAML nodes keep their character offsets) and lists one :class:`Entry` per text:

- ``scale_label``: ``agree7`` / ``label:3``; status shared by the scale's labels (``scales.yaml``);
- ``question``: ``COUNTRY`` / ``label``; its own status;
- ``choice``: ``COUNTRY`` / ``choice:FI``; untracked (the bank records no status);
- ``matrix_row``: ``TIMING`` / ``row:TIM_INF``; untracked;
- ``construct_label``: ``BLM`` / ``label``; untracked;
- ``stem``: ``BLM`` / ``stem:provider``; untracked;
- ``theme_label``: ``BLM`` / ``theme:<code>``; untracked;
- ``item``: ``BLM01`` / ``text``; its own status;
- ``check``: ``ATT1`` / ``text``; its own status.

A *status unit* is what one TRAPD status belongs to: an item text, a check, a question label, or a whole
response scale. Untracked texts can be revised, but carry no status.

Examples
--------
>>> cat = build_catalog()
>>> e = cat.find("BLM01", "text")
>>> e.kind, e.construct, e.statuses["fi"].status
('item', 'BLM', 'draft1')
>>> e.texts["fi"] == cat.files[e.file][e.spans["fi"].start + 1:e.spans["fi"].end - 1]
True
>>> cat.find("agree7", "label:1").unit
'agree7/labels'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from instrument.model import BANK_DIR, Instrument
from instrument.validate import SPECIAL_FILES, load_bank
from vcd_core.errors import BankError

#: libyaml's composer when PyYAML has it (about 10x faster); its marks are the same character offsets.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: the kinds of text (see the list above).
KINDS: tuple[str, ...] = ("scale_label", "question", "choice", "matrix_row", "construct_label", "stem",
                          "theme_label", "item", "check")
#: the construct column of texts that belong to no construct.
CONTEXT, SCALES = "context", "scales"


@dataclass(frozen=True)
class Span:
    """Characters ``start:end`` of a file's text holding one YAML scalar (its quotes included)."""

    start: int
    end: int


@dataclass(frozen=True)
class StatusSlot:
    """A TRAPD status and where it is written: ``span`` (the scalar), or, when a scale's flow mapping has no
    entry for the language yet, ``insert_at`` (the offset of its closing ``}``)."""

    status: str
    span: Span | None = None
    insert_at: int | None = None


@dataclass(frozen=True)
class Entry:
    """One translatable text: its place in the bank, its wording per language and (when tracked) its status.

    ``unit`` names the status unit (``None`` = untracked); entries of one unit share their ``statuses``.
    """

    file: str
    code: str
    field: str
    kind: str
    construct: str
    perspective: str
    unit: str | None
    texts: Mapping[str, str] = dataclasses.field(hash=False)
    spans: Mapping[str, Span] = dataclasses.field(hash=False)
    statuses: Mapping[str, StatusSlot] = dataclasses.field(hash=False)

    @property
    def tracked(self) -> bool:
        """Whether the bank records a TRAPD status for this text."""
        return self.unit is not None


@dataclass(frozen=True)
class Catalog:
    """The bank folder, its source language and languages, the text of each YAML file and every entry."""

    bank: Path
    source: str
    languages: tuple[str, ...]
    files: Mapping[str, str] = dataclasses.field(hash=False)
    entries: tuple[Entry, ...]

    @cached_property
    def _index(self) -> dict[tuple[str, str], Entry]:
        return {(e.code, e.field): e for e in self.entries}

    def find(self, code: str, field_name: str) -> Entry | None:
        """The entry of ``code`` / ``field_name``, or ``None``.

        Parameters
        ----------
        code, field_name : str
            As in the workbook's ``code`` and ``field`` columns.

        Returns
        -------
        Entry or None

        Examples
        --------
        >>> build_catalog().find("NOPE", "text") is None
        True
        """
        return self._index.get((code, field_name))

    @property
    def targets(self) -> tuple[str, ...]:
        """The languages translated from the source (every bank language but the source)."""
        return tuple(lang for lang in self.languages if lang != self.source)


def _get(node: Any, key: str) -> Any:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return v
    return None


def _seq(node: Any) -> list[Any]:
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def _pairs(node: Any) -> list[tuple[str, Any]]:
    if not isinstance(node, yaml.MappingNode):
        return []
    return [(str(k.value), v) for k, v in node.value if isinstance(k, yaml.ScalarNode)]


def _scalar(node: Any) -> str:
    return str(node.value) if isinstance(node, yaml.ScalarNode) else ""


def _span(node: Any) -> Span:
    return Span(node.start_mark.index, node.end_mark.index)


class _Builder:
    """Walks the composed YAML of each bank file (already validated by :func:`load_bank`)."""

    def __init__(self, root: Path, inst: Instrument) -> None:
        self.root, self.inst = root, inst
        self.source = inst.source_language
        self.files: dict[str, str] = {}
        self.entries: list[Entry] = []
        self.name_to_code = {c.name: c.code for c in inst.constructs}

    def doc(self, name: str) -> Any:
        # bytes decoded as they are (no newline translation): offsets index the exact file content
        text = (self.root / name).read_bytes().decode("utf-8")
        self.files[name] = text
        return yaml.compose(text, Loader=_LOADER)

    def tracked(self, file: str, code: str, fld: str, kind: str, construct: str, persp: str, node: Any) -> None:
        """``{lang: {text, status}}`` (the source may be a bare string)."""
        texts, spans, statuses = {}, {}, {}
        for lang, v in _pairs(node):
            if isinstance(v, yaml.ScalarNode):
                texts[lang], spans[lang], statuses[lang] = v.value, _span(v), StatusSlot("source")
                continue
            t, s = _get(v, "text"), _get(v, "status")
            texts[lang], spans[lang] = _scalar(t), _span(t)
            statuses[lang] = StatusSlot(_scalar(s), _span(s))
        self.entries.append(Entry(file, code, fld, kind, construct, persp, f"{code}/{fld}", texts, spans, statuses))

    def untracked(self, file: str, code: str, fld: str, kind: str, construct: str, persp: str, node: Any) -> None:
        """``{lang: text}``."""
        pairs = [(lang, v) for lang, v in _pairs(node) if isinstance(v, yaml.ScalarNode)]
        self.entries.append(Entry(file, code, fld, kind, construct, persp, None, {lang: v.value for lang, v in pairs},
                                  {lang: _span(v) for lang, v in pairs}, {}))

    def scales(self) -> None:
        root = self.doc("scales.yaml")
        for sc in _seq(_get(root, "scales")):
            code, values = _scalar(_get(sc, "code")), [_scalar(v) for v in _seq(_get(sc, "values"))]
            labels, status = _get(sc, "labels"), _get(sc, "status")
            statuses: dict[str, StatusSlot] = {}
            for lang in self.inst.language_codes:
                node = _get(status, lang)
                if node is not None:
                    statuses[lang] = StatusSlot(_scalar(node), _span(node))
                else:  # the model's default for a language without a status entry
                    flow = isinstance(status, yaml.MappingNode) and status.flow_style and status.value
                    at = status.end_mark.index - 1 if flow else None
                    statuses[lang] = StatusSlot("source" if lang == self.source else "draft1", None, at)
            by_lang = {lang: _seq(v) for lang, v in _pairs(labels)}
            for k, value in enumerate(values):
                nodes = {lang: seq[k] for lang, seq in by_lang.items() if k < len(seq)}
                self.entries.append(Entry("scales.yaml", code, f"label:{value}", "scale_label", SCALES, "both",
                                          f"{code}/labels", {lang: _scalar(n) for lang, n in nodes.items()},
                                          {lang: _span(n) for lang, n in nodes.items()}, statuses))

    def context(self) -> None:
        root = self.doc("context.yaml")
        for q in _seq(_get(root, "questions")):
            code = _scalar(_get(q, "code"))
            persp = self.inst.context_question(code).perspective or "both"
            self.tracked("context.yaml", code, "label", "question", CONTEXT, persp, _get(q, "label"))
            for ch in _seq(_get(q, "choices")):
                self.untracked("context.yaml", code, f"choice:{_scalar(_get(ch, 'code'))}", "choice", CONTEXT, persp,
                               _get(ch, "label"))
            for row in _seq(_get(q, "rows")):
                self.untracked("context.yaml", code, f"row:{_scalar(_get(row, 'code'))}", "matrix_row", CONTEXT,
                               persp, _get(row, "label"))

    def construct(self, file: str, d: Any) -> None:
        code = _scalar(_get(d, "code"))
        self.untracked(file, code, "label", "construct_label", code, "both", _get(d, "label"))
        for persp, node in _pairs(_get(d, "stem")):
            self.untracked(file, code, f"stem:{persp}", "stem", code, persp, node)
        for t in _seq(_get(d, "themes")):
            tcode = _scalar(_get(t, "code"))
            if _get(t, "label") is not None:
                self.untracked(file, code, f"theme:{tcode}", "theme_label", code, "both", _get(t, "label"))
            for it in _seq(_get(t, "items")):
                self.tracked(file, _scalar(_get(it, "code")), "text", "item", code,
                             _scalar(_get(it, "perspective")), _get(it, "text"))

    def constructs(self) -> None:
        order = {c.code: k for k, c in enumerate(self.inst.constructs)}
        found: list[tuple[int, int, list[Entry]]] = []
        for path in sorted(self.root.glob("*.yaml")):
            if path.name in SPECIAL_FILES:
                continue
            root = self.doc(path.name)
            blocks = _seq(_get(root, "constructs")) if _get(root, "constructs") is not None else [root]
            for d in blocks:
                before = len(self.entries)
                self.construct(path.name, d)
                block, self.entries = self.entries[before:], self.entries[:before]
                found.append((order.get(_scalar(_get(d, "code")), len(order)), len(found), block))
        for _, _, block in sorted(found, key=lambda x: (x[0], x[1])):
            self.entries.extend(block)

    def checks(self) -> None:
        root = self.doc("checks.yaml")
        for c in _seq(_get(root, "checks")):
            code = _scalar(_get(c, "code"))
            persps = [_scalar(p) for p in _seq(_get(c, "perspectives"))]
            persp = persps[0] if len(persps) == 1 else "both"
            self.tracked("checks.yaml", code, "text", "check", self.name_to_code.get(_scalar(_get(c, "construct")), ""),
                         persp, _get(c, "text"))


def build_catalog(bank: str | Path | None = None) -> Catalog:
    """Load and validate the bank at ``bank`` and list every translatable text with its place in the YAML.

    Parameters
    ----------
    bank : str or Path, optional
        A bank folder (default: the bundled ``instrument/bank``).

    Returns
    -------
    Catalog
        Entries in workbook order: scales, context questions, each construct (label, stems, theme labels,
        items), attention checks.

    Raises
    ------
    BankError
        When the bank does not validate (:func:`instrument.validate.load_bank`).

    Examples
    --------
    >>> cat = build_catalog()
    >>> cat.source, cat.targets
    ('en', ('fi', 'de', 'es'))
    >>> [e.kind for e in cat.entries][:2]
    ['scale_label', 'scale_label']
    """
    inst = load_bank(bank)
    root = Path(bank) if bank is not None else BANK_DIR
    b = _Builder(root, inst)
    b.scales()
    b.context()
    b.constructs()
    b.checks()
    seen: set[tuple[str, str]] = set()
    for e in b.entries:
        if (e.code, e.field) in seen:
            raise BankError(f"two translatable texts are both named {e.code} / {e.field}", file=e.file)
        seen.add((e.code, e.field))
    return Catalog(root, inst.source_language, inst.language_codes, b.files, tuple(b.entries))
