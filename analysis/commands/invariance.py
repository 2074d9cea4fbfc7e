"""``vcd invariance``: measurement invariance across groups (configural → metric → scalar → strict).

Examples
--------
>>> from click.testing import CliRunner
>>> CliRunner().invoke(cli, ["--help"]).exit_code
0
"""

from __future__ import annotations

import click

from analysis.commands.common import (
    data_options,
    echo_notes,
    model_syntax,
    one_model_source,
    prepared_data,
    split_list,
    to_json,
)
from vcd_core.errors import DataError

_STEPS = ("configural", "metric", "scalar", "strict")


@click.command(name="invariance", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("data", type=click.Path(dir_okay=False))
@click.option("--model", "model_file", type=click.Path(dir_okay=False), help="File with lavaan model syntax.")
@click.option("--model-text", help='Model syntax inline, e.g. "F1 =~ a + b + c".')
@click.option("--from-instrument", is_flag=True,
              help="Build the model from the item bank: one factor per reason, its items in DATA (reverse-keyed "
                   "items recoded; see --constructs).")
@data_options("invariance")
@click.option("--group", "group_col", default="country", show_default=True, help="Grouping column.")
@click.option("--reference", help="Reference group (default: the first group in the data).")
@click.option("--estimator", type=click.Choice(["ML", "MLR"], case_sensitive=False), default="ML", show_default=True)
@click.option("--missing", type=click.Choice(["listwise", "fiml"]), default="listwise", show_default=True)
@click.option("--criteria", type=click.Choice(["chen2007", "cheung2002"]), default="chen2007", show_default=True,
              help="Change-in-fit rule: Chen (2007) or Cheung & Rensvold (2002).")
@click.option("--steps", default=",".join(_STEPS), show_default=True, help="Steps of the ladder to run.")
@click.option("--partial", is_flag=True, help="Release failing equality constraints one at a time (score tests).")
@click.option("--release", type=click.Choice(["fit", "score"]), default="fit", show_default=True,
              help="With --partial: release only while a step fails the criteria (fit), or also while a score "
                   "test is significant after Bonferroni adjustment (score).")
@click.option("--alpha", type=float, default=0.05, show_default=True, help="Family-wise level for --release score.")
@click.option("--max-free", type=int, default=10, show_default=True, help="At most this many releases per step.")
@click.option("--min-group-n", type=int, default=0, show_default=True,
              help="Leave out groups with fewer respondents (always at least items + 1).")
@click.option("--keep-going", is_flag=True, help="Fit the remaining steps after one is not supported.")
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False),
              help="Also write ladder.csv, decisions.json, latent_means.csv ... to this folder.")
@click.option("--json", "as_json", is_flag=True, help="Print the whole result as JSON.")
def cli(data: str, model_file: str | None, model_text: str | None, from_instrument: bool, constructs: str | None,
        perspective: str, platform: str, group_col: str, reference: str | None, estimator: str, missing: str,
        criteria: str, steps: str, partial: bool, release: str, alpha: float, max_free: int, min_group_n: int,
        keep_going: bool, out_dir: str | None, as_json: bool) -> None:
    """Measurement invariance across groups with multi-group CFA: the configural → metric → scalar → strict
    ladder, a decision per step, partial invariance and latent mean comparisons.

    DATA is a response file (e.g. `vcd clean`'s kept.csv: a table, CSV/XLSX/parquet) with the model's item
    columns and the grouping column, or a survey platform's export (read through `vcd ingest`'s importers,
    preview rows left out; clean it first with `vcd clean` for publishable results). Give exactly one of
    --model, --model-text or --from-instrument (the reasons with 2+ items in DATA: the model `vcd run` uses).

    \b
    Examples:
      vcd invariance kept.csv --from-instrument --group country --estimator MLR --partial
      vcd invariance kept.csv --from-instrument --partial --release score --json
      vcd invariance hs.csv --model-text "visual =~ x1 + x2 + x3" --group school --keep-going -o inv/
    """
    from analysis.invariance import run_invariance, write_results

    wanted = split_list(steps)
    bad = [s for s in wanted if s not in _STEPS]
    if bad:
        raise click.UsageError(f"unknown step(s) {', '.join(bad)}; use {', '.join(_STEPS)}")
    one_model_source(model_file, model_text, from_instrument)
    prep = prepared_data(data, "invariance", from_instrument, constructs, perspective, platform)
    syntax = model_syntax(model_file, model_text, from_instrument, prep)
    echo_notes(prep)

    def say(msg: str) -> None:
        if not as_json:
            click.echo(f"… {msg}", err=True)

    with prep.naming_errors():
        res = run_invariance(prep.frame, syntax, group_col, estimator=estimator.upper(), missing=missing,
                             criteria=criteria, partial=partial, release=release, alpha=alpha, max_free=max_free,
                             steps=wanted, reference=reference, min_group_n=min_group_n,
                             stop_on_failure=not keep_going, progress=say)
    if out_dir:
        try:
            written = write_results(res, out_dir)
        except OSError as exc:
            raise DataError(f"cannot write results: {exc.strerror}", file=out_dir) from None
        if not as_json:
            click.echo(f"wrote {out_dir}/ ({', '.join(written)})", err=True)
    if as_json:
        out = res.to_dict()
        out["model"] = syntax
        out["data"] = prep.to_dict()
        click.echo(to_json(out))
        return
    click.echo(res.summary())
