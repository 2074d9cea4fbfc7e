"""Qualtrics .qsf export: structure checks, round trip, export tags = codes, recodes = scale values, logic."""

from __future__ import annotations

import json

import pytest
from export_support import assert_round_trip, bank

from instrument.export._common import build_survey
from instrument.export.qualtrics import export_qualtrics, read_qualtrics, validate_qualtrics
from vcd_core.errors import ExportError


@pytest.fixture(scope="module")
def inst(tmp_path_factory):
    return bank(tmp_path_factory.mktemp("bank"))


def _doc(inst, tmp_path, perspective="provider", langs=None):
    path = export_qualtrics(inst, perspective, langs, tmp_path).files[0]
    return path, json.loads(path.read_text(encoding="utf-8"))


def _sqs(doc):
    return {e["PrimaryAttribute"]: e["Payload"] for e in doc["SurveyElements"] if e["Element"] == "SQ"}


@pytest.mark.parametrize("perspective", ["provider", "customer"])
def test_round_trip(inst, tmp_path, perspective):
    path, _ = _doc(inst, tmp_path, perspective)
    qual = {lang.qualtrics: lang.code for lang in inst.languages}
    parsed = read_qualtrics(path, qual)
    assert parsed.languages == inst.language_codes
    assert_round_trip(inst, build_survey(inst, perspective, None), parsed)


def test_matrix_export_tags_and_recodes(inst, tmp_path):
    _, doc = _doc(inst, tmp_path)
    sqs = _sqs(doc)
    so = next(e for e in doc["SurveyElements"] if e["Element"] == "SO")["Payload"]
    assert so["AvailableLanguages"] == {lang.qualtrics: [] for lang in inst.languages}
    assert doc["SurveyEntry"]["SurveyLanguage"] == "EN"
    for c in inst.constructs:
        p = next(p for p in sqs.values() if p["DataExportTag"] == c.code)
        assert (p["QuestionType"], p["Selector"], p["SubSelector"]) == ("Matrix", "Likert", "SingleAnswer")
        rows = [p["ChoiceDataExportTags"][k] for k in p["ChoiceOrder"]]
        assert rows == [r.code for r in inst.matrix(c.name, "provider")]  # checks at their place
        scale = inst.scale(inst.items(construct=c.code)[0].scale)
        assert [int(p["RecodeValues"][a]) for a in p["AnswerOrder"]] == list(scale.values)
        assert [p["Answers"][a]["Display"] for a in p["AnswerOrder"]] == list(scale.labels["en"])
        for lang in inst.languages[1:]:
            tr = p["Language"][lang.qualtrics]
            assert [tr["Answers"][a]["Display"] for a in p["AnswerOrder"]] == list(scale.labels[lang.code])
        assert p["Validation"]["Settings"]["ForceResponse"] == "ON"
    rel = next(p for p in sqs.values() if p["DataExportTag"] == "relationship_type")
    assert (rel["QuestionType"], rel["Selector"]) == ("MC", "SAVR")
    assert [int(rel["RecodeValues"][k]) for k in rel["ChoiceOrder"]] == [
        c.value for c in inst.context_question("RELTYPE").choices]


def test_timing_rows_have_display_logic(inst, tmp_path):
    _, doc = _doc(inst, tmp_path)
    sqs = _sqs(doc)
    qid_of = {p["DataExportTag"]: qid for qid, p in sqs.items()}
    timing = next(p for p in sqs.values() if p["DataExportTag"] == "TIMING")
    for k, code in timing["ChoiceDataExportTags"].items():
        row = next(r for r in inst.context_question("TIMING").rows if r.code == code)
        con = inst.construct(row.construct)
        logic = timing["Choices"][k]["DisplayLogic"]
        assert logic["Type"] == "BooleanExpression"
        conds = [v for key, v in logic["0"].items() if key != "Type"]
        matrix = sqs[qid_of[con.code]]
        tags = {v: c for c, v in matrix["ChoiceDataExportTags"].items()}
        expected = set()
        for it in con.items_for("provider"):
            sc = inst.scale(it.scale)
            mid = (sc.minimum + sc.maximum) / 2
            for a, v in matrix["RecodeValues"].items():
                v = int(v)
                if (v < mid) if it.reverse else (v > mid):
                    expected.add(f"q://{qid_of[con.code]}/SelectableChoice/{tags[it.code]}/{a}")
        assert {c["LeftOperand"] for c in conds} == expected
        assert all(c["Operator"] == "Selected" for c in conds)


def test_validator_reports_structural_problems(inst, tmp_path):
    path, doc = _doc(inst, tmp_path)
    assert validate_qualtrics(path) == []
    sq = [e for e in doc["SurveyElements"] if e["Element"] == "SQ"]
    sq[1]["Payload"]["DataExportTag"] = sq[0]["Payload"]["DataExportTag"]
    matrix = next(e["Payload"] for e in sq if e["Payload"]["QuestionType"] == "Matrix")
    matrix["RecodeValues"]["99"] = "99"
    matrix["NextAnswerId"] = 1
    matrix["Language"]["XX"] = {"QuestionText": "x"}
    doc["SurveyElements"].remove(sq[-1])
    bad = tmp_path / "bad.qsf"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    text = " ".join(validate_qualtrics(bad))
    for needle in ("also used by", "RecodeValues key 99", "NextAnswerId", "language XX not in SO",
                   "has no SQ element"):
        assert needle in text
    bad.write_text("{not json", encoding="utf-8")
    assert "not a .qsf (JSON) file" in validate_qualtrics(bad)[0]
    with pytest.raises(ExportError, match="bad.qsf"):
        read_qualtrics(bad)


def test_html_special_characters_escaped(inst, tmp_path):
    _, doc = _doc(inst, tmp_path, langs=["en"])
    texts = [c["Display"] for p in _sqs(doc).values() for c in (p.get("Choices") or {}).values()]
    assert not any("<" in t or ">" in t for t in texts)
