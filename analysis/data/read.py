"""The one reader of response data: a file (any platform export, a plain table) or a DataFrame → :class:`Responses`.

:func:`read` is how every analysis, ``vcd clean`` and the study runner get their data; :func:`analysis.data.prepare
.prepare` builds on it. Nothing is dropped here — preview/test rows are left out by ``prepare`` (with a note) or
excluded by the cleaning's ``preview`` rule (with a log entry).

What is read how (``platform="auto"``):

* a DataFrame is taken as it is (a copy);
* a platform export — Qualtrics, LimeSurvey, REDCap, XLSForm (Kobo/ODK), SPSS ``.sav``, or a ``.zip`` holding one —
  goes through :mod:`analysis.data.ingest` (columns mapped to the bank's codes, every cell checked against its
  scale, preview rows flagged);
* a plain table — a CSV/TSV/XLSX that ingest's detection recognises as no platform's, or Parquet — is read as it
  is (pandas), so that any columns (bank codes or not, e.g. ``bfi.csv``) can be analysed;
* ``platform="table"`` reads any of these as a plain table; ``platform="csv"`` (or another platform name) forces
  that ingest reader; ``importer=True`` sends a plain table through ingest's item-code reader too (the study and
  ``vcd clean`` need every record's metadata: ids, ``preview``, ``finished``, ``source_row``).

Errors are one-line :class:`~vcd_core.errors.DataError` naming the file (and row and column where known).

Examples
--------
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "r.csv"
>>> _ = p.write_text("respondent_id,INF01,INF02\\nA,7,2\\n")
>>> r = read(p)
>>> r.platform, r.data["INF01"].tolist()
('table', [7])
>>> read(p, importer=True).platform
'csv'
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from vcd_core.errors import DataError

__all__ = ["EXPORT_SUFFIXES", "PLATFORM_CHOICES", "TABLE_SUFFIXES", "Responses", "read"]

#: file types read as plain tables (pandas) unless ingest detects a platform export in them.
TABLE_SUFFIXES: tuple[str, ...] = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".parquet", ".pq")
#: file types only the platform importers read.
EXPORT_SUFFIXES: tuple[str, ...] = (".sav", ".zsav", ".zip")
#: the values of ``platform``: auto, table, and every ingest platform.
PLATFORM_CHOICES: tuple[str, ...] = ("auto", "table", "qualtrics", "limesurvey", "redcap", "xlsform", "spss", "csv")


@dataclass(frozen=True)
class Responses:
    """Every record of a response source as read (none dropped), with what the reader noticed.

    Attributes
    ----------
    data : DataFrame
        One row per record. From a platform export: the ResponseSet columns (``respondent_id`` …
        ``preview``, item codes as scale values); from a table or DataFrame: the columns as they are.
    file : str or None
        The file the records came from (named in every error); None for a DataFrame.
    platform : str
        ``table``, ``dataframe`` or the ingest platform (``qualtrics`` …).
    perspective : str or None
        ``provider`` / ``customer`` when the importer inferred or was given it.
    problems : DataFrame
        Bad cells recorded instead of raised (``bad_values="record"``): ``source_row column code value problem``.
    notes : tuple of str
        What the reader noticed (importer warnings).
    response_set : ResponseSet or None
        The importer's full result (provenance, unanswered cells), for platform exports.
    """

    data: pd.DataFrame = field(repr=False)
    file: str | None
    platform: str
    perspective: str | None = None
    problems: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    notes: tuple[str, ...] = ()
    response_set: Any = field(default=None, repr=False, compare=False)

    @property
    def n(self) -> int:
        """Number of records."""
        return len(self.data)

    def with_data(self, data: pd.DataFrame, *notes: str) -> Responses:
        """The same source with other records (e.g. the respondents a cleaning kept) and extra notes.

        Examples
        --------
        >>> r = Responses(pd.DataFrame({"a": [1, 2]}), "f.csv", "table")
        >>> r.with_data(r.data.head(1), "1 row kept").n
        1
        """
        return replace(self, data=data, notes=self.notes + tuple(notes))


def read(
    source: str | Path | pd.DataFrame | Responses,
    *,
    instrument: Any = None,
    perspective: str | None = None,
    platform: str = "auto",
    structure: str | Path | None = None,
    missing_codes: tuple[float | str, ...] = (),
    encoding: str | None = None,
    bad_values: str = "error",
    importer: bool = False,
) -> Responses:
    """Read response data from a file or a DataFrame (see the module docs for what is read how).

    Parameters
    ----------
    source : str, Path, DataFrame or Responses
        The response file, or data already loaded (returned as they are).
    instrument : Instrument, optional
        The item bank the importers map columns to (default: the bundled bank).
    perspective : {"provider", "customer"}, optional
        Expected perspective of a platform export (inferred from its item codes when omitted).
    platform : str
        One of :data:`PLATFORM_CHOICES`.
    structure : str or Path, optional
        Survey structure file (Qualtrics ``.qsf``, LimeSurvey ``.txt``) for the importer.
    missing_codes : tuple of float or str
        Codes meaning "seen but not answered" (importer).
    encoding : str, optional
        Text encoding when not UTF-8/UTF-16 with BOM (importer).
    bad_values : {"error", "record"}
        Importer: raise on the first bad cell, or record bad cells in ``problems`` as missing.
    importer : bool
        Read a plain table through ingest's item-code reader instead of as it is.

    Returns
    -------
    Responses

    Raises
    ------
    DataError
        One line naming the file (and row and column where known).

    Examples
    --------
    >>> read("responses.json")
    Traceback (most recent call last):
    ...
    vcd_core.errors.DataError: responses.json: unsupported file type '.json'; use .csv, .tsv, .txt, .xlsx, .xlsm, \
.parquet, .pq, .sav, .zsav or .zip
    >>> read(pd.DataFrame({"INF01": [1]})).platform
    'dataframe'
    """
    if isinstance(source, Responses):
        return source
    if isinstance(source, pd.DataFrame):
        return Responses(source.copy(), None, "dataframe", perspective)
    file = str(source)
    if platform not in PLATFORM_CHOICES:
        raise DataError(f"unknown platform {platform!r}; use {', '.join(PLATFORM_CHOICES)}", file=file)
    path = Path(source)
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES + EXPORT_SUFFIXES:
        kinds = TABLE_SUFFIXES + EXPORT_SUFFIXES
        raise DataError(f"unsupported file type {suffix!r}; use {', '.join(kinds[:-1])} or {kinds[-1]}", file=file)
    if not path.is_file():
        raise DataError("no such file", file=file)
    if platform == "table" or (platform == "auto" and suffix in (".parquet", ".pq")):
        return _table(path)
    if platform == "auto" and not importer and suffix in TABLE_SUFFIXES:
        from analysis.data.ingest import detect_platform

        if detect_platform(path) == "csv":
            return _table(path)
    from analysis.data.ingest import read_responses

    rs = read_responses(path, platform=platform, inst=instrument, perspective=perspective, structure=structure,
                        bad_values=bad_values, missing_codes=tuple(missing_codes), encoding=encoding)
    return Responses(rs.data, rs.source.file, rs.source.platform, rs.perspective, rs.problems, tuple(rs.warnings),
                     rs)


def _table(path: Path) -> Responses:
    """A plain table as it is; text columns as plain objects so that a stray text cell in a numeric column is
    reported with its row by the checks downstream."""
    file = str(path)
    suffix = path.suffix.lower()
    if suffix in EXPORT_SUFFIXES:
        raise DataError(f"a {suffix} file is a platform export, not a table; use platform auto or its platform",
                        file=file)
    try:
        if suffix in (".parquet", ".pq"):
            frame = pd.read_parquet(path)
        elif suffix in (".xlsx", ".xlsm"):
            frame = pd.read_excel(path, engine="openpyxl")
        else:
            frame = pd.read_csv(path, sep=_delimiter(path))
    except (ValueError, OSError, ImportError, pd.errors.ParserError) as exc:
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(f"cannot read: {text}", file=file) from None
    text_cols = [c for c in frame.columns if pd.api.types.is_string_dtype(frame[c]) and frame[c].dtype != object]
    if text_cols:
        frame = frame.astype({c: object for c in text_cols})
    return Responses(frame, file, "table")


def _delimiter(path: Path) -> str:
    """The delimiter of a text table from its header line (ingest's rule: the one giving the most fields)."""
    from analysis.data.ingest.tabular import sniff_delimiter

    with path.open("rb") as fh:
        head = fh.readline(1 << 20)
    return sniff_delimiter(head.decode("utf-8-sig", errors="replace").rstrip("\r\n"))
