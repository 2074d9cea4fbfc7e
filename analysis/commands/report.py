"""``vcd report``: render a results folder as HTML (+ Markdown and XLSX) without recomputing anything.

Examples
--------
>>> from click.testing import CliRunner
>>> CliRunner().invoke(cli, ["--help"]).exit_code
0
"""

from __future__ import annotations

import click


@click.command(name="report")
@click.argument("results", type=click.Path(file_okay=False))
@click.option("-o", "--out", "out", type=click.Path(dir_okay=False), default=None,
              help="The HTML file (default RESULTS/report.html); report.md and tables.xlsx go next to it.")
@click.option("--format", "formats", type=click.Choice(["html", "md", "xlsx"]), multiple=True,
              help="Which renderings (repeatable; default all three).")
def cli(results: str, out: str | None, formats: tuple[str, ...]) -> None:
    """Render the results folder RESULTS (written by vcd run) into a self-contained report.

    The HTML has inline CSS and figures, no scripts and no network access; all text from the study is
    escaped. report.md holds the summary, key tables and methods; tables.xlsx every table.

    \b
    Example:
      vcd report results/vcd-demo -o report.html
      vcd report results/vcd-demo --format md
    """
    from reports.render import render_all

    written = render_all(results, formats=formats or ("html", "md", "xlsx"), html_path=out)
    for kind, path in written.items():
        click.echo(f"{kind}: {path}")
