"""``vcd reliability``: α with Feldt CI, α-if-deleted, item-rest r and ω per scale.

Examples
--------
>>> from click.testing import CliRunner
>>> CliRunner().invoke(cli, ["--help"]).exit_code
0
"""

from __future__ import annotations

import click

from analysis.commands.common import data_options, echo_notes, prepared_data, to_json
from vcd_core.errors import DataError


def _range(text: str | None) -> tuple[float, float] | None:
    if text is None:
        return None
    try:
        lo, hi = (float(t) for t in text.split(","))
    except ValueError:
        raise click.BadParameter("give MIN,MAX, e.g. 1,7", param_hint="--range") from None
    return lo, hi


def _scales(texts: tuple[str, ...]) -> dict[str, list[str]]:
    """``--scale NAME=-A1,A2`` options as name → keyed items (a leading ``-`` marks a reverse-keyed item)."""
    from analysis.measure.reliability import parse_scale

    spec: dict[str, list[str]] = {}
    for text in texts:
        name, items, rev = parse_scale(text)
        if name in spec:
            raise DataError(f"scale {name} given twice")
        spec[name] = [f"-{x}" if x in rev else x for x in items]
    return spec


@click.command(name="reliability")
@click.argument("data", type=click.Path(dir_okay=False))
@click.option("--scale", "scales", multiple=True, metavar="NAME=ITEMS",
              help="A scale: NAME=-A1,A2,… (a leading - marks a reverse-keyed item). Repeatable.")
@click.option("--from-instrument", "from_instrument", is_flag=True,
              help="The bank's constructs with items in DATA (reverse keys from the bank; see --constructs).")
@data_options("reliability")
@click.option("--range", "scale_range", default=None, metavar="MIN,MAX",
              help="Response scale for reverse coding with --scale (default: observed min and max).")
@click.option("--missing", type=click.Choice(["pairwise", "listwise"]), default="pairwise", show_default=True,
              help="Pairwise covariances (psych's default) or complete rows only.")
@click.option("--omega-h", "omega_h", type=int, default=None, metavar="K",
              help="Also ω hierarchical and ω total of all the scales' items with K group factors (psych omega).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
def cli(data: str, scales: tuple[str, ...], from_instrument: bool, constructs: str | None, perspective: str,
        platform: str, scale_range: str | None, missing: str, omega_h: int | None, as_json: bool) -> None:
    """Scale reliability (psych parity): α raw and standardised with Feldt 95 % CI, α if item deleted,
    item-rest correlation and ω total.

    DATA is a response file: a table (CSV, XLSX, parquet) or a survey platform's export. Give the scales with
    --scale, or --from-instrument for every construct of the bank with 2+ items in DATA (reasons and outcomes;
    --constructs to choose), as `vcd run` does.

    \b
    Example:
      vcd reliability bfi.csv --scale agree=-A1,A2,A3,A4,A5 --scale consc=C1,C2,C3,-C4,-C5 --range 1,6
      vcd reliability responses.csv --from-instrument --omega-h 8 --json
    """
    from analysis.measure.reliability import omega, reverse_code, scale_reliability

    if bool(scales) == from_instrument:
        raise click.UsageError("give --scale NAME=ITEMS (repeatable) or --from-instrument")
    prep = prepared_data(data, "reliability", from_instrument, constructs, perspective, platform)
    echo_notes(prep)
    with prep.naming_errors():
        spec = prep.scales() if from_instrument else _scales(scales)
        s, i = scale_reliability(prep.frame, spec, missing=missing,
                                 scale_range=None if from_instrument else _range(scale_range))
        om = None
        if omega_h is not None:
            toks = [t for v in spec.values() for t in v]
            all_items = [t.lstrip("-") for t in toks]
            x = reverse_code(prep.frame[all_items].apply(lambda c: c.astype(float)),
                             [t.lstrip("-") for t in toks if t.startswith("-")], _range(scale_range))
            om = omega(x, all_items, n_factors=omega_h, missing=missing)
    if as_json:
        out = {"missing": missing, "scales": s.to_dict("records"), "items": i.to_dict("records"),
               "data": prep.to_dict()}
        if om is not None:
            out["omega_hierarchical"] = {"n_factors": om.n_factors, "omega_h": om.omega_h,
                                         "omega_total": om.omega_total, "alpha_std": om.alpha,
                                         "loadings": om.loadings.to_dict("records")}
        click.echo(to_json(out))
        return
    fmt = {"index": False, "float_format": lambda v: f"{v:.3f}"}
    click.echo(f"Reliability ({missing} deletion; Feldt 95 % CI of raw alpha; omega_total from one minres factor)")
    click.echo(s.to_string(**fmt))
    click.echo("")
    click.echo(i.to_string(**fmt))
    if om is not None:
        click.echo(f"\nAll {len(om.loadings)} items, Schmid-Leiman with {om.n_factors} group factors:")
        click.echo(om.summary())
