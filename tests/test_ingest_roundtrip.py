"""Export → respond → import: the column names of each platform's response file follow from our own export
(instrument/export), and the importer maps them back to the same codes with identical values.

Qualtrics: names = the .qsf's export tags, ImportIds from its QIDs; LimeSurvey: ``Q[SQ]`` columns of the
structure file, answer codes resolved through it; REDCap: the dictionary's field names (lower case);
XLSForm (Kobo CSV): ``group/name`` from the survey sheet."""

from __future__ import annotations

import csv
import io
import json
import re

import numpy as np
import openpyxl
import pytest
from ingest_support import bank

from analysis.data.ingest import read_responses
from analysis.data.ingest.qualtrics import parse_qsf
from instrument import export
from instrument.export.limesurvey import read_limesurvey
from instrument.export.redcap import read_redcap


def _bytes(rows, delimiter=",", quoting=csv.QUOTE_MINIMAL) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\n", quoting=quoting).writerows(rows)
    return buf.getvalue().encode("utf-8")


@pytest.fixture(scope="module", params=["provider", "customer"])
def setup(request, tmp_path_factory):
    perspective = request.param
    inst = bank()
    out = tmp_path_factory.mktemp(f"export_{perspective}")
    files = {fmt: export.EXPORTERS[fmt](inst, perspective, ["en", "de"], out).files
             for fmt in ("qualtrics", "limesurvey", "redcap", "xlsform")}
    from instrument.export._common import build_survey

    survey = build_survey(inst, perspective, ["en", "de"])
    rng = np.random.default_rng(17)
    n = 25
    answers: dict[str, np.ndarray] = {}
    for q in survey.questions:
        if q.type == "matrix":
            for r in q.rows:
                x = rng.choice(q.values, n).astype(float)
                x[rng.random(n) < 0.1] = np.nan
                answers[r.code] = x
        elif q.type == "select_one":
            answers[q.name] = rng.choice(q.values, n).astype(float)
        elif q.type == "integer":
            answers[q.name] = rng.integers(0, 50, n).astype(float)
    return inst, perspective, files, survey, answers, n


def _cell(x: float) -> str:
    return "" if np.isnan(x) else f"{x:g}"


def _expected(inst, survey, answers):
    """Column of the ResponseSet → expected values (choice codes for select_one questions)."""
    out = {}
    for q in survey.questions:
        if q.type == "matrix":
            out.update({r.code: answers[r.code] for r in q.rows})
        elif q.type == "select_one":
            cq = inst.context_question(q.code)
            out[cq.column or cq.code] = [cq.choice(int(v)).code for v in answers[q.name]]
        elif q.type == "integer":
            out[q.name] = answers[q.name]
    return out


def _assert(rs, inst, survey, answers):
    exp = _expected(inst, survey, answers)
    # context questions (choices), the timing matrix and the attention checks take part
    assert {"country", "relationship_type", "phase", "INDUSTRY", "TIM_INF", "ATT1", "ATT2"} <= set(exp)
    assert rs.data["relationship_type"].notna().all() and rs.checks == ("ATT1", "ATT2")
    for col, want in exp.items():
        got = rs.data[col].tolist()
        if isinstance(want, np.ndarray):
            np.testing.assert_array_equal(np.asarray(got, float), want, err_msg=col)
        else:
            assert got == want, col
    items = [i.code for i in inst.items(perspective=survey.perspective)]
    assert rs.items == tuple(items) and rs.missing_items == ()
    assert set(c.code for c in inst.checks_for(survey.perspective)) <= set(rs.checks)


def test_qualtrics(setup, tmp_path):
    inst, perspective, files, survey, answers, n = setup
    qsf = files["qualtrics"][0]
    ids, _, _ = parse_qsf(qsf)
    by_tag = {tag: iid for iid, tag in ids.items() if not re.search(r"_\d+_TEXT$", iid)}  # not MC "other" texts
    cols = [c for c in answers if c in by_tag]
    assert set(cols) == set(answers)  # every answered column is named in the .qsf
    names = ["ResponseId", "Finished", *cols]
    imp = [json.dumps({"ImportId": i}) for i in ["_recordId", "finished", *[by_tag[c] for c in cols]]]
    rows = [names, names, imp] + [[f"R_{k}", "1", *[_cell(answers[c][k]) for c in cols]] for k in range(n)]
    f = tmp_path / "q.csv"
    f.write_bytes(b"\xef\xbb\xbf" + _bytes(rows))
    _assert(read_responses(f, inst=inst, structure=qsf), inst, survey, answers)


def test_limesurvey(setup, tmp_path):
    inst, perspective, files, survey, answers, n = setup
    txt = files["limesurvey"][0]
    parsed = read_limesurvey(txt)
    rated = {r: q for q in survey.questions if q.type == "matrix" for r in (row.code for row in q.rows)}
    by_col = {}
    for col in parsed.columns:
        code = col.split("[", 1)[1].rstrip("]") if "[" in col else col
        match = [c for c in answers if c.replace("_", "").casefold() == code.casefold()]
        if not match:
            match = [q.name for q in survey.questions if q.type != "matrix" and q.code.replace("_", "") == code]
        if match:
            by_col[col] = match[0]
    assert set(by_col.values()) == set(answers), set(answers) - set(by_col.values())
    header = ["id", "submitdate", "lastpage", "startlanguage", *by_col]
    rows = [header] + [[str(k + 1), "2026-03-02 10:00:00", "5", "de", *[_cell(answers[c][k]) for c in by_col.values()]]
                       for k in range(n)]
    f = tmp_path / "ls.csv"
    f.write_bytes(_bytes(rows, quoting=csv.QUOTE_ALL))
    rs = read_responses(f, inst=inst, structure=txt)
    assert rated  # the survey has matrices
    _assert(rs, inst, survey, answers)


def test_redcap(setup, tmp_path):
    inst, perspective, files, survey, answers, n = setup
    dictionary = next(p for p in files["redcap"] if p.name.endswith("_en.csv"))
    parsed = read_redcap(dictionary)
    lower = {c.lower(): c for c in answers}
    cols = [c for c in parsed.columns if c in lower]
    assert {lower[c] for c in cols} == set(answers)
    rows = [["record_id", *cols, "vcd_complete"]] + [[str(k + 1), *[_cell(answers[lower[c]][k]) for c in cols], "2"]
                                                      for k in range(n)]
    f = tmp_path / "rc.csv"
    f.write_bytes(_bytes(rows))
    _assert(read_responses(f, inst=inst), inst, survey, answers)


def test_xlsform_kobo_csv(setup, tmp_path):
    inst, perspective, files, survey, answers, n = setup
    ws = openpyxl.load_workbook(files["xlsform"][0])["survey"]
    paths = {}
    group: list[str] = []
    for row in ws.iter_rows(min_row=2, values_only=True):
        typ, name = row[0] or "", row[1] or ""
        if typ == "begin_group":
            group.append(name)
        elif typ == "end_group":
            group.pop()
        elif name in answers or name.endswith("_hdr") or name == "vcd_lang_src":
            paths[name] = "/".join([*group, name])
    helpers = [c for c in paths if c not in answers]
    assert set(paths) - set(helpers) == set(answers) and helpers
    header = ["start", "end", "language", *paths.values(), "_uuid", "_submission_time"]
    rows = [header] + [["2026-03-02T09:00:00.000+02:00", "2026-03-02T09:10:00.000+02:00", "de",
                        *[_cell(answers[c][k]) if c in answers else "" for c in paths], f"uuid-{k}",
                        "2026-03-02T07:10:05"]
                       for k in range(n)]
    f = tmp_path / "kobo.csv"
    f.write_bytes(_bytes(rows, delimiter=";", quoting=csv.QUOTE_ALL))
    rs = read_responses(f, inst=inst)
    assert rs.unknown_columns == () and {paths[h] for h in helpers} <= set(rs.platform_columns)
    assert rs.source.platform == "xlsform" and set(rs.data["language"]) == {"de"}
    assert rs.data["duration_sec"].tolist() == [600.0] * n
    _assert(rs, inst, survey, answers)
