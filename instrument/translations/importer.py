"""Bring a filled-in translator workbook back into the bank: validate every row, then edit the YAML surgically.

What a row means: the new wording is ``adjudicated_<lang>`` when filled, else ``draft2_<lang>``; the new status
is ``new_status`` when filled, else ``adjudicated`` / ``draft2`` after the column that gave the wording, else
unchanged. The labels of one response scale share one status (all rows of the scale must agree). Nothing is
written unless every row is valid; the rules (each problem one line naming sheet, row and column):

- ``code`` / ``field`` name a text of the bank, once; the locked columns still match the bank (a stale
  workbook, exported before someone else's import, is refused unless its edits are already in the bank);
- a new text is one line, not empty, keeps the source's placeholders (``{provider}``, ``${name}``) and is at
  most :func:`max_length` characters;
- a status is one of ``draft1 draft2 reviewed adjudicated pretested`` and moves only forward unless ``reason``
  says why; untracked texts take no status.

Then each edited scalar is replaced in place (:mod:`instrument.translations.yamledit`), the edited bank must
still validate and read back with exactly the intended texts, the files are replaced atomically, and one line
per change is appended to ``CHANGELOG-translations.csv`` in the bank folder (comments and back-translations
of unchanged texts too: they are the D of TRAPD).

Examples
--------
>>> max_length("Agree"), max_length("x" * 40)
(25, 120)
>>> text_problems("Samaa mieltä {x}", "Agree")
['placeholder(s) {x} are not in the source']
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from instrument.export._common import neutralise
from instrument.table3 import TRAPD_STATUSES
from instrument.translations.catalog import Catalog, Entry, build_catalog
from instrument.translations.workbook import TARGET_STATUSES, Sheet, SheetRow, read_workbook
from instrument.translations.yamledit import quote, replace_spans
from instrument.validate import check_bank
from vcd_core.errors import TranslationError

#: placeholders a translation must keep: ``{provider}`` style and XLSForm ``${name}`` references.
PLACEHOLDER_RE = re.compile(r"\$?\{[^{}\s]+\}")
#: the changelog appended to in the bank folder.
CHANGELOG = "CHANGELOG-translations.csv"
CHANGELOG_COLUMNS = ("time", "workbook", "lang", "code", "field", "kind", "old_status", "new_status", "old_text",
                     "new_text", "reason", "reviewer_comment", "back_translation", "notes")


def max_length(source: str) -> int:
    """The longest translation accepted for ``source``: 3 x its length, but at least its length + 20.

    Three times covers the longest translations in the bank with room (German and Finnish run up to ~2.7 x
    for one-word labels); the + 20 lets a short label such as "Agree" become "Samaa mieltä".

    Parameters
    ----------
    source : str
        The source-language text.

    Returns
    -------
    int

    Examples
    --------
    >>> max_length("Education")
    29
    """
    return max(3 * len(source), len(source) + 20)


def text_problems(text: str, source: str) -> list[str]:
    """What is wrong with ``text`` as a translation of ``source`` (empty list = fine).

    Parameters
    ----------
    text, source : str
        The new translation and the source-language text.

    Returns
    -------
    list of str

    Examples
    --------
    >>> text_problems("", "Agree"), text_problems("ok", "Agree")
    (['empty text'], [])
    >>> text_problems("Hei", "Hello {provider}")
    ['placeholder(s) {provider} of the source are missing']
    """
    if not text.strip():
        return ["empty text"]
    out = []
    if any(not ch.isprintable() for ch in text):
        out.append("a line break or control character (texts are one line)")
    have, want = Counter(PLACEHOLDER_RE.findall(text)), Counter(PLACEHOLDER_RE.findall(source))
    if want - have:
        out.append(f"placeholder(s) {' '.join(sorted(want - have))} of the source are missing")
    if have - want:
        out.append(f"placeholder(s) {' '.join(sorted(have - want))} are not in the source")
    if len(text) > max_length(source):
        out.append(f"{len(text)} characters, more than the limit of {max_length(source)} for this text "
                   f"(3 x the source's {len(source)}, at least the source + 20)")
    return out


@dataclass(frozen=True)
class Change:
    """One row's effect: the text's old and new wording and status, and what the team wrote about it."""

    row: int
    file: str
    code: str
    field: str
    kind: str
    old_text: str
    new_text: str
    old_status: str
    new_status: str
    reason: str = ""
    reviewer_comment: str = ""
    back_translation: str = ""
    notes: str = ""

    @property
    def text_changed(self) -> bool:
        """Whether the wording changes."""
        return self.new_text != self.old_text

    @property
    def status_changed(self) -> bool:
        """Whether the TRAPD status changes."""
        return self.new_status != self.old_status


@dataclass(frozen=True)
class ImportResult:
    """What an import did (or, with ``dry_run``, would do)."""

    workbook: Path
    lang: str
    changes: tuple[Change, ...]
    files: tuple[str, ...]
    changelog: Path | None
    dry_run: bool

    def summary(self) -> str:
        """One line: texts and statuses changed, files written.

        Returns
        -------
        str

        Examples
        --------
        >>> ImportResult(Path("fi.xlsx"), "fi", (), (), None, True).summary()
        'fi: 0 text(s) and 0 status(es) changed, 0 comment-only row(s); dry run: nothing written'
        """
        texts = sum(c.text_changed for c in self.changes)
        statuses = sum(c.status_changed for c in self.changes)
        notes = sum(not c.text_changed and not c.status_changed for c in self.changes)
        if self.dry_run:
            where = "dry run: nothing written"
        elif not self.changes:
            where = "nothing to write"
        else:
            where = f"wrote {', '.join(self.files) or 'no bank file'}; changelog {self.changelog}"
        return (f"{self.lang}: {texts} text(s) and {statuses} status(es) changed, {notes} comment-only row(s); "
                f"{where}")


class _Plan:
    """Validates the rows of one sheet against the catalog, collecting every problem."""

    def __init__(self, sheet: Sheet, cat: Catalog) -> None:
        self.sheet, self.cat, self.lang = sheet, cat, sheet.lang
        self.problems: list[str] = []
        src, lang = cat.source, sheet.lang
        self.col = {"source": f"source_{src}", "current": f"current_{lang}", "status": f"status_{lang}",
                    "draft2": f"draft2_{lang}", "adjudicated": f"adjudicated_{lang}",
                    "back": f"back_translation_{src}"}

    def bad(self, row: int, column: str, message: str) -> None:
        self.problems.append(f"{self.sheet.where(row, column)}: {message}")

    def entry(self, r: SheetRow, seen: dict[tuple[str, str], int]) -> Entry | None:
        code, fld = r.cells["code"].strip(), r.cells["field"].strip()
        if not code or not fld:
            self.bad(r.row, "code" if not code else "field", "empty code or field (rows must keep both)")
            return None
        e = self.cat.find(code, fld)
        if e is None:
            if any(x.code == code for x in self.cat.entries):
                self.bad(r.row, "field", f"unknown field {fld!r} for {code}")
            else:
                self.bad(r.row, "code", f"unknown code {code!r}")
            return None
        if (code, fld) in seen:
            self.bad(r.row, "code", f"{code} / {fld} already on row {seen[(code, fld)]}")
            return None
        seen[(code, fld)] = r.row
        if r.cells[self.col["source"]].strip() != e.texts[self.cat.source].strip():
            self.bad(r.row, self.col["source"], "the source text is not the bank's (edited, or the source changed "
                                                "since export); export a new workbook")
            return None
        return e

    def wording(self, r: SheetRow, e: Entry) -> tuple[str | None, str | None, str | None]:
        """New text (or None), the column it came from and the status it implies."""
        for key, implied in (("adjudicated", "adjudicated"), ("draft2", "draft2")):
            raw = r.cells[self.col[key]]
            if raw:
                for msg in text_problems(raw.strip(), e.texts[self.cat.source]):
                    self.bad(r.row, self.col[key], msg)
                return raw.strip(), self.col[key], implied
        return None, None, None

    def status(self, r: SheetRow, e: Entry, implied: str | None) -> str | None:
        raw = r.cells["new_status"].strip()
        if raw and raw not in TARGET_STATUSES:
            self.bad(r.row, "new_status", f"unknown status {raw!r}; use one of {', '.join(TARGET_STATUSES)}")
            return None
        if not e.tracked:
            if raw:
                self.bad(r.row, "new_status", "this text has no TRAPD status in the bank (untracked); leave "
                                              "new_status empty")
            return None
        return raw or implied

    def rows(self) -> list[tuple[SheetRow, Entry, str | None, str | None, str]]:
        """Valid rows: (row, entry, new text, new status, the column the status came from)."""
        out: list[tuple[SheetRow, Entry, str | None, str | None, str]] = []
        seen: dict[tuple[str, str], int] = {}
        for r in self.sheet.rows:
            e = self.entry(r, seen)
            if e is None:
                continue
            text, text_col, implied = self.wording(r, e)
            status = self.status(r, e, implied)
            bank_text = e.texts[self.lang]
            bank_status = e.statuses[self.lang].status if e.tracked else "untracked"
            current, shown = r.cells[self.col["current"]].strip(), r.cells[self.col["status"]].strip()
            if current != bank_text.strip() or shown != bank_status:
                done = (text is None or text == bank_text) and (status is None or status == bank_status)
                if not done:
                    self.bad(r.row, self.col["current"] if current != bank_text.strip() else self.col["status"],
                             f"the bank changed since this workbook was exported (now {bank_status}: "
                             f"{bank_text[:60]!r}); export a new workbook and carry this row's work over")
                continue
            out.append((r, e, text, status, "new_status" if r.cells["new_status"].strip() else text_col or ""))
        return out

    def unit_status(self, rows: Sequence[tuple[SheetRow, Entry, str | None, str | None, str]]) -> dict[str, str]:
        """The new status of each status unit, checked: one per unit, forward unless a reason is given."""
        by_unit: dict[str, list[tuple[SheetRow, Entry, str | None, str]]] = {}
        for r, e, _text, status, col in rows:
            if e.unit is not None:
                by_unit.setdefault(e.unit, []).append((r, e, status, col))
        out = {}
        for unit, members in by_unit.items():
            given = [(r, s, col) for r, _e, s, col in members if s]
            if not given:
                continue
            explicit = [g for g in given if g[2] == "new_status"] or given
            if len({s for _r, s, _c in explicit}) > 1:
                r, s, col = explicit[-1]
                first = explicit[0]
                self.bad(r.row, col, f"{unit.split('/')[0]}: its texts share one status; row {first[0].row} gives "
                                     f"{first[1]!r} and this row {s!r}")
                continue
            r, new, col = explicit[0]
            old = members[0][1].statuses[self.lang].status
            reason = any(m[0].cells["reason"].strip() for m in members)
            if TRAPD_STATUSES.index(new) < TRAPD_STATUSES.index(old) and not reason:
                self.bad(r.row, col, f"the status would move back from {old!r} to {new!r}; say why in the reason "
                                     "column")
                continue
            out[unit] = new
        return out

    def changes(self) -> list[Change]:
        rows = self.rows()
        units = self.unit_status(rows)
        out = []
        for r, e, text, _status, _col in rows:
            c = r.cells
            old_status = e.statuses[self.lang].status if e.tracked else "untracked"
            new_status = units.get(e.unit, old_status) if e.unit is not None else old_status
            new_text = text if text is not None else e.texts[self.lang]
            ch = Change(r.row, e.file, e.code, e.field, e.kind, e.texts[self.lang], new_text, old_status, new_status,
                        c["reason"].strip(), c["reviewer_comment"].strip(), c[self.col["back"]].strip(),
                        c["notes"].strip())
            if ch.text_changed or ch.status_changed or ch.reason or ch.reviewer_comment or ch.back_translation \
                    or ch.notes:
                out.append(ch)
        return out


def plan_import(sheet: Sheet, cat: Catalog) -> list[Change]:
    """Validate every row of ``sheet`` and return the changes it makes (nothing is written).

    Parameters
    ----------
    sheet : Sheet
        From :func:`instrument.translations.workbook.read_workbook`.
    cat : Catalog
        The bank the workbook goes into.

    Returns
    -------
    list of Change
        Rows that change a text or status, or carry a comment, back-translation or note.

    Raises
    ------
    TranslationError
        Listing every problem, one line each.

    Examples
    --------
    >>> from instrument.translations.workbook import columns
    >>> cat = build_catalog()
    >>> head = columns("fi", "en")
    >>> e = cat.find("BLM01", "text")
    >>> cells = dict.fromkeys(head, "")
    >>> cells.update(code="BLM01", field="text", source_en=e.texts["en"], current_fi=e.texts["fi"],
    ...              status_fi="draft1", draft2_fi="Asiakas valitti meistä julkisesti.")
    >>> [(c.code, c.old_status, c.new_status) for c in plan_import(Sheet(Path("x.xlsx"), "fi", tuple(head),
    ...                                                            (SheetRow(2, cells),)), cat)]
    [('BLM01', 'draft1', 'draft2')]
    """
    plan = _Plan(sheet, cat)
    changes = plan.changes()
    if plan.problems:
        raise TranslationError(plan.problems)
    return changes


def _edits(cat: Catalog, lang: str, changes: Sequence[Change]) -> dict[str, list[tuple[int, int, str]]]:
    edits: dict[str, list[tuple[int, int, str]]] = {}
    for ch in changes:
        e = cat.find(ch.code, ch.field)
        assert e is not None
        if ch.text_changed:
            sp = e.spans[lang]
            edits.setdefault(e.file, []).append((sp.start, sp.end, quote(ch.new_text)))
        if ch.status_changed:
            slot = e.statuses[lang]
            if slot.span is not None:
                edits.setdefault(e.file, []).append((slot.span.start, slot.span.end, ch.new_status))
            elif slot.insert_at is not None:
                edits.setdefault(e.file, []).append((slot.insert_at, slot.insert_at, f", {lang}: {ch.new_status}"))
            else:
                raise TranslationError(f"{e.file}: {e.code} has no status mapping to record {lang!r} in; add "
                                       f"'status: {{{cat.source}: source, {lang}: {slot.status}}}'")
    return edits


def _verify(cat: Catalog, lang: str, new_files: dict[str, str], changes: Sequence[Change]) -> None:
    """The edited bank validates and holds exactly the intended texts and statuses (and nothing else changed)."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "bank"
        shutil.copytree(cat.bank, copy)
        for name, text in new_files.items():
            (copy / name).write_bytes(text.encode("utf-8"))
        _inst, problems = check_bank(copy)
        if problems:
            raise TranslationError([f"after this import the bank would not validate: {p}" for p in problems])
        after = build_catalog(copy)
    want = {(c.code, c.field): c for c in changes}
    for old, new in zip(cat.entries, after.entries, strict=True):
        ch = want.get((old.code, old.field))
        for lg in cat.languages:
            expect = ch.new_text if ch is not None and lg == lang else old.texts[lg]
            if new.texts[lg] != expect:
                raise TranslationError(f"{old.file}: {old.code} / {old.field} in {lg!r} reads back as "
                                       f"{new.texts[lg]!r}, not {expect!r} (nothing written)")
            if old.tracked and lg == lang and ch is not None and new.statuses[lg].status != ch.new_status:
                raise TranslationError(f"{old.file}: {old.code} status reads back as {new.statuses[lg].status!r}")


def _append_changelog(path: Path, workbook: Path, lang: str, changes: Sequence[Change]) -> None:
    new = not path.exists()
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with open(path, "a", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        if new:
            w.writerow(CHANGELOG_COLUMNS)
        for c in changes:
            w.writerow([stamp, workbook.name, lang, c.code, c.field, c.kind, c.old_status, c.new_status,
                        *(neutralise(v) for v in (c.old_text, c.new_text, c.reason, c.reviewer_comment,
                                                  c.back_translation, c.notes))])


def _log_key(lang: str, code: str, fld: str, *texts: str) -> tuple[str, ...]:
    return (lang, code, fld, *(str(neutralise(t)) for t in texts))


def _already_logged(path: Path, lang: str, changes: Sequence[Change]) -> list[Change]:
    """Drop comment-only rows whose very comment is in the changelog already (a workbook imported twice)."""
    if not path.exists():
        return list(changes)
    with open(path, encoding="utf-8", newline="") as fh:
        seen = {(r["lang"], r["code"], r["field"], r["new_text"], r["reason"], r["reviewer_comment"],
                 r["back_translation"], r["notes"]) for r in csv.DictReader(fh)}
    return [c for c in changes if c.text_changed or c.status_changed or _log_key(
        lang, c.code, c.field, c.new_text, c.reason, c.reviewer_comment, c.back_translation, c.notes) not in seen]


def import_workbook(path: str | Path, bank: str | Path | None = None, lang: str | None = None,
                    dry_run: bool = False) -> ImportResult:
    """Validate a translator workbook and write its texts and statuses into the bank, with a changelog.

    Parameters
    ----------
    path : str or Path
        The workbook (:func:`instrument.translations.workbook.export_workbook`, filled in).
    bank : str or Path, optional
        The bank folder to write into (default: the bundled bank).
    lang : str, optional
        The language expected; a workbook of another language is refused.
    dry_run : bool
        Validate and report, write nothing.

    Returns
    -------
    ImportResult

    Raises
    ------
    TranslationError
        Every problem of the workbook, one line each naming sheet, row and column; nothing is written then.

    Examples
    --------
    >>> import_workbook("missing.xlsx", dry_run=True)
    Traceback (most recent call last):
    ...
    vcd_core.errors.TranslationError: missing.xlsx: cannot read the workbook: No such file or directory
    """
    cat = build_catalog(bank)
    sheet = read_workbook(path, cat, lang)
    log = cat.bank / CHANGELOG
    changes = _already_logged(log, sheet.lang, plan_import(sheet, cat))
    edits = _edits(cat, sheet.lang, changes)
    new_files = {name: replace_spans(cat.files[name], spans) for name, spans in edits.items()}
    _verify(cat, sheet.lang, new_files, changes)
    if dry_run:
        return ImportResult(Path(path), sheet.lang, tuple(changes), tuple(sorted(new_files)), None, True)
    for name, text in sorted(new_files.items()):
        target = cat.bank / name
        tmp = target.with_name(f".{name}.tmp")
        tmp.write_bytes(text.encode("utf-8"))
        os.replace(tmp, target)
    if changes:
        _append_changelog(log, Path(path), sheet.lang, changes)
    return ImportResult(Path(path), sheet.lang, tuple(changes), tuple(sorted(new_files)),
                        log if changes else None, False)
