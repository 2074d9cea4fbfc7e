"""Recognise the platform that wrote a response file from its extension and first rows.

Rules, in order: ``.sav``/``.zsav`` → spss; a third header row of ``{"ImportId": …}`` JSON, or
``ResponseId`` with ``Duration (in seconds)``/``StartDate`` → qualtrics; ``id`` with ``submitdate`` /
``startlanguage`` / ``lastpage``, or ``CODE[SQ]`` columns → limesurvey; ``redcap_*`` or ``*_complete``
columns, or a first column ``record_id`` → redcap; ``_uuid``/``_submission_time``, ``meta/instanceID``,
``meta-instanceID``/``KEY`` or group paths ``grp/INF01`` → xlsform; otherwise csv.

Examples
--------
>>> detect_header(["StartDate", "EndDate", "Status", "ResponseId", "Duration (in seconds)"])
'qualtrics'
>>> detect_header(["id", "submitdate", "lastpage", "startlanguage", "INF[INF01]"])
'limesurvey'
>>> detect_header(["record_id", "inf01", "vcd_complete"])
'redcap'
>>> detect_header(["start", "end", "vcd/INF01", "_uuid", "_submission_time"])
'xlsform'
>>> detect_header(["respondent_id", "INF01"])
'csv'
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from analysis.data.ingest.tabular import read_bytes, sniff_delimiter
from vcd_core.errors import DataError

_BRACKET = re.compile(r"^[A-Za-z][A-Za-z0-9_]*\[[^\]]+\]$")


def detect_header(names: list[str], third_row: list[str] | None = None) -> str:
    """The platform implied by a header row (and, for Qualtrics, the third row).

    Examples
    --------
    >>> detect_header(["ResponseId", "INF01"], ['{"ImportId":"_recordId"}', '{"ImportId":"QID5_1"}'])
    'qualtrics'
    """
    low = {n.strip().casefold() for n in names}
    if third_row and third_row[0].lstrip().startswith("{") and "importid" in third_row[0].casefold():
        return "qualtrics"
    if "responseid" in low and ({"duration (in seconds)", "startdate", "recordeddate"} & low):
        return "qualtrics"
    if names and names[0].strip().casefold() == "id" and ({"submitdate", "startlanguage", "lastpage"} & low):
        return "limesurvey"
    if sum(bool(_BRACKET.match(n.strip())) for n in names) >= 2:
        return "limesurvey"
    if any(n.startswith("redcap_") for n in low) or any(n.endswith("_complete") for n in low) or (
            names and names[0].strip() == "record_id"):
        return "redcap"
    if {"_uuid", "_submission_time", "meta/instanceid", "meta-instanceid", "instanceid"} & low or (
            "key" in low and "submissiondate" in low) or sum("/" in n for n in names) >= 2:
        return "xlsform"
    return "csv"


def detect_platform(path: str | Path) -> str:
    """Detect the platform of a response file (see module docs for the rules).

    Examples
    --------
    >>> detect_platform("missing.csv")
    Traceback (most recent call last):
    ...
    vcd_core.errors.DataError: missing.csv: no such file
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".sav", ".zsav"):
        return "spss"
    data, _ = read_bytes(p)
    if suffix in (".xlsx", ".xlsm"):
        import openpyxl

        try:
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
            first = next(wb.worksheets[0].iter_rows(values_only=True), ())
            wb.close()
        except Exception as exc:  # any unreadable workbook
            raise DataError(f"not a readable .xlsx workbook: {exc}", file=str(path)) from None
        return detect_header([str(v) for v in first if v is not None])
    head = data[:262144]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head[: len(head) // 2 * 2].decode("utf-16", errors="ignore")
    else:
        text = head.decode("utf-8-sig", errors="replace")
    first_line = text.split("\n", 1)[0]
    delim = sniff_delimiter(first_line)
    rows = []
    try:
        for rec in csv.reader(io.StringIO(text, newline=""), delimiter=delim):
            if rec:
                rows.append(rec)
            if len(rows) >= 3:
                break
    except csv.Error:
        pass
    if not rows:
        raise DataError("the file is empty", file=str(path))
    return detect_header(rows[0], rows[2] if len(rows) >= 3 else None)
