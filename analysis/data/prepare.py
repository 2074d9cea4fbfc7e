"""The prepared-data layer: every analysis (the ``vcd`` commands and the study runner) gets its data from
:func:`prepare`, so that the CLI and ``vcd run`` give the same numbers by construction.

``prepare(source, …)`` reads the source through :func:`analysis.data.read.read` (platform exports through
:mod:`analysis.data.ingest`, plain tables as they are, DataFrames as given), leaves out preview/test rows (with a
note), checks every bank item of the perspective found in the data (a number on its scale — or one error naming
file, row and column), reverse-codes the reverse-keyed ones from the bank and selects the constructs an analysis
uses by the one rule below. The result, :class:`Prepared`, holds the analysis-ready ``frame``, the selected
``constructs`` and the ``notes`` of everything that was done.

The selection rule
------------------
``constructs`` is ``"reasons"`` (the eight reasons of the bank), ``"all"`` (reasons, then outcomes), an explicit
list of construct codes or names, or ``None`` (no bank constructs: the data as read, nothing recoded — for
analyses that name their own items, e.g. ``--items``, ``--scale``, ``--model``). ``"default"`` takes the
method's default from :data:`RULES`. A construct takes part with its items of the perspective that are columns
of the data; a method that forms scales or factors needs a minimum number of them (:data:`RULES`):

========== ========= ========= ============== =========================================================
method     default   min items min constructs why
========== ========= ========= ============== =========================================================
efa        reasons   1         1              items are analysed one by one
reliability all      2         1              alpha and omega need two items
validity   reasons   2         2              HTMT needs a within-construct correlation and a pair
cfa        reasons   2         1              a factor needs two indicators (three when it stands alone)
invariance reasons   2         1              as cfa
compare    reasons   1         1              a score is the mean of the answered items
========== ========= ========= ============== =========================================================

With ``"reasons"``/``"all"`` a construct below the minimum is left out with a note; named explicitly it is an
error, as is an unknown construct or one without items in the data. Reverse-coding does not depend on the
selection: every reverse-keyed item of the perspective in the data is recoded (min + max) − x on its scale.

Examples
--------
>>> import pandas as pd
>>> cons = bank_constructs(bank(), "provider", kind="reason")
>>> df = pd.DataFrame({i: [1, 4, 7, 2] for c in cons[:2] for i in c.items})
>>> p = prepare(df, method="cfa")
>>> [c.code for c in p.constructs], p.items[:2], p.n
(['INF', 'TRU'], ['INF01', 'INF02'], 4)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.data.constructs import (
    RULES,
    BankConstruct,
    MethodRule,
    Selection,
    bank,
    bank_constructs,
    numeric_columns,
    recode_reversed,
    rule_of,
    select_constructs,
)
from analysis.data.read import Responses, read
from vcd_core.errors import DataError, VcdError

__all__ = ["BankConstruct", "MethodRule", "Prepared", "RULES", "bank", "bank_constructs", "numeric_columns",
           "prepare", "recode_reversed", "select_constructs"]


# ---------------------------------------------------------------------------------------------------------------
# the prepared data


@dataclass(frozen=True, eq=False)
class Prepared:
    """Analysis-ready data: what :func:`prepare` returns.

    Attributes
    ----------
    frame : DataFrame
        The respondents (preview/test rows left out; index 0 … n − 1), every column of the source, the bank
        items of the perspective as numbers with the reverse-keyed ones recoded (min + max) − x.
    constructs : tuple of BankConstruct
        The selection (:func:`select_constructs`): what the analysis uses.
    notes : tuple of str
        Everything the reading and preparing did that a user should know (rows left out, constructs left out,
        importer warnings).
    answers : DataFrame
        The same rows as answered, before reverse-coding (for item descriptives, and for the comparisons, whose
        scale scores recode from the bank themselves).
    available : tuple of BankConstruct
        Every construct of the perspective with items in the data (reasons first, then outcomes).
    file : str or None
        The source file, named in every error.
    platform : str
        How it was read: ``table``, ``dataframe`` or an ingest platform.
    perspective : str or None
    method : str or None
        The method the selection was made for.
    n_read : int
        Records read, before preview/test rows were left out.
    instrument : Instrument
        The item bank used.
    """

    frame: pd.DataFrame = field(repr=False)
    constructs: tuple[BankConstruct, ...]
    notes: tuple[str, ...] = ()
    answers: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    available: tuple[BankConstruct, ...] = ()
    file: str | None = None
    platform: str = "dataframe"
    perspective: str | None = None
    method: str | None = None
    n_read: int = 0
    instrument: Any = field(default=None, repr=False)

    @property
    def n(self) -> int:
        """Number of respondents."""
        return len(self.frame)

    @property
    def items(self) -> list[str]:
        """The selected constructs' items, construct by construct."""
        return [i for c in self.constructs for i in c.items]

    def scales(self) -> dict[str, list[str]]:
        """Construct code → its items (the scales of reliability and validity)."""
        return {c.code: list(c.items) for c in self.constructs}

    def model(self) -> str:
        """lavaan syntax of the selection: ``CODE =~ ITEM1 + ITEM2 + …`` per construct, items in bank order.

        Examples
        --------
        >>> c = BankConstruct("x", "X", ("a", "b"), (), (1.0, 7.0), "reason")
        >>> Prepared(pd.DataFrame(), (c,)).model()
        'X =~ a + b'
        """
        short = [c.code for c in self.constructs if len(c.items) < 2]
        if short or not self.constructs:
            raise self.error(DataError("a factor needs at least two items; " + (
                f"{', '.join(short)} has fewer in the data" if short else "no construct is selected")))
        return "\n".join(f"{c.code} =~ " + " + ".join(c.items) for c in self.constructs)

    def select(self, constructs: Selection = "default", method: str | None = None) -> Prepared:
        """The same data with another selection (same rule as :func:`prepare`; the frame is unchanged).

        Examples
        --------
        >>> cons = bank_constructs(bank(), "provider")
        >>> p = prepare(pd.DataFrame({i: [1, 7] for c in cons for i in c.items}), method="reliability")
        >>> len(p.constructs) > len(p.select("reasons", "cfa").constructs)
        True
        """
        try:
            chosen, notes = select_constructs(self.instrument, self.available, constructs, method,
                                              self.perspective or "provider")
        except VcdError as exc:
            raise self.error(exc) from None
        return replace(self, constructs=chosen, method=method, notes=self.notes + notes)

    def rows(self, index: pd.Index | Sequence[int] | None) -> Prepared:
        """The respondents of ``index`` (labels of ``frame``), e.g. a calibration half; None: all of them."""
        if index is None:
            return self
        return replace(self, frame=self.frame.loc[index], answers=self.answers.loc[index])

    def error(self, exc: VcdError) -> VcdError:
        """``exc`` with the source file named when it is a data error that names no file yet.

        Examples
        --------
        >>> p = Prepared(pd.DataFrame(), (), file="d.csv")
        >>> str(p.error(DataError("value 'x' is not a number", row=3, column="A1")))
        "d.csv, row 3, column A1: value 'x' is not a number"
        """
        if exc.file is not None or self.file is None or not isinstance(exc, DataError):
            return exc
        return type(exc)(exc.message, file=self.file, row=exc.row, column=exc.column)

    @contextmanager
    def naming_errors(self) -> Iterator[None]:
        """A context in which a :class:`DataError` that names no file gets this data's file."""
        try:
            yield
        except VcdError as exc:
            named = self.error(exc)
            if named is exc:
                raise
            raise named from None

    def to_dict(self) -> dict[str, Any]:
        """Where the data came from and what was selected, as JSON-able data (no data).

        Examples
        --------
        >>> Prepared(pd.DataFrame({"a": [1]}), (), file="d.csv", n_read=2).to_dict()["n"]
        1
        """
        return {"file": self.file, "platform": self.platform, "n_read": self.n_read, "n": self.n,
                "perspective": self.perspective, "method": self.method,
                "constructs": {c.code: list(c.items) for c in self.constructs}, "notes": list(self.notes)}

    def summary(self) -> str:
        """Rows read and kept, the selected constructs, the notes.

        Examples
        --------
        >>> c = BankConstruct("x", "X", ("a", "b"), ("b",), (1.0, 7.0), "reason")
        >>> print(Prepared(pd.DataFrame({"a": [1]}), (c,), file="d.csv", platform="table", n_read=1).summary())
        d.csv (table): 1 of 1 record(s)
        constructs: X (2 items, 1 reverse-keyed)
        """
        src = self.file or "data"
        lines = [f"{src} ({self.platform}): {self.n} of {self.n_read} record(s)"]
        if self.constructs:
            lines.append("constructs: " + ", ".join(
                f"{c.code} ({len(c.items)} items" + (f", {len(c.reverse)} reverse-keyed)" if c.reverse else ")")
                for c in self.constructs))
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def prepare(
    source: str | Path | pd.DataFrame | Responses,
    *,
    instrument: Any = None,
    perspective: str | None = "provider",
    constructs: Selection = "default",
    method: str | None = None,
    platform: str = "auto",
    structure: str | Path | None = None,
    missing_codes: tuple[float | str, ...] = (),
    encoding: str | None = None,
    name: str | None = None,
) -> Prepared:
    """Read, check, reverse-code and select: the data of one analysis (see the module docs for the rule).

    Parameters
    ----------
    source : str, Path, DataFrame or Responses
        A response file (any platform export, a CSV/TSV/XLSX/Parquet table; :func:`analysis.data.read.read`),
        a DataFrame, or records already read (e.g. the respondents a cleaning kept).
    instrument : Instrument, optional
        The item bank (default: the bundled bank, as far as it validates).
    perspective : {"provider", "customer"} or None
        Which form's items; None: as the importer inferred it, else the form with more items in the data.
    constructs : "default", "reasons", "all", list of str, comma-separated str, or None
        The selection (``"default"``: the method's, :data:`RULES`); None: no bank constructs, nothing recoded.
    method : str, optional
        The analysis the data are for (a key of :data:`RULES`): its default selection and minimums.
    platform : str
        ``auto``, ``table`` or an ingest platform (:data:`analysis.data.read.PLATFORM_CHOICES`).
    structure, missing_codes, encoding
        Passed to the importer of a platform export.
    name : str, optional
        The name errors give the data (default: the file; none for a DataFrame).

    Returns
    -------
    Prepared

    Raises
    ------
    DataError
        One line naming the file (and row and column): unreadable file, a bank item's value that is not a
        number on its scale, an unknown construct, too few items or constructs for the method.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "r.csv"
    >>> _ = f.write_text("INF01,INF02,INF03,preview\\n7,1,4,False\\n6,2,4,False\\n1,1,1,True\\n")
    >>> p = prepare(f, method="efa")
    >>> p.n, p.items, p.notes
    (2, ['INF01', 'INF02', 'INF03'], ("1 row(s) flagged preview/test (column 'preview') left out",))
    >>> _ = f.write_text("INF01,INF02\\n7,9\\n")
    >>> prepare(f)
    Traceback (most recent call last):
    ...
    vcd_core.errors.DataError: ...r.csv, row 1, column INF02: value 9 is not on scale agree7 (1..7)
    """
    if perspective not in (None, "provider", "customer"):
        raise DataError(f"perspective must be provider or customer, not {perspective!r}", file=name)
    inst, notes = _bank(instrument)
    resp = read(source, instrument=inst, perspective=perspective, platform=platform, structure=structure,
                missing_codes=missing_codes, encoding=encoding)
    file = name if name is not None else resp.file
    base = Prepared(pd.DataFrame(), (), file=file, platform=resp.platform, instrument=inst, method=method,
                    n_read=resp.n)
    with base.naming_errors():
        rule_of(method)
        notes += list(resp.notes)
        answers, note = _without_preview(resp)
        notes += note
        persp = perspective or resp.perspective or _majority(inst, answers.columns)
        if constructs is None:
            return replace(base, frame=answers, answers=answers, notes=tuple(notes), perspective=persp)
        available = tuple(bank_constructs(inst, persp, kind="reason", columns=answers.columns)
                          + bank_constructs(inst, persp, kind="outcome", columns=answers.columns))
        frame = _checked(answers, available, resp)
        chosen, sel_notes = select_constructs(inst, available, constructs, method, persp)
    return replace(base, frame=recode_reversed(frame, available), constructs=chosen,
                   notes=tuple(notes) + sel_notes, answers=answers, available=available, perspective=persp)


def _bank(instrument: Any) -> tuple[Any, list[str]]:
    if instrument is not None:
        return instrument, []
    from analysis.data.ingest import default_instrument

    return default_instrument()


def _without_preview(resp: Responses) -> tuple[pd.DataFrame, list[str]]:
    """The records whose ``preview`` column (importer, ``vcd ingest``/``vcd simulate`` output) is not true."""
    data = resp.data
    notes: list[str] = []
    export = resp.platform not in ("table", "dataframe")
    if export:
        name = Path(resp.file or "").name
        notes.append(f"{name} is a {resp.platform} export read as it stands: {resp.n} rows, careless respondents "
                     f"not screened (run `vcd clean {name} -o DIR` and use DIR/cleaning/kept.csv for screened data)")
    if "preview" not in data.columns:
        return data.reset_index(drop=True), notes
    flag = data["preview"].map(lambda v: str(v).strip().lower() in ("true", "1", "1.0")).to_numpy(bool)
    k = int(flag.sum())
    if k:
        notes.append(f"{k} preview/test row(s) left out" if export
                     else f"{k} row(s) flagged preview/test (column 'preview') left out")
    return data.loc[~flag].reset_index(drop=True), notes


def _majority(inst: Any, columns: Iterable[str]) -> str:
    """The perspective with more bank items among ``columns`` (provider on a tie)."""
    cols = set(columns)
    counts = {p: sum(i.code in cols for i in inst.items(perspective=p)) for p in ("provider", "customer")}
    return "customer" if counts["customer"] > counts["provider"] else "provider"


def _checked(data: pd.DataFrame, constructs: Sequence[BankConstruct], resp: Responses) -> pd.DataFrame:
    """``data`` with the constructs' items as numbers, each a value of its scale — else one DataError naming the
    row (the line in the file for a platform export, the record number otherwise) and column."""
    out = data.copy()
    lines = data["source_row"].to_numpy() if resp.platform not in ("table", "dataframe") and \
        "source_row" in data.columns else None
    for c in constructs:
        for item in c.items:
            raw = data[item]
            x = pd.to_numeric(raw, errors="coerce")
            bad = (x.isna() & raw.notna()).to_numpy()
            off = (x.notna() & ~x.isin(c.scale_values)).to_numpy() if c.scale_values else np.zeros(len(x), bool)
            if bad.any() or off.any():
                pos = int((bad | off).nonzero()[0][0])
                row = int(lines[pos]) if lines is not None else pos + 1
                value = raw.iloc[pos]
                if bad[pos]:
                    raise DataError(f"value {value!r} is not a number", row=row, column=item)
                lo, hi = c.scale_range
                raise DataError(f"value {float(x.iloc[pos]):g} is not on scale {c.scale} ({lo:g}..{hi:g})", row=row,
                                column=item)
            out[item] = x
    return out
