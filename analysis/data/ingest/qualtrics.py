"""Qualtrics response exports: CSV (UTF-8 with BOM, comma) or TSV (UTF-16 with BOM, tab), 3 header rows.

Row 1 holds the column names (export tags: our .qsf sets ``ChoiceDataExportTags`` = item codes), row 2 the
question texts (matrix: ``<stem> - <row text>``), row 3 JSON such as ``{"ImportId":"QID3_1"}`` or
``{"ImportId":"startDate","timeZone":"Europe/Helsinki"}`` (../shared/formats.md §1c). With the survey's
``.qsf`` (``structure=``) columns are keyed on the ImportId — robust against renamed headers — and
answer texts of a "choice text" export map to the RecodeValues. Without it, columns are keyed on row 1.
A file whose third row is not ImportId JSON is read with 2 header rows (names, question texts) or 1,
with a warning.

Metadata: ``ResponseId`` → respondent_id, ``Duration (in seconds)`` → duration_sec, ``Finished`` (1/0 or
True/False) → finished, ``UserLanguage`` (``EN``, ``ES-ES`` …) → language, ``Status`` (0/"IP Address" normal,
1/"Survey Preview", 2/"Survey Test", 4 imported, 8/"Spam", 16 offline) → ``status``; ``preview`` is True for
preview and test responses and for ``DistributionChannel`` = preview/test. ``-99`` (seen but unanswered
recode) is kept apart from not shown (:attr:`ResponseSet.unanswered`). IP address, recipient names and
e-mail, external reference and location are personal data.

Examples
--------
>>> normalise_status(pd.Series(["0", "Survey Preview", "8", "IP Address"])).tolist()
['normal', 'preview', 'spam', 'normal']
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.data.ingest.cells import to_bool, to_float
from analysis.data.ingest.codebook import norm_label
from analysis.data.ingest.tabular import (
    Table,
    check_header,
    columns_from_records,
    decode,
    name_blank_columns,
    parse_header_block,
    read_bytes,
    sniff_delimiter,
)
from vcd_core.errors import DataError

#: ImportId / column name (case-insensitive) → role.
ROLES: dict[str, str] = {
    "_recordid": "respondent_id", "responseid": "respondent_id",
    "duration": "duration_sec", "duration (in seconds)": "duration_sec", "duration__in_seconds_": "duration_sec",
    "finished": "finished", "userlanguage": "language", "q_language": "language", "status": "status",
    "ipaddress": "pii", "recipientlastname": "pii", "recipientfirstname": "pii", "recipientemail": "pii",
    "externaldatareference": "pii", "externalreference": "pii", "locationlatitude": "pii",
    "locationlongitude": "pii",
    "startdate": "platform", "enddate": "platform", "progress": "platform", "recordeddate": "platform",
    "distributionchannel": "platform",
}
STATUS: dict[str, str] = {
    "0": "normal", "ip address": "normal", "1": "preview", "survey preview": "preview", "2": "test",
    "survey test": "test", "4": "imported", "imported": "imported", "8": "spam", "spam": "spam",
    "16": "offline", "offline": "offline", "17": "offline preview", "offline survey preview": "offline preview",
}
PREVIEW_STATUSES = ("preview", "test", "offline preview")
UNANSWERED = -99.0


def normalise_status(raw: pd.Series) -> pd.Series:
    """Qualtrics ``Status`` codes or texts → ``normal preview test imported spam offline`` (others kept).

    Examples
    --------
    >>> normalise_status(pd.Series(["1", "Spam", "4.0"])).tolist()
    ['preview', 'spam', 'imported']
    """
    low = raw.astype(str).str.strip().str.casefold()
    return low.map(lambda s: STATUS.get(s, STATUS.get(s.split(".")[0], s) if s else None))


def _strip_html(s: str) -> str:
    return re.sub(r"<[^>]+>", " ", str(s)).replace("&nbsp;", " ")


def parse_qsf(path: str | Path) -> tuple[dict[str, str], dict[str, dict[str, float]], str]:
    """Read a ``.qsf``: ``{ImportId: export tag}``, ``{export tag: {answer text: recode value}}``, sha256.

    Matrix rows get ``ChoiceDataExportTags`` (else ``<DataExportTag>_<choice>``); answer texts of every
    language under ``Payload.Language`` map to ``RecodeValues`` (else the answer id).

    Examples
    --------
    >>> import tempfile, pathlib, json
    >>> q = {"SurveyEntry": {}, "SurveyElements": [{"Element": "SQ", "Payload": {"QuestionID": "QID3",
    ...      "DataExportTag": "INF", "QuestionType": "Matrix", "Choices": {"1": {"Display": "We gave …"}},
    ...      "ChoiceDataExportTags": {"1": "INF01"}, "Answers": {"1": {"Display": "Strongly disagree"}},
    ...      "RecodeValues": {"1": "1"}, "Language": {"DE": {"Answers": {"1": {"Display": "Stimme nicht zu"}}}}}}]}
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "s.qsf"
    >>> _ = p.write_text(json.dumps(q))
    >>> ids, labels, _ = parse_qsf(p)
    >>> ids["QID3_1"], labels["INF01"]["stimme nicht zu"]
    ('INF01', 1.0)
    """
    data, sha = read_bytes(path)
    try:
        qsf = json.loads(data.decode("utf-8-sig"))
        elements = qsf["SurveyElements"]
    except (ValueError, KeyError, TypeError) as exc:
        raise DataError(f"not a Qualtrics .qsf (JSON with SurveyElements): {exc}", file=str(path)) from None
    ids: dict[str, str] = {}
    labels: dict[str, dict[str, float]] = {}
    for el in elements:
        if not isinstance(el, dict) or el.get("Element") != "SQ":
            continue
        pl = el.get("Payload") or {}
        qid, tag, qtype = pl.get("QuestionID"), pl.get("DataExportTag") or pl.get("QuestionID"), pl.get("QuestionType")
        if not qid or not tag:
            continue
        recode = {str(k): v for k, v in (pl.get("RecodeValues") or {}).items()}
        langs = [pl] + [v for v in (pl.get("Language") or {}).values()] if isinstance(pl.get("Language"), dict) \
            else [pl]

        def texts(key: str, langs: list[dict[str, Any]] = langs, recode: dict[str, Any] = recode) -> dict[str, float]:
            out: dict[str, float] = {}
            for block in langs:
                for aid, a in (block.get(key) or {}).items():
                    disp = a.get("Display") if isinstance(a, dict) else None
                    val = recode.get(str(aid), aid)
                    try:
                        out.setdefault(norm_label(_strip_html(disp)), float(val)) if disp else None
                    except (TypeError, ValueError):
                        continue
            return out

        if qtype == "Matrix":
            tags = pl.get("ChoiceDataExportTags") or {}
            answers = texts("Answers")
            for cid in (pl.get("Choices") or {}):
                ctag = tags.get(str(cid)) if isinstance(tags, dict) else None
                ctag = ctag or f"{tag}_{cid}"
                ids[f"{qid}_{cid}"] = ctag
                labels[ctag] = answers
        elif qtype == "TE":
            ids[f"{qid}_TEXT"] = tag
        else:
            ids[qid] = tag
            if qtype == "MC":
                labels[tag] = texts("Choices")
                for cid in (pl.get("Choices") or {}):
                    ids[f"{qid}_{cid}_TEXT"] = f"{tag}_{cid}_TEXT"
    return ids, labels, sha


def _header_rows(head: list[list[str]]) -> int:
    """3 when row 3 is ImportId JSON; 2 when row 2 holds texts (e.g. ``Finished`` under ``Finished``); else 1."""
    if len(head) >= 3 and head[2] and head[2][0].lstrip().startswith("{"):
        return 3
    if len(head) >= 2:
        names = [n.strip().casefold() for n in head[0]]
        for probe in ("finished", "progress", "duration (in seconds)"):
            if probe in names:
                cell = head[1][names.index(probe)].strip()
                return 1 if re.fullmatch(r"[-+]?\d+(\.\d+)?|true|false", cell, re.I) else 2
    return 1


def read(path: str | Path, structure: str | Path | None = None, encoding: str | None = None) -> Table:
    """Read a Qualtrics CSV/TSV response export into a :class:`~analysis.data.ingest.tabular.Table`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "q.csv"
    >>> rows = ['Status,ResponseId,INF01', 'Response Type,Response ID,Q - We gave',
    ...         '"{""ImportId"":""status""}","{""ImportId"":""_recordId""}","{""ImportId"":""QID5_1""}"',
    ...         '1,R_x,4']
    >>> _ = p.write_text("\\n".join(rows) + "\\n", encoding="utf-8-sig")
    >>> t = read(p)
    >>> t.header_rows, t.rows.tolist(), t.meta["preview"].tolist(), t.keys[2]
    (3, [4], [True], ('INF01', 'QID5_1'))
    """
    file = str(path)
    data, sha = read_bytes(path)
    text, enc = decode(data, file, encoding)
    delim = sniff_delimiter(text.split("\n", 1)[0])
    # the first three records decide the layout
    first3 = _first_records(text, delim, 3)
    if first3 and first3[0][:2] == ["V1", "V2"] and len(first3) > 1 and first3[1][:1] == ["ResponseID"]:
        raise DataError("a legacy Qualtrics export (V1…V10 with names in row 2) is not supported; download the data "
                        "again with the current exporter (CSV, 3 header rows)", file=file, row=1, column="V1")
    nhead = _header_rows(first3)
    head, records, lines, head_lines = parse_header_block(text, file, nhead, delim)
    warnings: list[str] = []
    names = name_blank_columns([n.strip() for n in head[0]], warnings)
    import_ids: list[str | None] = [None] * len(names)
    if nhead == 3:
        for k, cell in enumerate(head[2]):
            try:
                obj = json.loads(cell) if cell.strip() else {}
                import_ids[k] = obj.get("ImportId") if isinstance(obj, dict) else None
            except ValueError:
                raise DataError(f"header row 3 is not ImportId JSON: {cell[:40]!r}", file=file, row=head_lines[2],
                                column=names[k]) from None
    else:
        warnings.append(f"{nhead} header row(s) instead of Qualtrics' 3 (no ImportId row); columns keyed on their "
                        "names")
    qids: dict[str, str] = {}
    qlabels: dict[str, dict[str, float]] = {}
    qsha = None
    if structure is not None:
        qids, qlabels, qsha = parse_qsf(structure)
        if nhead < 3:
            warnings.append("the .qsf cannot be used to key columns without the ImportId row; keyed on names")
    keys: list[tuple[str, ...]] = []
    for name, iid in zip(names, import_ids, strict=True):
        cand = []
        if iid and iid in qids:
            cand.append(qids[iid])
        cand.append(name)
        if iid and iid not in cand:
            cand.append(iid)
        keys.append(tuple(cand))
    if structure is not None and nhead == 3:
        # key uniqueness is on the ImportId, so duplicated visible names are allowed
        check_header([f"{k[0]}|{iid}" for k, iid in zip(keys, import_ids, strict=True)], file)
    else:
        check_header(names, file)
    values = columns_from_records(names, records)
    table = Table(file, "qualtrics", names, keys, values, lines, sha, len(data), enc, nhead, warnings=warnings)
    if structure is not None:
        table.structure, table.structure_sha256 = str(structure), qsha
        for name, key in zip(names, keys, strict=True):
            if key[0] in qlabels:
                table.labels[name] = qlabels[key[0]]
    roles: dict[str, str] = {}
    for name, iid in zip(names, import_ids, strict=True):
        role = ROLES.get((iid or "").casefold()) or ROLES.get(name.casefold())
        if role is None and name.startswith("Q_"):
            role = "platform"
        if role == "pii":
            table.pii.add(name)
        elif role == "platform":
            table.platform_cols.add(name)
        elif role:
            roles.setdefault(role, name)
    if structure is None:
        table.unmatched_hint = ("; Qualtrics columns are keyed on their export tags — pass the survey's .qsf "
                                "(--structure) to key them on ImportIds")
    _meta(table, roles)
    for name in names:
        table.unanswered_codes[name] = {UNANSWERED}
    return table


def _first_records(text: str, delim: str, n: int) -> list[list[str]]:
    import csv
    import io

    out = []
    for rec in csv.reader(io.StringIO(text, newline=""), delimiter=delim):
        if rec:
            out.append(rec)
        if len(out) >= n:
            break
    return out


def _meta(table: Table, roles: dict[str, str]) -> None:
    v = table.values
    if "respondent_id" in roles:
        c = roles["respondent_id"]
        s = v[c].astype(str).str.strip()
        table.meta["respondent_id"] = s.where(s != "", None)
        table.consumed.add(c)
    if "duration_sec" in roles:
        table.meta["duration_sec"] = to_float(v[roles["duration_sec"]])
        table.consumed.add(roles["duration_sec"])
    if "finished" in roles:
        table.meta["finished"] = to_bool(v[roles["finished"]])
        table.consumed.add(roles["finished"])
    if "language" in roles:
        table.meta["language"] = v[roles["language"]]
        table.consumed.add(roles["language"])
    preview = np.zeros(table.n, bool)
    if "status" in roles:
        st = normalise_status(v[roles["status"]])
        table.meta["status"] = st
        table.consumed.add(roles["status"])
        preview |= st.isin(PREVIEW_STATUSES).to_numpy()
        odd = sorted({s for s in st.dropna() if s not in STATUS.values()})
        if odd:
            table.warnings.append(f"unrecognised Status value(s) kept: {', '.join(odd[:5])}")
    chan = next((c for c in table.columns if c.casefold() == "distributionchannel"), None)
    if chan is not None:
        preview |= v[chan].astype(str).str.strip().str.casefold().isin(("preview", "test")).to_numpy()
    table.meta["preview"] = pd.Series(preview)

