"""REDCap data dictionary export: exactly 18 headers, one dictionary per language, round trip, matrices, logic."""

from __future__ import annotations

import csv
import io

import pytest
from export_support import assert_round_trip, bank, bank_copy, load

from instrument.export._common import build_survey
from instrument.export.redcap import HEADERS, export_redcap, parse_choices, read_redcap, validate_redcap


@pytest.fixture(scope="module")
def inst(tmp_path_factory):
    return bank(tmp_path_factory.mktemp("bank"))


def _rows(path):
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_headers_and_field_count(inst, tmp_path):
    files = export_redcap(inst, "provider", None, tmp_path).files
    assert [p.name for p in files] == [f"vcd_provider_redcap_{lang}.csv" for lang in inst.language_codes]
    for p in files:
        rows = _rows(p)
        assert tuple(rows[0]) == HEADERS and len(HEADERS) == 18
        assert all(len(r) == 18 for r in rows)
        assert rows[1][0] == "record_id"


@pytest.mark.parametrize("perspective", ["provider", "customer"])
def test_round_trip_every_language(inst, tmp_path, perspective):
    survey = build_survey(inst, perspective, None)
    files = export_redcap(inst, perspective, None, tmp_path).files
    lower = {c: c.lower() for c in survey.columns()}
    for lang, path in zip(inst.language_codes, files, strict=True):
        parsed = read_redcap(path)
        assert parsed.languages == (lang,)
        assert parsed.columns == tuple(lower[c] for c in survey.columns())
        assert_round_trip(inst, survey, parsed, key=lambda c: lower[c])
        for q in survey.questions:
            if q.type == "matrix":
                assert parsed.texts[f"{q.code.lower()}_matrix"][lang] == q.label[lang]


def test_matrix_groups_and_branching(inst, tmp_path):
    path = export_redcap(inst, "provider", ["en"], tmp_path).files[0]
    rows = [dict(zip(HEADERS, r, strict=True)) for r in _rows(path)[1:]]
    for c in inst.reasons():
        group = [r for r in rows if r["Matrix Group Name"] == f"{c.code.lower()}_matrix"]
        assert [r["Variable / Field Name"] for r in group] == [r.code.lower() for r in inst.matrix(c.name, "provider")]
        assert {r["Field Type"] for r in group} == {"radio"}
        assert len({r["Choices, Calculations, OR Slider Labels"] for r in group}) == 1
        assert group[0]["Section Header"] == c.stem["provider"]["en"]
        assert all(r["Required Field?"] == "y" for r in group)
        vals = [int(v) for v, _ in parse_choices(group[0]["Choices, Calculations, OR Slider Labels"])]
        assert vals == list(inst.scale("agree7").values)
    for mrow in inst.context_question("TIMING").rows:
        r = next(r for r in rows if r["Variable / Field Name"] == mrow.code.lower())
        for it in inst.construct(mrow.construct).items_for("provider"):
            assert f"[{it.code.lower()}] {'<=' if it.reverse else '>='}" in r["Branching Logic (Show field only if...)"]
    lang = next(r for r in rows if r["Variable / Field Name"] == "language")
    assert "@DEFAULT='en'" in lang["Field Annotation"] and "@HIDDEN" in lang["Field Annotation"]
    assert not lang["Field Annotation"].startswith(("=", "+", "-", "@"))


def test_formula_cells_neutralised(tmp_path):
    old = '{text: "We gave the customer information'
    inst = load(bank_copy(tmp_path, {"absence_of_information.yaml": (old, '{text: "+cmd|calc We gave the customer '
                                                                          'information')}))
    path = export_redcap(inst, "provider", ["en"], tmp_path / "out").files[0]
    row = next(r for r in _rows(path) if r[0] == "inf01")
    assert row[4].startswith("'+cmd|calc")
    assert read_redcap(path).texts["inf01"]["en"].startswith("+cmd|calc")


def test_validator_reports_structural_problems(inst, tmp_path):
    path = export_redcap(inst, "provider", ["en"], tmp_path).files[0]
    assert validate_redcap(path) == []
    rows = _rows(path)
    rows[3][0] = "Country"                      # upper case
    rows[4][0] = rows[5][0]                     # duplicate
    inf = [r for r in rows if r[15] == "inf_matrix"]
    inf[1][5] = "1, A | 1, B"                   # duplicate codes, differing choices in the matrix
    tim = next(r for r in rows[1:] if r[11])
    tim[11] = "[nosuchfield] = 1"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    bad = tmp_path / "bad.csv"
    bad.write_text(buf.getvalue(), encoding="utf-8")
    text = " ".join(validate_redcap(bad))
    for needle in ("variable name 'Country'", "duplicate variable", "duplicate choice codes",
                   "differs in type or choices from its matrix group", "names 'nosuchfield'"):
        assert needle in text
    bad.write_text("Variable / Field Name,Form Name\nrecord_id,f\n", encoding="utf-8")
    assert "headers differ" in validate_redcap(bad)[0]
