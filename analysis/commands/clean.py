"""``vcd clean``: careless-responding indices, ordered hurdles and the exclusion log of a response file.

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

from vcd_core.errors import DataError, StudyError


def _set_options(cfg, pairs: tuple[str, ...], disable: tuple[str, ...]):
    """Apply ``--set rule.param=value`` and ``--disable rule`` to a CleanConfig."""
    from analysis.data.clean_config import RULES

    for rule in disable:
        if rule not in RULES:
            raise StudyError(f"--disable: unknown rule {rule!r}; rules: {', '.join(RULES)}")
        cfg = cfg.with_rule(rule, enabled=False)
    for item in pairs:
        if "=" not in item or "." not in item.split("=", 1)[0]:
            raise StudyError(f"--set expects rule.param=value, got {item!r}")
        key, raw = item.split("=", 1)
        rule, param = key.split(".", 1)
        if rule not in RULES:
            raise StudyError(f"--set: unknown rule {rule!r}; rules: {', '.join(RULES)}")
        low = raw.strip().lower()
        value: object
        if low in ("true", "false"):
            value = low == "true"
        else:
            try:
                value = float(raw) if any(ch in raw for ch in ".eE") else int(raw)
            except ValueError:
                value = raw.strip()
        cfg = cfg.with_rule(rule, **{param: value})
    return cfg


@click.command(name="clean")
@click.argument("responses", type=click.Path(dir_okay=False))
@click.option("--study", "study", type=click.Path(dir_okay=False), default=None,
              help="A study.toml whose [cleaning] table sets the rules, thresholds and order.")
@click.option("-o", "--out", "out", type=click.Path(file_okay=False), required=True,
              help="Results folder; writes OUT/cleaning/ (log.csv, flow.json, excluded.csv, indices.csv, kept.csv).")
@click.option("--platform", default="auto", show_default=True,
              help="Response file layout: auto, qualtrics, limesurvey, redcap, xlsform, spss, csv.")
@click.option("--truth", type=click.Path(dir_okay=False), default=None,
              help="A simulation's truth.json: also report sensitivity/precision per planted kind.")
@click.option("--disable", multiple=True, help="Switch a rule off (repeatable), e.g. --disable mahalanobis.")
@click.option("--set", "sets", multiple=True,
              help="Change a threshold (repeatable), e.g. --set speeders.min_ratio=0.5.")
@click.option("--json", "as_json", is_flag=True, help="Print the flow (and evaluation) as JSON.")
def cli(responses: str, study: str | None, out: str, platform: str, truth: str | None, disable: tuple[str, ...],
        sets: tuple[str, ...], as_json: bool) -> None:
    """Screen respondents: every careless index, rules as ordered hurdles, the complete exclusion log.

    Rules (default order): preview, duplicates, incomplete, attention, speeders (< 1/3 of the country median),
    longstring (run >= 12), mahalanobis (p < .001), out_of_range; irv, evenodd and psychsyn can be switched on
    in study.toml. Prints the flow table; the raw file is never modified.

    \b
    Example:
      vcd clean data/demo/responses_qualtrics.csv -o results/demo --truth data/demo/truth.json
      vcd clean export.csv --study study.toml --set speeders.min_ratio=0.5 --disable mahalanobis -o out/
    """
    from analysis.data.clean import clean, evaluate, write_results
    from analysis.data.clean_config import CleanConfig
    from analysis.data.read import read

    if not Path(responses).is_file():
        raise DataError("no such file", file=responses)
    cfg = CleanConfig.from_toml(study) if study else CleanConfig()
    cfg = _set_options(cfg, sets, disable)
    from rich.console import Console

    with Console(stderr=True).status(f"reading {responses} …") as status:
        rs = read(responses, platform=platform, bad_values="record", importer=True)
        status.update(f"computing careless indices and rules for {rs.n:,} respondents …")
        res = clean(rs.data, config=cfg, problems=rs.problems)
        status.update("writing the cleaning results …")
        folder = write_results(res, out, truth=truth, include_kept=True)
    ev = evaluate(res, truth) if truth else None
    if as_json:
        flow = res.flow()
        if ev is not None:
            flow["evaluation"] = json.loads(ev.to_json(orient="records"))
        flow["folder"] = str(folder)
        click.echo(json.dumps(flow, indent=1))
        return
    click.echo(res.summary())
    if ev is not None:
        click.echo("\nagainst truth.json:")
        click.echo(ev.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    click.echo(f"\nwrote {folder}/ (log.csv, flow.json, excluded.csv, indices.csv, kept.csv)")
