"""What the analysis commands share: the data options (``--platform``, ``--perspective``, ``--constructs``), reading
through the prepared-data layer (:func:`analysis.data.prepare.prepare`), notes on stderr, and JSON output.

Every analysis command is option parsing + :func:`prepared_data` + one library call + output, so that
``vcd efa/reliability/validity/cfa/invariance/compare`` read and select exactly as ``vcd run`` does.

Examples
--------
>>> split_list("A1, A2 A3")
['A1', 'A2', 'A3']
>>> to_json({"x": float("nan"), "y": (1, 2)})
'{\\n  "x": null,\\n  "y": [\\n    1,\\n    2\\n  ]\\n}'
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any, TypeVar

import click

from analysis.data.prepare import Prepared
from analysis.data.read import PLATFORM_CHOICES

__all__ = ["data_options", "echo_notes", "jsonable", "model_syntax", "one_model_source", "prepared_data", "split_list",
           "to_json"]

F = TypeVar("F", bound=Callable[..., Any])


def split_list(text: str | None) -> list[str]:
    """Split ``A1,A2 A3`` into codes (empty for None)."""
    return [t for t in (text or "").replace(",", " ").split() if t]


def jsonable(obj: Any) -> Any:
    """``obj`` with numpy scalars as Python numbers, tuples as lists and non-finite floats as None."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, str):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def to_json(obj: Any) -> str:
    """The JSON the commands print (indented, NaN as null)."""
    return json.dumps(jsonable(obj), indent=2, allow_nan=False)


def data_options(method: str) -> Callable[[F], F]:
    """The options every analysis command reads its data with: ``--platform``, ``--perspective``, ``--constructs``.

    ``method`` names the default selection of ``--constructs`` in the help text
    (:data:`analysis.data.prepare.RULES`).
    """
    from analysis.data.prepare import RULES

    rule = RULES[method]

    def wrap(fn: F) -> F:
        fn = click.option(
            "--constructs", default=None, metavar="reasons|all|CODES",
            help=f"With --from-instrument: which of the bank's constructs (default {rule.constructs}; or codes such "
                 f"as INF,TRU); each needs {rule.min_items}+ items in DATA.")(fn)
        fn = click.option("--perspective", type=click.Choice(["provider", "customer"]), default="provider",
                          show_default=True, help="Which form's items with --from-instrument.")(fn)
        fn = click.option(
            "--platform", "--format", "platform", type=click.Choice(PLATFORM_CHOICES), default="auto",
            show_default=True,
            help="How to read DATA: auto (platform exports through vcd ingest, other CSV/XLSX/parquet files as "
                 "tables), table (as it is), or a platform (csv: a plain item-code file checked against the bank).")(fn)
        return fn

    return wrap


def prepared_data(data: str, method: str, from_instrument: bool, constructs: str | None, perspective: str | None,
                  platform: str) -> Prepared:
    """The command's data through :func:`analysis.data.prepare.prepare`: with ``--from-instrument`` the bank's
    constructs by the selection rule (items checked, reverse-keyed ones recoded); otherwise the data as read.

    Parameters
    ----------
    data : str
        The DATA argument.
    method : str
        The command's method (:data:`analysis.data.prepare.RULES`).
    from_instrument : bool
    constructs : str, optional
        ``--constructs`` (reasons, all or codes); the method's default when omitted.
    perspective : str, optional
    platform : str

    Returns
    -------
    Prepared

    Examples
    --------
    >>> prepared_data("d.csv", "efa", False, "INF", "provider", "auto")
    Traceback (most recent call last):
    ...
    click.exceptions.UsageError: --constructs needs --from-instrument
    """
    from analysis.data.prepare import prepare

    if constructs and not from_instrument:
        raise click.UsageError("--constructs needs --from-instrument")
    selection = (constructs or "default") if from_instrument else None
    return prepare(data, perspective=perspective if from_instrument else None, constructs=selection, method=method,
                   platform=platform)


def echo_notes(prepared: Prepared) -> None:
    """The notes of the prepared data on stderr (``note: …``; stdout stays the result, e.g. valid JSON)."""
    for note in prepared.notes:
        click.echo(f"note: {note}", err=True)


def one_model_source(model_file: str | None, model_text: str | None, from_instrument: bool) -> None:
    """A usage error unless exactly one of ``--model``, ``--model-text`` and ``--from-instrument`` is given."""
    if sum(bool(x) for x in (model_file, model_text, from_instrument)) != 1:
        raise click.UsageError("give exactly one of --model, --model-text or --from-instrument")


def model_syntax(model_file: str | None, model_text: str | None, from_instrument: bool, prepared: Prepared) -> str:
    """The model from exactly one of ``--model`` (a file), ``--model-text`` or ``--from-instrument`` (one factor
    per selected construct, its items in the data: :meth:`Prepared.model`). Shared by ``vcd cfa`` and
    ``vcd invariance``.

    Parameters
    ----------
    model_file, model_text : str, optional
    from_instrument : bool
    prepared : Prepared
        The data (its selection gives the model with ``--from-instrument``).

    Returns
    -------
    str
        lavaan syntax.

    Examples
    --------
    >>> model_syntax(None, "f =~ a + b", True, Prepared(None, ()))
    Traceback (most recent call last):
    ...
    click.exceptions.UsageError: give exactly one of --model, --model-text or --from-instrument
    """
    from vcd_core.errors import DataError

    one_model_source(model_file, model_text, from_instrument)
    if model_file:
        try:
            with open(model_file, encoding="utf-8") as fh:
                return fh.read()
        except OSError as exc:
            raise DataError(f"cannot read the model file: {exc.strerror}", file=model_file) from None
    return model_text if model_text else prepared.model()
