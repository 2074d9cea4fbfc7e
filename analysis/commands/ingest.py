"""``vcd ingest``: read a survey platform's response file into item-code columns (a ResponseSet).

Examples
--------
>>> from click.testing import CliRunner
>>> CliRunner().invoke(cli, ["--help"]).exit_code
0
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from analysis.data.ingest import PLATFORMS, read_responses
from vcd_core.errors import DataError


@click.command(name="ingest")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--platform", "--format", "platform", type=click.Choice(["auto", *PLATFORMS]), default="auto",
              show_default=True, help="Platform that wrote FILE (auto: detected from the file).")
@click.option("--perspective", type=click.Choice(["provider", "customer"]), default=None,
              help="Expected perspective (default: inferred from the item codes).")
@click.option("--structure", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Survey structure: Qualtrics .qsf (key on ImportId, answer texts) or LimeSurvey .txt "
                   "(answer codes -> values).")
@click.option("-o", "--out", "out", type=click.Path(dir_okay=False), default=None,
              help="Write the ResponseSet data as .csv or .parquet.")
@click.option("--keep-pii", is_flag=True, help="Keep IP address, e-mail, names, location, external reference.")
@click.option("--bad-values", type=click.Choice(["error", "record"]), default="error", show_default=True,
              help="error: stop at the first bad cell; record: set bad cells missing and list them.")
@click.option("--missing-code", "missing_codes", multiple=True,
              help="Code meaning 'seen but not answered' in rated columns (repeatable, e.g. -99 or UNK).")
@click.option("--strict", is_flag=True, help="Fail when an item of the perspective has no column.")
@click.option("--encoding", default=None, help="Text encoding if not UTF-8/UTF-16 with BOM (e.g. cp1252).")
@click.option("--problems", "problems_out", type=click.Path(dir_okay=False), default=None,
              help="With --bad-values record: write the recorded cells as CSV.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def cli(file: str, platform: str, perspective: str | None, structure: str | None, out: str | None, keep_pii: bool,
        bad_values: str, missing_codes: tuple[str, ...], strict: bool, encoding: str | None,
        problems_out: str | None, as_json: bool) -> None:
    """Import FILE (a platform's response export) into item-code columns and print a summary.

    Columns are mapped to the item bank by item code, cells checked against the bank's scales (labels in any
    bank language map back to values); preview/test rows and duplicate ids are flagged, not dropped;
    personal-data columns are dropped unless --keep-pii. The raw file is never modified.

    \b
    Example:
      vcd ingest export.csv -o responses.parquet
      vcd ingest export.csv --platform qualtrics --structure survey.qsf --perspective provider -o r.csv --json
      vcd ingest limesurvey.csv --structure structure.txt --bad-values record --problems bad.csv -o r.csv
    """
    rs = read_responses(file, platform=platform, perspective=perspective, structure=structure, keep_pii=keep_pii,
                        bad_values=bad_values, strict=strict, missing_codes=missing_codes, encoding=encoding)
    if out:
        if Path(out).suffix.lower() not in (".csv", ".parquet"):
            raise DataError("output must end in .csv or .parquet", file=out)
        rs.write(out)
    if problems_out:
        Path(problems_out).parent.mkdir(parents=True, exist_ok=True)
        rs.problems.to_csv(problems_out, index=False)
    if as_json:
        d = rs.to_dict()
        d["out"] = out
        click.echo(json.dumps(d, indent=2, ensure_ascii=False))
    else:
        click.echo(rs.summary())
        if out:
            click.echo(f"wrote {out} ({rs.n} rows, {rs.data.shape[1]} columns)")
