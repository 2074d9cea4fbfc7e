"""The ResponseSet and the mapping of a platform's raw columns to the item bank's codes.

:func:`build` turns a :class:`~analysis.data.ingest.tabular.Table` into a :class:`ResponseSet`: columns are matched
to bank codes (the join key), cells are checked against the bank's scales (labels in any bank language map
back to values), personal data columns are dropped (recorded), unknown columns are kept and listed, duplicate
respondent ids and preview/test rows are flagged, never dropped. A bad cell raises one :class:`DataError`
naming file, row (the line in the file) and column — or, with ``bad_values="record"``, becomes NaN and a row
of :attr:`ResponseSet.problems`.

Examples
--------
>>> import tempfile, pathlib
>>> from analysis.data.ingest import read_responses
>>> p = pathlib.Path(tempfile.mkdtemp()) / "r.csv"
>>> _ = p.write_text("respondent_id,INF01,INF02\\nA,7,Disagree\\nB,1,\\n")
>>> rs = read_responses(p, platform="csv")
>>> rs.data[["respondent_id", "INF01", "INF02", "source_row"]].values.tolist()
[['A', 7.0, 2.0, 2], ['B', 1.0, nan, 3]]
>>> _ = p.write_text("respondent_id,INF01\\nA,9\\n")
>>> read_responses(p, platform="csv")
Traceback (most recent call last):
...
vcd_core.errors.DataError: ...r.csv, row 2, column INF01: value 9 is outside agree7 (1..7)
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.data.ingest.cells import Bad, integer, rated, select, short, text_values, to_bool, to_float
from analysis.data.ingest.codebook import (
    FLAG_COLUMNS,
    META_COLUMNS,
    Codebook,
    ColumnSpec,
    norm_key,
    norm_label,
    resolve_answers,
)
from analysis.data.ingest.tabular import Table
from instrument.model import Instrument
from vcd_core.errors import DataError


@dataclass(frozen=True)
class Source:
    """Provenance of a ResponseSet: platform, file, SHA-256, size, encoding, rows read, structure file.

    Examples
    --------
    >>> Source("csv", "r.csv", "0" * 64, 10, "utf-8", 1, 1).rows_read
    1
    """

    platform: str
    file: str
    sha256: str
    bytes: int
    encoding: str
    header_rows: int
    rows_read: int
    structure: str | None = None
    structure_sha256: str | None = None


@dataclass(frozen=True)
class ResponseSet:
    """Responses keyed by the bank's codes, with provenance and everything the import noticed.

    Attributes
    ----------
    data : DataFrame
        One row per record of the file (none dropped): ``respondent_id country language relationship_type
        phase duration_sec finished source_row`` (line of the record in the file; case number for ``.sav``),
        ``preview`` (preview/test rows, to be excluded by cleaning with a reason), ``duplicate_id``, platform
        metadata (e.g. ``status``), item codes (numeric scale values, NaN missing), attention checks
        (ATT1, ATT2), timing-matrix rows (TIM_*), other context codes, platform columns and unknown columns.
    source : Source
    perspective : str or None
        ``provider`` / ``customer`` (given, or inferred from the item codes found).
    items, missing_items, checks, context : tuple of str
        Item codes found, bank items of the perspective absent from the file, attention checks and context
        columns found.
    platform_columns, unknown_columns, dropped_columns : tuple of str
        Platform metadata kept under their own names; columns not in the bank (kept); personal-data columns
        dropped (``keep_pii=False``).
    problems : DataFrame
        ``source_row column code value problem`` — cells recorded instead of raised (``bad_values="record"``).
    unanswered : DataFrame
        Boolean, one column per rated code: seen but not answered (Qualtrics -99, SPSS user-missing), as
        opposed to NaN = not shown / not answered.
    warnings : tuple of str
    """

    data: pd.DataFrame = field(repr=False)
    source: Source
    perspective: str | None
    items: tuple[str, ...]
    missing_items: tuple[str, ...]
    checks: tuple[str, ...]
    context: tuple[str, ...]
    platform_columns: tuple[str, ...]
    unknown_columns: tuple[str, ...]
    dropped_columns: tuple[str, ...]
    problems: pd.DataFrame = field(repr=False)
    unanswered: pd.DataFrame = field(repr=False)
    warnings: tuple[str, ...] = ()

    @property
    def n(self) -> int:
        """Number of rows (= records read; none is dropped).

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from analysis.data.ingest import read_responses
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "r.csv"
        >>> _ = p.write_text("INF01\\n1\\n2\\n")
        >>> read_responses(p).n
        2
        """
        return len(self.data)

    def to_dict(self) -> dict[str, Any]:
        """The summary as a JSON-able dict (no data).

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from analysis.data.ingest import read_responses
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "r.csv"
        >>> _ = p.write_text("respondent_id,INF01,extra\\nA,1,x\\n")
        >>> d = read_responses(p).to_dict()
        >>> d["rows_read"], d["items_found"], d["unknown_columns"]
        (1, ['INF01'], ['extra'])
        """
        d = self.data
        return {
            "platform": self.source.platform, "file": self.source.file, "sha256": self.source.sha256,
            "encoding": self.source.encoding, "header_rows": self.source.header_rows,
            "structure": self.source.structure, "rows_read": self.source.rows_read, "rows": self.n,
            "rows_dropped": self.source.rows_read - self.n,
            "preview_rows": int(d["preview"].sum()) if self.n else 0,
            "duplicate_id_rows": int(d["duplicate_id"].sum()) if self.n else 0,
            "finished_rows": int(d["finished"].fillna(False).astype(bool).sum()) if self.n else 0,
            "perspective": self.perspective, "items_found": list(self.items), "items_missing": list(self.missing_items),
            "checks": list(self.checks), "context": list(self.context),
            "platform_columns": list(self.platform_columns), "unknown_columns": list(self.unknown_columns),
            "dropped_columns": list(self.dropped_columns), "problem_cells": len(self.problems),
            "unanswered_cells": int(self.unanswered.to_numpy().sum()),
            "status": ({str(k): int(v) for k, v in d["status"].fillna("(none)").value_counts().items()}
                       if "status" in d and self.n else {}),
            "warnings": list(self.warnings),
        }

    def summary(self) -> str:
        """A short text summary: rows, items found/missing, flags, warnings.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from analysis.data.ingest import read_responses
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "r.csv"
        >>> _ = p.write_text("respondent_id,INF01\\nA,7\\n")
        >>> print(read_responses(p, platform="csv", perspective="provider").summary().splitlines()[1])
        rows: 1 read, 1 kept (0 preview/test, 0 duplicate id, 0 finished)
        """
        d = self.to_dict()
        lines = [
            f"{d['platform']} file {d['file']} (sha256 {d['sha256'][:12]}…, {d['encoding']})",
            f"rows: {d['rows_read']} read, {d['rows']} kept ({d['preview_rows']} preview/test, "
            f"{d['duplicate_id_rows']} duplicate id, {d['finished_rows']} finished)",
            f"perspective: {d['perspective'] or 'unknown'}; items found: {len(self.items)}, missing: "
            f"{len(self.missing_items)}" + (f" ({_short(self.missing_items)})" if self.missing_items else ""),
            f"checks: {_short(self.checks) or 'none'}; context: {_short(self.context) or 'none'}",
        ]
        if "status" in self.data and self.n:
            counts = self.data["status"].fillna("(none)").value_counts()
            lines.append("status: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        if self.unknown_columns:
            lines.append(f"unknown columns kept: {_short(self.unknown_columns)}")
        if self.dropped_columns:
            lines.append(f"personal-data columns dropped: {_short(self.dropped_columns)}")
        if d["problem_cells"]:
            lines.append(f"problem cells recorded as missing: {d['problem_cells']}")
        if d["unanswered_cells"]:
            lines.append(f"seen-but-unanswered cells: {d['unanswered_cells']}")
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def write(self, path: str | Path) -> Path:
        """Write ``data`` as ``.csv`` or ``.parquet`` (the raw file is never touched).

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from analysis.data.ingest import read_responses
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (d / "r.csv").write_text("respondent_id,INF01\\nA,7\\n")
        >>> read_responses(d / "r.csv", platform="csv").write(d / "out.txt")
        Traceback (most recent call last):
        ...
        vcd_core.errors.DataError: ...out.txt: unsupported output type '.txt'; use .csv or .parquet
        """
        p = Path(path)
        suffix = p.suffix.lower()
        if suffix not in (".csv", ".parquet"):
            raise DataError(f"unsupported output type {suffix!r}; use .csv or .parquet", file=str(path))
        raw = self.source.file.rsplit(".zip:", 1)[0] + ".zip" if ".zip:" in self.source.file else self.source.file
        if p.exists() and p.resolve() == Path(raw).resolve():
            raise DataError("refusing to overwrite the raw input file", file=str(path))
        p.parent.mkdir(parents=True, exist_ok=True)
        if suffix == ".csv":
            self.data.to_csv(p, index=False)
        else:
            self.data.to_parquet(p, index=False)
        return p


_short = short

#: column names (any platform, compared without case and ``_ - . space``) holding personal data.
PII_KEYS: frozenset[str] = frozenset(norm_key(n) for n in (
    "IPAddress", "ip_address", "ipaddr", "ip", "email", "e-mail", "RecipientEmail", "RecipientFirstName",
    "RecipientLastName", "firstname", "lastname", "ExternalReference", "ExternalDataReference", "LocationLatitude",
    "LocationLongitude", "latitude", "longitude", "phone", "phonenumber", "deviceid", "token"))


# -- the mapping -------------------------------------------------------------------------------------------
def build(
    table: Table,
    inst: Instrument,
    perspective: str | None = None,
    keep_pii: bool = False,
    bad_values: str = "error",
    strict: bool = False,
    missing_codes: tuple[float | str, ...] = (),
) -> ResponseSet:
    """Map a platform :class:`Table` to the bank's codes and check every cell.

    Parameters
    ----------
    table : Table
        What a platform reader produced.
    inst : Instrument
        The item bank.
    perspective : {"provider", "customer"}, optional
        Expected perspective; inferred from the item codes when omitted.
    keep_pii : bool
        Keep personal-data columns (IP address, e-mail, names, location, external reference).
    bad_values : {"error", "record"}
        ``error``: the first bad cell (lowest line) raises :class:`DataError`; ``record``: bad cells become NaN
        and rows of ``problems`` (with a warning giving counts).
    strict : bool
        Raise when a bank item of the perspective has no column.
    missing_codes : tuple of float or str
        Extra codes meaning "seen but not answered" in every rated column: numbers (-99, -9) or texts
        (REDCap missing-data codes such as ``UNK``, ``NASK``).

    Returns
    -------
    ResponseSet

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from analysis.data.ingest import csv as plain, default_instrument
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "r.csv"
    >>> _ = p.write_text("id,INF01,INF02\\nA,Agree,\\nA,2,1\\n")
    >>> rs = build(plain.read(p), default_instrument()[0])
    >>> rs.data[["respondent_id", "INF01", "duplicate_id"]].values.tolist()
    [['A', 6.0, True], ['A', 2.0, True]]
    """
    if bad_values not in ("error", "record"):
        raise ValueError("bad_values must be 'error' or 'record'")
    cb = Codebook(inst)
    warnings = list(table.warnings)
    cols = _match_columns(table, cb, keep_pii, warnings)
    matched = cols.matched
    out, una_cols, bads = _convert(table, matched, missing_codes, warnings)
    problems = _problems(bads, table, bad_values)
    if len(problems):
        n_cols = problems["column"].nunique()
        warnings.append(f"{len(problems)} bad cell(s) in {n_cols} column(s) recorded as missing (see problems)")
        for b in bads:
            vals = out[_out_of(matched, b.column)]
            vals[b.mask] = np.nan if vals.dtype.kind == "f" else None
    frame = _metadata(table, cols.meta, out, cb, warnings)
    kinds = {o: sp.kind for o, (_, sp) in matched.items()}
    item_cols, perspective, missing = _items(table, inst, matched, out, kinds, perspective, strict, warnings)
    checks = [o for o in out if kinds.get(o) == "check"]
    if perspective:
        want = [c.code for c in inst.checks_for(perspective)]
        absent = [c for c in want if c not in out]
        if absent:
            warnings.append(f"attention check(s) without a column: {', '.join(absent)}")
    matrix = [o for o in out if kinds.get(o) == "matrix"]
    context = [o for o in out if kinds.get(o) in ("select_one", "integer", "text")]
    for o in item_cols + checks + matrix + context:
        frame[o] = out[o]
    platform_cols, unknown = cols.platform, cols.unknown
    if "source_row" in platform_cols and "source_row" in table.values:
        platform_cols = [c for c in platform_cols if c != "source_row"]
        frame["source_row_in_file"] = text_values(table.values["source_row"])
    for c in platform_cols + unknown:
        if c not in frame:
            frame[c] = text_values(table.values[c])
    data = pd.DataFrame(frame)
    data["finished"] = data["finished"].astype("boolean")
    if unknown:
        warnings.append(f"{len(unknown)} column(s) not in the bank kept as they are: {_short(unknown)}")
    if cols.dropped:
        warnings.append(f"{len(cols.dropped)} personal-data column(s) dropped: {', '.join(cols.dropped)} (keep with "
                        "keep_pii)")
    rated_cols = item_cols + checks + matrix
    unanswered = pd.DataFrame({o: una_cols[o] for o in rated_cols}, index=data.index, dtype=bool)
    source = Source(table.platform, table.path, table.sha256, table.nbytes, table.encoding, table.header_rows,
                    table.n, table.structure, table.structure_sha256)
    meta = table.meta
    return ResponseSet(data, source, perspective, tuple(item_cols), tuple(missing), tuple(checks),
                       tuple(matrix + [c for c in ("country", "relationship_type", "phase") if c in matched]
                             + context), tuple(c for c in platform_cols if c in data) +
                       tuple(k for k in meta if k not in META_COLUMNS + FLAG_COLUMNS),
                       tuple(unknown), tuple(cols.dropped), problems, unanswered, tuple(warnings))


@dataclass
class _Columns:
    """How the raw columns of a table are used: bank codes, metadata, platform, unknown, dropped (PII)."""

    matched: dict[str, tuple[str, ColumnSpec]] = field(default_factory=dict)  # output column -> (raw column, spec)
    meta: dict[str, str] = field(default_factory=dict)  # canonical metadata name -> raw column
    platform: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)


def _match_columns(table: Table, cb: Codebook, keep_pii: bool, warnings: list[str]) -> _Columns:
    """Match every raw column to a bank code, a metadata column, a platform column — or keep it as unknown."""
    cols = _Columns()
    for col, keys in zip(table.columns, table.keys, strict=True):
        if col in table.consumed:
            continue
        if (col in table.pii or norm_key(keys[0]) in PII_KEYS) and not keep_pii:
            cols.dropped.append(col)
            continue
        spec = cb.match(keys)
        if spec is None:
            canon = next((k for k in keys if k in META_COLUMNS + FLAG_COLUMNS), None)
            if canon == "source_row":
                cols.platform.append(col)
                warnings.append(f"column {col!r} of the file is kept as 'source_row_in_file'")
            elif canon is not None and canon not in cols.meta:
                cols.meta[canon] = col
                if canon == "duplicate_id":
                    warnings.append(f"column {col!r} of the file is recomputed from the respondent ids")
            elif col in table.platform_cols or col in table.pii:
                cols.platform.append(col)
            else:
                cols.unknown.append(col)
            continue
        if spec.out in cols.matched:
            first = cols.matched[spec.out][0]
            raise DataError(f"two columns map to {spec.code}: {first!r} and {col!r}", file=table.path,
                            row=1 if table.header_rows else None, column=col)
        cols.matched[spec.out] = (col, spec)
    return cols


def _convert(table: Table, matched: dict[str, tuple[str, ColumnSpec]], missing_codes: tuple[float | str, ...],
             warnings: list[str]) -> tuple[dict[str, Any], dict[str, np.ndarray], list[Bad]]:
    """Each matched column's cells as values of its code (rated: scale values; choices; integers; text), the
    unanswered masks of rated columns and the bad cells."""
    out: dict[str, Any] = {}
    una_cols: dict[str, np.ndarray] = {}
    bads: list[Bad] = []
    used_fallback: list[str] = []
    for outcol, (col, spec) in matched.items():
        raw = table.values[col]
        if spec.fallback:
            used_fallback.append(spec.code)
        msgs: dict[Any, str]
        if spec.rated:
            codes: set[float | str] = set(table.unanswered_codes.get(col, set()))
            codes |= {_code(c) for c in missing_codes}
            extra = dict(table.labels.get(col, {}))
            if col in table.answer_texts:
                extra.update(resolve_answers(table.answer_texts[col], spec.label_values))
            if col in table.value_labels:
                _check_value_labels(table, col, spec, codes, warnings)
            vals, una, bad, msgs = rated(raw, spec, extra, codes, table.label_hint)
            out[outcol] = vals
            una_cols[outcol] = una
        elif spec.kind == "select_one":
            vals, bad, msgs = select(raw, spec)
            out[outcol] = vals
        elif spec.kind == "integer":
            vals, bad, msgs = integer(raw, spec)
            out[outcol] = vals
        else:
            out[outcol] = text_values(raw)
            bad, msgs = np.zeros(table.n, bool), {}
        if bad.any():
            bads.append(Bad(col, spec.code, bad, raw, msgs))
    if used_fallback:
        warnings.append("the bank defines no " + ", ".join(sorted(set(used_fallback))) +
                        " yet; used the documented definitions (instrument API)")
    return out, una_cols, bads


def _metadata(table: Table, meta_cols: dict[str, str], out: dict[str, Any], cb: Codebook,
              warnings: list[str]) -> dict[str, Any]:
    """The ResponseSet's metadata columns: respondent_id, groupings, duration, finished, source_row, preview,
    duplicate_id, then the platform's own metadata. Grouping columns found among the codes are moved out of
    ``out``."""
    n = table.n
    meta = dict(table.meta)
    rid = meta.get("respondent_id")
    if rid is None and "respondent_id" in meta_cols:
        rid = pd.Series(text_values(table.values[meta_cols["respondent_id"]]), dtype=object)
    if rid is None:
        rid = pd.Series([f"row{r}" for r in table.rows], dtype=object)
        warnings.append("no respondent id column; ids made from line numbers (row<line>)")
    rid = rid.astype(object).where(rid.notna(), None)
    lang = meta.get("language")
    if lang is None and "language" in meta_cols:
        lang = table.values[meta_cols["language"]]
    frame: dict[str, Any] = {"respondent_id": rid.to_numpy(dtype=object)}
    for c in ("country", "language", "relationship_type", "phase"):
        if c in out:
            frame[c] = out.pop(c)
        elif c == "language" and lang is not None:
            frame[c] = _languages(lang, cb, warnings)
        elif c in meta_cols:
            frame[c] = text_values(table.values[meta_cols[c]])
        else:
            frame[c] = np.full(n, None, dtype=object)
    dur = meta.get("duration_sec")
    if dur is None and "duration_sec" in meta_cols:
        dur = to_float(table.values[meta_cols["duration_sec"]])
    frame["duration_sec"] = dur.to_numpy(dtype=float) if dur is not None else np.full(n, np.nan)
    fin = meta.get("finished")
    if fin is None and "finished" in meta_cols:
        fin = to_bool(table.values[meta_cols["finished"]])
    frame["finished"] = fin.astype("boolean").to_numpy() if fin is not None else pd.array([pd.NA] * n, "boolean")
    frame["source_row"] = table.rows.astype(np.int64)
    prev = meta.get("preview")
    if prev is None and "preview" in meta_cols:
        prev = to_bool(table.values[meta_cols["preview"]]).fillna(False)
    frame["preview"] = prev.to_numpy(dtype=bool) if prev is not None else np.zeros(n, bool)
    ids = pd.Series(frame["respondent_id"])
    dup = ids.duplicated(keep=False).to_numpy() & ids.notna().to_numpy()
    frame["duplicate_id"] = dup
    if dup.any():
        first = ids[dup].iloc[0]
        rows = table.rows[(ids == first).to_numpy()].tolist()
        warnings.append(f"{int(dup.sum())} row(s) share a respondent id with another row (flagged in duplicate_id); "
                        f"first: {first!r} at rows {', '.join(map(str, rows[:5]))}")
    for k, v in meta.items():
        if k not in META_COLUMNS + FLAG_COLUMNS:
            frame[k] = v.to_numpy()
    return frame


def _items(table: Table, inst: Instrument, matched: dict[str, tuple[str, ColumnSpec]], out: dict[str, Any],
           kinds: dict[str, str], perspective: str | None, strict: bool, warnings: list[str]
           ) -> tuple[list[str], str | None, list[str]]:
    """The item columns in bank order (the perspective's first), the perspective (given or inferred) and the
    perspective's bank items without a column."""
    item_cols = [o for o in out if kinds.get(o) == "item"]
    persp_of = {o: matched[o][1].perspective for o in item_cols}
    found = {p: sum(1 for o in item_cols if persp_of[o] == p) for p in ("provider", "customer")}
    if perspective is None and item_cols:
        perspective = max(found, key=lambda p: found[p])
        if min(found.values()) > 0:
            warnings.append(f"items of both perspectives found ({found['provider']} provider, "
                            f"{found['customer']} customer); taken as {perspective}")
    elif perspective is not None:
        other = [o for o in item_cols if persp_of[o] != perspective]
        if other:
            warnings.append(f"{len(other)} {('customer' if perspective == 'provider' else 'provider')} item(s) in a "
                            f"{perspective} file: {_short(other)}")
    if not item_cols:
        warnings.append("no column matches an item code of the bank" + table.unmatched_hint)
    order = {i.code: k for k, i in enumerate(inst.items())}
    item_cols.sort(key=lambda c: (persp_of[c] != perspective, order.get(c, 10**6)))
    bank_items = [i.code for i in inst.items(perspective=perspective)] if perspective else []
    missing = [c for c in bank_items if c not in out]
    if missing and strict:
        raise DataError(f"item column missing (and {len(missing) - 1} more)" if len(missing) > 1
                        else "item column missing", file=table.path, column=missing[0])
    if missing:
        warnings.append(f"{len(missing)} {perspective} item(s) of the bank have no column: {_short(missing)}")
    return item_cols, perspective, missing


def _check_value_labels(table: Table, col: str, spec: ColumnSpec, missing: set[float | str],
                        warnings: list[str]) -> None:
    """The file's value labels (``.sav``) must not contradict the bank: a label naming another value is an error."""
    foreign = []
    for value, label in sorted(table.value_labels[col].items()):
        if value in missing:
            continue
        bank = spec.label_values.get(norm_label(label))
        if bank is None:
            foreign.append(f"{value:g}={label!r}")
        elif float(bank) != float(value):
            raise DataError(f"value label {value:g} = {label!r} is the bank's label of {bank} on {spec.scale} "
                            "(reversed or shifted coding?)", file=table.path, column=col)
    if foreign:
        warnings.append(f"{col}: value labels not in the bank's scale {spec.scale}: {_short(foreign, 3)}")


def _code(c: float | str) -> float | str:
    """A missing code as a number when it is one (``"-99"`` → -99.0), else the text."""
    if isinstance(c, str):
        try:
            return float(c)
        except ValueError:
            return c.strip()
    return float(c)


def _out_of(matched: dict[str, tuple[str, ColumnSpec]], raw_col: str) -> str:
    return next(o for o, (c, _) in matched.items() if c == raw_col)


def _problems(bads: list[Bad], table: Table, mode: str) -> pd.DataFrame:
    cols = ["source_row", "column", "code", "value", "problem"]
    if not bads:
        return pd.DataFrame(columns=cols)
    if mode == "error":
        total = sum(int(b.mask.sum()) for b in bads)
        first_pos = {b.column: int(np.argmax(b.mask)) for b in bads}
        order = {c: k for k, c in enumerate(table.columns)}
        b = min(bads, key=lambda b: (table.rows[first_pos[b.column]], order[b.column]))
        pos = first_pos[b.column]
        raw = b.raw.iloc[pos]
        msg = b.messages.get(raw, f"bad value {raw!r}")
        if total > 1:
            msg += (f" ({total} bad cells in {len(bads)} column(s); pass bad_values='record' / --bad-values record "
                    "to record them as missing)")
        raise DataError(msg, file=table.path, row=int(table.rows[pos]), column=b.column)
    parts = []
    for b in bads:
        idx = np.flatnonzero(b.mask)
        raw = b.raw.iloc[idx]
        parts.append(pd.DataFrame({"source_row": table.rows[idx], "column": b.column, "code": b.code,
                                   "value": raw.astype(str).to_numpy(),
                                   "problem": [b.messages.get(v, "bad value") for v in raw]}))
    return pd.concat(parts, ignore_index=True).sort_values(["source_row", "column"], ignore_index=True)


def _languages(raw: pd.Series, cb: Codebook, warnings: list[str]) -> np.ndarray:
    lmap = cb.language_map()
    mapping: dict[Any, Any] = {}
    unknown = []
    for u in pd.unique(raw):
        s = "" if u is None or (isinstance(u, float) and np.isnan(u)) else str(u).strip()
        if not s:
            mapping[u] = None
            continue
        key = s.casefold()
        hit = lmap.get(key) or lmap.get(re.split(r"[-_]", key)[0])
        if hit is None:
            m = re.search(r"\(([a-z]{2,3})\)$", key)
            hit = lmap.get(m.group(1)) if m else None
        mapping[u] = hit or s
        if hit is None:
            unknown.append(s)
    if unknown:
        warnings.append(f"language(s) not in the bank kept as recorded: {', '.join(map(str, unknown[:5]))}")
    return raw.map(mapping).to_numpy(dtype=object)


def summary_json(rs: ResponseSet) -> str:
    """The summary as JSON text.

    Examples
    --------
    >>> import tempfile, pathlib, json
    >>> from analysis.data.ingest import read_responses
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "r.csv"
    >>> _ = p.write_text("INF01\\n1\\n")
    >>> json.loads(summary_json(read_responses(p)))["platform"]
    'csv'
    """
    return json.dumps(rs.to_dict(), indent=2, ensure_ascii=False)
