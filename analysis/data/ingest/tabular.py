"""Reading response files as the user sees them: bytes → text → records with their line numbers.

Every platform reader turns its file into a :class:`Table` (raw header names, raw cell values, the line
number of every record, the platform's metadata) that :func:`analysis.data.ingest.core.build` maps to the bank.
The raw file is only read, never written.

Examples
--------
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "r.csv"
>>> _ = p.write_bytes(b'\\xef\\xbb\\xbfid,INF01\\r\\n1,"7"\\r\\n2,3\\r\\n')
>>> text, enc = decode(p.read_bytes(), str(p))
>>> enc
'utf-8-sig'
>>> header, records, lines = parse_delimited(text, str(p), header_rows=1)
>>> header, records, lines.tolist()
(['id', 'INF01'], [['1', '7'], ['2', '3']], [2, 3])
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from vcd_core.errors import DataError

csv.field_size_limit(1 << 28)

#: delimiters tried when sniffing a header line, in order of preference on ties.
DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")


@dataclass
class Table:
    """One response file read into raw columns (the input of :func:`analysis.data.ingest.core.build`).

    ``columns`` keeps the header names as the file spells them; ``keys`` holds, per column, the names to
    look up in the bank, in order of preference (e.g. ``grp/INF01`` → ``("INF01", "grp/INF01")``).
    ``values`` holds raw cells (strings for text files, numbers or strings for ``.sav``). ``meta`` holds
    metadata the platform reader already derived (``respondent_id language duration_sec finished preview
    status``) as Series; ``consumed`` names the raw columns those came from (not repeated in the output);
    ``platform_cols`` names known platform columns kept under their own names (dates, progress, ...);
    ``pii`` names raw columns with personal data (dropped unless asked to keep); ``labels`` gives per raw
    column extra ``{label or answer code: scale value}`` maps (from a structure file or value labels);
    ``answer_texts`` per raw column ``{answer code: answer text}`` from a structure file (resolved to values
    through the bank's labels); ``value_labels`` per raw column the file's own value labels (``.sav``),
    checked against the bank's scale; ``unanswered_codes`` per raw column the codes meaning
    seen-but-unanswered.
    """

    path: str
    platform: str
    columns: list[str]
    keys: list[tuple[str, ...]]
    values: dict[str, pd.Series]
    rows: np.ndarray
    sha256: str
    nbytes: int
    encoding: str = "utf-8"
    header_rows: int = 1
    meta: dict[str, pd.Series] = field(default_factory=dict)
    consumed: set[str] = field(default_factory=set)
    platform_cols: set[str] = field(default_factory=set)
    pii: set[str] = field(default_factory=set)
    labels: dict[str, dict[str, float]] = field(default_factory=dict)
    answer_texts: dict[str, dict[str, str]] = field(default_factory=dict)
    value_labels: dict[str, dict[float, str]] = field(default_factory=dict)
    unanswered_codes: dict[str, set[float]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    label_hint: str = ""
    unmatched_hint: str = ""
    structure: str | None = None
    structure_sha256: str | None = None

    @property
    def n(self) -> int:
        """Number of records read.

        Examples
        --------
        >>> Table("r.csv", "csv", [], [], {}, np.array([2, 3]), "", 0).n
        2
        """
        return len(self.rows)


def read_bytes(path: str | Path) -> tuple[bytes, str]:
    """The file's bytes and their SHA-256; :class:`DataError` if missing or empty.

    Examples
    --------
    >>> read_bytes("no/such/file.csv")
    Traceback (most recent call last):
    ...
    vcd_core.errors.DataError: no/such/file.csv: no such file
    """
    p = Path(path)
    if not p.is_file():
        raise DataError("no such file", file=str(path))
    data = p.read_bytes()
    if not data.strip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n"):
        raise DataError("the file is empty", file=str(path))
    return data, hashlib.sha256(data).hexdigest()


def decode(data: bytes, file: str, encoding: str | None = None) -> tuple[str, str]:
    """Decode ``data``: a BOM decides (UTF-8, UTF-16 as Qualtrics' tab-separated export), else UTF-8.

    Bytes that are not UTF-8 raise :class:`DataError` naming the line and the byte.

    Examples
    --------
    >>> decode("id;x\\nä;1\\n".encode("cp1252"), "r.csv")
    Traceback (most recent call last):
    ...
    vcd_core.errors.DataError: r.csv, row 2: not UTF-8 text (byte 0xe4); re-export as UTF-8, or pass encoding=...
    """
    if encoding:
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise DataError(f"cannot decode as {encoding}: {exc}", file=file) from None
    if data.startswith(b"\xef\xbb\xbf"):
        enc = "utf-8-sig"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        enc = "utf-16"
    else:
        enc = "utf-8"
    try:
        return data.decode(enc), enc
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        byte = data[exc.start]
        raise DataError(f"not {'UTF-16' if enc == 'utf-16' else 'UTF-8'} text (byte 0x{byte:02x}); re-export as "
                        "UTF-8, or pass encoding='cp1252' if the file is Windows/Latin-1", file=file,
                        row=line) from None


def sniff_delimiter(first_line: str) -> str:
    """The delimiter that splits a header line into the most fields (comma on ties).

    Examples
    --------
    >>> sniff_delimiter('"id";"submitdate";"INF[INF01]"')
    ';'
    """
    counts = {d: len(next(csv.reader([first_line], delimiter=d))) for d in DELIMITERS}
    best = max(counts.values())
    return next(d for d in DELIMITERS if counts[d] == best)


def parse_delimited(
    text: str,
    file: str,
    header_rows: int = 1,
    delimiter: str | None = None,
) -> tuple[list[str], list[list[str]], np.ndarray]:
    """Split ``text`` into the first header row, the data records and each record's first line number.

    ``header_rows`` header rows are read (Qualtrics: 3); only the first is returned here, all of them by
    :func:`parse_header_block`. Blank lines are not records. A record with fewer or more fields than the
    header raises :class:`DataError` naming its line and the first missing column.

    Examples
    --------
    >>> parse_delimited("a,b\\n1\\n", "f.csv")
    Traceback (most recent call last):
    ...
    vcd_core.errors.DataError: f.csv, row 2, column b: the row has 1 field(s) but the header has 2 (truncated row?)
    """
    head, records, lines, _ = parse_header_block(text, file, header_rows, delimiter)
    return head[0], records, lines


def parse_header_block(
    text: str,
    file: str,
    header_rows: int = 1,
    delimiter: str | None = None,
) -> tuple[list[list[str]], list[list[str]], np.ndarray, list[int]]:
    """Like :func:`parse_delimited` but returns all ``header_rows`` header rows and their first lines.

    Examples
    --------
    >>> text = 'a,b\\n"x\\ny",z\\n1,2\\n'  # a header cell with a line break
    >>> head, records, lines, head_lines = parse_header_block(text, "f.csv", 2)
    >>> head_lines, lines.tolist()
    ([1, 2], [4])
    """
    if delimiter is None:
        delimiter = sniff_delimiter(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    head: list[list[str]] = []
    head_lines: list[int] = []
    records: list[list[str]] = []
    starts: list[int] = []
    last = 0
    width = 0
    for rec in reader:
        start = last + 1
        last = reader.line_num
        if not rec or (len(rec) == 1 and not rec[0].strip()):
            continue
        if len(head) < header_rows:
            if head and len(rec) != width:
                raise DataError(f"header row {len(head) + 1} has {len(rec)} field(s) but the first has {width}",
                                file=file, row=start)
            head.append(rec)
            head_lines.append(start)
            width = len(head[0])
            continue
        if len(rec) != width:
            if len(rec) < width:
                raise DataError(f"the row has {len(rec)} field(s) but the header has {width} (truncated row?)",
                                file=file, row=start, column=head[0][len(rec)])
            raise DataError(f"the row has {len(rec)} field(s) but the header has {width}", file=file, row=start,
                            column=f"{len(rec)} (after {head[0][-1]})")
        records.append(rec)
        starts.append(start)
    if not head:
        raise DataError("the file has no header row", file=file)
    if len(head) < header_rows:
        raise DataError(f"expected {header_rows} header rows, found {len(head)}", file=file)
    return head, records, np.asarray(starts, dtype=np.int64), head_lines


def name_blank_columns(names: list[str], warnings: list[str]) -> list[str]:
    """Header cells left empty become ``column<k>`` (1-based position), with a warning; nothing is dropped.

    Examples
    --------
    >>> w = []
    >>> name_blank_columns(["id", "", "INF01"], w), w
    (['id', 'column2', 'INF01'], ['column(s) without a name in the header kept as column2'])
    """
    out = [n if n.strip() else f"column{k}" for k, n in enumerate(names, start=1)]
    blank = [o for o, n in zip(out, names, strict=True) if not n.strip()]
    if blank:
        warnings.append(f"column(s) without a name in the header kept as {', '.join(blank[:5])}")
    return out


def check_header(names: list[str], file: str, row: int = 1) -> None:
    """:class:`DataError` for an empty or duplicated column name.

    Examples
    --------
    >>> check_header(["id", "INF01", "INF01"], "r.csv")
    Traceback (most recent call last):
    ...
    vcd_core.errors.DataError: r.csv, row 1, column INF01: duplicated column name (columns 2 and 3)
    """
    seen: dict[str, int] = {}
    for k, name in enumerate(names, start=1):
        if name in seen:
            raise DataError(f"duplicated column name (columns {seen[name]} and {k})", file=file, row=row,
                            column=name)
        seen[name] = k


def columns_from_records(names: list[str], records: list[list[str]]) -> dict[str, pd.Series]:
    """Transpose records into one object Series of strings per column.

    Examples
    --------
    >>> columns_from_records(["a", "b"], [["1", "2"], ["3", "4"]])["b"].tolist()
    ['2', '4']
    """
    if not records:
        return {n: pd.Series([], dtype=object) for n in names}
    arr = np.empty((len(records), len(names)), dtype=object)
    arr[:] = records  # rows were checked to have the header's width
    return {n: pd.Series(arr[:, j], dtype=object, copy=False) for j, n in enumerate(names)}


def read_delimited_table(
    path: str | Path,
    platform: str,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> Table:
    """A one-header-row delimited file (CSV/TSV/semicolon) as a :class:`Table` with keys = column names.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "r.csv"
    >>> _ = p.write_text("respondent_id;INF01\\nA;4\\n")
    >>> t = read_delimited_table(p, "csv")
    >>> t.columns, t.rows.tolist(), t.values["INF01"].tolist()
    (['respondent_id', 'INF01'], [2], ['4'])
    """
    data, sha = read_bytes(path)
    text, enc = decode(data, str(path), encoding)
    names, records, lines = parse_delimited(text, str(path), 1, delimiter)
    warnings: list[str] = []
    names = name_blank_columns([n.strip() for n in names], warnings)
    check_header(names, str(path))
    return Table(str(path), platform, names, [(n,) for n in names], columns_from_records(names, records), lines,
                 sha, len(data), enc, warnings=warnings)


def read_xlsx_table(path: str | Path, platform: str) -> Table:
    """The first sheet of an ``.xlsx`` workbook (header in row 1) as a :class:`Table`; rows = Excel row numbers.

    Examples
    --------
    >>> import tempfile, pathlib, openpyxl
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "r.xlsx"
    >>> wb = openpyxl.Workbook(); wb.active.append(['INF01']); wb.active.append([]); wb.active.append([4])
    >>> wb.save(p)
    >>> read_xlsx_table(p, "csv").rows.tolist()
    [3]
    """
    data, sha = read_bytes(path)
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise DataError(f"not a readable .xlsx workbook: {exc}", file=str(path)) from None
    ws = wb.worksheets[0]
    names: list[str] | None = None
    records: list[list[str]] = []
    lines: list[int] = []
    for r, row in enumerate(ws.iter_rows(values_only=True), start=1):
        cells = ["" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
                 for v in row]
        if names is None:
            if any(c.strip() for c in cells):
                while cells and not cells[-1].strip():
                    cells.pop()
                names = [c.strip() for c in cells]
            continue
        if not any(c.strip() for c in cells):
            continue
        extra = [c for c in cells[len(names):] if c.strip()]
        if extra:
            raise DataError(f"the row has a value beyond the last named column ({extra[0]!r})", file=str(path),
                            row=r)
        records.append((cells + [""] * len(names))[:len(names)])
        lines.append(r)
    wb.close()
    if names is None:
        raise DataError("the workbook's first sheet is empty", file=str(path))
    check_header(names, str(path))
    return Table(str(path), platform, names, [(n,) for n in names], columns_from_records(names, records),
                 np.asarray(lines, dtype=np.int64), sha, len(data), "xlsx")

