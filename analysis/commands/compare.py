"""``vcd compare``: the reasons compared across relationship types, phases and countries; the seed's hypotheses.

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
import pandas as pd

from analysis.commands.common import echo_notes, jsonable, split_list
from analysis.data.read import PLATFORM_CHOICES


def _records(df: pd.DataFrame | None) -> list[dict[str, Any]] | None:
    if df is None:
        return None
    recs = df.to_dict("records")
    for r in recs:
        for k, v in r.items():
            if isinstance(v, float) and not math.isfinite(v):
                r[k] = None
            elif hasattr(v, "item"):
                r[k] = v.item()
    return recs


def _fmt(df: pd.DataFrame) -> str:
    return df.to_string(index=False, float_format=lambda x: f"{x:.4g}")


@click.command(name="compare")
@click.argument("data", type=click.Path(dir_okay=False))
@click.option("--by", "by", multiple=True, type=click.Choice(["relationship_type", "phase", "country"]),
              help="Grouping to compare the reasons across (repeatable).")
@click.option("--reasons", default=None, help="Comma-separated reason names or codes (default: all eight).")
@click.option("--platform", "--format", "platform", type=click.Choice(PLATFORM_CHOICES), default="auto",
              show_default=True, help="How to read DATA: auto (platform exports through vcd ingest, other "
                                      "CSV/XLSX/parquet files as tables), table, or a platform.")
@click.option("--method", type=click.Choice(["welch", "anova", "kruskal"]), default="welch", show_default=True,
              help="Primary test and post hoc: Welch + Games-Howell, ANOVA + Tukey, Kruskal-Wallis + Dunn.")
@click.option("--correction", type=click.Choice(["holm", "bh"]), default="holm", show_default=True,
              help="Adjustment across the reasons.")
@click.option("--hypotheses", is_flag=True, help="Test the seed study's Table 3 claims and print the table.")
@click.option("--timing", is_flag=True, help="Also print the per-reason timing matrix and its tests.")
@click.option("--out", "out", type=click.Path(file_okay=False), default=None,
              help="Also write all comparisons as CSV/JSON files into this folder.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
def cli(data: str, by: tuple[str, ...], reasons: str | None, platform: str, method: str, correction: str,
        hypotheses: bool, timing: bool, out: str | None, as_json: bool) -> None:
    """Compare the reasons for value co-destruction across groups and test the seed's hypotheses.

    DATA is a response file: a table (CSV, XLSX, parquet) with item codes as columns (INF01 …) plus
    respondent_id, country, language, relationship_type (B2C/B2B/B2G/G2C), phase (before/during/after) and the
    timing matrix (TIM_INF …), such as `vcd clean`'s kept.csv; a platform export (e.g. Qualtrics CSV) is read as
    it stands, preview rows left out and careless respondents not screened. Read through the same layer as
    `vcd run`; scores are item means after reverse-coding from the item bank.

    \b
    Example:
      vcd compare responses.csv --by relationship_type
      vcd compare responses.csv --by phase --method kruskal --correction bh --json
      vcd compare responses.csv --hypotheses
    """
    from analysis.compare.comparisons import compare_groups, run_comparisons, scale_scores, timing_matrix, write_results
    from analysis.compare.hypotheses import hypotheses_summary, seed_hypotheses
    from analysis.data.prepare import prepare

    if not by and not hypotheses and not timing and out is None:
        raise click.UsageError("give --by GROUPING, --hypotheses, --timing or --out")
    chosen = split_list(reasons) or None
    prep = prepare(data, perspective=None, constructs=chosen or "reasons", method="compare", platform=platform)
    echo_notes(prep)
    frame, inst = prep.answers, prep.instrument
    with prep.naming_errors():
        if out is not None:
            everything = run_comparisons(frame, inst, groupings=by or ("relationship_type", "phase", "country"),
                                         reasons=chosen, method=method, correction=correction)
            files = write_results(everything, out)
            if not as_json:
                click.echo(f"wrote {len(files)} files to {out}")
        scores = scale_scores(frame, inst, reasons=chosen, themes=hypotheses)
        names = [r.name for r in inst.reasons() if r.name in scores.columns]
        payload: dict[str, Any] = {}
        for g in by:
            res = compare_groups(scores, g, names, method=method, correction=correction)
            payload[g] = {"method": method, "correction": correction, "descriptives": _records(res.descriptives),
                          "tests": _records(res.tests), "posthoc": _records(res.posthoc)}
            if not as_json:
                click.echo(res.summary())
                click.echo(_fmt(res.descriptives[["reason", "group", "n", "mean", "sd", "ci_low", "ci_high"]]))
                click.echo("")
        if timing:
            m, t = timing_matrix(frame, inst, correction=correction)
            payload["timing"] = {"matrix": _records(m), "tests": _records(t)}
            if not as_json:
                wide = m.pivot(index="reason", columns="phase", values="share")
                wide = wide.reindex(index=list(dict.fromkeys(m["reason"])), columns=list(dict.fromkeys(m["phase"])))
                wide.insert(0, "seed_time", m.groupby("reason")["seed_time"].first().reindex(wide.index))
                click.echo(_fmt(wide.reset_index()))
                click.echo(_fmt(t))
                click.echo("")
        if hypotheses:
            h = seed_hypotheses(frame, inst, correction=correction, scores=scores)
            payload["hypotheses"] = _records(h)
            if not as_json:
                click.echo("Seed hypotheses (Järvi, Kähkönen & Torvinen 2018, Table 3); "
                           f"{correction}-adjusted: {hypotheses_summary(h)}")
                for r in h.itertuples():
                    est = "" if pd.isna(r.estimate) else f"estimate {r.estimate:.4g}, p_adj {r.p_adj:.3g}; "
                    click.echo(f"  {r.id:<52} {r.verdict:<28} {est}{r.note}")
                    click.echo(f"      {r.claim} [{r.test}]")
    if as_json:
        payload["data"] = jsonable(prep.to_dict())
        click.echo(json.dumps(payload, indent=2, allow_nan=False))
