"""``vcd invariance``: measurement invariance across groups (configural → metric → scalar → strict).

Examples
--------
>>> from click.testing import CliRunner
>>> CliRunner().invoke(cli, ["--help"]).exit_code
0
"""

from __future__ import annotations

import json

import click

from vcd_core.errors import DataError, VcdError

_STEPS = ("configural", "metric", "scalar", "strict")


@click.command(name="invariance", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("data", type=click.Path(dir_okay=False))
@click.option("--model", "model_file", type=click.Path(dir_okay=False), help="File with lavaan model syntax.")
@click.option("--model-text", help='Model syntax inline, e.g. "F1 =~ a + b + c".')
@click.option("--from-instrument", is_flag=True,
              help="Build the model from the item bank (one factor per reason; reverse-keyed items recoded).")
@click.option("--perspective", type=click.Choice(["provider", "customer"]), default="provider", show_default=True,
              help="Item perspective for --from-instrument.")
@click.option("--constructs", help="Comma-separated construct codes for --from-instrument (default: all reasons).")
@click.option("--platform", type=click.Choice(["auto", "table", "qualtrics", "limesurvey", "redcap", "xlsform",
                                               "spss"]), default="auto", show_default=True,
              help="How to read DATA: a plain table (CSV/parquet) or a survey platform's export (auto-detected).")
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
def cli(data, model_file, model_text, from_instrument, perspective, constructs, platform, group_col, reference,
        estimator,
        missing, criteria, steps, partial, release, alpha, max_free, min_group_n, keep_going, out_dir,
        as_json) -> None:
    """Measurement invariance across groups with multi-group CFA: the configural → metric → scalar → strict
    ladder, a decision per step, partial invariance and latent mean comparisons.

    DATA is a CSV or parquet file of respondents (e.g. `vcd clean`'s kept.csv) with the model's item columns and
    the grouping column, or a survey platform's export (read through `vcd ingest`'s importers; clean it first
    with `vcd clean` for publishable results). Give exactly one of --model, --model-text or --from-instrument.

    \b
    Examples:
      vcd invariance kept.csv --from-instrument --group country --estimator MLR --partial
      vcd invariance kept.csv --from-instrument --partial --release score --json
      vcd invariance hs.csv --model-text "visual =~ x1 + x2 + x3" --group school --keep-going -o inv/
    """
    from analysis.commands.cfa import _json_safe, model_and_data, naming_file
    from analysis.invariance import run_invariance, write_results

    wanted = [s.strip() for s in steps.split(",") if s.strip()]
    bad = [s for s in wanted if s not in _STEPS]
    if bad:
        raise click.UsageError(f"unknown step(s) {', '.join(bad)}; use {', '.join(_STEPS)}")
    syntax, frame, notes = model_and_data(data, platform, model_file, model_text, from_instrument, perspective,
                                          constructs)
    if not as_json:
        for note in notes:
            click.echo(f"note: {note}", err=True)

    def say(msg: str) -> None:
        if not as_json:
            click.echo(f"… {msg}", err=True)

    try:
        res = run_invariance(frame, syntax, group_col, estimator=estimator.upper(), missing=missing,
                             criteria=criteria, partial=partial, release=release, alpha=alpha, max_free=max_free,
                             steps=wanted, reference=reference, min_group_n=min_group_n,
                             stop_on_failure=not keep_going, progress=say)
    except VcdError as exc:
        raise naming_file(exc, data) from None
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
        click.echo(json.dumps(_json_safe(out), indent=2, allow_nan=False))
        return
    click.echo(res.summary())
