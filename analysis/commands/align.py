"""``vcd align``: alignment optimisation of factor means and SDs across many groups (Asparouhov & Muthén 2014, the
loss as sirt 4.3-21's ``invariance.alignment``).

Examples
--------
>>> from click.testing import CliRunner
>>> CliRunner().invoke(cli, ["--help"]).exit_code
0
"""

from __future__ import annotations

from pathlib import Path

import click

from analysis.commands.common import data_options, echo_notes, model_syntax, one_model_source, prepared_data, to_json
from vcd_core.errors import DataError, EstimationError


def _pair(text: str, name: str) -> tuple[float, float]:
    """``"A,B"`` (or one number for both) as a pair of floats.

    Examples
    --------
    >>> _pair("1,0.5", "--align-scale"), _pair(".5", "--align-pow")
    ((1.0, 0.5), (0.5, 0.5))
    """
    parts = [p.strip() for p in str(text).split(",") if p.strip()]
    try:
        vals = [float(p) for p in parts]
    except ValueError:
        raise click.BadParameter(f"{text!r}: give two numbers, loadings,intercepts", param_hint=name) from None
    if len(vals) == 1:
        vals *= 2
    if len(vals) != 2:
        raise click.BadParameter(f"{text!r}: give two numbers, loadings,intercepts", param_hint=name)
    return vals[0], vals[1]


def _write(out_dir: str, fit, mcs: dict, tol: tuple[float, float]) -> list[str]:
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        fit.pars.to_csv(out / "aligned_means.csv", index=False)
        names = ["aligned_means.csv"]
        if fit.results:
            import pandas as pd

            pd.concat([r.aligned().assign(factor=r.factor) for r in fit.results]).to_csv(
                out / "aligned_parameters.csv", index=False)
            pd.concat([r.invariance(*tol).assign(factor=r.factor) for r in fit.results]).to_csv(
                out / "invariance.csv", index=False)
            pd.concat([r.ranking().assign(factor=r.factor) for r in fit.results]).to_csv(
                out / "ranking.csv", index=False)
            names += ["aligned_parameters.csv", "invariance.csv", "ranking.csv"]
        for f, mc in mcs.items():
            mc.groups.to_csv(out / f"montecarlo_{f}.csv", index=False)
            names.append(f"montecarlo_{f}.csv")
        (out / "summary.txt").write_text(_text(fit, mcs, tol) + "\n", encoding="utf-8")
        names.append("summary.txt")
    except OSError as exc:
        raise DataError(f"cannot write results: {exc.strerror}", file=out_dir) from None
    return names


def _text(fit, mcs: dict, tol: tuple[float, float]) -> str:
    parts = [fit.summary(*tol)]
    parts += [f"{f}: {mc.summary()}" for f, mc in mcs.items()]
    return "\n\n".join(parts)


def _records(fit, mcs: dict) -> list[dict]:
    recs = fit.to_records()
    for rec in recs:
        mc = mcs.get(rec["factor"])
        if mc is not None:
            t = mc.summary_table()
            rec["mc_corr_mean"] = float(t.loc["mean", "corr"])
            rec["mc_coverage_mean"] = float(t.loc["mean", "coverage"])
    for f, why in fit.failed.items():
        recs += [{"factor": f, "group": g, "n": int(n), "mean": None, "sd": None, "se_mean": None, "se_sd": None,
                  "error": why} for g, n in zip(fit.configural.groups, fit.configural.nobs, strict=True)]
    return recs


@click.command(name="align", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("data", type=click.Path(dir_okay=False))
@click.option("--model", "model_file", type=click.Path(dir_okay=False), help="File with lavaan model syntax.")
@click.option("--model-text", help='Model syntax inline, e.g. "F1 =~ a + b + c".')
@click.option("--from-instrument", is_flag=True,
              help="Build the model from the item bank (one factor per reason; reverse-keyed items recoded).")
@data_options("invariance")
@click.option("--group", "group_col", default="country", show_default=True, help="Grouping column.")
@click.option("--estimator", type=click.Choice(["ML", "MLR", "WLSMV"], case_sensitive=False), default="ML",
              show_default=True, help="Estimator of the configural model.")
@click.option("--missing", type=click.Choice(["listwise", "fiml"]), default="listwise", show_default=True)
@click.option("--free", "free", is_flag=True,
              help="FREE identification (reference mean 0, product of SDs 1) instead of FIXED (reference mean 0, "
                   "SD 1).")
@click.option("--reference", help="Reference group (default: the first group in the data).")
@click.option("--align-scale", default="1,1", show_default=True, help="sirt's align.scale: loadings,intercepts.")
@click.option("--align-pow", default="0.5,0.5", show_default=True,
              help="sirt's align.pow: loadings,intercepts (halved internally; 0 = L0).")
@click.option("--lambda-tol", type=float, default=0.2, show_default=True,
              help="Tolerance for an aligned loading to count as invariant.")
@click.option("--nu-tol", type=float, default=0.4, show_default=True,
              help="Tolerance for an aligned intercept to count as invariant.")
@click.option("--simulate", "n_sim", type=int, default=0,
              help="Monte Carlo check with N replications (simulate from the aligned solution, re-align).")
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the Monte Carlo check.")
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False),
              help="Also write aligned_means.csv, aligned_parameters.csv, invariance.csv, ranking.csv, summary.txt.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON record per factor and group.")
def cli(data, model_file, model_text, from_instrument, constructs, perspective, platform, group_col, estimator,
        missing, free, reference, align_scale, align_pow, lambda_tol, nu_tol, n_sim, seed, out_dir, as_json) -> None:
    """Alignment optimisation: factor means and SDs of many groups from the configural model, with most loadings
    and intercepts approximately invariant and the few non-invariant ones named; delta-method SEs, a ranking with
    intervals, and an optional Monte Carlo check.

    The configural model (factor variance 1, mean 0 in every group) is fitted first; every factor is aligned over
    its own items. A FIXED problem without a usable interior minimum (the SDs drift) is refused with its reason —
    use --free. Give exactly one of --model, --model-text or --from-instrument.

    \b
    Examples:
      vcd align kept.csv --from-instrument --group country --free
      vcd align kept.csv --model-text "F =~ a + b + c + d" --reference DE --simulate 200 -o align/
      vcd align kept.csv --from-instrument --free --json
    """
    from analysis.invariance.alignment_cfa import align_data, residual_variances
    from analysis.invariance.alignment_mc import monte_carlo

    if estimator.upper() == "WLSMV":
        raise EstimationError("alignment of ordinal items (WLSMV, thresholds aligned) needs the ordinal CFA engine, "
                              "which is not available yet; use ML or MLR")
    scale, power = _pair(align_scale, "--align-scale"), _pair(align_pow, "--align-pow")
    if n_sim < 0:
        raise click.BadParameter("must be >= 0", param_hint="--simulate")
    one_model_source(model_file, model_text, from_instrument)
    prep = prepared_data(data, "invariance", from_instrument, constructs, perspective, platform)
    syntax = model_syntax(model_file, model_text, from_instrument, prep)
    echo_notes(prep)
    frame = prep.frame
    if group_col not in frame.columns:
        raise DataError(f"group column {group_col!r} is not in the data", file=data)
    frame = frame[frame[group_col].notna()].copy()
    frame[group_col] = frame[group_col].astype(str)
    order = list(dict.fromkeys(frame[group_col]))
    if reference is not None:
        if reference not in order:
            raise DataError(f"reference group {reference!r} not found in column {group_col!r}", file=data)
        order.remove(reference)
        order.insert(0, reference)
    with prep.naming_errors():
        fit = align_data(syntax, frame, group_col, estimator=estimator.upper(), missing=missing, group_order=order,
                         fixed=not free, align_scale=scale, align_pow=power)
        mcs = {}
        for r in fit.results if n_sim else ():
            if not as_json:
                click.echo(f"… Monte Carlo check of {r.factor} ({n_sim} replications)", err=True)
            mcs[r.factor] = monte_carlo(r, residual_variances(fit.configural, r.factor), reps=n_sim, seed=seed)
    if not fit.results:
        raise EstimationError("; ".join(fit.failed.values()))
    if out_dir:
        written = _write(out_dir, fit, mcs, (lambda_tol, nu_tol))
        if not as_json:
            click.echo(f"wrote {out_dir}/ ({', '.join(written)})", err=True)
    if as_json:
        click.echo(to_json(_records(fit, mcs)))
    else:
        click.echo(_text(fit, mcs, (lambda_tol, nu_tol)))
    for f, why in fit.failed.items():
        click.echo(f"warning: {f} not aligned: {why}", err=True)
