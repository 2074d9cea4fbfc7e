"""LimeSurvey tab-separated survey structure (``.txt``): S, SL, G, Q, SQ and A rows.

Layout (see the README, "Platform exports"), following LimeSurvey's own TSV export and its importer
(``import_helper.php::TSVImportSurvey``): header row ``id related_id class type/scale name relevance text help
language validation mandatory other default same_default assessment_value num_value_int_only``; S rows
(``language``, ``additional_languages``, ``format`` = G, ``datestamp``/``savetimings`` = Y so the response
export has dates and durations), SL rows (title per language), then the base-language block of groups and
questions, then one block per translation with identical rows. One group per page. Matrices are ``F`` arrays
named by the construct code (``INF``) with one subquestion per item or check whose code is the bank code with
non-alphanumerics removed (``INF01``, ``ATT1``, ``TIMINF``) and answer codes = scale values (≤ 5 characters).
Context questions are ``L`` (``!`` dropdown above 10 choices), ``N`` or ``T`` named by their bank code without
separators (``COUNTRY``, ``RELTYPE``, ``PHASE``). The timing-matrix subquestions carry relevance equations
``INF_INF01.NAOK >= 5 or …``. Response CSV columns are then ``INF[INF01]``, ``TIMING[TIMINF]``, ``RELTYPE`` …,
and LimeSurvey records the language in ``startlanguage``.

Examples
--------
>>> import tempfile
>>> from instrument.validate import load_bank
>>> with tempfile.TemporaryDirectory() as d:
...     res = export_limesurvey(load_bank(), "provider", ["en", "fi"], d)
...     parsed = read_limesurvey(res.files[0])
>>> parsed.languages, "INF[INF01]" in parsed.columns, parsed.values["INF01"]
(('en', 'fi'), True, (1, 2, 3, 4, 5, 6, 7))
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path

from instrument.export._common import (
    ExportResult,
    ParsedSurvey,
    Question,
    Survey,
    csv_text,
    raise_problems,
    relevance_text,
    start_export,
    unneutralise,
)
from instrument.model import Instrument
from vcd_core.errors import ExportError

HEADER: tuple[str, ...] = ("id", "related_id", "class", "type/scale", "name", "relevance", "text", "help",
                           "language", "validation", "mandatory", "other", "default", "same_default",
                           "assessment_value", "num_value_int_only")
CLASSES = ("S", "SL", "G", "Q", "SQ", "A", "AS", "QTA", "QTAM", "QTALS", "C")
Q_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,19}$")
SQ_RE = re.compile(r"^[A-Za-z0-9]{1,20}$")
A_RE = re.compile(r"^[A-Za-z0-9]{1,5}$")
#: LimeSurvey question type codes (``questions.type``).
Q_TYPES = frozenset("15ABCDEFGHIKLMNOPQRSTUXY!:;|*")


def ls_code(code: str) -> str:
    """A bank code as a LimeSurvey question/subquestion code (letters and digits only).

    Examples
    --------
    >>> ls_code("TIM_INF"), ls_code("INF01")
    ('TIMINF', 'INF01')
    """
    return re.sub(r"[^A-Za-z0-9]", "", code)


def _pages(survey: Survey) -> list[tuple[str, list[Question]]]:
    pages: list[tuple[str, list[Question]]] = []
    singles = [q for q in survey.questions if q.type != "matrix"]
    if singles:
        pages.append(("Context", singles))
    pages += [(q.code, [q]) for q in survey.questions if q.type == "matrix"]
    return pages


def limesurvey_rows(survey: Survey) -> list[dict[str, str]]:
    """The rows of the TSV structure file (without the header), in file order.

    Examples
    --------
    >>> from instrument.validate import load_bank
    >>> from instrument.export._common import build_survey
    >>> rows = limesurvey_rows(build_survey(load_bank(), "provider", ["en", "de"]))
    >>> [(r["class"], r["name"], r["text"]) for r in rows[:2]]
    [('S', 'language', 'en'), ('S', 'additional_languages', 'de')]
    """
    base, others = survey.languages[0], survey.languages[1:]
    rows: list[dict[str, str]] = []

    def add(**kw: object) -> None:
        rows.append({k: str(v) for k, v in kw.items()})

    add(**{"class": "S", "name": "language", "text": base})
    add(**{"class": "S", "name": "additional_languages", "text": " ".join(others)})
    for name, value in (("format", "G"), ("datestamp", "Y"), ("savetimings", "Y"), ("ipaddr", "N"),
                        ("refurl", "N"), ("allowprev", "Y"), ("showprogress", "Y")):
        add(**{"class": "S", "name": name, "text": value})
    for lang in survey.languages:
        add(**{"class": "SL", "name": "surveyls_title", "text": survey.title, "language": lang})
        add(**{"class": "SL", "name": "surveyls_language", "text": lang, "language": lang})
    # qualified ExpressionScript names of every array row, for the timing relevance
    qualified = {r.code: f"{ls_code(q.code)}_{ls_code(r.code)}"
                 for q in survey.questions if q.type == "matrix" for r in q.rows}
    # no ``id`` values: the importer then numbers groups and (sub)questions itself; ids on some rows only
    # collide with its own numbering (LimeSurvey issue #17980) and a non-empty ``id`` on a Q row would be read
    # as a question attribute
    for lang in survey.languages:
        for g, (gname, qs) in enumerate(_pages(survey), start=1):
            add(**{"class": "G", "type/scale": g, "name": gname, "relevance": "1", "text": "",
                   "language": lang})
            for q in qs:
                mand = "Y" if q.required else "N"
                if q.type == "matrix":
                    qtype = "F"
                elif q.type == "select_one":
                    qtype = "!" if len(q.options) > 10 else "L"
                elif q.type == "integer":
                    qtype = "N"
                else:
                    qtype = "T"
                add(**{"class": "Q", "type/scale": qtype, "name": ls_code(q.code),
                       "relevance": "1", "text": q.label[lang], "language": lang, "mandatory": mand,
                       "other": "N", "same_default": "0",
                       "num_value_int_only": "1" if q.type == "integer" else ""})
                for r in q.rows:
                    rel = relevance_text(r, "limesurvey", qualified) or "1"
                    add(**{"class": "SQ", "type/scale": 0, "name": ls_code(r.code), "relevance": rel,
                           "text": r.text[lang], "language": lang})
                for o in q.options:
                    add(**{"class": "A", "type/scale": 0, "name": o.value, "text": o.label[lang],
                           "language": lang, "assessment_value": o.value})
    return rows


def export_limesurvey(inst: Instrument, perspective: str, langs: Sequence[str] | None,
                      out_dir: str | Path) -> ExportResult:
    """Write ``vcd_<perspective>_limesurvey.txt`` and check it (:func:`validate_limesurvey`).

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
    ExportResult
        The files written and the translation warnings.

    Raises
    ------
    ExportError
        Unknown language or perspective, or a written file failing its structural check.

    Examples
    --------
    >>> import tempfile
    >>> from instrument.validate import load_bank
    >>> with tempfile.TemporaryDirectory() as d:
    ...     export_limesurvey(load_bank(), "customer", ["en"], d).files[0].name
    'vcd_customer_limesurvey.txt'
    """
    survey, out = start_export(inst, perspective, langs, out_dir)
    path = out / f"vcd_{perspective}_limesurvey.txt"
    path.write_text(csv_text(limesurvey_rows(survey), HEADER, ("text", "help"), delimiter="\t", quotechar='"',
                             extrasaction="raise"), encoding="utf-8")
    raise_problems("limesurvey", path, validate_limesurvey(path))
    return ExportResult("limesurvey", (path,), survey.warnings)


def _read_rows(path: str | Path) -> list[dict[str, str]]:
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ExportError(f"cannot read the LimeSurvey structure file: {exc.strerror}", file=str(path)) from None
    except UnicodeDecodeError:
        raise ExportError("the LimeSurvey structure file is not UTF-8", file=str(path)) from None
    reader = csv.DictReader(io.StringIO(text), delimiter="\t", quotechar='"')
    if not reader.fieldnames or "class" not in reader.fieldnames:
        raise ExportError("not a LimeSurvey TSV structure file: no 'class' column", file=str(path), row=1)
    return [{k: (v or "") for k, v in r.items() if k is not None} for r in reader]


def _blocks(rows: list[dict[str, str]]) -> tuple[dict[str, str], dict[str, list[tuple[int, dict[str, str]]]]]:
    settings = {r["name"]: r["text"] for r in rows if r["class"] == "S"}
    blocks: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for k, r in enumerate(rows, start=2):
        if r["class"] in ("G", "Q", "SQ", "A"):
            blocks.setdefault(r.get("language", ""), []).append((k, r))
    return settings, blocks


def validate_limesurvey(path: str | Path) -> list[str]:
    """Structural problems of a TSV structure file, replicating the importer's rules.

    Checks: the header has ``class``/``type/scale``/``name``/``text``/``language``; classes known; S rows
    ``language`` and ``additional_languages`` match the language blocks; the base block comes first and every
    translation block has the same rows (class, type, code) in the same order; each SQ/A row follows a Q and each
    Q a G (relationship by proximity); question codes start with a letter, letters/digits only, ≤ 20
    characters and unique; subquestion codes letters/digits and unique within their question; answer codes
    letters/digits, ≤ 5 characters and unique within their question; arrays have subquestions and answers.

    Parameters
    ----------
    path : str or Path
        The file to check.

    Returns
    -------
    list of str
        One message per problem; empty when the file is valid.

    Examples
    --------
    >>> validate_limesurvey("missing.txt")
    ['missing.txt: cannot read the LimeSurvey structure file: No such file or directory']
    """
    try:
        rows = _read_rows(path)
    except ExportError as exc:
        return [str(exc)]
    problems: list[str] = []
    for col in ("type/scale", "name", "text", "language"):
        if col not in rows[0] if rows else True:
            problems.append(f"header: column '{col}' missing")
    if problems:
        return problems
    for k, r in enumerate(rows, start=2):
        if r["class"] not in CLASSES:
            problems.append(f"row {k}: unknown class {r['class']!r}")
    settings, blocks = _blocks(rows)
    base = settings.get("language", "")
    others = settings.get("additional_languages", "").split()
    if not base:
        problems.append("no S row 'language'")
    langs = [base, *others]
    if list(blocks) != langs:
        problems.append(f"language blocks {list(blocks)} do not match S language + additional_languages {langs}")
    first_row = {lang: b[0][0] for lang, b in blocks.items() if b}
    if base in first_row and any(first_row[lang] < first_row[base] for lang in first_row):
        problems.append("the base-language block does not come first")
    base_block = blocks.get(base, [])
    sig = [(r["class"], r["type/scale"], r["name"]) for _, r in base_block]
    for lang in others:
        other = [(r["class"], r["type/scale"], r["name"]) for _, r in blocks.get(lang, [])]
        if other != sig:
            n = next((i for i, (a, b) in enumerate(zip(sig, other, strict=False)) if a != b), min(len(sig), len(other)))
            where = blocks[lang][n][0] if lang in blocks and n < len(blocks[lang]) else "end"
            problems.append(f"block '{lang}' differs from the base block at row {where}")
    qcodes: set[str] = set()
    cur_q: dict[str, str] | None = None
    have_g = False
    subs: set[str] = set()
    answers: set[str] = set()
    counts = {"SQ": 0, "A": 0}

    def close(q: dict[str, str] | None) -> None:
        if q is not None and q["type/scale"] in ("F",) and (counts["SQ"] == 0 or counts["A"] == 0):
            problems.append(f"array question {q['name']} needs subquestions and answers")
        if q is not None and q["type/scale"] in ("L", "!") and counts["A"] == 0:
            problems.append(f"list question {q['name']} has no answers")

    for k, r in base_block:
        cls, name = r["class"], r["name"]
        if cls == "G":
            close(cur_q)
            have_g, cur_q = True, None
        elif cls == "Q":
            close(cur_q)
            if not have_g:
                problems.append(f"row {k}: question {name} before any group")
            if not Q_RE.match(name):
                problems.append(f"row {k}: question code {name!r} must start with a letter, hold only letters and "
                                "digits, ≤ 20 characters")
            if name in qcodes:
                problems.append(f"row {k}: duplicate question code {name!r}")
            qcodes.add(name)
            if r["type/scale"] not in Q_TYPES:
                problems.append(f"row {k}: question {name} has unknown type {r['type/scale']!r}")
            cur_q, subs, answers, counts = r, set(), set(), {"SQ": 0, "A": 0}
        elif cls in ("SQ", "A"):
            if cur_q is None:
                problems.append(f"row {k}: {cls} row {name!r} does not follow a question")
                continue
            counts[cls] += 1
            pattern, seen = (SQ_RE, subs) if cls == "SQ" else (A_RE, answers)
            if not pattern.match(name):
                limit = "≤ 20" if cls == "SQ" else "≤ 5"
                problems.append(f"row {k}: {'subquestion' if cls == 'SQ' else 'answer'} code {name!r} must be "
                                f"letters/digits, {limit} characters")
            if name in seen:
                problems.append(f"row {k}: duplicate code {name!r} in question {cur_q['name']}")
            seen.add(name)
    close(cur_q)
    return problems


def read_limesurvey(path: str | Path) -> ParsedSurvey:
    """Read a TSV structure file back: languages, response-CSV column names, texts, answer codes and labels.

    ``texts``/``values``/``labels`` are keyed by question code (single questions) and subquestion code (array
    rows); ``columns`` are the names LimeSurvey's response export uses (``INF[INF01]``, ``RELTYPE``).

    Parameters
    ----------
    path : str or Path
        An exported file.

    Returns
    -------
    ParsedSurvey
        Languages, data columns, texts, values and labels as found in the file.

    Raises
    ------
    ExportError
        When the file cannot be read.

    Examples
    --------
    >>> read_limesurvey("missing.txt")
    Traceback (most recent call last):
    ...
    vcd_core.errors.ExportError: missing.txt: cannot read the LimeSurvey structure file: No such file or directory
    """
    rows = _read_rows(path)
    settings, blocks = _blocks(rows)
    langs = tuple(lang for lang in [settings.get("language", ""), *settings.get("additional_languages", "").split()]
                  if lang in blocks)
    columns: list[str] = []
    texts: dict[str, dict[str, str]] = {}
    values: dict[str, tuple[int, ...]] = {}
    labels: dict[str, dict[str, tuple[str, ...]]] = {}
    for lang in langs:
        q: dict[str, str] | None = None
        subs: list[str] = []
        for _, r in blocks[lang]:
            cls, name, text = r["class"], r["name"], unneutralise(r["text"])
            if cls == "Q":
                q, subs = r, []
                texts.setdefault(name, {})[lang] = text
                if lang == langs[0] and r["type/scale"] != "F":
                    columns.append(name)
            elif cls == "SQ" and q is not None:
                subs.append(name)
                texts.setdefault(name, {})[lang] = text
                if lang == langs[0]:
                    columns.append(f"{q['name']}[{name}]")
            elif cls == "A" and q is not None:
                targets = subs if q["type/scale"] == "F" else [q["name"]]
                for t in targets:
                    if lang == langs[0]:
                        values[t] = (*values.get(t, ()), int(name))
                    labels.setdefault(t, {}).setdefault(lang, ())
                    labels[t][lang] = (*labels[t][lang], text)
    return ParsedSurvey(langs, tuple(columns), texts, values, labels)
