"""``vcd cfa``: confirmatory factor analysis with lavaan-parity ML / MLR / FIML estimation.

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


@click.command(name="cfa", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("data", type=click.Path(dir_okay=False))
@click.option("--model", "model_file", type=click.Path(dir_okay=False), help="File with lavaan model syntax.")
@click.option("--model-text", help='Model syntax inline, e.g. "F1 =~ a + b + c".')
@click.option("--from-instrument", is_flag=True,
              help="Build the model from the item bank: one factor per reason, its items in DATA (see --constructs).")
@data_options("cfa")
@click.option("--estimator", type=click.Choice(["ML", "MLR"], case_sensitive=False), default="ML", show_default=True)
@click.option("--missing", type=click.Choice(["listwise", "fiml"]), default="listwise", show_default=True)
@click.option("--std-lv", is_flag=True, help="Fix factor variances to 1 instead of the first loadings.")
@click.option("--information", type=click.Choice(["expected", "observed"]), default=None,
              help="Information matrix for ML standard errors (default: expected; observed under FIML and MLR).")
@click.option("--group", "group_col", help="Column defining groups (multi-group CFA).")
@click.option("--group-equal", help="Comma-separated equality classes across groups (loadings,intercepts,...).")
@click.option("--modindices", "n_mi", type=int, default=0, help="Also show the N largest modification indices.")
@click.option("--json", "as_json", is_flag=True, help="Print fit, parameters and diagnostics as JSON.")
def cli(data: str, model_file: str | None, model_text: str | None, from_instrument: bool, constructs: str | None,
        perspective: str, platform: str, estimator: str, missing: str, std_lv: bool, information: str | None,
        group_col: str | None, group_equal: str | None, n_mi: int, as_json: bool) -> None:
    """Confirmatory factor analysis (lavaan syntax; ML, MLR or FIML) with lavaan's fit measures.

    DATA is a response file: a table (CSV, XLSX, parquet) whose columns are the model's observed variables, or a
    survey platform's export (read through vcd ingest, preview rows left out). Give exactly one of --model,
    --model-text or --from-instrument (the reasons with 2+ items in DATA, reverse-keyed items recoded: the model
    `vcd run` fits).

    \b
    Examples:
      vcd cfa hs.csv --model-text "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6"
      vcd cfa responses.csv --from-instrument --estimator MLR --missing fiml --json
      vcd cfa data/demo/responses_qualtrics.csv --from-instrument --constructs INF,TRU
      vcd cfa hs.csv --model model.lav --group school --group-equal loadings,intercepts
    """
    from analysis.sem import cfa

    one_model_source(model_file, model_text, from_instrument)
    prep = prepared_data(data, "cfa", from_instrument, constructs, perspective, platform)
    syntax = model_syntax(model_file, model_text, from_instrument, prep)
    echo_notes(prep)
    with prep.naming_errors():
        res = cfa(syntax, prep.frame, group=group_col, group_equal=split_list(group_equal),
                  estimator=estimator.upper(), missing=missing, std_lv=std_lv, information=information)
    if as_json:
        out = res.to_dict()
        out["model"] = syntax
        out["data"] = prep.to_dict()
        if n_mi:
            out["modindices"] = res.modindices().head(n_mi).to_dict("records")
        click.echo(to_json(out))
        return
    click.echo(res.summary())
    if n_mi:
        mi = res.modindices().head(n_mi)
        click.echo("\nModification indices (largest first):")
        click.echo(mi.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
