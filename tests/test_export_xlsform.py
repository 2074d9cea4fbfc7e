"""XLSForm export: pyxform + ODK Validate accept it, it round-trips, matrices and relevance are as documented."""

from __future__ import annotations

import shutil

import openpyxl
import pytest
from export_support import assert_round_trip, bank, bank_copy, load

from instrument.export._common import Row, build_survey, relevance_text
from instrument.export.xlsform import export_xlsform, read_xlsform, validate_xlsform
from vcd_core.errors import ExportError

java = shutil.which("java")


@pytest.fixture(scope="module")
def inst(tmp_path_factory):
    return bank(tmp_path_factory.mktemp("bank"))


@pytest.mark.skipif(java is None, reason="ODK Validate needs Java")
@pytest.mark.parametrize("perspective", ["provider", "customer"])
def test_passes_pyxform_and_odk_validate(inst, tmp_path, perspective):
    from pyxform.xls2xform import convert

    path = export_xlsform(inst, perspective, None, tmp_path).files[0]
    warnings: list[str] = []
    result = convert(xlsform=str(path), validate=True, warnings=warnings)  # raises if ODK Validate rejects
    xform = result.xform
    for lang in inst.languages:
        assert f'<translation lang="{lang.xlsform}"' in xform
    assert 'default="true()"' in xform
    assert not [w for w in warnings if "machine-readable" in w], warnings
    # ODK Validate is really run: a broken expression is rejected
    wb = openpyxl.load_workbook(path)
    ws = wb["survey"]
    head = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[1].value == "language":
            row[head.index("calculation")].value = "jr:choice-name(1)"
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    with pytest.raises(Exception, match="ODK Validate"):
        convert(xlsform=str(bad), validate=True, warnings=[])
    assert validate_xlsform(bad, odk_validate=True)


@pytest.mark.parametrize("perspective", ["provider", "customer"])
def test_round_trip(inst, tmp_path, perspective):
    survey = build_survey(inst, perspective, None)
    parsed = read_xlsform(export_xlsform(inst, perspective, None, tmp_path).files[0])
    assert parsed.languages == inst.language_codes
    assert_round_trip(inst, survey, parsed)


def test_layout(inst, tmp_path):
    path = export_xlsform(inst, "provider", ["de", "en"], tmp_path).files[0]
    wb = openpyxl.load_workbook(path)
    survey = list(wb["survey"].iter_rows(values_only=True))
    head = survey[0]
    assert head[:4] == ("type", "name", "label::German (de)", "label::English (en)")
    rows = [dict(zip(head, r, strict=True)) for r in survey[1:]]
    settings = dict(zip(*list(wb["settings"].iter_rows(values_only=True)), strict=True))
    assert settings["default_language"] == "German (de)"
    # every reason matrix: a field-list group named by the construct code, header row, then the matrix in
    # page order (attention checks at their place) with list-nolabel and required
    for c in inst.reasons():
        k = next(i for i, r in enumerate(rows) if r["type"] == "begin_group" and r["name"] == c.code)
        assert rows[k]["appearance"] == "field-list"
        assert rows[k + 1]["name"] == f"{c.code}_hdr" and rows[k + 1]["appearance"] == "label"
        expected = [r.code for r in inst.matrix(c.name, "provider")]
        got = [r["name"] for r in rows[k + 2:k + 2 + len(expected)]]
        assert got == expected
        assert rows[k + 2 + len(expected)]["type"] == "end_group"
        assert all(r["appearance"] == "list-nolabel" and r["required"] == "yes"
                   for r in rows[k + 2:k + 2 + len(expected)])
    # context questions named by their ResponseSet column, values as choice names
    names = [r["name"] for r in rows]
    for q in inst.context_for("provider"):
        if q.type != "matrix":
            assert (q.column or q.code) in names
    choices = [r for r in wb["choices"].iter_rows(values_only=True)][1:]
    reltype = [(r[1]) for r in choices if r[0] == "RELTYPE"]
    assert reltype == [str(c.value) for c in inst.context_question("RELTYPE").choices]
    # the timing matrix rows are relevant only when an item of the reason was agreed with
    timing = inst.context_question("TIMING")
    for mrow in timing.rows:
        r = next(r for r in rows if r["name"] == mrow.code)
        items = inst.construct(mrow.construct).items_for("provider")
        for it in items:
            assert f"${{{it.code}}} {'<=' if it.reverse else '>='}" in r["relevant"]
    assert "language" in names


def test_relevance_of_reverse_items():
    row = Row("TIM_X", "matrix", {}, (("X01", ">=", 5), ("X02", "<=", 3)))
    assert relevance_text(row, "xlsform") == "${X01} >= 5 or ${X02} <= 3"
    assert relevance_text(row, "limesurvey", {"X01": "X_X01"}) == "X_X01.NAOK >= 5 or X02.NAOK <= 3"
    assert relevance_text(Row("A", "item", {}), "redcap") == ""


def test_formula_cells_neutralised(tmp_path):
    old = '{text: "We gave the customer information'
    path = bank_copy(tmp_path, {"absence_of_information.yaml": (old, '{text: "=HYPERLINK(1) We gave the customer '
                                                                        'information')})
    inst = load(path)
    out = export_xlsform(inst, "provider", ["en"], tmp_path / "out").files[0]
    ws = openpyxl.load_workbook(out)["survey"]
    cell = next(r[2] for r in ws.iter_rows(min_row=2) if r[1].value == "INF01")
    assert cell.data_type == "s" and cell.value.startswith("'=HYPERLINK")
    assert read_xlsform(out).texts["INF01"]["en"].startswith("=HYPERLINK(1)")


def test_validator_reports_structural_problems(inst, tmp_path):
    path = export_xlsform(inst, "provider", ["en"], tmp_path).files[0]
    assert validate_xlsform(path) == []
    wb = openpyxl.load_workbook(path)
    ws = wb["survey"]
    ws.cell(row=1, column=3).value = "label::English"
    names = [r[1] for r in ws.iter_rows(min_row=2)]
    names[5].value = names[6].value
    ws.append(["select_one nosuchlist", "extra", "x"])
    wb.save(tmp_path / "bad.xlsx")
    problems = validate_xlsform(tmp_path / "bad.xlsx")
    text = " ".join(problems)
    assert "no machine-readable language code" in text
    assert "duplicate name" in text
    assert "list 'nosuchlist' not in choices" in text


def test_unknown_language_is_a_clear_error(inst, tmp_path):
    with pytest.raises(ExportError, match="unknown language 'xx'"):
        export_xlsform(inst, "provider", ["en", "xx"], tmp_path)
    with pytest.raises(ExportError, match="perspective 'both'"):
        export_xlsform(inst, "both", None, tmp_path)
