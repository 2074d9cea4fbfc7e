"""``vcd instrument export``: write the instrument for survey platforms.

Examples
--------
>>> from click.testing import CliRunner
>>> result = CliRunner().invoke(export, ["--help"])
>>> "--perspective" in result.output
True
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from instrument.export import FORMATS, check_strict
from instrument.export import export as run_export
from instrument.export._common import build_survey


@click.command("export")
@click.option("--format", "fmt", type=click.Choice([*FORMATS, "all"]), default="all", show_default=True,
              help="Platform format, or all of them.")
@click.option("--lang", "langs", default=None, metavar="CODES",
              help="Comma-separated ISO languages, first = base language (default: all bank languages).")
@click.option("--perspective", type=click.Choice(["provider", "customer"]), required=True,
              help="Item wording: the provider's or the customer's view.")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Output folder (created).")
@click.option("--strict", is_flag=True, help="Fail when a text's TRAPD status is below 'reviewed'.")
@click.option("--odk-validate", is_flag=True, help="Also run ODK Validate (Java) on the XLSForm.")
@click.option("--bank", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
              help="An item-bank folder (default: the bundled bank).")
@click.option("--json", "as_json", is_flag=True, help="Print files and warnings as JSON.")
def export(fmt: str, langs: str | None, perspective: str, out_dir: Path, strict: bool, odk_validate: bool,
           bank: Path | None, as_json: bool) -> None:
    """Export the instrument to XLSForm, Qualtrics (.qsf), LimeSurvey (.txt), REDCap (data dictionary) and a
    codebook (Markdown + CSV). Every file passes its platform's structural check; texts whose translation is
    below 'reviewed' are listed as warnings (--strict makes them an error).

    \b
    Example:
      vcd instrument export --format all --lang en,fi,de,es --perspective provider -o survey/
    """
    from instrument.validate import load_bank

    inst = load_bank(bank)
    lang_list = [x.strip() for x in langs.split(",") if x.strip()] if langs else None
    names = list(FORMATS) if fmt == "all" else [fmt]
    survey = build_survey(inst, perspective, lang_list)  # language/perspective errors before any output
    if strict:
        check_strict(survey.warnings)
    results = []
    if as_json:
        results = run_export(inst, names, perspective, lang_list, out_dir, strict=strict)
    else:
        with click.progressbar(length=len(names), label="exporting", file=sys.stderr) as bar:
            results = run_export(inst, names, perspective, lang_list, out_dir, strict=strict,
                                 progress=lambda _n: bar.update(1))
    if odk_validate and "xlsform" in names:
        from instrument.export._common import raise_problems
        from instrument.export.xlsform import validate_xlsform

        path = next(r for r in results if r.format == "xlsform").files[0]
        raise_problems("xlsform", path, validate_xlsform(path, odk_validate=True))
    warnings = results[0].warnings if results else ()
    if as_json:
        click.echo(json.dumps({"files": {r.format: [str(p) for p in r.files] for r in results},
                               "warnings": list(warnings)}, indent=2, ensure_ascii=False))
        return
    for r in results:
        for p in r.files:
            click.echo(f"{r.format}: {p}")
    for w in warnings:
        click.echo(f"warning: {w}", err=True)
