"""``vcd efa``: exploratory factor analysis with parallel analysis, MAP and item-reduction suggestions.

Examples
--------
>>> from click.testing import CliRunner
>>> CliRunner().invoke(cli, ["--help"]).exit_code
0
"""

from __future__ import annotations

import json
import math
from typing import Any

import click

from vcd_core.errors import DataError


def _clean(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if hasattr(obj, "item"):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def split_items(text: str) -> list[str]:
    """Split ``A1,A2 A3`` into item codes.

    Examples
    --------
    >>> split_items("A1, A2 A3")
    ['A1', 'A2', 'A3']
    """
    return [t for t in text.replace(",", " ").split() if t]


@click.command(name="efa")
@click.argument("data", type=click.Path(dir_okay=False))
@click.option("--items", default=None, help="Comma-separated item columns to analyse.")
@click.option("--from-instrument", "from_instrument", is_flag=True,
              help="Analyse the reason items of the item bank present in DATA (reverse-keyed items recoded).")
@click.option("--perspective", type=click.Choice(["provider", "customer"]), default="provider", show_default=True,
              help="Which form's items with --from-instrument.")
@click.option("--factors", "n_factors", type=int, default=None, help="Number of factors (default: parallel analysis).")
@click.option("--parallel", is_flag=True, help="Run parallel analysis and Velicer's MAP (implied without --factors).")
@click.option("--n-iter", type=int, default=20, show_default=True, help="Simulated data sets for parallel analysis.")
@click.option("--seed", type=int, default=1, show_default=True, help="Seed for parallel analysis.")
@click.option("--method", type=click.Choice(["minres", "ml", "principal"]), default="minres", show_default=True,
              help="Extraction: minimum residual, maximum likelihood or principal axis.")
@click.option("--rotation", type=click.Choice(["oblimin", "promax", "geomin", "varimax", "none"]), default="oblimin",
              show_default=True, help="Rotation.")
@click.option("--cor", type=click.Choice(["pearson", "polychoric"]), default="pearson", show_default=True,
              help="Correlations analysed.")
@click.option("--missing", type=click.Choice(["pairwise", "listwise"]), default="pairwise", show_default=True,
              help="Missing data: pairwise-complete correlations or complete rows only (never imputed).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def cli(data: str, items: str | None, from_instrument: bool, perspective: str, n_factors: int | None, parallel: bool,
        n_iter: int, seed: int, method: str, rotation: str, cor: str, missing: str, as_json: bool) -> None:
    """Exploratory factor analysis (psych fa parity): loadings with flags, Φ, KMO, Bartlett, parallel analysis.

    DATA is a CSV or parquet file of responses. Give the items with --items, or --from-instrument to take the
    reason items of the item bank. Flags: primary loading < .40, cross-loading > .30, communality < .20. With
    --from-instrument an item-reduction suggestion is printed per reason.

    \b
    Example:
      vcd efa responses.csv --from-instrument --parallel
      vcd efa bfi.csv --items A1,A2,A3,A4,A5,C1,C2,C3,C4,C5 --factors 2 --rotation promax --json
    """
    from analysis.commands.compare import read_responses
    from analysis.measure.efa import run_efa, suggest_reduction

    if bool(items) == from_instrument:
        raise click.UsageError("give either --items or --from-instrument")
    frame = read_responses(data)
    construct_of: dict[str, str] = {}
    if from_instrument:
        from analysis.data.prepare import bank, bank_constructs, recode_reversed

        cons = bank_constructs(bank(), perspective, kind="reason", columns=frame.columns)
        if not cons:
            raise DataError(f"none of the bank's {perspective} reason items are columns of the data", file=data)
        frame = recode_reversed(frame, cons)
        chosen = [i for c in cons for i in c.items]
        construct_of = {i: c.name for c in cons for i in c.items}
    else:
        chosen = split_items(items or "")
    try:
        res = run_efa(frame, chosen, n_factors=n_factors, method=method, rotation=rotation, cor=cor,
                      missing=missing, parallel=parallel, seed=seed, n_iter=n_iter, progress=not as_json)
    except DataError as exc:
        if exc.file is None:
            raise DataError(exc.message, file=data, row=exc.row, column=exc.column) from None
        raise
    sugg = suggest_reduction(res, construct_of) if construct_of else None
    if as_json:
        out = res.to_dict()
        out["sample"] = data
        out["suggestions"] = None if sugg is None else sugg.to_dict("records")
        click.echo(json.dumps(_clean(out), indent=2, allow_nan=False))
        return
    click.echo(res.summary())
    if sugg is not None:
        click.echo("\nItem-reduction suggestions:")
        drop = sugg[sugg["suggestion"] != "keep"]
        if drop.empty:
            click.echo("  none: every item loads cleanly on its reason's factor")
        for r in drop.itertuples(index=False):
            click.echo(f"  {r.construct}: {r.item} — {r.suggestion} ({r.reason})")
