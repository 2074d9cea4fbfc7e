"""``vcd demo`` (= ``make demo``): run the bundled demo study end to end and print the report's path.

Examples
--------
>>> from click.testing import CliRunner
>>> CliRunner().invoke(cli, ["--help"]).exit_code
0
"""

from __future__ import annotations

from pathlib import Path

import click

from vcd_core.errors import StudyError

#: the demo study, relative to the repository / installation root.
DEMO = Path(__file__).resolve().parents[2] / "data" / "demo" / "study.toml"


@click.command(name="demo")
@click.option("-o", "--out", "out", type=click.Path(file_okay=False), default="results", show_default=True,
              help="Parent folder of the results folder.")
@click.option("--study", "study", type=click.Path(dir_okay=False), default=None,
              help="Another study.toml to run instead of the bundled demo.")
@click.option("--quiet", is_flag=True, help="No progress display.")
def cli(out: str, study: str | None, quiet: bool) -> None:
    """Run the bundled demo study (10 countries × 350 simulated respondents with planted truth) end to end.

    Writes <out>/<demo name>/ (results, report.html, report.md, tables.xlsx) and prints the report's path.

    \b
    Example:
      vcd demo
      vcd demo -o /tmp/results
    """
    from analysis.study import run_study

    path = Path(study) if study else DEMO
    if not path.is_file():
        raise StudyError("the demo study is missing (expected data/demo/study.toml in the source tree)",
                         file=str(path))
    run = run_study(path, out, progress=not quiet, render=True)
    if not quiet:
        click.echo(run.summary(), err=True)
    if run.failed:
        names = ", ".join(f"{s['step']} ({s['reason']})" for s in run.failed)
        raise StudyError(f"{len(run.failed)} step(s) failed: {names}")
    report = run.reports.get("html")
    click.echo(str(report if report is not None else run.folder))
