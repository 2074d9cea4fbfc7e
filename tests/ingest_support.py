"""Shared helpers of tests/test_ingest_*.py: the bank, fixture paths, platform files written from synthetic answers.

The hand-written fixtures in tests/fixtures/ingest/ refer to the bundled bank's codes and choice values
(COUNTRY FI = 15, DE = 11, ES = 14; RELTYPE B2C = 1 …; PHASE before = 1 …) and, in the choice-text export, its labels.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.data.ingest import default_instrument
from instrument.model import Instrument

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "ingest"


def bank() -> Instrument:
    """The bundled item bank (validated when it validates)."""
    return default_instrument()[0]


# -- synthetic answers written in each platform's layout (the "generated" fixtures) --------------------------


def synthetic(inst: Instrument, perspective: str = "provider", n: int = 40, seed: int = 1) -> pd.DataFrame:
    """Random answers to every item of ``perspective`` (≈5 % missing), with ids, language, duration, finished."""
    rng = np.random.default_rng(seed)
    items = [i.code for i in inst.items(perspective=perspective)]
    d = pd.DataFrame({"respondent_id": [f"R_{k:05d}" for k in range(n)],
                      "language": rng.choice(list(inst.language_codes), n),
                      "duration_sec": rng.integers(120, 2000, n).astype(float),
                      "finished": rng.random(n) > 0.1})
    for code in items:
        sc = inst.scale(inst.item(code).scale)
        x = rng.choice(sc.values, n).astype(float)
        x[rng.random(n) < 0.05] = np.nan
        d[code] = x
    return d


def _csv_bytes(rows, delimiter=",", lineterminator="\n", encoding="utf-8", quoting=csv.QUOTE_MINIMAL) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator=lineterminator, quoting=quoting).writerows(rows)
    return buf.getvalue().encode(encoding)


def _cell(v) -> str:
    if isinstance(v, float):
        return "" if np.isnan(v) else f"{v:g}"
    return str(v)


def write_qualtrics(d: pd.DataFrame, path: Path, inst: Instrument, items: list[str]) -> None:
    """Qualtrics numeric export: BOM, 3 header rows (names, texts, ImportId JSON), one matrix QID per construct."""
    qual = {lang.code: lang.qualtrics for lang in inst.languages}
    names = ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)", "Finished",
             "RecordedDate", "ResponseId", "DistributionChannel", "UserLanguage"]
    texts = ["Start Date", "End Date", "Response Type", "IP Address", "Progress", "Duration (in seconds)",
             "Finished", "Recorded Date", "Response ID", "Distribution Channel", "User Language"]
    tz = "Europe/Helsinki"
    ids = [{"ImportId": "startDate", "timeZone": tz}, {"ImportId": "endDate", "timeZone": tz},
           {"ImportId": "status"}, {"ImportId": "ipAddress"}, {"ImportId": "progress"}, {"ImportId": "duration"},
           {"ImportId": "finished"}, {"ImportId": "recordedDate", "timeZone": tz},
           {"ImportId": "_recordId"}, {"ImportId": "distributionChannel"}, {"ImportId": "userLanguage"}]
    qid: dict[str, int] = {}
    row: dict[str, int] = {}
    for code in items:
        item = inst.item(code)
        q = qid.setdefault(item.construct_code, len(qid) + 10)
        row[item.construct_code] = row.get(item.construct_code, 0) + 1
        names.append(code)
        texts.append(f"{inst.construct(item.construct).stem[item.perspective]['en']} - {item.wording('en')}")
        ids.append({"ImportId": f"QID{q}_{row[item.construct_code]}"})
    rows = [names, texts, [json.dumps(i, separators=(",", ":")) for i in ids]]
    for _, r in d.iterrows():
        rows.append(["2026-03-02 09:14:03", "2026-03-02 09:21:40", "0", "192.0.2.1",
                     "100" if r["finished"] else "57", f"{r['duration_sec']:g}", "1" if r["finished"] else "0",
                     "2026-03-02 09:21:41", r["respondent_id"], "anonymous", qual[r["language"]]]
                    + [_cell(r[c]) for c in items])
    path.write_bytes(b"\xef\xbb\xbf" + _csv_bytes(rows))


def write_limesurvey(d: pd.DataFrame, path: Path, inst: Instrument, items: list[str]) -> None:
    """LimeSurvey response CSV: question-code headings CODE[SQ], all fields quoted, answer codes = values."""
    names = ["id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp", "interviewtime"]
    names += [f"{inst.item(c).construct_code}[{c}]" for c in items]
    rows = [names]
    for k, (_, r) in enumerate(d.iterrows(), start=1):
        rows.append([str(k), "2026-03-02 09:21:40" if r["finished"] else "", "3", r["language"], "123",
                     "2026-03-02 09:14:03", "2026-03-02 09:21:40", f"{r['duration_sec']:g}"]
                    + [_cell(r[c]) for c in items])
    path.write_bytes(_csv_bytes(rows, quoting=csv.QUOTE_ALL, lineterminator="\r\n"))


def write_redcap(d: pd.DataFrame, path: Path, inst: Instrument, items: list[str]) -> None:
    """REDCap raw export: record_id first, lower-case field names, <form>_timestamp and <form>_complete."""
    names = ["record_id", "redcap_survey_identifier", "vcd_timestamp"] + [c.lower() for c in items] + ["vcd_complete"]
    rows = [names]
    for k, (_, r) in enumerate(d.iterrows(), start=1):
        rows.append([str(k), "", "2026-03-02 09:21:40" if r["finished"] else "[not completed]"]
                    + [_cell(r[c]) for c in items] + ["2" if r["finished"] else "0"])
    path.write_bytes(_csv_bytes(rows))


def write_kobo(d: pd.DataFrame, path: Path, inst: Instrument, items: list[str]) -> None:
    """KoboToolbox CSV: ';' separated, every field quoted, group/name headers, Kobo meta columns last."""
    names = ["start", "end"] + [f"vcd_{inst.item(c).construct_code.lower()}/{c}" for c in items]
    names += ["_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status", "_submitted_by",
              "__version__", "_tags", "_index"]
    rows = [names]
    for k, (_, r) in enumerate(d.iterrows(), start=1):
        t0 = pd.Timestamp("2026-03-02T09:00:00+02:00")
        t1 = t0 + pd.Timedelta(seconds=float(r["duration_sec"]))
        rows.append([t0.isoformat(timespec="milliseconds"), t1.isoformat(timespec="milliseconds")]
                    + [_cell(r[c]) for c in items]
                    + [str(4000 + k), r["respondent_id"], "2026-03-02T07:30:00", "", "", "submitted_via_web", "",
                       "vAbc", "", str(k)])
    path.write_bytes(_csv_bytes(rows, delimiter=";", quoting=csv.QUOTE_ALL))
