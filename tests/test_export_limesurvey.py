"""LimeSurvey TSV export: importer rules (row classes, language blocks, code lengths), round trip, relevance."""

from __future__ import annotations

import csv
import io

import pytest
from export_support import assert_round_trip, bank

from instrument.export._common import build_survey
from instrument.export.limesurvey import HEADER, export_limesurvey, ls_code, read_limesurvey, validate_limesurvey


@pytest.fixture(scope="module")
def inst(tmp_path_factory):
    return bank(tmp_path_factory.mktemp("bank"))


def _rows(path):
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")), delimiter="\t"))


@pytest.mark.parametrize("perspective", ["provider", "customer"])
def test_round_trip(inst, tmp_path, perspective):
    path = export_limesurvey(inst, perspective, None, tmp_path).files[0]
    parsed = read_limesurvey(path)
    assert parsed.languages == inst.language_codes
    survey = build_survey(inst, perspective, None)
    matrix_of = {r.code: ls_code(q.code) for q in survey.questions if q.type == "matrix" for r in q.rows}
    single = {q.name: ls_code(q.code) for q in survey.questions if q.type != "matrix"}
    # response-CSV column names: CODE[SQ] for array rows, the question code otherwise
    assert parsed.columns == tuple(f"{matrix_of[c]}[{ls_code(c)}]" if c in matrix_of else single[c]
                                   for c in survey.columns())
    key = {**{c: ls_code(c) for c in matrix_of}, **single}
    parsed_by_code = parsed.__class__(parsed.languages, tuple(key[c] for c in survey.columns()), parsed.texts,
                                      parsed.values, parsed.labels)
    assert_round_trip(inst, survey, parsed_by_code, key=lambda c: key[c])


def test_blocks_and_codes(inst, tmp_path):
    path = export_limesurvey(inst, "provider", ["es", "en"], tmp_path).files[0]
    assert path.read_text(encoding="utf-8").splitlines()[0].split("\t") == list(HEADER)
    rows = _rows(path)
    settings = {r["name"]: r["text"] for r in rows if r["class"] == "S"}
    assert settings["language"] == "es" and settings["additional_languages"] == "en"
    body = [r for r in rows if r["class"] in ("G", "Q", "SQ", "A")]
    es = [r for r in body if r["language"] == "es"]
    en = [r for r in body if r["language"] == "en"]
    assert body == es + en  # base block first, then the translation
    assert [(r["class"], r["type/scale"], r["name"]) for r in es] == [
        (r["class"], r["type/scale"], r["name"]) for r in en]
    assert all(len(r["name"]) <= 5 and r["name"].isalnum() for r in body if r["class"] == "A")
    # matrices: F arrays named by construct code, subquestions in page order with checks at their place
    for c in inst.reasons():
        k = next(i for i, r in enumerate(es) if r["class"] == "Q" and r["name"] == c.code)
        assert es[k]["type/scale"] == "F" and es[k]["mandatory"] == "Y"
        subs = []
        for r in es[k + 1:]:
            if r["class"] != "SQ":
                break
            subs.append(r["name"])
        assert subs == [r.code for r in inst.matrix(c.name, "provider")]
        answers = [r for r in es[k + 1 + len(subs):] if r["class"] == "A"][:7]
        assert [int(a["name"]) for a in answers] == list(inst.scale("agree7").values)
        assert [a["text"] for a in answers] == list(inst.scale("agree7").labels["es"])
    # the timing subquestions carry ExpressionScript relevance on the reason's items
    timing = inst.context_question("TIMING")
    for mrow in timing.rows:
        sq = next(r for r in es if r["class"] == "SQ" and r["name"] == ls_code(mrow.code))
        con = inst.construct(mrow.construct)
        for it in con.items_for("provider"):
            assert f"{con.code}_{it.code}.NAOK {'<=' if it.reverse else '>='}" in sq["relevance"]


def test_validator_reports_importer_problems(inst, tmp_path):
    path = export_limesurvey(inst, "provider", ["en", "de"], tmp_path).files[0]
    assert validate_limesurvey(path) == []
    lines = path.read_text(encoding="utf-8").splitlines()
    head = lines[0].split("\t")
    ci, ni = head.index("class"), head.index("name")
    # a 6-character answer code, a question code with '_', a translated row missing
    out, dropped, done_a, done_q = [], False, False, False
    for line in lines:
        f = line.split("\t")
        if f[ci] == "A" and not done_a:
            f[ni], done_a = "123456", True
        elif f[ci] == "Q" and not done_q:
            f[ni], done_q = "BAD_CODE", True
        elif f[ci] == "SQ" and "\tde\t" in line and not dropped:
            dropped = True
            continue
        out.append("\t".join(f))
    bad = tmp_path / "bad.txt"
    bad.write_text("\n".join(out) + "\n", encoding="utf-8")
    text = " ".join(validate_limesurvey(bad))
    assert "answer code '123456'" in text
    assert "question code 'BAD_CODE'" in text
    assert "block 'de' differs from the base block" in text
    bad.write_text("a\tb\n1\t2\n", encoding="utf-8")
    assert "no 'class' column" in validate_limesurvey(bad)[0]
