"""``vcd validity``: HTMT, AVE, composite reliability and Fornell–Larcker for a measurement model.

Examples
--------
>>> from click.testing import CliRunner
>>> CliRunner().invoke(cli, ["--help"]).exit_code
0
"""

from __future__ import annotations

from pathlib import Path

import click

from analysis.commands.common import data_options, echo_notes, prepared_data, to_json


@click.command(name="validity")
@click.argument("data", type=click.Path(dir_okay=False))
@click.option("--model", default=None,
              help="lavaan measurement syntax ('f =~ a + b + c; g =~ d + e + f') or a file holding it.")
@click.option("--from-instrument", "from_instrument", is_flag=True,
              help="One factor per reason of the bank with 2+ items in DATA (reverse-keyed items recoded).")
@data_options("validity")
@click.option("--cor", type=click.Choice(["pearson", "polychoric"]), default="pearson", show_default=True,
              help="Correlations for the HTMT.")
@click.option("--classic", is_flag=True, help="Classic HTMT (arithmetic means) instead of semTools' HTMT2.")
@click.option("--no-cfa", "no_cfa", is_flag=True, help="HTMT only; skip the CFA (AVE, CR, Fornell-Larcker).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
def cli(data: str, model: str | None, from_instrument: bool, constructs: str | None, perspective: str,
        platform: str, cor: str, classic: bool, no_cfa: bool, as_json: bool) -> None:
    """Discriminant and convergent validity: HTMT (flags > .85 / > .90), AVE, CR, Fornell-Larcker.

    DATA is a response file: a table (CSV, XLSX, parquet) or a survey platform's export. AVE, composite
    reliability and the Fornell-Larcker table come from an ML CFA of the model (listwise); reverse-code
    reverse-keyed items first when using --model. --from-instrument takes the reasons with 2+ items in DATA
    (at least two of them), as the HTMT of `vcd run`.

    \b
    Example:
      vcd validity bfi.csv --model "agree =~ A2 + A3 + A4 + A5; consc =~ C1 + C2 + C3"
      vcd validity responses.csv --from-instrument --json
    """
    from analysis.measure.validity import validity

    if bool(model) == from_instrument:
        raise click.UsageError("give either --model or --from-instrument")
    prep = prepared_data(data, "validity", from_instrument, constructs, perspective, platform)
    echo_notes(prep)
    if from_instrument:
        spec: str | dict[str, list[str]] = prep.scales()
    else:
        text = model or ""
        spec = Path(text).read_text(encoding="utf-8") if "=~" not in text and Path(text).is_file() else text
    with prep.naming_errors():
        res = validity(prep.frame, spec, use_cfa=not no_cfa, htmt2=not classic, cor=cor)
    if as_json:
        click.echo(to_json({**res.to_dict(), "data": prep.to_dict()}))
        return
    click.echo(res.summary())
