"""Write a simulated study: a plain item-code CSV or a Qualtrics response export, plus ``truth.json``.

The Qualtrics layout is the "numeric values" CSV export (../shared/formats.md §1c): UTF-8 with BOM, three
header rows — export tags (our .qsf sets them to the bank's codes), question texts (matrix rows
``<stem> - <row text>``), ImportId JSON — then the metadata block (StartDate … UserLanguage, ``Status`` 0,
``Finished`` 1, ``Duration (in seconds)``), the context questions as their choice values, the construct matrices
(items and attention checks in page order) and the timing matrix. Missing answers are empty cells.

Examples
--------
>>> import tempfile, pathlib
>>> from instrument.validate import check_bank
>>> from analysis.data.simulate import SimulationSpec, simulate
>>> sim = simulate(check_bank()[0], SimulationSpec(countries=("FI",), n_per_country=5, seed=1))
>>> out = write_simulation(sim, pathlib.Path(tempfile.mkdtemp()), fmt="qualtrics")
>>> sorted(p.name for p in out.values())
['responses_qualtrics.csv', 'truth.json']
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.data.simulate.layout import Layout, build_layout
from analysis.data.simulate.spec import Simulation
from vcd_core.errors import DataError

__all__ = ["FORMATS", "QUALTRICS_META", "write_simulation"]

FORMATS: tuple[str, ...] = ("csv", "qualtrics")
#: Qualtrics metadata columns: (name, question text, ImportId).
QUALTRICS_META: tuple[tuple[str, str, str], ...] = (
    ("StartDate", "Start Date", "startDate"), ("EndDate", "End Date", "endDate"),
    ("Status", "Response Type", "status"), ("IPAddress", "IP Address", "ipAddress"),
    ("Progress", "Progress", "progress"), ("Duration (in seconds)", "Duration (in seconds)", "duration"),
    ("Finished", "Finished", "finished"), ("RecordedDate", "Recorded Date", "recordedDate"),
    ("ResponseId", "Response ID", "_recordId"), ("RecipientLastName", "Recipient Last Name", "recipientLastName"),
    ("RecipientFirstName", "Recipient First Name", "recipientFirstName"),
    ("RecipientEmail", "Recipient Email", "recipientEmail"),
    ("ExternalReference", "External Data Reference", "externalDataReference"),
    ("LocationLatitude", "Location Latitude", "locationLatitude"),
    ("LocationLongitude", "Location Longitude", "locationLongitude"),
    ("DistributionChannel", "Distribution Channel", "distributionChannel"),
    ("UserLanguage", "User Language", "userLanguage"),
)


def _num(v: Any) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _text(mapping: Any, lang: str) -> str:
    if not mapping:
        return ""
    v = mapping.get(lang) if hasattr(mapping, "get") else None
    if v is None:
        v = next(iter(mapping.values()))
    return getattr(v, "text", v) or ""


def _qualtrics(sim: Simulation, inst: Any, lay: Layout) -> str:
    d = sim.data
    src = inst.source_language
    names, texts, ids = [m[0] for m in QUALTRICS_META], [m[1] for m in QUALTRICS_META], []
    tz = "Europe/Helsinki"
    for _, _, iid in QUALTRICS_META:
        ids.append({"ImportId": iid, "timeZone": tz} if iid in ("startDate", "endDate", "recordedDate")
                   else {"ImportId": iid})
    cols: list[list[str]] = []
    n = len(d)
    start = dt.datetime(2027, 3, 1, 8, 0, 0) + pd.to_timedelta(np.arange(n) * 97, unit="s")
    dur = d["duration_sec"].to_numpy(float)
    end = start + pd.to_timedelta(np.nan_to_num(dur), unit="s")
    fmt = "%Y-%m-%d %H:%M:%S"
    lang_q = {lg.code: lg.qualtrics for lg in inst.languages}
    prev = d["preview"].astype(bool).tolist() if "preview" in d.columns else [False] * n
    meta_vals = {
        "StartDate": start.strftime(fmt), "EndDate": end.strftime(fmt),
        "Status": ["1" if v else "0" for v in prev], "IPAddress": [""] * n,
        "Progress": ["100"] * n, "Duration (in seconds)": [_num(v) for v in dur],
        "Finished": ["1" if f else "0" for f in d["finished"].fillna(False)], "RecordedDate": end.strftime(fmt),
        "ResponseId": d["respondent_id"].astype(str).tolist(), "RecipientLastName": [""] * n,
        "RecipientFirstName": [""] * n, "RecipientEmail": [""] * n, "ExternalReference": [""] * n,
        "LocationLatitude": [""] * n, "LocationLongitude": [""] * n,
        "DistributionChannel": ["preview" if v else "anonymous" for v in prev],
        "UserLanguage": [lang_q.get(v, str(v).upper()) for v in d["language"]],
    }
    cols = [list(meta_vals[m]) for m in names]
    qid = 0

    def add(name: str, text: str, import_id: str, values: list[str]) -> None:
        names.append(name)
        texts.append(text)
        ids.append({"ImportId": import_id})
        cols.append(values)

    # context select questions: choice values (numeric export)
    selects = [("COUNTRY", "country", lay.country_values), ("RELTYPE", "relationship_type",
                                                           lay.select_values["RELTYPE"]),
               ("PHASE", "phase", lay.select_values["PHASE"])]
    for code, column, values in selects:
        qid += 1
        try:
            label = _text(inst.context_question(code).label, src)
        except Exception:  # noqa: BLE001 - the bank may not define it yet
            label = column.replace("_", " ")
        add(code, label, f"QID{qid}", [str(values.get(v, v)) if values else str(v) for v in d[column]])
    for q in lay.other_context:
        if q.code not in d.columns:
            continue
        qid += 1
        vals = {ch.code: ch.value for ch in q.choices}
        add(q.code, _text(q.label, src), f"QID{qid}", [_num(vals.get(v, v)) for v in d[q.code]])
    # construct matrices, items and checks in page order
    for c in lay.constructs:
        qid += 1
        con = inst.construct(c)
        stem = _text((con.stem or {}).get(lay.perspective, {}), src) or _text(con.label, src)
        rows = [r for r in lay.page_order if lay.item_construct.get(r) == c
                or (r in lay.checks and _check_construct(inst, r, lay) == c)]
        for k, code in enumerate(rows, start=1):
            if code in lay.checks:
                try:
                    row_text = next(_text(ch.text, src) for ch in inst.checks if ch.code == code)
                except StopIteration:
                    row_text = f"Please select {lay.checks[code]} for this statement."
            else:
                row_text = inst.item(code).wording(src)
            add(code, f"{stem} - {row_text}", f"QID{qid}_{k}", [_num(v) for v in d[code]])
    qid += 1
    for k, (_r, column) in enumerate(lay.timing.items(), start=1):
        if column in d.columns:
            add(column, f"When did this occur? - {_r}", f"QID{qid}_{k}", [_num(v) for v in d[column]])
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(names)
    w.writerow(texts)
    w.writerow([json.dumps(i, separators=(",", ":")) for i in ids])
    for row in zip(*cols, strict=True):
        w.writerow(row)
    return buf.getvalue()


def _check_construct(inst: Any, code: str, lay: Layout) -> str | None:
    """The construct whose matrix holds check ``code`` (the one of the item it follows in page order)."""
    page = list(lay.page_order)
    for prev in reversed(page[: page.index(code)]):
        if prev in lay.item_construct:
            return lay.item_construct[prev]
    return lay.constructs[0]


def write_simulation(sim: Simulation, folder: str | Path, fmt: str = "csv", inst: Any | None = None) -> dict[str, Path]:
    """Write the responses (``responses.csv`` or ``responses_qualtrics.csv``) and ``truth.json`` into ``folder``.

    Parameters
    ----------
    sim : Simulation
    folder : str or Path
        Created if absent.
    fmt : {"csv", "qualtrics"}
        Plain item-code CSV (ResponseSet columns) or a Qualtrics numeric-values CSV export (3 header rows).
    inst : Instrument, optional
        The bank the study was simulated from (default: the bundled bank as it stands).

    Returns
    -------
    dict
        ``{"responses": path, "truth": path}``.

    Examples
    --------
    >>> import tempfile
    >>> from analysis.data.simulate import demo_spec, simulate
    >>> from instrument.validate import check_bank
    >>> inst = check_bank()[0]
    >>> paths = write_simulation(simulate(inst, demo_spec(2, n_per_country=30)), tempfile.mkdtemp(), inst=inst)
    >>> sorted(p.name for p in paths.values())
    ['responses.csv', 'truth.json']
    """
    if fmt not in FORMATS:
        raise DataError(f"unknown format {fmt!r}; use {', '.join(FORMATS)}")
    if inst is None:
        from instrument.validate import check_bank

        inst = check_bank()[0]
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        path = out / "responses.csv"
        sim.data.to_csv(path, index=False, float_format="%g")
    else:
        lay = build_layout(inst, sim.spec.perspective, sim.spec.constructs)
        path = out / "responses_qualtrics.csv"
        path.write_bytes(b"\xef\xbb\xbf" + _qualtrics(sim, inst, lay).encode("utf-8"))
    truth = out / "truth.json"
    truth.write_text(json.dumps(sim.truth, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return {"responses": path, "truth": truth}
