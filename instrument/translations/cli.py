"""``vcd instrument translations``: the TRAPD round trip (translator workbook out, reviewed texts back in).

Examples
--------
>>> from click.testing import CliRunner
>>> result = CliRunner().invoke(translations, ["status", "--lang", "fi"])
>>> result.output.splitlines()[0].split()[:4]
['lang', 'construct', 'draft1', 'draft2']
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from instrument.translations.catalog import build_catalog
from instrument.translations.importer import import_workbook
from instrument.translations.status import READINESS_COLUMNS, readiness
from instrument.translations.workbook import export_workbook
from vcd_core.errors import TranslationError

_BANK = click.option("--bank", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
                     help="An item-bank folder (default: the bundled bank).")


@click.group(name="translations")
def translations() -> None:
    """Carry translations through TRAPD: a workbook per language for translators, reviewers and the
    adjudicator, its texts and statuses written back into the bank with a changelog, and a readiness table.

    \b
    Examples:
      vcd instrument translations status
      vcd instrument translations export --lang fi -o translations_fi.xlsx
      vcd instrument translations import translations_fi.xlsx --dry-run
      vcd instrument translations import translations_fi.xlsx
    """


@translations.command(name="export")
@click.option("--lang", required=True, metavar="LANG", help="The target language (a bank language, not the source).")
@click.option("-o", "--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The workbook to write (default: translations_<LANG>.xlsx).")
@_BANK
def export_cmd(lang: str, out: Path | None, bank: Path | None) -> None:
    """Write the translator workbook of one language: one row per text (items, attention checks, context
    questions and their choices, scale labels, construct and theme labels, stems) with the source text, the
    current translation and its status (locked), and columns for draft 2, reviewer comment, adjudicated text,
    back-translation, new status, reason and notes.

    \b
    Examples:
      vcd instrument translations export --lang fi
      vcd instrument translations export --lang de -o review/de.xlsx --bank my_bank/
    """
    cat = build_catalog(bank)
    path = export_workbook(cat, lang, out if out is not None else Path(f"translations_{lang}.xlsx"))
    click.echo(f"{path}: {len(cat.entries)} texts in {lang}")


@translations.command(name="import")
@click.argument("workbook", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--lang", default=None, metavar="LANG", help="Refuse a workbook of any other language.")
@click.option("--dry-run", is_flag=True, help="Validate and list the changes; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON.")
@_BANK
def import_cmd(workbook: Path, lang: str | None, dry_run: bool, as_json: bool, bank: Path | None) -> None:
    """Validate a filled-in workbook and write its texts and statuses into the bank YAML (only the edited
    scalars change; every other byte stays), then append the changes to CHANGELOG-translations.csv in the bank
    folder. Every problem is printed as one line naming sheet, row and column, and nothing is written.

    \b
    Examples:
      vcd instrument translations import translations_fi.xlsx --dry-run
      vcd instrument translations import translations_fi.xlsx --lang fi --bank my_bank/
    """
    try:
        res = import_workbook(workbook, bank, lang, dry_run=dry_run)
    except TranslationError as exc:
        for p in exc.problems[1:] if len(exc.problems) > 1 else []:
            click.echo(p, err=True)
        if len(exc.problems) > 1:
            raise TranslationError(f"{exc.problems[0]} ({len(exc.problems)} problems, all listed above; "
                                   "nothing written)") from None
        raise
    if as_json:
        click.echo(json.dumps({"lang": res.lang, "dry_run": res.dry_run, "files": list(res.files),
                               "changes": [{"row": c.row, "code": c.code, "field": c.field, "old_status": c.old_status,
                                            "new_status": c.new_status, "old_text": c.old_text,
                                            "new_text": c.new_text, "reason": c.reason} for c in res.changes]},
                              ensure_ascii=False, indent=2))
        return
    for c in res.changes:
        what = [f"{c.old_status} -> {c.new_status}"] if c.status_changed else []
        what += ["text"] if c.text_changed else []
        click.echo(f"row {c.row}: {c.code} {c.field}: {', '.join(what) or 'comment only'}")
    click.echo(res.summary())


@translations.command(name="status")
@click.option("--lang", "langs", default=None, metavar="CODES", help="Comma-separated languages (default: all).")
@click.option("--json", "as_json", is_flag=True, help="Print the rows as JSON.")
@_BANK
def status_cmd(langs: str | None, as_json: bool, bank: Path | None) -> None:
    """Per language and construct: how many texts are at each TRAPD status, how many are ready (reviewed or
    later) and how many the bank keeps no status for (untracked).

    \b
    Examples:
      vcd instrument translations status
      vcd instrument translations status --lang fi,de --json
    """
    wanted = [x.strip() for x in langs.split(",") if x.strip()] if langs else None
    rows = readiness(build_catalog(bank), wanted)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    table = [list(READINESS_COLUMNS)]
    table += [[str(r[c]) if c != "ready_share" else f"{r[c]:.0%}" for c in READINESS_COLUMNS] for r in rows]
    widths = [max(len(row[k]) for row in table) for k in range(len(table[0]))]
    for row in table:
        click.echo("  ".join(v.ljust(w) if k < 2 else v.rjust(w) for k, (v, w) in enumerate(zip(row, widths,
                                                                                               strict=True))).rstrip())
