"""What every exporter shares: the survey as a platform-neutral sequence of questions, translation warnings,
spreadsheet-safe cells and the result object.

:func:`build_survey` turns the bank into the questions one perspective answers, in page order: the context
questions (except matrices), one rated matrix per reason (attention checks inside, at their place), the
context matrices (the timing matrix, each row shown only to respondents who agreed with at least one item of
that reason), the outcome matrices. Every exporter renders exactly this sequence, so the variable names are
the same on every platform (item codes, check codes, timing-row codes and the context ``column`` names).

Examples
--------
>>> from instrument.validate import load_bank
>>> survey = build_survey(load_bank(), "provider", ["en", "de"])
>>> survey.languages
('en', 'de')
>>> [q.code for q in survey.questions if q.type == "matrix"][:2]
['INF', 'TRU']
>>> neutralise("=1+2"), neutralise("-5"), neutralise("ok")
("'=1+2", "'-5", 'ok')
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from instrument.model import AttentionCheck, Instrument, Language, Text
from instrument.table3 import PERSPECTIVES, REVIEWED_STATUSES
from vcd_core.errors import ExportError

#: characters that make a spreadsheet treat a cell as a formula (OWASP "CSV injection").
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@")
#: the platforms :func:`instrument.export.export` knows, in the order ``all`` writes them.
FORMATS: tuple[str, ...] = ("xlsform", "qualtrics", "limesurvey", "redcap", "codebook")


def neutralise(value: object) -> object:
    """Prefix a text cell that starts with ``= + - @`` with ``'`` so a spreadsheet shows it as text.

    Non-strings (numbers) pass unchanged.

    Parameters
    ----------
    value : object
        A cell value.

    Returns
    -------
    object
        ``value``, with ``'`` in front when it is a string starting with ``= + - @``.

    Examples
    --------
    >>> neutralise("@SUM(A1)"), neutralise(3)
    ("'@SUM(A1)", 3)
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def unneutralise(value: str) -> str:
    """Undo :func:`neutralise` (used by the parsers of the round trip).

    Parameters
    ----------
    value : str
        A cell read back from an exported file.

    Returns
    -------
    str
        ``value`` without the ``'`` that :func:`neutralise` added.

    Examples
    --------
    >>> unneutralise("'=1"), unneutralise("'quoted'")
    ('=1', "'quoted'")
    """
    if value.startswith("'") and value[1:2] in FORMULA_PREFIXES:
        return value[1:]
    return value


@dataclass(frozen=True)
class Option:
    """An answer option: the numeric ``value`` every platform records and its label per language."""

    value: int
    label: Mapping[str, str] = field(hash=False)


@dataclass(frozen=True)
class Row:
    """A rated row of a matrix: an item, an attention check or a timing-matrix row.

    ``show_if`` lists conditions ``(item code, '>=' or '<=', value)``; when not empty the row is shown only if
    at least one holds (the timing matrix: "did this reason occur?" = agreement with an item of the reason
    above the scale midpoint, or disagreement below it for a reverse-keyed item).
    """

    code: str
    kind: str
    text: Mapping[str, str] = field(hash=False)
    show_if: tuple[tuple[str, str, int], ...] = ()


@dataclass(frozen=True)
class Question:
    """One question of the survey.

    ``type`` is ``matrix`` (rated ``rows`` on one scale), ``select_one``, ``integer`` or ``text``. ``code`` is
    the bank code (construct code for item matrices, e.g. ``INF``); ``name`` the data column for single
    questions (the context ``column`` where the bank names one, e.g. ``relationship_type``, else the code).
    ``list_name`` names the option list (the scale code, or the question code for context choices).
    """

    code: str
    name: str
    type: str
    section: str
    label: Mapping[str, str] = field(hash=False)
    options: tuple[Option, ...] = ()
    list_name: str | None = None
    rows: tuple[Row, ...] = ()
    required: bool = True

    @property
    def values(self) -> tuple[int, ...]:
        """The option values."""
        return tuple(o.value for o in self.options)


@dataclass(frozen=True)
class Survey:
    """The questions of one perspective in page order, in the chosen languages (first = base language)."""

    title: str
    form_id: str
    perspective: str
    languages: tuple[str, ...]
    language_info: tuple[Language, ...]
    questions: tuple[Question, ...]
    warnings: tuple[str, ...]

    def columns(self) -> tuple[str, ...]:
        """Every data column the survey produces: single questions' names and all rated row codes."""
        out: list[str] = []
        for q in self.questions:
            if q.type == "matrix":
                out.extend(r.code for r in q.rows)
            else:
                out.append(q.name)
        return tuple(out)

    def rated_rows(self) -> dict[str, tuple[Row, Question]]:
        """Row code → (row, its matrix question)."""
        return {r.code: (r, q) for q in self.questions if q.type == "matrix" for r in q.rows}


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote: the ``files`` (paths) and the translation ``warnings``."""

    format: str
    files: tuple[Path, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class ParsedSurvey:
    """A platform file read back (for validators and the round-trip tests).

    ``texts`` maps every question name and rated row code to ``{lang: text}``; ``values`` maps question names
    and row codes to the numeric option values recorded; ``labels`` the option labels per language.
    """

    languages: tuple[str, ...]
    columns: tuple[str, ...]
    texts: Mapping[str, Mapping[str, str]] = field(hash=False)
    values: Mapping[str, tuple[int, ...]] = field(hash=False)
    labels: Mapping[str, Mapping[str, tuple[str, ...]]] = field(hash=False)


def _text(t: Text | str) -> str:
    return t.text if isinstance(t, Text) else str(t)


def _pick(mapping: Mapping[str, Text | str], langs: Sequence[str]) -> dict[str, str]:
    return {lang: _text(mapping[lang]) for lang in langs if lang in mapping}


def translation_warnings(inst: Instrument, perspective: str, langs: Sequence[str]) -> list[str]:
    """Texts asked in ``perspective`` whose TRAPD status in ``langs`` is below ``reviewed``.

    One line per language: ``fi: 40 text(s) below 'reviewed' (draft1: 40): INF01, INF02, ...``.

    Parameters
    ----------
    inst : Instrument
        The item bank.
    perspective : {'provider', 'customer'}
        Which texts are asked.
    langs : sequence of str
        Languages to check.

    Returns
    -------
    list of str
        One line per language with texts below ``reviewed``; empty when all are reviewed.

    Examples
    --------
    >>> from instrument.validate import load_bank
    >>> translation_warnings(load_bank(), "provider", ["en"])
    []
    """
    found: dict[str, list[tuple[str, str]]] = {lang: [] for lang in langs}

    def note(code: str, texts: Mapping[str, Text]) -> None:
        for lang in langs:
            t = texts.get(lang)
            if t is not None and t.status not in REVIEWED_STATUSES:
                found[lang].append((code, t.status))

    for q in inst.context_for(perspective):
        note(q.code, q.label)
    for c in inst.constructs:
        for r in inst.matrix(c.name, perspective):
            note(r.code, r.text)
    used_scales = {q.scale for q in inst.context_for(perspective) if q.scale}
    used_scales |= {i.scale for i in inst.items(perspective=perspective)}
    used_scales |= {c.scale for c in inst.checks_for(perspective)}
    for code in sorted(used_scales):
        sc = inst.scale(code)
        for lang in langs:
            st = sc.status.get(lang, "source" if lang == inst.source_language else "draft1")
            if st not in REVIEWED_STATUSES:
                found[lang].append((f"scale {code}", st))
    lines = []
    for lang in langs:
        rows = found[lang]
        if not rows:
            continue
        counts: dict[str, int] = {}
        for _, st in rows:
            counts[st] = counts.get(st, 0) + 1
        by = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
        lines.append(f"{lang}: {len(rows)} text(s) below 'reviewed' ({by}): {', '.join(c for c, _ in rows)}")
    return lines


def check_languages(inst: Instrument, langs: Sequence[str] | None) -> tuple[str, ...]:
    """Validate a language selection (default: all bank languages, source first).

    Parameters
    ----------
    inst : Instrument
        The item bank.
    langs : sequence of str or None
        Requested ISO codes; None or empty = all bank languages.

    Returns
    -------
    tuple of str
        The languages, duplicates removed, in the order given.

    Raises
    ------
    ExportError
        A code the bank does not have.

    Examples
    --------
    >>> from instrument.validate import load_bank
    >>> check_languages(load_bank(), ["de", "en", "de"])
    ('de', 'en')
    """
    if not langs:
        return inst.language_codes
    out: list[str] = []
    for lang in langs:
        lang = lang.strip()
        if lang not in inst.language_codes:
            raise ExportError(f"unknown language {lang!r}; the bank has {', '.join(inst.language_codes)}")
        if lang not in out:
            out.append(lang)
    return tuple(out)


def build_survey(inst: Instrument, perspective: str, langs: Sequence[str] | None = None) -> Survey:
    """The survey one perspective answers, in page order, in ``langs`` (first = base language).

    Parameters
    ----------
    inst : Instrument
        The item bank.
    perspective : {'provider', 'customer'}
        Which wording of the items.
    langs : sequence of str, optional
        ISO language codes; default all bank languages, source first.

    Returns
    -------
    Survey

    Raises
    ------
    ExportError
        Unknown perspective or language, or a text missing in a chosen language.

    Examples
    --------
    >>> from instrument.validate import load_bank
    >>> s = build_survey(load_bank(), "customer", ["en"])
    >>> [q.section for q in s.questions if q.type == "matrix"][0]
    'reason'
    """
    if perspective not in PERSPECTIVES:
        raise ExportError(f"perspective {perspective!r} is not one of {', '.join(PERSPECTIVES)}")
    langs = check_languages(inst, langs)
    questions: list[Question] = []

    def need(mapping: Mapping[str, object], code: str, what: str) -> None:
        missing = [lang for lang in langs if lang not in mapping]
        if missing:
            raise ExportError(f"{code}: {what} has no text in {', '.join(missing)}")

    def scale_options(code: str) -> tuple[Option, ...]:
        sc = inst.scale(code)
        need(sc.labels, code, "scale labels")
        return tuple(Option(v, {lang: sc.labels[lang][k] for lang in langs}) for k, v in enumerate(sc.values))

    context = inst.context_for(perspective)
    for q in context:
        if q.type == "matrix":
            continue
        need(q.label, q.code, "label")
        options: tuple[Option, ...] = ()
        if q.type == "select_one":
            for ch in q.choices:
                need(ch.label, f"{q.code}/{ch.code}", "choice label")
            options = tuple(Option(ch.value, _pick(ch.label, langs)) for ch in q.choices)
        questions.append(Question(q.code, q.column or q.code, q.type, "context", _pick(q.label, langs), options,
                                  q.code if options else None, required=q.required))

    def construct_matrix(c) -> Question:
        rows = []
        members = inst.matrix(c.name, perspective)
        for r in members:
            need(r.text, r.code, "text")
            kind = "check" if isinstance(r, AttentionCheck) else "item"
            rows.append(Row(r.code, kind, _pick(r.text, langs)))
        scales = {r.scale for r in members}
        if len(scales) != 1:
            raise ExportError(f"{c.code}: a matrix needs one scale, its rows use {', '.join(sorted(scales))}",
                              file=c.file)
        scale = scales.pop()
        stem = c.stem.get(perspective, {})
        need(stem, c.code, f"stem ({perspective})")
        return Question(c.code, c.code, "matrix", c.kind, _pick(stem, langs), scale_options(scale), scale,
                        tuple(rows), True)

    for c in inst.reasons():
        if c.items_for(perspective):
            questions.append(construct_matrix(c))
    for q in context:
        if q.type != "matrix":
            continue
        need(q.label, q.code, "label")
        sc = inst.scale(str(q.scale))
        rows = []
        for row in q.rows:
            need(row.label, row.code, "row label")
            show: list[tuple[str, str, int]] = []
            if row.construct:
                for item in inst.construct(row.construct).items_for(perspective):
                    isc = inst.scale(item.scale)
                    mid = (isc.minimum + isc.maximum) / 2
                    if item.reverse:
                        show.append((item.code, "<=", max(v for v in isc.values if v < mid)))
                    else:
                        show.append((item.code, ">=", min(v for v in isc.values if v > mid)))
            rows.append(Row(row.code, "matrix", _pick(row.label, langs), tuple(show)))
        questions.append(Question(q.code, q.code, "matrix", "context", _pick(q.label, langs),
                                  scale_options(sc.code), sc.code, tuple(rows), q.required))
    for c in inst.outcomes():
        if c.items_for(perspective):
            questions.append(construct_matrix(c))

    title = {"provider": "Value co-destruction survey (provider)",
             "customer": "Value co-destruction survey (customer)"}[perspective]
    return Survey(title, f"vcd_{perspective}", perspective, langs,
                  tuple(inst.language(lang) for lang in langs), tuple(questions),
                  tuple(translation_warnings(inst, perspective, langs)))


def relevance_text(row: Row, fmt: str, name_of: Mapping[str, str] | None = None) -> str:
    """A row's display condition in one platform's syntax (``''`` when always shown).

    ``fmt``: ``xlsform`` (``${INF01} >= 5``), ``limesurvey`` (``INF_INF01.NAOK >= 5``; ``name_of`` maps an item
    code to its qualified LimeSurvey name) or ``redcap`` (``[inf01] >= 5``).

    Examples
    --------
    >>> row = Row("TIM_INF", "matrix", {}, (("INF01", ">=", 5), ("INF02", "<=", 3)))
    >>> relevance_text(row, "xlsform")
    '${INF01} >= 5 or ${INF02} <= 3'
    >>> relevance_text(row, "redcap")
    '[inf01] >= 5 or [inf02] <= 3'
    """
    parts = []
    for code, op, value in row.show_if:
        if fmt == "xlsform":
            parts.append(f"${{{code}}} {op} {value}")
        elif fmt == "limesurvey":
            name = (name_of or {}).get(code, code)
            parts.append(f"{name}.NAOK {op} {value}")
        elif fmt == "redcap":
            parts.append(f"[{code.lower()}] {op} {value}")
        else:
            raise ValueError(f"unknown relevance syntax {fmt!r}")
    return " or ".join(parts)


def raise_problems(fmt: str, path: Path, problems: Sequence[str]) -> None:
    """Raise one :class:`ExportError` listing a validator's problems (nothing when there are none).

    Parameters
    ----------
    fmt : str
        Format name for the message.
    path : Path
        The file checked.
    problems : sequence of str
        The validator's messages.

    Returns
    -------
    None

    Raises
    ------
    ExportError
        When ``problems`` is not empty (the first ten are listed).

    Examples
    --------
    >>> raise_problems("redcap", Path("x.csv"), [])
    """
    if problems:
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise ExportError(f"{fmt} export failed its structural check: {'; '.join(problems[:10])}{more}",
                          file=str(path))


def start_export(inst: Instrument, perspective: str, langs: Sequence[str] | None,
                 out_dir: str | Path) -> tuple[Survey, Path]:
    """The survey to export and the output folder (created): the first step of every exporter.

    Parameters
    ----------
    inst : Instrument
        The item bank (:func:`instrument.validate.load_bank`).
    perspective : {'provider', 'customer'}
        Which item wording.
    langs : sequence of str or None
        Languages, first = base language; None = all bank languages.
    out_dir : str or Path
        Output folder (created).

    Returns
    -------
    tuple of (Survey, Path)
        The platform-neutral survey and the output folder.

    Examples
    --------
    >>> import tempfile
    >>> from instrument.validate import load_bank
    >>> with tempfile.TemporaryDirectory() as d:
    ...     survey, out = start_export(load_bank(), "provider", ["en"], d + "/x")
    ...     survey.languages, out.is_dir()
    (('en',), True)
    """
    survey = build_survey(inst, perspective, langs)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return survey, out


def csv_text(rows: Iterable[Mapping[str, object]], fieldnames: Sequence[str],
             text_columns: Collection[str] | None = None, *, delimiter: str = ",", quotechar: str = '"',
             extrasaction: Literal["raise", "ignore"] = "raise") -> str:
    """CSV text of ``rows`` with a header; cells of ``text_columns`` (all columns when None) are neutralised
    (:func:`neutralise`), the others written as they are.

    Parameters
    ----------
    rows
        One mapping per line, keyed by column name.
    fieldnames
        The header, in column order.
    text_columns
        Columns whose cells are neutralised against formula injection; None neutralises every column.
    delimiter, quotechar, extrasaction
        Passed to :class:`csv.DictWriter` (``extrasaction="raise"`` rejects a key not in ``fieldnames``).

    Returns
    -------
    str
        The CSV text, ``\\n`` line ends.

    Examples
    --------
    >>> csv_text([{"name": "a", "label": "=1+1"}], ["name", "label"], ["label"])
    "name,label\\na,'=1+1\\n"
    """
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(fieldnames), lineterminator="\n", delimiter=delimiter,
                       quotechar=quotechar, extrasaction=extrasaction)
    w.writeheader()
    for r in rows:
        w.writerow({k: neutralise(v) if text_columns is None or k in text_columns else v for k, v in r.items()})
    return buf.getvalue()
