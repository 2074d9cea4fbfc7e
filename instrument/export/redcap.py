"""REDCap data dictionary CSV: exactly REDCap's 18 headers, one dictionary per language.

A REDCap data dictionary is single-language (translations live in Multi-Language Management, outside the
dictionary), so the export writes one complete dictionary per language, ``vcd_<perspective>_redcap_<lang>.csv``,
all with the same variable names, choice codes and logic. Layout (see the README, "Platform exports"): the
first field is ``record_id``; a hidden, read-only ``language`` field defaults to the file's language
(``@DEFAULT`` action tag) so the data record which version was answered; context questions are ``radio``
(``dropdown`` above 10 choices) with choices ``1, label | 2, label`` (codes = the bank's values), integer ``text``
fields or ``notes``, named by the ResponseSet column (``country``, ``relationship_type``, ``phase``) or the
lower-cased code; each rated matrix is a run of ``radio`` fields named by the lower-cased item/check codes
(``inf01``, ``att1``, ``tim_inf``) with identical choices, ``Matrix Group Name`` ``<code>_matrix`` and the stem
as the first field's ``Section Header``; the timing fields carry branching logic ``[inf01] >= 5 or …``.
REDCap requires lower-case variable names, so the response export's columns are the lower-cased codes.

Examples
--------
>>> import tempfile
>>> from instrument.validate import load_bank
>>> with tempfile.TemporaryDirectory() as d:
...     res = export_redcap(load_bank(), "provider", ["en", "de"], d)
...     parsed = read_redcap(res.files[1])
>>> [p.name for p in res.files], parsed.languages, parsed.values["inf01"]
(['vcd_provider_redcap_en.csv', 'vcd_provider_redcap_de.csv'], ('de',), (1, 2, 3, 4, 5, 6, 7))
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
    Survey,
    csv_text,
    raise_problems,
    relevance_text,
    start_export,
    unneutralise,
)
from instrument.model import Instrument
from vcd_core.errors import ExportError

HEADERS: tuple[str, ...] = (
    "Variable / Field Name", "Form Name", "Section Header", "Field Type", "Field Label",
    "Choices, Calculations, OR Slider Labels", "Field Note", "Text Validation Type OR Show Slider Number",
    "Text Validation Min", "Text Validation Max", "Identifier?", "Branching Logic (Show field only if...)",
    "Required Field?", "Custom Alignment", "Question Number (surveys only)", "Matrix Group Name",
    "Matrix Ranking?", "Field Annotation",
)
#: free-text columns; only these are neutralised (choice codes may be negative numbers, logic starts with ``[``).
TEXT_COLUMNS = frozenset({"Section Header", "Field Label", "Field Note"})
FIELD_TYPES = ("text", "notes", "dropdown", "radio", "checkbox", "yesno", "truefalse", "calc", "file", "slider",
               "descriptive", "sql")
NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
LANG_RE = re.compile(r"@DEFAULT=['\"]([A-Za-z-]+)['\"]")
REF_RE = re.compile(r"\[([a-z][a-z0-9_]*)\]")


def redcap_name(code: str) -> str:
    """A bank code or column as a REDCap variable name (lower case).

    Examples
    --------
    >>> redcap_name("TIM_INF"), redcap_name("relationship_type")
    ('tim_inf', 'relationship_type')
    """
    return code.lower()


def _choices(options, lang: str) -> str:
    return " | ".join(f"{o.value}, {o.label[lang]}" for o in options)


def redcap_rows(survey: Survey, lang: str) -> list[dict[str, str]]:
    """The dictionary rows of ``survey`` in language ``lang`` (dicts keyed by :data:`HEADERS`).

    Examples
    --------
    >>> from instrument.validate import load_bank
    >>> from instrument.export._common import build_survey
    >>> rows = redcap_rows(build_survey(load_bank(), "provider", ["en"]), "en")
    >>> [r["Variable / Field Name"] for r in rows[:2]]
    ['record_id', 'language']
    """
    form = survey.form_id
    rows: list[dict[str, str]] = []

    def add(name: str, ftype: str, label: str, **kw: str) -> None:
        r = dict.fromkeys(HEADERS, "")
        r.update({"Variable / Field Name": name, "Form Name": form, "Field Type": ftype, "Field Label": label})
        for k, v in kw.items():
            r[k] = v
        rows.append(r)

    add("record_id", "text", "Record ID")
    add("language", "text", "Survey language",
        **{"Field Annotation": f"Language of this dictionary @DEFAULT='{lang}' @HIDDEN @READONLY"})
    for q in survey.questions:
        req = "y" if q.required else ""
        if q.type == "matrix":
            group = f"{redcap_name(q.code)}_matrix"
            for k, r in enumerate(q.rows):
                add(redcap_name(r.code), "radio", r.text[lang],
                    **{"Section Header": q.label[lang] if k == 0 else "",
                       "Choices, Calculations, OR Slider Labels": _choices(q.options, lang),
                       "Branching Logic (Show field only if...)": relevance_text(r, "redcap"),
                       "Required Field?": req, "Matrix Group Name": group})
        elif q.type == "select_one":
            add(redcap_name(q.name), "dropdown" if len(q.options) > 10 else "radio", q.label[lang],
                **{"Choices, Calculations, OR Slider Labels": _choices(q.options, lang), "Required Field?": req})
        elif q.type == "integer":
            add(redcap_name(q.name), "text", q.label[lang],
                **{"Text Validation Type OR Show Slider Number": "integer", "Text Validation Min": "0",
                   "Required Field?": req})
        else:
            add(redcap_name(q.name), "notes", q.label[lang], **{"Required Field?": req})
    return rows


def export_redcap(inst: Instrument, perspective: str, langs: Sequence[str] | None,
                  out_dir: str | Path) -> ExportResult:
    """Write one data dictionary per language and check each (:func:`validate_redcap`).

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
    ...     export_redcap(load_bank(), "customer", ["en"], d).files[0].name
    'vcd_customer_redcap_en.csv'
    """
    survey, out = start_export(inst, perspective, langs, out_dir)
    files = []
    for lang in survey.languages:
        path = out / f"vcd_{perspective}_redcap_{lang}.csv"
        path.write_text(csv_text(redcap_rows(survey, lang), HEADERS, TEXT_COLUMNS), encoding="utf-8")
        raise_problems("redcap", path, validate_redcap(path))
        files.append(path)
    return ExportResult("redcap", tuple(files), survey.warnings)


def _read(path: str | Path) -> tuple[list[str], list[list[str]]]:
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ExportError(f"cannot read the data dictionary: {exc.strerror}", file=str(path)) from None
    except UnicodeDecodeError:
        raise ExportError("the data dictionary is not UTF-8", file=str(path)) from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ExportError("the data dictionary is empty", file=str(path))
    return rows[0], rows[1:]


def parse_choices(cell: str) -> list[tuple[str, str]]:
    """``"1, Yes | 0, No"`` → ``[('1', 'Yes'), ('0', 'No')]`` (split on ``|``, then on the first comma).

    Examples
    --------
    >>> parse_choices("1, Strongly disagree | 2, Disagree, somewhat")
    [('1', 'Strongly disagree'), ('2', 'Disagree, somewhat')]
    """
    out = []
    for part in cell.split("|"):
        code, _, label = part.strip().partition(",")
        out.append((code.strip(), label.strip()))
    return out


def validate_redcap(path: str | Path) -> list[str]:
    """Structural problems of a REDCap data dictionary (empty list = valid).

    Checks: exactly the 18 headers in REDCap's order; 18 fields on every row; the first field is the record
    identifier; variable and form names lower-case letters/digits/underscores starting with a letter; unique
    variable names; known field types; radio/dropdown/checkbox choices ``code, label`` with unique codes and no
    empty label; ``Required Field?`` ``y`` or empty; matrix groups contiguous with identical choices and types;
    branching logic names only variables defined before the field.

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
    >>> validate_redcap("missing.csv")
    ['missing.csv: cannot read the data dictionary: No such file or directory']
    """
    try:
        head, rows = _read(path)
    except ExportError as exc:
        return [str(exc)]
    if tuple(head) != HEADERS:
        return [f"headers differ from REDCap's 18 headers: found {len(head)} ({head[:3]}...)"]
    problems: list[str] = []
    names: list[str] = []
    groups: dict[str, tuple[str, str]] = {}
    last_group = ""
    closed: set[str] = set()
    for k, r in enumerate(rows, start=2):
        if len(r) != 18:
            problems.append(f"row {k}: {len(r)} fields, expected 18")
            continue
        d = dict(zip(HEADERS, r, strict=True))
        name, ftype = d["Variable / Field Name"], d["Field Type"]
        if not NAME_RE.match(name):
            problems.append(f"row {k}: variable name {name!r} must be lower-case letters, digits, '_' and start "
                            "with a letter")
        if name in names:
            problems.append(f"row {k}: duplicate variable {name!r}")
        if not NAME_RE.match(d["Form Name"]):
            problems.append(f"row {k}: form name {d['Form Name']!r} is not valid")
        if ftype not in FIELD_TYPES:
            problems.append(f"row {k}: unknown field type {ftype!r}")
        if ftype in ("radio", "dropdown", "checkbox"):
            ch = parse_choices(d["Choices, Calculations, OR Slider Labels"])
            codes = [c for c, _ in ch]
            if any(not c or not lab for c, lab in ch):
                problems.append(f"row {k}: choices of {name} must be 'code, label' pairs")
            if len(set(codes)) != len(codes):
                problems.append(f"row {k}: duplicate choice codes in {name}")
        if d["Required Field?"] not in ("", "y"):
            problems.append(f"row {k}: 'Required Field?' must be y or empty")
        for ref in REF_RE.findall(d["Branching Logic (Show field only if...)"]):
            if ref not in names:
                problems.append(f"row {k}: branching logic of {name} names {ref!r}, not defined before it")
        group = d["Matrix Group Name"]
        if group:
            if not NAME_RE.match(group):
                problems.append(f"row {k}: matrix group name {group!r} is not valid")
            sig = (ftype, d["Choices, Calculations, OR Slider Labels"])
            if group in closed:
                problems.append(f"row {k}: matrix group {group} is not contiguous")
            elif group in groups and groups[group] != sig:
                problems.append(f"row {k}: {name} differs in type or choices from its matrix group {group}")
            groups.setdefault(group, sig)
        if last_group and group != last_group:
            closed.add(last_group)
        last_group = group
        names.append(name)
    if names and names[0] != "record_id":
        problems.append(f"the first field is {names[0]!r}, not the record identifier 'record_id'")
    return problems


def read_redcap(path: str | Path) -> ParsedSurvey:
    """Read a data dictionary back: its language (from the ``language`` field's ``@DEFAULT``), variables,
    labels (matrix groups keyed by group name hold the stem), choice codes and labels.

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
    >>> read_redcap("missing.csv")
    Traceback (most recent call last):
    ...
    vcd_core.errors.ExportError: missing.csv: cannot read the data dictionary: No such file or directory
    """
    head, rows = _read(path)
    lang = ""
    columns: list[str] = []
    texts: dict[str, dict[str, str]] = {}
    values: dict[str, tuple[int, ...]] = {}
    labels: dict[str, dict[str, tuple[str, ...]]] = {}
    for r in rows:
        d = {h: unneutralise(v) if h in TEXT_COLUMNS else v for h, v in zip(head, r, strict=False)}
        name = d["Variable / Field Name"]
        m = LANG_RE.search(d.get("Field Annotation", ""))
        if name == "language" and m:
            lang = m.group(1)
    for r in rows:
        d = {h: unneutralise(v) if h in TEXT_COLUMNS else v for h, v in zip(head, r, strict=False)}
        name = d["Variable / Field Name"]
        if name in ("record_id", "language"):
            continue
        columns.append(name)
        texts[name] = {lang: d["Field Label"]}
        if d["Section Header"] and d["Matrix Group Name"]:
            texts[d["Matrix Group Name"]] = {lang: d["Section Header"]}
        if d["Field Type"] in ("radio", "dropdown"):
            ch = parse_choices(d["Choices, Calculations, OR Slider Labels"])
            values[name] = tuple(int(c) for c, _ in ch)
            labels[name] = {lang: tuple(lab for _, lab in ch)}
    return ParsedSurvey((lang,) if lang else (), tuple(columns), texts, values, labels)
