"""``vcd run``: one reproducible study run — study.toml → every step → a results folder → the report.

Examples
--------
>>> from click.testing import CliRunner
>>> CliRunner().invoke(cli, ["--help"]).exit_code
0
"""

from __future__ import annotations

import json

import click

from vcd_core.errors import StudyError


@click.command(name="run")
@click.argument("study", type=click.Path(dir_okay=False))
@click.option("-o", "--out", "out", type=click.Path(file_okay=False), default="results", show_default=True,
              help="Parent folder of the results; the run writes <out>/<study name>/.")
@click.option("--no-report", is_flag=True, help="Write the results folder only (render later with vcd report).")
@click.option("--check", is_flag=True, help="Validate the study.toml and its input paths, run nothing.")
@click.option("--quiet", is_flag=True, help="No progress display.")
@click.option("--debug", is_flag=True, help="Show the traceback of an unexpected error instead of recording the "
                                            "step as failed.")
@click.option("--json", "as_json", is_flag=True, help="Print the steps (status, reason, seconds) as JSON.")
def cli(study: str, out: str, no_report: bool, check: bool, quiet: bool, debug: bool, as_json: bool) -> None:
    """Run a study: ingest → clean → EFA → reliability → CFA → invariance → comparisons → report.

    Writes <out>/<name>/ with manifest.json (package versions, seed, input SHA-256, per-step status, warnings
    and timing), one sub-folder of CSV + JSON per step, report.html, report.md and tables.xlsx. A step that
    cannot run is recorded as skipped with the reason; a failed step is recorded with a one-line reason and
    the command exits with status 1 after writing everything else. Re-running gives identical files except
    the manifest's timing.

    \b
    Example:
      vcd run data/demo/study.toml -o results/
      vcd run study.toml --check
    """
    from analysis.study import check_study, run_study

    if check:
        cfg = check_study(study)
        click.echo(f"{study}: valid study {cfg.name!r} ({cfg.data.path})")
        return
    run = run_study(study, out, progress=not quiet and not as_json, render=False if no_report else None,
                    debug=debug)
    if as_json:
        click.echo(json.dumps({"results": str(run.folder), "steps": run.manifest["steps"],
                               "timing": run.manifest["timing"],
                               "reports": {k: str(v) for k, v in run.reports.items()}}, indent=1))
    else:
        click.echo(run.summary())
    if run.failed:
        names = ", ".join(f"{s['step']} ({s['reason']})" for s in run.failed)
        raise StudyError(f"{len(run.failed)} step(s) failed: {names}; the results of the other steps are in "
                         f"{run.folder}")
