"""XLSForm-based platforms: KoboToolbox, ODK Central and ODK Briefcase exports (CSV or XLSX).

Question columns carry their group path: KoboToolbox ``grp/INF01`` (``/`` separator, ``;``-separated and
fully quoted CSV by default), ODK Central and Briefcase ``grp-INF01``; the last path part is matched to the
bank's codes (XLSForm ``name`` = item code). Values are choice names (= scale values in our export);
"labels" exports map through the bank's labels. Metadata: ``_uuid`` / ``meta/instanceID`` /
``meta-instanceID`` / ``KEY`` → respondent_id; ``end − start`` → duration_sec; Kobo ``_id _submission_time
_validation_status _notes _status _submitted_by __version__ _tags _index`` and ODK Central ``SubmissionDate
SubmitterID SubmitterName AttachmentsPresent AttachmentsExpected Status ReviewState DeviceID Edits
FormVersion`` and our form's helper fields (``vcd_lang_src``, ``INF_hdr``) are kept as platform columns;
every exported record is a submitted form (finished); device ids, phone numbers and geolocation are
personal data.

Examples
--------
>>> keys_for("vcd_inf/INF01"), keys_for("vcd-INF01"), keys_for("_uuid")
(('INF01', 'vcd_inf/INF01'), ('INF01', 'vcd-INF01'), ('_uuid',))
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.data.ingest.csv import ALIASES
from analysis.data.ingest.tabular import Table, read_delimited_table, read_xlsx_table

ID_COLUMNS = ("_uuid", "meta/instanceID", "meta-instanceID", "KEY", "instanceID")
KOBO_META = ("_id", "_submission_time", "_validation_status", "_notes", "_status", "_submitted_by", "__version__",
             "_tags", "_index", "formhub/uuid", "meta/deprecatedID", "meta/rootUuid")
ODK_META = ("SubmissionDate", "SubmitterID", "SubmitterName", "AttachmentsPresent", "AttachmentsExpected", "Status",
            "ReviewState", "DeviceID", "Edits", "FormVersion", "start", "end", "today")
#: helper fields of our own XLSForm export (instrument/export/xlsform.py): the language picker and the
#: always-empty header row of each matrix (``INF_hdr``).
LANG_HELPER = "vcd_lang_src"
PII = ("deviceid", "phonenumber", "simserial", "subscriberid", "_geolocation", "username", "email")


def keys_for(name: str) -> tuple[str, ...]:
    """Candidate codes: the last part of a ``/`` or ``-`` group path, then the full name.

    Examples
    --------
    >>> keys_for("a/b/TIM_INF")
    ('TIM_INF', 'a/b/TIM_INF')
    """
    if name.startswith("_"):
        return (name,)
    for sep in ("/", "-"):
        if sep in name:
            return (name.rsplit(sep, 1)[1], name)
    return (name,)


def read(path: str | Path, structure: str | Path | None = None, encoding: str | None = None) -> Table:
    """Read a Kobo/ODK CSV or XLSX export into a :class:`~analysis.data.ingest.tabular.Table`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "k.csv"
    >>> rows = ['"start";"end";"g/INF01";"_uuid"', '"2026-01-01T10:00:00+02:00";"2026-01-01T10:01:30+02:00";"4";"u1"']
    >>> _ = p.write_text("\\n".join(rows) + "\\n")
    >>> t = read(p)
    >>> t.meta["duration_sec"].tolist(), t.meta["respondent_id"].tolist()
    ([90.0], ['u1'])
    """
    suffix = Path(path).suffix.lower()
    table = read_xlsx_table(path, "xlsform") if suffix in (".xlsx", ".xlsm") else read_delimited_table(
        path, "xlsform", encoding)
    table.keys = [keys_for(n) for n in table.columns]
    table.unmatched_hint = "; export with 'XML values and headers' (KoboToolbox) so that columns carry field names"
    lower = {n.casefold(): n for n in table.columns}
    rid = next((lower[c.casefold()] for c in ID_COLUMNS if c.casefold() in lower), None)
    if rid is not None:
        s = table.values[rid].astype(str).str.strip().str.replace(r"^uuid:", "", regex=True)
        table.meta["respondent_id"] = s.where(s != "", None)
        table.consumed.add(rid)
    for n in table.columns:
        last = keys_for(n)[0]
        if last.casefold() in PII or n.casefold() in PII or last.casefold().endswith(("_latitude", "_longitude")):
            table.pii.add(n)
        elif n in KOBO_META or n in ODK_META or last in ("start", "end", "today", "instanceID", "instanceName") \
                or n in ID_COLUMNS or last == LANG_HELPER or last.endswith("_hdr"):
            table.platform_cols.add(n)
        elif ALIASES.get(last.casefold()) in ("language", "duration_sec", "finished"):
            table.keys[table.columns.index(n)] = (ALIASES[last.casefold()], *table.keys[table.columns.index(n)])
    start = next((n for n in table.columns if keys_for(n)[0] == "start"), None)
    end = next((n for n in table.columns if keys_for(n)[0] == "end"), None)
    if start and end and "duration_sec" not in {k[0] for k in table.keys}:
        t0 = pd.to_datetime(table.values[start], errors="coerce", utc=True, format="ISO8601")
        t1 = pd.to_datetime(table.values[end], errors="coerce", utc=True, format="ISO8601")
        table.meta["duration_sec"] = (t1 - t0).dt.total_seconds().astype(float)
    if "finished" not in {k[0] for k in table.keys}:
        # an exported Kobo/ODK record is a submitted (finalised) form
        table.meta["finished"] = pd.Series(np.ones(table.n, bool), dtype="boolean")
    table.meta["preview"] = pd.Series(np.zeros(table.n, bool))
    return table
