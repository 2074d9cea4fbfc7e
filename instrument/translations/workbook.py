"""The translator workbook (XLSX): one row per translatable text of one language, and reading it back.

Sheet ``<lang>`` (e.g. ``fi``) has the columns of :func:`columns`. ``code`` to ``status_<lang>`` describe the
text as the bank holds it and are locked (sheet protection, no password: it guards against slips, not
people); the TRAPD columns are unlocked and formatted as text: ``draft2_<lang>`` (the second translation or
the reviewer's revision), ``reviewer_comment``, ``adjudicated_<lang>`` (the adjudicated wording),
``back_translation_<src>``, ``new_status`` (a drop-down), ``reason`` (required to move a status backwards)
and ``notes``. Sheet ``README`` explains this to the translator and records the language and format.

Every text cell is stored with the string data type and Excel's quote prefix, so a text that starts with
``= + - @`` is shown as text and never evaluated (formula injection). Unlike the platform exports
(:func:`instrument.export._common.neutralise`), no apostrophe is added: the cell value is the bank's text
exactly, so it can come back unchanged. A formula found in a cell on import is an error.

Examples
--------
>>> import tempfile, openpyxl
>>> from instrument.translations.catalog import build_catalog
>>> with tempfile.TemporaryDirectory() as d:
...     path = export_workbook(build_catalog(), "fi", d + "/fi.xlsx")
...     wb = openpyxl.load_workbook(path)
...     ws = wb["fi"]
...     wb.sheetnames, [c.value for c in ws[1]][:8], ws.protection.sheet
(['README', 'fi'], ['code', 'field', 'kind', 'construct', 'perspective', 'source_en', 'current_fi', 'status_fi'], True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from instrument.table3 import TRAPD_STATUSES
from instrument.translations.catalog import Catalog
from vcd_core.errors import TranslationError

#: the ``format`` recorded in the README sheet; an import refuses other formats.
FORMAT = "vcd-translations/1"
#: the statuses a translation can be given (``source`` is the source language's only).
TARGET_STATUSES: tuple[str, ...] = tuple(s for s in TRAPD_STATUSES if s != "source")
#: columns that describe the bank's text (locked) and those the translation team fills in.
LOCKED = ("code", "field", "kind", "construct", "perspective", "source", "current", "status")
EDITABLE = ("draft2", "reviewer_comment", "adjudicated", "back_translation", "new_status", "reason", "notes")
_WIDTHS = {"code": 11, "field": 18, "kind": 14, "construct": 10, "perspective": 11, "source": 48, "current": 48,
           "status": 11, "draft2": 48, "reviewer_comment": 32, "adjudicated": 48, "back_translation": 40,
           "new_status": 12, "reason": 24, "notes": 28}
_INSTRUCTIONS = [
    "Translator workbook of the vcd-toolkit item bank (TRAPD: Translation, Review, Adjudication, Pretesting, "
    "Documentation).",
    "",
    "One row per text. Grey columns show the text as the bank holds it and are locked; fill in the white ones:",
    "  draft2_<lang>: the second translation (T), or the reviewer's revised wording (R).",
    "  reviewer_comment: what the reviewer noticed (kept in the changelog).",
    "  adjudicated_<lang>: the wording the adjudicator decided on (A). It wins over draft2 when both are filled.",
    "  back_translation_<source>: a back-translation into the source language, if one was made.",
    "  new_status: draft1, draft2, reviewed, adjudicated or pretested. Left empty, it becomes 'adjudicated' "
    "when an adjudicated text is given, 'draft2' when only a draft 2 is given, else it stays.",
    "  reason: why, when a status moves backwards (e.g. reviewed -> draft2 after a failed pretest); required then.",
    "  notes: anything else (kept in the changelog).",
    "",
    "Rules the import checks: texts are one line, not empty, keep every placeholder of the source such as "
    "{provider} or ${name}, and are at most 3 x the source's length (or the source's length + 20 characters, "
    "whichever is more). Statuses only move forward (draft1 -> draft2 -> reviewed -> adjudicated -> pretested) "
    "unless a reason is given. 'untracked' rows (choice, row, construct and theme labels, stems) have no status "
    "in the bank: revise their text, leave new_status empty. The labels of one response scale share one status.",
    "Do not rename, move or delete columns or sheets. Import with: vcd instrument translations import FILE",
]


def columns(lang: str, source: str) -> list[str]:
    """The header of the ``lang`` sheet (``source`` = the bank's source language).

    Parameters
    ----------
    lang, source : str
        The target and the source language codes.

    Returns
    -------
    list of str

    Examples
    --------
    >>> columns("fi", "en")[5:]
    ['source_en', 'current_fi', 'status_fi', 'draft2_fi', 'reviewer_comment', 'adjudicated_fi', \
'back_translation_en', 'new_status', 'reason', 'notes']
    """
    suffix = {"source": source, "current": lang, "status": lang, "draft2": lang, "adjudicated": lang,
              "back_translation": source}
    return [f"{c}_{suffix[c]}" if c in suffix else c for c in (*LOCKED, *EDITABLE)]


def check_target(cat: Catalog, lang: str) -> None:
    """Raise :class:`TranslationError` unless ``lang`` is a bank language other than the source.

    Parameters
    ----------
    cat : Catalog
        The bank's texts.
    lang : str
        A language code.

    Returns
    -------
    None

    Examples
    --------
    >>> from instrument.translations.catalog import build_catalog
    >>> check_target(build_catalog(), "en")
    Traceback (most recent call last):
    ...
    vcd_core.errors.TranslationError: 'en' is the source language; translations are made into fi, de, es
    """
    if lang == cat.source:
        raise TranslationError(f"{lang!r} is the source language; translations are made into {', '.join(cat.targets)}")
    if lang not in cat.targets:
        raise TranslationError(f"unknown language {lang!r}; the bank has {', '.join(cat.targets)}")


def _put(ws: Any, row: int, col: int, value: str) -> Any:
    cell = ws.cell(row=row, column=col)
    cell.value = value
    cell.data_type = "s"  # never a formula, whatever the text starts with
    cell.quotePrefix = True
    return cell


def export_workbook(cat: Catalog, lang: str, path: str | Path) -> Path:
    """Write the translator workbook of ``lang``.

    Parameters
    ----------
    cat : Catalog
        The bank's texts (:func:`instrument.translations.catalog.build_catalog`).
    lang : str
        A target language of the bank.
    path : str or Path
        The ``.xlsx`` to write (its folder is created).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    TranslationError
        ``lang`` is the source or not a bank language.

    Examples
    --------
    >>> import tempfile, openpyxl
    >>> from instrument.translations.catalog import build_catalog
    >>> with tempfile.TemporaryDirectory() as d:
    ...     ws = openpyxl.load_workbook(export_workbook(build_catalog(), "de", d + "/de.xlsx"))["de"]
    ...     ws["A2"].value, ws["F2"].value, ws["G2"].value, ws["F2"].protection.locked, ws["I2"].protection.locked
    ('agree7', 'Strongly disagree', 'Stimme überhaupt nicht zu', True, False)
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.workbook.protection import WorkbookProtection
    from openpyxl.worksheet.datavalidation import DataValidation

    check_target(cat, lang)
    head = columns(lang, cat.source)
    wb = Workbook()
    readme = wb.active
    readme.title = "README"
    meta = [("format", FORMAT), ("language", lang), ("source language", cat.source),
            ("texts", str(len(cat.entries))), ("exported", date.today().isoformat())]
    for r, (k, v) in enumerate(meta, start=1):
        _put(readme, r, 1, k).font = Font(bold=True)
        _put(readme, r, 2, v)
    for r, line in enumerate(_INSTRUCTIONS, start=len(meta) + 2):
        _put(readme, r, 1, line)
    readme.column_dimensions["A"].width, readme.column_dimensions["B"].width = 18, 24
    readme.protection.sheet = True
    ws = wb.create_sheet(lang)
    grey, unlocked = PatternFill("solid", fgColor="E2E8F0"), Protection(locked=False)
    wrap = Alignment(wrap_text=True, vertical="top")
    for c, (base, name) in enumerate(zip((*LOCKED, *EDITABLE), head, strict=True), start=1):
        _put(ws, 1, c, name).font = Font(bold=True)
        ws.column_dimensions[get_column_letter(c)].width = _WIDTHS[base]
    n_locked = len(LOCKED)
    for r, e in enumerate(cat.entries, start=2):
        status = e.statuses[lang].status if e.tracked else "untracked"
        values = [e.code, e.field, e.kind, e.construct, e.perspective, e.texts[cat.source], e.texts[lang], status]
        for c, v in enumerate(values, start=1):
            cell = _put(ws, r, c, v)
            cell.fill, cell.alignment = grey, wrap
        for c in range(n_locked + 1, len(head) + 1):
            cell = ws.cell(row=r, column=c)
            cell.protection, cell.alignment, cell.number_format = unlocked, wrap, "@"
    last = len(cat.entries) + 1
    status_col = get_column_letter(head.index("new_status") + 1)
    dv = DataValidation(type="list", formula1='"' + ",".join(TARGET_STATUSES) + '"', allow_blank=True,
                        error=f"One of {', '.join(TARGET_STATUSES)}", errorTitle="TRAPD status")
    dv.add(f"{status_col}2:{status_col}{last}")
    ws.add_data_validation(dv)
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(head))}{last}"
    ws.protection.sheet = True
    ws.protection.autoFilter = False  # filtering stays allowed on the protected sheet
    ws.protection.formatColumns = ws.protection.formatRows = False
    wb.security = WorkbookProtection(lockStructure=True)  # no renamed, moved or deleted sheets
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


@dataclass(frozen=True)
class SheetRow:
    """One data row read back: its sheet row number and the cells by column name (text as typed)."""

    row: int
    cells: dict[str, str] = field(hash=False)


@dataclass(frozen=True)
class Sheet:
    """A translator workbook read back: the file, the language, its header and rows."""

    path: Path
    lang: str
    header: tuple[str, ...]
    rows: tuple[SheetRow, ...]

    def where(self, row: int, column: str | None = None) -> str:
        """``FILE, sheet fi, row 7, column I (draft2_fi)``: the place a problem names.

        Parameters
        ----------
        row : int
            The sheet row (1 = header).
        column : str, optional
            A column name of the header.

        Returns
        -------
        str

        Examples
        --------
        >>> Sheet(Path("fi.xlsx"), "fi", ("code", "field"), ()).where(3, "field")
        'fi.xlsx, sheet fi, row 3, column B (field)'
        """
        from openpyxl.utils import get_column_letter

        col = ""
        if column is not None:
            letter = get_column_letter(self.header.index(column) + 1) if column in self.header else "?"
            col = f", column {letter} ({column})"
        return f"{self.path}, sheet {self.lang}, row {row}{col}"


def _cell_text(cell: Any) -> str | None:
    """A cell as text (``None`` for a formula)."""
    v = cell.value
    if v is None:
        return ""
    if cell.data_type == "f":
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v)


def _readme_language(wb: Any, path: Path) -> str:
    if "README" not in wb.sheetnames:
        raise TranslationError(f"{path}: sheet README is missing (export a new workbook)")
    meta = {str(r[0].value): str(r[1].value) for r in wb["README"].iter_rows(min_row=1, max_row=6, max_col=2)
            if r[0].value is not None}
    if meta.get("format") != FORMAT:
        raise TranslationError(f"{path}, sheet README, row 1, column B: format {meta.get('format')!r} is not "
                               f"{FORMAT!r} (not a vcd translator workbook)")
    return meta.get("language", "")


def read_workbook(path: str | Path, cat: Catalog, lang: str | None = None) -> Sheet:
    """Read a translator workbook: find its language, check the header, collect the non-empty rows.

    Parameters
    ----------
    path : str or Path
        The ``.xlsx``.
    cat : Catalog
        The bank it goes into (its languages).
    lang : str, optional
        The language the caller expects; a workbook of another language is refused.

    Returns
    -------
    Sheet
        Cells as text (empty rows left out); formula cells are reported, not read.

    Raises
    ------
    TranslationError
        Unreadable file, missing README, a language that is not the workbook's or not the bank's, a missing,
        renamed or unknown column, a formula in a cell.

    Examples
    --------
    >>> from instrument.translations.catalog import build_catalog
    >>> read_workbook("missing.xlsx", build_catalog())
    Traceback (most recent call last):
    ...
    vcd_core.errors.TranslationError: missing.xlsx: cannot read the workbook: No such file or directory
    """
    import openpyxl

    p = Path(path)
    try:
        wb = openpyxl.load_workbook(p)
    except (OSError, KeyError, ValueError) as exc:
        msg = getattr(exc, "strerror", None) or exc
        raise TranslationError(f"{p}: cannot read the workbook: {msg}") from None
    declared = _readme_language(wb, p)
    sheets = [s for s in wb.sheetnames if s != "README"]
    if len(sheets) != 1:
        raise TranslationError(f"{p}: expected one translation sheet besides README, found {len(sheets)}: "
                               f"{', '.join(sheets) or 'none'}")
    sheet_lang = sheets[0]
    if declared != sheet_lang:
        raise TranslationError(f"{p}, sheet {sheet_lang}: the README says language {declared!r} but the sheet "
                               f"is {sheet_lang!r}")
    if lang is not None and sheet_lang != lang:
        raise TranslationError(f"{p}, sheet {sheet_lang}: this workbook is for {sheet_lang!r}, not {lang!r}")
    check_target(cat, sheet_lang)
    ws = wb[sheet_lang]
    want = columns(sheet_lang, cat.source)
    got = [_cell_text(c) or "" for c in next(ws.iter_rows(min_row=1, max_row=1))] if ws.max_row else []
    while got and not got[-1]:
        got.pop()
    shell = Sheet(p, sheet_lang, tuple(want), ())
    for k, name in enumerate(want):
        have = got[k] if k < len(got) else ""
        if have != name:
            found = f"found {have!r}" if have else "the column is missing"
            raise TranslationError(f"{shell.where(1, name)}: expected the column {name!r}, {found} "
                                   "(do not rename, move or delete columns)")
    if len(got) > len(want):
        raise TranslationError(f"{p}, sheet {sheet_lang}, row 1: unknown column {got[len(want)]!r} (write "
                               "remarks in the notes column)")
    return Sheet(p, sheet_lang, tuple(want), tuple(_rows(ws, shell, want)))


def _rows(ws: Any, shell: Sheet, want: Sequence[str]) -> list[SheetRow]:
    rows, problems = [], []
    for r, cells in enumerate(ws.iter_rows(min_row=2, max_col=len(want)), start=2):
        values: dict[str, str] = {}
        for name, cell in zip(want, cells, strict=False):
            text = _cell_text(cell)
            if text is None:
                problems.append(f"{shell.where(r, name)}: a formula, not text (type the text; a leading = + - @ "
                                "is fine in a text-formatted cell)")
                text = ""
            values[name] = text
        if any(v.strip() for v in values.values()):
            rows.append(SheetRow(r, values))
    if problems:
        raise TranslationError(problems)
    return rows
