"""REDCap data exports: "CSV / Microsoft Excel (raw data)" — field names as headers, raw coded values.

The first column is the record id field (``record_id`` by default); field names are lower case (``inf01``,
``tim_inf``, ``att1``) and match the bank's codes case-insensitively. Survey projects add
``redcap_survey_identifier``, ``<instrument>_timestamp`` (``[not completed]`` while unfinished) and
``<instrument>_complete`` (0 incomplete, 1 unverified, 2 complete → finished). Longitudinal projects add
``redcap_event_name``, repeating instruments ``redcap_repeat_instrument`` and ``redcap_repeat_instance``: their
rows are kept, with ``respondent_id`` = ``record|event|instrument#instance``, and reported. A file whose
headers are field labels ("Record ID") is rejected: export raw headers.

Examples
--------
>>> is_field_name("inf01"), is_field_name("Record ID")
(True, False)
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.data.ingest.tabular import Table, read_delimited_table, read_xlsx_table
from vcd_core.errors import DataError

_FIELD = re.compile(r"^[a-z][a-z0-9_]*$")
PLATFORM_COLS = ("redcap_event_name", "redcap_repeat_instrument", "redcap_repeat_instance",
                 "redcap_data_access_group", "redcap_survey_identifier")


def is_field_name(name: str) -> bool:
    """True for a REDCap variable name (lower-case letters, digits, ``_``; starts with a letter).

    Examples
    --------
    >>> is_field_name("tim_inf"), is_field_name("TIM_INF")
    (True, False)
    """
    return bool(_FIELD.match(name))


def read(path: str | Path, structure: str | Path | None = None, encoding: str | None = None) -> Table:
    """Read a REDCap raw CSV (or XLSX) data export into a :class:`~analysis.data.ingest.tabular.Table`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "rc.csv"
    >>> _ = p.write_text("record_id,inf01,vcd_complete\\n7,5,2\\n")
    >>> t = read(p)
    >>> t.meta["respondent_id"].tolist(), t.meta["finished"].tolist()
    (['7'], [True])
    """
    suffix = Path(path).suffix.lower()
    table = read_xlsx_table(path, "redcap") if suffix in (".xlsx", ".xlsm") else read_delimited_table(
        path, "redcap", encoding)
    names = table.columns
    bad = [n for n in names if not is_field_name(n)]
    if bad:
        raise DataError("header is not a REDCap field name (a labels export?); export 'CSV / Microsoft Excel "
                        "(raw data)' with raw headers", file=table.path, row=1, column=bad[0])
    rec = names[0]
    rid = table.values[rec].astype(str).str.strip()
    parts = [rid]
    for extra in ("redcap_event_name", "redcap_repeat_instrument"):
        if extra in table.values:
            parts.append(table.values[extra].astype(str).str.strip())
    if len(parts) > 1:
        inst = table.values.get("redcap_repeat_instance")
        inst = inst.astype(str).str.strip() if inst is not None else pd.Series([""] * table.n)
        composed = []
        for k in range(table.n):
            bits = [p.iloc[k] for p in parts[1:] if p.iloc[k]]
            tail = "|".join(bits) + (f"#{inst.iloc[k]}" if inst.iloc[k] else "")
            composed.append(f"{parts[0].iloc[k]}|{tail}" if tail else parts[0].iloc[k])
        table.meta["respondent_id"] = pd.Series(composed, dtype=object)
        table.platform_cols.add(rec)
        if "redcap_repeat_instrument" in table.values:
            rep = table.values["redcap_repeat_instrument"].astype(str).str.strip()
            if (rep != "").any():
                table.warnings.append(f"{int((rep != '').sum())} row(s) of repeating instrument(s) "
                                      f"{', '.join(sorted(set(rep[rep != ''])))} kept (respondent_id = record|…#n)")
    else:
        table.meta["respondent_id"] = rid.where(rid != "", None)
        table.consumed.add(rec)
    for n in names:
        if n in PLATFORM_COLS or n.endswith("_timestamp") or n.endswith("_complete"):
            table.platform_cols.add(n)
    complete = [n for n in names if n.endswith("_complete")]
    stamps = [n for n in names if n.endswith("_timestamp")]
    if complete:
        vals = np.column_stack([table.values[c].astype(str).str.strip().to_numpy() for c in complete])
        fin = pd.Series((vals == "2").all(axis=1), dtype="boolean")
        fin[(vals == "").all(axis=1)] = pd.NA
        table.meta["finished"] = fin
    elif stamps:
        s = table.values[stamps[-1]].astype(str).str.strip()
        fin = pd.Series((s != "") & (s != "[not completed]"), dtype="boolean")
        fin[s == ""] = pd.NA
        table.meta["finished"] = fin
    table.meta["preview"] = pd.Series(np.zeros(table.n, bool))
    return table
