"""``vcd cfa``: confirmatory factor analysis with lavaan-parity ML / MLR / FIML estimation.

Examples
--------
>>> from click.testing import CliRunner
>>> CliRunner().invoke(cli, ["--help"]).exit_code
0
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import click
import pandas as pd

from vcd_core.errors import BankError, DataError, VcdError


def _read(path: str) -> pd.DataFrame:
    p = Path(path)
    suffix = p.suffix.lower()
    if not p.is_file():
        raise DataError("no such file", file=path)
    if suffix not in (".csv", ".parquet", ".pq"):
        raise DataError(f"unsupported file type {suffix!r}; use .csv or .parquet", file=path)
    try:
        frame = pd.read_csv(p) if suffix == ".csv" else pd.read_parquet(p)
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise DataError(f"cannot read: {str(exc).splitlines()[0]}", file=path) from None
    # text columns as plain objects, so that a stray text cell in a numeric column is reported with its row
    text = [c for c in frame.columns if pd.api.types.is_string_dtype(frame[c]) and frame[c].dtype != object]
    return frame.astype({c: object for c in text}) if text else frame


_PLATFORMS = ("auto", "table", "qualtrics", "limesurvey", "redcap", "xlsform", "spss")


def _load(path: str, platform: str, perspective: str | None) -> tuple[pd.DataFrame, list[str]]:
    """The data as a DataFrame plus notes. ``table``: a CSV/parquet read as it is; a platform (or ``auto`` when
    the file is a survey platform's export, e.g. Qualtrics' three header rows) goes through ``analysis.data.ingest``
    (item codes, scale values) and its preview/test rows are left out."""
    suffix = Path(path).suffix.lower()
    if platform == "table" or (platform == "auto" and suffix in (".parquet", ".pq")):
        return _read(path), []
    if platform == "auto":
        if not Path(path).is_file():
            raise DataError("no such file", file=path)
        from analysis.data.ingest import detect_platform

        detected = detect_platform(path)
        if detected == "csv" and suffix == ".csv":
            return _read(path), []
        platform = detected
    from analysis.data.ingest import read_responses

    rs = read_responses(path, platform=platform, perspective=perspective)
    frame = rs.data
    notes = [f"read as a {rs.source.platform} export: {len(frame)} record(s), {len(rs.items)} item(s)"]
    notes += list(rs.warnings)
    if "preview" in frame.columns and frame["preview"].astype(bool).any():
        k = int(frame["preview"].astype(bool).sum())
        frame = frame[~frame["preview"].astype(bool)]
        notes.append(f"{k} preview/test record(s) left out")
    return frame, notes


def _instrument_model(perspective: str, constructs: str | None) -> str:
    from analysis.sem import model_from_instrument
    from instrument.validate import load_bank

    try:
        inst = load_bank()
    except BankError:
        from instrument.validate import check_bank

        inst, _problems = check_bank()
        if inst is None:
            raise
    wanted = [c.strip() for c in constructs.split(",") if c.strip()] if constructs else None
    return model_from_instrument(inst, perspective=perspective, constructs=wanted)


def model_and_data(data: str, platform: str, model_file: str | None, model_text: str | None, from_instrument: bool,
                   perspective: str, constructs: str | None) -> tuple[str, pd.DataFrame, list[str]]:
    """The model syntax from exactly one of ``--model``, ``--model-text``, ``--from-instrument``, and the data
    (with ``--from-instrument`` the bank's reverse-keyed items recoded), plus notes on how the data were read.

    Shared by ``vcd cfa`` and ``vcd invariance``.

    Examples
    --------
    >>> model_and_data("d.csv", "auto", None, None, False, "provider", None)
    Traceback (most recent call last):
    ...
    click.exceptions.UsageError: give exactly one of --model, --model-text or --from-instrument
    """
    given = [x for x in (model_file, model_text, from_instrument or None) if x]
    if len(given) != 1:
        raise click.UsageError("give exactly one of --model, --model-text or --from-instrument")
    if model_file:
        try:
            syntax = Path(model_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise DataError(f"cannot read the model file: {exc.strerror}", file=model_file) from None
    elif model_text:
        syntax = model_text
    else:
        syntax = _instrument_model(perspective, constructs)
    frame, notes = _load(data, platform, perspective if from_instrument else None)
    if from_instrument:
        from analysis.data.prepare import bank, bank_constructs, recode_reversed

        frame = recode_reversed(frame, bank_constructs(bank(), perspective, columns=frame.columns))
    return syntax, frame, notes


def naming_file(exc: VcdError, data: str) -> VcdError:
    """``exc`` with the data file named when it is a data error that names no file yet.

    Examples
    --------
    >>> str(naming_file(DataError("non-numeric value 'x'", row=3, column="A1"), "d.csv"))
    "d.csv, row 3, column A1: non-numeric value 'x'"
    """
    if exc.file is not None or isinstance(exc, click.ClickException):
        return exc
    return type(exc)(exc.message, file=data if isinstance(exc, DataError) else None, row=exc.row,
                     column=exc.column)


def _json_safe(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


@click.command(name="cfa", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("data", type=click.Path(dir_okay=False))
@click.option("--model", "model_file", type=click.Path(dir_okay=False), help="File with lavaan model syntax.")
@click.option("--model-text", help='Model syntax inline, e.g. "F1 =~ a + b + c".')
@click.option("--from-instrument", is_flag=True, help="Build the model from the item bank (one factor per reason).")
@click.option("--perspective", type=click.Choice(["provider", "customer"]), default="provider", show_default=True,
              help="Item perspective for --from-instrument.")
@click.option("--constructs", help="Comma-separated construct codes for --from-instrument (default: all reasons).")
@click.option("--estimator", type=click.Choice(["ML", "MLR"], case_sensitive=False), default="ML", show_default=True)
@click.option("--missing", type=click.Choice(["listwise", "fiml"]), default="listwise", show_default=True)
@click.option("--std-lv", is_flag=True, help="Fix factor variances to 1 instead of the first loadings.")
@click.option("--information", type=click.Choice(["expected", "observed"]), default=None,
              help="Information matrix for ML standard errors (default: expected; observed under FIML and MLR).")
@click.option("--platform", "--format", "platform", type=click.Choice(_PLATFORMS), default="auto", show_default=True,
              help="How to read DATA: table (CSV/parquet as it is), a survey platform's export (through vcd "
                   "ingest), or auto (platform exports detected, other CSVs read as tables).")
@click.option("--group", "group_col", help="Column defining groups (multi-group CFA).")
@click.option("--group-equal", help="Comma-separated equality classes across groups (loadings,intercepts,...).")
@click.option("--modindices", "n_mi", type=int, default=0, help="Also show the N largest modification indices.")
@click.option("--json", "as_json", is_flag=True, help="Print fit, parameters and diagnostics as JSON.")
def cli(data, model_file, model_text, from_instrument, perspective, constructs, estimator, missing, std_lv,
        information, platform, group_col, group_equal, n_mi, as_json) -> None:
    """Confirmatory factor analysis (lavaan syntax; ML, MLR or FIML) with lavaan's fit measures.

    DATA is a CSV or parquet file whose columns are the model's observed variables (item codes for
    --from-instrument, reverse-keyed items recoded), or a survey platform's export (read through vcd ingest).
    Give exactly one of --model, --model-text or --from-instrument.

    \b
    Examples:
      vcd cfa hs.csv --model-text "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6"
      vcd cfa responses.csv --from-instrument --estimator MLR --missing fiml --json
      vcd cfa data/demo/responses_qualtrics.csv --from-instrument --constructs INF,TRU
      vcd cfa hs.csv --model model.lav --group school --group-equal loadings,intercepts
    """
    from analysis.sem import cfa

    syntax, frame, notes = model_and_data(data, platform, model_file, model_text, from_instrument, perspective,
                                          constructs)
    ge = [g.strip() for g in group_equal.split(",") if g.strip()] if group_equal else ()
    try:
        res = cfa(syntax, frame, group=group_col, group_equal=ge, estimator=estimator.upper(), missing=missing,
                  std_lv=std_lv, information=information)
    except VcdError as exc:
        raise naming_file(exc, data) from None
    if as_json:
        out = res.to_dict()
        out["model"] = syntax
        out["data_notes"] = notes
        if n_mi:
            out["modindices"] = res.modindices().head(n_mi).to_dict("records")
        click.echo(json.dumps(_json_safe(out), indent=2, allow_nan=False))
        return
    for note in notes:
        click.echo(f"note: {note}", err=True)
    click.echo(res.summary())
    if n_mi:
        mi = res.modindices().head(n_mi)
        click.echo("\nModification indices (largest first):")
        click.echo(mi.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
