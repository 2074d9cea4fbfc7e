"""SPSS ``.sav`` files (e.g. Qualtrics' SPSS export, or a file prepared by hand), read with pyreadstat.

Read with ``user_missing=True``: user-defined missing values (e.g. -99 "seen but unanswered") are kept apart
from system-missing (:attr:`ResponseSet.unanswered`). Variables named by bank codes (any case) are mapped;
their value labels are checked against the bank's scale (a label that names another value — a reversed or
shifted coding — is an error). LimeSurvey's SPSS names ``INF_INF01`` map to INF01. ``source_row`` is the
case number. Qualtrics variable names
(``ResponseId``, ``Duration__in_seconds_``, ``Finished``, ``Status``, ``UserLanguage``, ``DistributionChannel``)
fill the metadata as for the CSV export.

Examples
--------
>>> import tempfile, pathlib, pandas as pd, pyreadstat
>>> p = pathlib.Path(tempfile.mkdtemp()) / "r.sav"
>>> pyreadstat.write_sav(pd.DataFrame({"ResponseId": ["R_1"], "INF01": [7.0]}), str(p))
>>> t = read(p)
>>> t.meta["respondent_id"].tolist(), t.values["INF01"].tolist(), t.rows.tolist()
(['R_1'], [7.0], [1])
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.data.ingest.csv import ALIASES
from analysis.data.ingest.qualtrics import ROLES, _meta
from analysis.data.ingest.tabular import Table, read_bytes
from vcd_core.errors import DataError


def keys_for(name: str) -> tuple[str, ...]:
    """Candidate codes: the name, then the part after the last ``_`` (LimeSurvey's SPSS names ``INF_INF01``).

    Examples
    --------
    >>> keys_for("INF_INF01"), keys_for("TIM_INF"), keys_for("INF01")
    (('INF_INF01', 'INF01'), ('TIM_INF', 'INF'), ('INF01',))
    """
    if "_" in name.strip("_"):
        return (name, name.rstrip("_").rsplit("_", 1)[1])
    return (name,)


def read(path: str | Path, structure: str | Path | None = None, encoding: str | None = None) -> Table:
    """Read a ``.sav`` file into a :class:`~analysis.data.ingest.tabular.Table`.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd, pyreadstat
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "r.sav"
    >>> pyreadstat.write_sav(pd.DataFrame({"INF01": [1.0, -99.0]}), str(p), missing_ranges={"INF01": [-99.0]})
    >>> read(p).unanswered_codes["INF01"]
    {-99.0}
    """
    import pyreadstat

    data, sha = read_bytes(path)
    try:
        df, meta = pyreadstat.read_sav(str(path), user_missing=True, encoding=encoding)
    except Exception as exc:  # pyreadstat raises ReadstatError and others for broken files
        raise DataError(f"not a readable SPSS .sav file: {str(exc).splitlines()[0]}", file=str(path)) from None
    names = [str(c) for c in df.columns]
    lower = [n.casefold() for n in names]
    dups = [n for k, n in enumerate(lower) if n in lower[:k]]
    if dups:
        raise DataError("duplicated variable name (SPSS names are case-insensitive)", file=str(path), row=1,
                        column=dups[0])
    values = {n: df[n].reset_index(drop=True) for n in names}
    table = Table(str(path), "spss", names, [keys_for(n) for n in names], values,
                  np.arange(1, len(df) + 1, dtype=np.int64), sha, len(data), meta.file_encoding or "sav", 0)
    for n, ranges in (meta.missing_ranges or {}).items():
        col = df[n]
        if not pd.api.types.is_numeric_dtype(col.dtype):
            continue
        codes: set[float] = set()
        x = col.dropna().unique()
        for r in ranges:
            bounds: Any = r  # pyreadstat: {"lo": …, "hi": …}
            lo, hi = float(bounds["lo"]), float(bounds["hi"])
            codes |= {float(v) for v in x if lo <= v <= hi}
            if lo == hi:
                codes.add(lo)
        table.unanswered_codes[n] = codes
    for n, labs in (meta.variable_value_labels or {}).items():
        table.value_labels[n] = {float(k): str(v) for k, v in labs.items()}
    roles: dict[str, str] = {}
    for n in names:
        role = ROLES.get(n.casefold())
        if role is None and ALIASES.get(n.casefold()) in ("respondent_id", "language", "duration_sec", "finished"):
            role = ALIASES[n.casefold()]
        if role == "pii":
            table.pii.add(n)
        elif role == "platform" or n.startswith("Q_"):
            table.platform_cols.add(n)
        elif role:
            roles.setdefault(role, n)
    for role, n in roles.items():
        if not pd.api.types.is_numeric_dtype(values[n].dtype) or role in ("duration_sec", "finished", "status"):
            continue
        values[n] = values[n].map(lambda v: None if pd.isna(v) else f"{v:g}")
    _meta(table, roles)
    return table
