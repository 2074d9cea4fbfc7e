"""``vcd efa``: exploratory factor analysis with parallel analysis, MAP and item-reduction suggestions.

Examples
--------
>>> from click.testing import CliRunner
>>> CliRunner().invoke(cli, ["--help"]).exit_code
0
"""

from __future__ import annotations

import click

from analysis.commands.common import data_options, echo_notes, prepared_data, split_list, to_json


@click.command(name="efa")
@click.argument("data", type=click.Path(dir_okay=False))
@click.option("--items", default=None, help="Comma-separated item columns to analyse.")
@click.option("--from-instrument", "from_instrument", is_flag=True,
              help="Analyse the bank's items present in DATA (reverse-keyed items recoded; see --constructs).")
@data_options("efa")
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
def cli(data: str, items: str | None, from_instrument: bool, constructs: str | None, perspective: str, platform: str,
        n_factors: int | None, parallel: bool, n_iter: int, seed: int, method: str, rotation: str, cor: str,
        missing: str, as_json: bool) -> None:
    """Exploratory factor analysis (psych fa parity): loadings with flags, Φ, KMO, Bartlett, parallel analysis.

    DATA is a response file: a table (CSV, XLSX, parquet) or a survey platform's export. Give the items with
    --items, or --from-instrument to take the bank's reason items (--constructs: reasons, all or codes) as
    `vcd run` does. Flags: primary loading < .40, cross-loading > .30, communality < .20. With
    --from-instrument an item-reduction suggestion is printed per construct.

    \b
    Example:
      vcd efa responses.csv --from-instrument --parallel
      vcd efa bfi.csv --items A1,A2,A3,A4,A5,C1,C2,C3,C4,C5 --factors 2 --rotation promax --json
    """
    from analysis.measure.efa import run_efa, suggest_reduction

    if bool(items) == from_instrument:
        raise click.UsageError("give either --items or --from-instrument")
    prep = prepared_data(data, "efa", from_instrument, constructs, perspective, platform)
    echo_notes(prep)
    chosen = prep.items if from_instrument else split_list(items)
    with prep.naming_errors():
        res = run_efa(prep.frame, chosen, n_factors=n_factors, method=method, rotation=rotation, cor=cor,
                      missing=missing, parallel=parallel, seed=seed, n_iter=n_iter, progress=not as_json)
    construct_of = {i: c.code for c in prep.constructs for i in c.items}
    sugg = suggest_reduction(res, construct_of) if construct_of else None
    if as_json:
        out = res.to_dict()
        out["sample"] = data
        out["data"] = prep.to_dict()
        out["suggestions"] = None if sugg is None else sugg.to_dict("records")
        click.echo(to_json(out))
        return
    click.echo(res.summary())
    if sugg is not None:
        click.echo("\nItem-reduction suggestions:")
        drop = sugg[sugg["suggestion"] != "keep"]
        if drop.empty:
            click.echo("  none: every item loads cleanly on its construct's factor")
        for r in drop.itertuples(index=False):
            click.echo(f"  {r.construct}: {r.item} — {r.suggestion} ({r.reason})")
