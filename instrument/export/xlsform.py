"""XLSForm (ODK, KoboToolbox, SurveyCTO): a workbook with ``survey``, ``choices`` and ``settings`` sheets.

Layout (see the README, "Platform exports"): one ``label::English (en)`` column per language; each rated
matrix is a ``field-list`` group named by the construct code (``INF``) holding a header row ``INF_hdr``
(appearance ``label``) and one ``select_one`` row per item or attention check (appearance ``list-nolabel``,
``required``) named by its code; the timing matrix ``TIMING`` has a ``relevant`` condition on every row (and
the group on their union). Context questions are named by their ResponseSet column (``country``,
``relationship_type``, ``phase``) or their code. Choice names are the numeric scale values. ``start``/``end``
record the interview's timestamps. A hidden ``language`` field records the form language (via
``jr:choice-name`` on a one-choice list labelled with each language's ISO code).

Examples
--------
>>> import tempfile
>>> from instrument.validate import load_bank
>>> with tempfile.TemporaryDirectory() as d:
...     res = export_xlsform(load_bank(), "provider", ["en", "fi"], d)
...     parsed = read_xlsform(res.files[0])
>>> parsed.languages, parsed.values["INF01"]
(('en', 'fi'), (1, 2, 3, 4, 5, 6, 7))
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import openpyxl

from instrument.export._common import (
    ExportResult,
    ParsedSurvey,
    Survey,
    neutralise,
    raise_problems,
    relevance_text,
    start_export,
    unneutralise,
)
from instrument.model import Instrument
from vcd_core.errors import ExportError

#: the one-choice list and helper question that record the form language.
LANG_LIST = "vcd_lang"
LANG_HELPER = "vcd_lang_src"
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
LANG_RE = re.compile(r"^label::(.+) \(([A-Za-z-]+)\)$")


def _lang_columns(survey: Survey) -> list[str]:
    return [f"label::{info.xlsform}" for info in survey.language_info]


def xlsform_rows(survey: Survey) -> tuple[list[list[object]], list[list[object]], list[list[object]]]:
    """The ``survey``, ``choices`` and ``settings`` sheets as lists of rows (header first).

    Examples
    --------
    >>> from instrument.validate import load_bank
    >>> from instrument.export._common import build_survey
    >>> srv, cho, sett = xlsform_rows(build_survey(load_bank(), "provider", ["en"]))
    >>> srv[0][:3], sett[1][-2:]
    (['type', 'name', 'label::English (en)'], ['English (en)', 'pages'])
    """
    langs = survey.languages
    head: list[object] = ["type", "name", *_lang_columns(survey), "required", "appearance", "relevant", "calculation"]
    blank = [""] * len(langs)

    def row(typ: str, name: str, labels: Sequence[object], required: str = "", appearance: str = "",
            relevant: str = "", calculation: str = "") -> list[object]:
        return [typ, name, *labels, required, appearance, relevant, calculation]

    srv: list[list[object]] = [head]
    # metadata: start/end timestamps (duration = end - start on import)
    srv.append(row("start", "start", blank))
    srv.append(row("end", "end", blank))
    natives = [info.native for info in survey.language_info]
    srv.append(row(f"select_one {LANG_LIST}", LANG_HELPER, natives, relevant="false()"))
    srv.append(row("calculate", "language", blank, calculation=f"jr:choice-name('lang', '${{{LANG_HELPER}}}')"))
    cho: list[list[object]] = [["list_name", "name", *_lang_columns(survey)]]
    cho.append([LANG_LIST, "lang", *langs])
    lists_done: set[str] = set()
    for q in survey.questions:
        labels = [q.label[lang] for lang in langs]
        if q.list_name and q.list_name not in lists_done:
            lists_done.add(q.list_name)
            for o in q.options:
                cho.append([q.list_name, str(o.value), *[o.label[lang] for lang in langs]])
        req = "yes" if q.required else ""
        if q.type == "matrix":
            conds = [relevance_text(r, "xlsform") for r in q.rows]
            group_rel = " or ".join(f"({c})" for c in conds) if conds and all(conds) else ""
            srv.append(row("begin_group", q.code, labels, appearance="field-list", relevant=group_rel))
            srv.append(row(f"select_one {q.list_name}", f"{q.code}_hdr", blank, appearance="label"))
            for r in q.rows:
                srv.append(row(f"select_one {q.list_name}", r.code, [r.text[lang] for lang in langs],
                               req, "list-nolabel", relevance_text(r, "xlsform")))
            srv.append(row("end_group", "", blank))
        elif q.type == "select_one":
            srv.append(row(f"select_one {q.list_name}", q.name, labels, req))
        elif q.type == "integer":
            srv.append(row("integer", q.name, labels, req))
        else:
            srv.append(row("text", q.name, labels, req, "multiline"))
    version = date.today().strftime("%Y%m%d") + "01"
    # style "pages": Enketo (KoboToolbox web forms) shows each field-list group as one page, like ODK Collect
    sett: list[list[object]] = [["form_title", "form_id", "version", "default_language", "style"],
                                [survey.title, survey.form_id, version, survey.language_info[0].xlsform, "pages"]]
    return srv, cho, sett


def export_xlsform(inst: Instrument, perspective: str, langs: Sequence[str] | None, out_dir: str | Path,
                   odk_validate: bool = False) -> ExportResult:
    """Write ``vcd_<perspective>.xlsx`` and check it (:func:`validate_xlsform`).

    Parameters
    ----------
    inst : Instrument
    perspective : {'provider', 'customer'}
    langs : sequence of str or None
        Languages, first = default language; None = all bank languages.
    out_dir : path
        Output folder (created).
    odk_validate : bool
        Also run ODK Validate (Java) through pyxform.

    Returns
    -------
    ExportResult

    Examples
    --------
    >>> import tempfile
    >>> from instrument.validate import load_bank
    >>> with tempfile.TemporaryDirectory() as d:
    ...     export_xlsform(load_bank(), "customer", ["en"], d).files[0].name
    'vcd_customer.xlsx'
    """
    survey, out = start_export(inst, perspective, langs, out_dir)
    path = out / f"vcd_{perspective}.xlsx"
    wb = openpyxl.Workbook()
    for k, (title, rows) in enumerate(zip(("survey", "choices", "settings"), xlsform_rows(survey), strict=True)):
        ws = wb.active if k == 0 else wb.create_sheet()
        ws.title = title
        # only texts are neutralised: names, choice values and expressions must stay as the platform reads them
        text_cols = {k for k, h in enumerate(rows[0]) if str(h).startswith("label")}
        for n, r in enumerate(rows):
            ws.append([neutralise(v) if n and k in text_cols else v for k, v in enumerate(r)])
        for cell in ws[1]:
            cell.font = openpyxl.styles.Font(bold=True)
    wb.save(path)
    raise_problems("xlsform", path, validate_xlsform(path, odk_validate=odk_validate))
    return ExportResult("xlsform", (path,), survey.warnings)


def _sheet(wb: openpyxl.Workbook, name: str) -> list[dict[str, str]]:
    ws = wb[name]
    rows = list(ws.iter_rows(values_only=True))
    if not rows:
        return []
    head = [str(h) if h is not None else "" for h in rows[0]]
    out = []
    for r in rows[1:]:
        if all(v is None or str(v) == "" for v in r):
            continue
        out.append({h: (unneutralise(str(v)) if h.startswith("label") else str(v)) if v is not None else ""
                    for h, v in zip(head, r, strict=False)})
    return out


def validate_xlsform(path: str | Path, odk_validate: bool = False) -> list[str]:
    """Structural problems of an XLSForm workbook (empty list = valid).

    Checks: the three sheets and their required columns; every ``label::`` column carries a ``(code)``;
    names unique and XML-safe; every ``select_one`` list defined with unique, non-empty choice names;
    groups balanced; matrix groups are ``field-list`` with ``list-nolabel`` rows; finally pyxform converts the
    form (and ODK Validate accepts it when ``odk_validate``).

    Parameters
    ----------
    path : str or Path
        The file to check.
    odk_validate : bool
        Also run ODK Validate (Java) through pyxform.

    Returns
    -------
    list of str
        One message per problem; empty when the file is valid.

    Examples
    --------
    >>> validate_xlsform("missing.xlsx")
    ['cannot open missing.xlsx: No such file or directory']
    """
    problems: list[str] = []
    try:
        wb = openpyxl.load_workbook(path, read_only=True)
    except (OSError, ValueError, KeyError) as exc:
        return [f"cannot open {path}: {getattr(exc, 'strerror', None) or exc}"]
    for sheet in ("survey", "choices", "settings"):
        if sheet not in wb.sheetnames:
            problems.append(f"sheet '{sheet}' missing")
    if problems:
        return problems
    survey, choices, settings = _sheet(wb, "survey"), _sheet(wb, "choices"), _sheet(wb, "settings")
    head = list(survey[0]) if survey else []
    for col in ("type", "name"):
        if col not in head:
            problems.append(f"survey: column '{col}' missing")
    labels = [h for h in head if h.startswith("label")]
    if not labels:
        problems.append("survey: no label column")
    for h in labels + [h for h in (list(choices[0]) if choices else []) if h.startswith("label")]:
        if not LANG_RE.match(h):
            problems.append(f"column '{h}' has no machine-readable language code")
    lists: dict[str, set[str]] = {}
    for k, c in enumerate(choices, start=2):
        ln, nm = c.get("list_name", ""), c.get("name", "")
        if not ln or not nm:
            problems.append(f"choices row {k}: list_name and name required")
            continue
        if nm in lists.setdefault(ln, set()):
            problems.append(f"choices row {k}: duplicate choice {nm!r} in list {ln!r}")
        lists[ln].add(nm)
    names: set[str] = set()
    depth = 0
    in_field_list = False
    for k, r in enumerate(survey, start=2):
        typ, name = r.get("type", "").strip(), r.get("name", "").strip()
        if typ == "end_group":
            depth -= 1
            in_field_list = False
            if depth < 0:
                problems.append(f"survey row {k}: end_group without begin_group")
            continue
        if not name:
            problems.append(f"survey row {k}: name missing")
            continue
        if not NAME_RE.match(name):
            problems.append(f"survey row {k}: name {name!r} is not a valid XML name")
        if name in names:
            problems.append(f"survey row {k}: duplicate name {name!r}")
        names.add(name)
        if typ == "begin_group":
            depth += 1
            in_field_list = r.get("appearance") == "field-list"
            if not in_field_list:
                problems.append(f"survey row {k}: group {name!r} is not a field-list")
        elif typ.startswith("select_one "):
            ln = typ.split(" ", 1)[1]
            if ln not in lists:
                problems.append(f"survey row {k}: list {ln!r} not in choices")
            if in_field_list and r.get("appearance") not in ("label", "list-nolabel"):
                problems.append(f"survey row {k}: matrix row {name!r} is not list-nolabel")
    if depth != 0:
        problems.append("survey: begin_group/end_group unbalanced")
    if not settings or not settings[0].get("form_id"):
        problems.append("settings: form_id missing")
    if problems:
        return problems
    from pyxform.xls2xform import convert

    try:
        convert(xlsform=str(path), validate=odk_validate, warnings=[])
    except Exception as exc:  # pyxform and ODK Validate raise several exception types
        problems.append(f"pyxform{' / ODK Validate' if odk_validate else ''} rejected the form: "
                        f"{' '.join(str(exc).split())[:300]}")
    return problems


def read_xlsform(path: str | Path) -> ParsedSurvey:
    """Read an exported XLSForm back: languages, data columns, texts, choice values and labels.

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
    >>> read_xlsform("missing.xlsx")
    Traceback (most recent call last):
    ...
    vcd_core.errors.ExportError: missing.xlsx: cannot read the XLSForm: No such file or directory
    """
    try:
        wb = openpyxl.load_workbook(path, read_only=True)
        survey, choices = _sheet(wb, "survey"), _sheet(wb, "choices")
    except (OSError, KeyError, ValueError) as exc:
        raise ExportError(f"cannot read the XLSForm: {getattr(exc, 'strerror', None) or exc}",
                          file=str(path)) from None
    head = list(survey[0]) if survey else []
    langcols = [(h, m.group(2)) for h in head if (m := LANG_RE.match(h))]
    langs = tuple(code for _, code in langcols)
    opts: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for c in choices:
        if c["list_name"] == LANG_LIST:
            continue
        opts.setdefault(c["list_name"], []).append((int(c["name"]), {lang: c[h] for h, lang in langcols}))
    columns, texts, values, labels = [], {}, {}, {}
    for r in survey:
        typ, name = r["type"], r["name"]
        if name == LANG_HELPER or name.endswith("_hdr") or typ in ("end_group", "calculate", "start", "end"):
            continue
        texts[name] = {lang: r[h] for h, lang in langcols}
        if typ == "begin_group":
            continue
        columns.append(name)
        if typ.startswith("select_one "):
            ol = opts.get(typ.split(" ", 1)[1], [])
            values[name] = tuple(v for v, _ in ol)
            labels[name] = {lang: tuple(lab[lang] for _, lab in ol) for lang in langs}
    return ParsedSurvey(langs, tuple(columns), texts, values, labels)
