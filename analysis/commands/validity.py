"""``vcd validity``: HTMT, AVE, composite reliability and Fornell–Larcker for a measurement model.

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

from analysis.commands.efa import _clean
from vcd_core.errors import DataError


@click.command(name="validity")
@click.argument("data", type=click.Path(dir_okay=False))
@click.option("--model", default=None,
              help="lavaan measurement syntax ('f =~ a + b + c; g =~ d + e + f') or a file holding it.")
@click.option("--from-instrument", "from_instrument", is_flag=True,
              help="One factor per reason of the item bank, items present in DATA (reverse-keyed items recoded).")
@click.option("--perspective", type=click.Choice(["provider", "customer"]), default="provider", show_default=True,
              help="Which form's items with --from-instrument.")
@click.option("--cor", type=click.Choice(["pearson", "polychoric"]), default="pearson", show_default=True,
              help="Correlations for the HTMT.")
@click.option("--classic", is_flag=True, help="Classic HTMT (arithmetic means) instead of semTools' HTMT2.")
@click.option("--no-cfa", "no_cfa", is_flag=True, help="HTMT only; skip the CFA (AVE, CR, Fornell-Larcker).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
def cli(data: str, model: str | None, from_instrument: bool, perspective: str, cor: str, classic: bool,
        no_cfa: bool, as_json: bool) -> None:
    """Discriminant and convergent validity: HTMT (flags > .85 / > .90), AVE, CR, Fornell-Larcker.

    DATA is a CSV or parquet file of responses. AVE, composite reliability and the Fornell-Larcker table come from
    an ML CFA of the model (listwise); reverse-code reverse-keyed items first when using --model.

    \b
    Example:
      vcd validity bfi.csv --model "agree =~ A2 + A3 + A4 + A5; consc =~ C1 + C2 + C3"
      vcd validity responses.csv --from-instrument --json
    """
    from analysis.commands.compare import read_responses
    from analysis.measure.validity import validity

    if bool(model) == from_instrument:
        raise click.UsageError("give either --model or --from-instrument")
    frame = read_responses(data)
    try:
        if from_instrument:
            from analysis.data.prepare import bank, bank_constructs, recode_reversed

            cons = [c for c in bank_constructs(bank(), perspective, kind="reason", columns=frame.columns)
                    if len(c.items) >= 3]
            if len(cons) < 2:
                raise DataError(f"fewer than two bank reasons have 3+ {perspective} items in the data")
            frame = recode_reversed(frame, cons)
            spec: str | dict[str, list[str]] = {c.code: list(c.items) for c in cons}
        else:
            text = model or ""
            if "=~" not in text and Path(text).is_file():
                text = Path(text).read_text(encoding="utf-8")
            spec = text
        res = validity(frame, spec, use_cfa=not no_cfa, htmt2=not classic, cor=cor)
    except DataError as exc:
        if exc.file is None:
            raise DataError(exc.message, file=data, row=exc.row, column=exc.column) from None
        raise
    if as_json:
        click.echo(json.dumps(_clean(res.to_dict()), indent=2, allow_nan=False))
        return
    click.echo(res.summary())
