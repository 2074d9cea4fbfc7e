"""LimeSurvey response exports: CSV with "question code" headings, answers as answer codes.

Columns (LimeSurvey ``Export responses`` → CSV, headings "Question code"): ``id submitdate lastpage
startlanguage seed startdate datestamp`` (+ ``ipaddr refurl`` when recorded, ``token firstname lastname email``
for participant surveys, ``interviewtime`` and ``…Time`` columns when timings are exported), then one column per
question, array rows as ``CODE[SQCODE]`` (formats.md §1d). Every field is double-quoted; the separator is a
comma unless chosen otherwise (``;`` and tab are recognised). ``submitdate`` empty = not finished.
Array subquestion codes are matched to bank codes (``INF[INF01]`` → INF01; LimeSurvey codes cannot hold
``_``, so ``TIMING[TIMINF]`` → TIM_INF). Answer codes become scale values through the survey structure
``.txt`` (``structure=``: A rows, label → the bank's value, else ``assessment_value``, else a numeric code);
without it, codes must be the values themselves or the bank's labels ("full answers" export).

Examples
--------
>>> keys_for("INF[INF01]")
('INF01', 'INFINF01', 'INF_INF01', 'INF[INF01]')
>>> keys_for("submitdate")
('submitdate',)
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.data.ingest.cells import to_float
from analysis.data.ingest.codebook import norm_label
from analysis.data.ingest.tabular import (
    Table,
    check_header,
    columns_from_records,
    decode,
    name_blank_columns,
    parse_delimited,
    read_bytes,
)
from vcd_core.errors import DataError

_BRACKET = re.compile(r"^([A-Za-z][A-Za-z0-9_]*)\[([^\]]+)\](?:\[([^\]]+)\])?$")
PLATFORM_COLS = {"submitdate", "lastpage", "seed", "startdate", "datestamp", "refurl"}
PII_COLS = {"ipaddr", "token", "firstname", "lastname", "email"}


def keys_for(name: str) -> tuple[str, ...]:
    """Candidate bank codes for a LimeSurvey column name, most specific first.

    Examples
    --------
    >>> keys_for("TIMING[TIMINF]")[:2]
    ('TIMINF', 'TIMINGTIMINF')
    """
    m = _BRACKET.match(name)
    if not m:
        return (name,)
    q, sq = m.group(1), m.group(2)
    return (sq, f"{q}{sq}", f"{q}_{sq}", name)


def parse_structure(path: str | Path) -> tuple[dict[str, dict[str, str]], str]:
    """Read a tab-separated survey structure: ``{question code: {answer code: answer text}}`` (keys
    ``"\\0av:<code>"`` carry assessment values) and its sha256.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "s.txt"
    >>> rows = ["class\\ttype/scale\\tname\\trelevance\\ttext\\tlanguage", "Q\\tF\\tINF\\t1\\tHow far…\\ten",
    ...         "SQ\\t0\\tINF01\\t1\\tWe gave …\\ten", "A\\t0\\tA1\\t\\tStrongly disagree\\ten",
    ...         "A\\t0\\tA7\\t\\tStrongly agree\\ten"]
    >>> _ = p.write_text("\\n".join(rows) + "\\n")
    >>> parse_structure(p)[0]["INF"]
    {'a1': 'Strongly disagree', 'a7': 'Strongly agree'}
    """
    data, sha = read_bytes(path)
    text, _ = decode(data, str(path))
    header, records, lines = parse_delimited(text, str(path), 1, "\t")
    cols = {h.strip(): k for k, h in enumerate(header)}
    for need in ("class", "name", "text"):
        if need not in cols:
            raise DataError(f"not a LimeSurvey structure file: no column {need!r}", file=str(path), row=1)

    def get(rec: list[str], c: str) -> str:
        return rec[cols[c]].strip() if c in cols else ""

    out: dict[str, dict[str, str]] = {}
    current = None
    base_lang = None
    for rec in records:
        cls = get(rec, "class")
        lang = get(rec, "language")
        if cls == "Q":
            current = get(rec, "name")
            base_lang = base_lang or lang
        elif cls == "A" and current and (not lang or lang == base_lang):
            code = get(rec, "name")
            av = get(rec, "assessment_value")
            entry = out.setdefault(current, {})
            entry[norm_label(code)] = get(rec, "text")
            if av:
                entry[f"\0av:{norm_label(code)}"] = av
    return out, sha


def read(path: str | Path, structure: str | Path | None = None, encoding: str | None = None) -> Table:
    """Read a LimeSurvey response CSV into a :class:`~analysis.data.ingest.tabular.Table`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "ls.csv"
    >>> _ = p.write_text('"id","submitdate","startlanguage","INF[INF01]"\\n"1","","de","4"\\n')
    >>> t = read(p)
    >>> t.meta["finished"].tolist(), t.keys[3][0]
    ([False], 'INF01')
    """
    file = str(path)
    data, sha = read_bytes(path)
    text, enc = decode(data, file, encoding)
    names, records, lines = parse_delimited(text, file, 1)
    warnings: list[str] = []
    names = name_blank_columns([n.strip() for n in names], warnings)
    check_header(names, file)
    table = Table(file, "limesurvey", names, [keys_for(n) for n in names], columns_from_records(names, records),
                  lines, sha, len(data), enc, warnings=warnings)
    low = {n.casefold(): n for n in names}
    if "id" in low:
        s = table.values[low["id"]].astype(str).str.strip()
        table.meta["respondent_id"] = s.where(s != "", None)
        table.consumed.add(low["id"])
    if "startlanguage" in low:
        table.meta["language"] = table.values[low["startlanguage"]]
        table.consumed.add(low["startlanguage"])
    if "submitdate" in low:
        sub = table.values[low["submitdate"]].astype(str).str.strip()
        table.meta["finished"] = pd.Series((sub != "") & (sub.str.upper() != "N/A"), dtype="boolean")
    if "interviewtime" in low:
        table.meta["duration_sec"] = to_float(table.values[low["interviewtime"]])
        table.consumed.add(low["interviewtime"])
    table.meta["preview"] = pd.Series(np.zeros(table.n, bool))
    for n in names:
        if n.casefold() in PII_COLS:
            table.pii.add(n)
        elif n.casefold() in PLATFORM_COLS or re.fullmatch(r"(groupTime\d+|.+Time)", n):
            table.platform_cols.add(n)
    table.unmatched_hint = "; export responses with 'Question code' headings"
    if structure is None:
        table.label_hint = " (answer codes need the survey structure: --structure survey.txt)"
    else:
        raw, ssha = parse_structure(structure)
        table.structure, table.structure_sha256 = str(structure), ssha
        for n in names:
            m = _BRACKET.match(n)
            q = m.group(1) if m else n
            if q in raw:
                table.answer_texts[n] = raw[q]
    return table
