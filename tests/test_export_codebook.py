"""Codebook export (Markdown + CSV), translation warnings and --strict, and the `vcd instrument export` CLI."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from export_support import assert_round_trip, bank, bank_copy

from instrument.export import export
from instrument.export._common import build_survey, translation_warnings
from instrument.export.cli import export as export_cmd
from instrument.export.codebook import export_codebook, read_codebook, validate_codebook
from instrument.table3 import REVIEWED_STATUSES
from instrument.validate import load_bank
from vcd_core.errors import ExportError


@pytest.fixture(scope="module")
def inst(tmp_path_factory):
    return bank(tmp_path_factory.mktemp("bank"))


@pytest.mark.parametrize("perspective", ["provider", "customer"])
def test_round_trip(inst, tmp_path, perspective):
    md, csv_path = export_codebook(inst, perspective, None, tmp_path).files
    parsed = read_codebook(csv_path)
    assert parsed.languages == inst.language_codes
    assert_round_trip(inst, build_survey(inst, perspective, None), parsed)
    text = md.read_text(encoding="utf-8")
    for code in parsed.columns:
        assert f"`{code}`" in text


def test_markdown_has_every_languages_stem_and_scale_labels(inst, tmp_path):
    md = export_codebook(inst, "customer", None, tmp_path).files[0].read_text(encoding="utf-8")
    blm, agree = inst.construct("BLM"), inst.scale("agree7")
    for lang in inst.language_codes:
        assert f"- Stem ({lang}): {blm.stem['customer'][lang]}" in md
        labels = "; ".join(f"{v} = {agree.label(v, lang)}" for v in agree.values)
        assert f"- Scale `agree7` ({lang}): {labels}." in md


def test_codebook_columns_carry_item_metadata(inst, tmp_path):
    import csv

    path = export_codebook(inst, "provider", ["en", "fi"], tmp_path).files[1]
    rows = {r["code"]: r for r in csv.DictReader(path.open(encoding="utf-8"))}
    for it in inst.items(perspective="provider"):
        r = rows[it.code]
        assert (r["kind"], r["construct"], r["construct_code"], r["theme"]) == (
            "item", it.construct, it.construct_code, it.theme)
        assert r["time"] == (it.time or "") and r["relationship_types"] == " ".join(it.relationship_types)
        assert r["reverse"] == ("yes" if it.reverse else "no") and r["scale"] == it.scale
        assert (r["text_fi"], r["status_fi"]) == (it.text["fi"].text, it.text["fi"].status)
    for chk in inst.checks_for("provider"):
        assert rows[chk.code]["kind"] == "check" and str(chk.correct) in rows[chk.code]["theme"]
    assert [int(r["position"]) for r in rows.values()] == list(range(1, len(rows) + 1))


def test_warnings_list_unreviewed_texts(inst, tmp_path):
    warnings = translation_warnings(inst, "provider", ["en", "fi"])
    unreviewed = [i.code for i in inst.items(perspective="provider") if i.text["fi"].status not in REVIEWED_STATUSES]
    assert translation_warnings(inst, "provider", ["en"]) == []
    if unreviewed:
        assert len(warnings) == 1 and warnings[0].startswith("fi: ")
        assert all(code in warnings[0] for code in unreviewed)
        with pytest.raises(ExportError, match=r"--strict: \d+ text\(s\) below 'reviewed' \(TRAPD\) in fi"):
            export(inst, "all", "provider", ["en", "fi"], tmp_path / "strict", strict=True)
        assert not (tmp_path / "strict").exists()  # nothing written
    results = export(inst, "all", "provider", ["en"], tmp_path / "en", strict=True)
    assert [r.format for r in results] == ["xlsform", "qualtrics", "limesurvey", "redcap", "codebook"]


def test_validator_reports_problems(inst, tmp_path):
    md, path = export_codebook(inst, "provider", ["en"], tmp_path).files
    assert validate_codebook(path, md) == []
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.append(lines[1])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    md.write_text("# empty\n", encoding="utf-8")
    text = " ".join(validate_codebook(path, md))
    assert "duplicate code" in text and "omits" in text


def test_cli_exports_all_formats(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(export_cmd, ["--format", "all", "--lang", "en,fi,de,es", "--perspective", "provider",
                                             "-o", str(out), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data["files"]) == {"xlsform", "qualtrics", "limesurvey", "redcap", "codebook"}
    assert len(data["files"]["redcap"]) == 4
    for files in data["files"].values():
        for f in files:
            assert (out / f.split("/")[-1]).exists()
    result = CliRunner().invoke(export_cmd, ["--format", "qualtrics", "--perspective", "customer", "-o", str(out)])
    assert result.exit_code == 0 and "qualtrics: " in result.output


def test_cli_strict_and_bad_language(tmp_path):
    from analysis.cli import cli

    args = ["instrument", "export", "--perspective", "provider", "-o", str(tmp_path / "o")]
    result = CliRunner().invoke(cli, [*args, "--lang", "en,xx"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == ["Error: unknown language 'xx'; the bank has en, fi, de, es"]
    assert translation_warnings(load_bank(), "provider", ["en", "de"])  # the bank's de texts are drafts
    result = CliRunner().invoke(cli, [*args, "--lang", "en,de", "--strict"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith("Error: --strict: ")
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("platform", ["xlsform", "qualtrics", "limesurvey", "redcap", "codebook"])
def test_importer_maps_every_exported_column_back(inst, tmp_path, platform):
    """The ingest side's column matching (analysis.data.ingest.codebook) finds every exported column's bank code."""
    from analysis.data.ingest.codebook import Codebook
    from instrument.export import EXPORTERS
    from instrument.export.codebook import read_codebook
    from instrument.export.limesurvey import read_limesurvey
    from instrument.export.qualtrics import read_qualtrics
    from instrument.export.redcap import read_redcap
    from instrument.export.xlsform import read_xlsform

    readers = {"xlsform": read_xlsform, "qualtrics": read_qualtrics, "limesurvey": read_limesurvey,
               "redcap": read_redcap, "codebook": read_codebook}
    files = EXPORTERS[platform](inst, "provider", None, tmp_path).files
    columns = readers[platform](files[-1]).columns
    expected = build_survey(inst, "provider", None).columns()
    assert len(columns) == len(expected)
    cb = Codebook(inst)
    for col, code in zip(columns, expected, strict=True):
        keys = (col, col.split("[", 1)[1].rstrip("]")) if "[" in col else (col,)
        spec = cb.match(keys)
        assert spec is not None and spec.out == code, (platform, col, code)


_EXTRA_CONTEXT = """
  - code: EMPLOYEES
    type: integer
    required: false
    label:
      en: {text: "How many employees does your organisation have?", status: source}
      fi: {text: "Montako työntekijää organisaatiossanne on?", status: reviewed}
      de: {text: "Wie viele Beschäftigte hat Ihre Organisation?", status: reviewed}
      es: {text: "¿Cuántos empleados tiene su organización?", status: reviewed}
  - code: COMMENT
    type: text
    required: false
    perspective: customer
    label:
      en: {text: "-- Anything else you want to tell us?", status: source}
      fi: {text: "Haluatko kertoa vielä jotain?", status: reviewed}
      de: {text: "Möchten Sie uns noch etwas mitteilen?", status: reviewed}
      es: {text: "¿Desea decirnos algo más?", status: reviewed}
"""


def test_integer_and_text_questions_on_every_platform(tmp_path):
    """Question types the bundled bank does not use yet: integer and free text (customer only)."""
    import csv
    import json

    import openpyxl

    from instrument.export import EXPORTERS
    from instrument.export.limesurvey import read_limesurvey
    from instrument.export.qualtrics import read_qualtrics
    from instrument.export.redcap import read_redcap
    from instrument.export.xlsform import read_xlsform

    path = bank_copy(tmp_path)
    with open(path / "context.yaml", "a", encoding="utf-8") as fh:
        fh.write(_EXTRA_CONTEXT)
    inst = load_bank(path)
    assert "COMMENT" not in build_survey(inst, "provider", ["en"]).columns()
    out = tmp_path / "out"
    files = {n: fn(inst, "customer", None, out).files for n, fn in EXPORTERS.items()}  # each validated on write
    en = "-- Anything else you want to tell us?"
    rows = list(openpyxl.load_workbook(files["xlsform"][0])["survey"].iter_rows(values_only=True))
    types = {r[1]: r[0] for r in rows[1:]}
    assert (types["EMPLOYEES"], types["COMMENT"]) == ("integer", "text")
    assert next(r[2] for r in rows if r[1] == "COMMENT") == "'" + en  # neutralised in the XLSX
    assert read_xlsform(files["xlsform"][0]).texts["COMMENT"]["de"] == "Möchten Sie uns noch etwas mitteilen?"
    doc = json.loads(files["qualtrics"][0].read_text(encoding="utf-8"))
    sq = {e["Payload"]["DataExportTag"]: e["Payload"] for e in doc["SurveyElements"] if e["Element"] == "SQ"}
    assert (sq["EMPLOYEES"]["QuestionType"], sq["EMPLOYEES"]["Selector"]) == ("TE", "SL")
    assert sq["EMPLOYEES"]["Validation"]["Settings"]["ContentType"] == "ValidNumber"
    assert (sq["COMMENT"]["QuestionType"], sq["COMMENT"]["Selector"]) == ("TE", "ML")
    assert read_qualtrics(files["qualtrics"][0]).texts["COMMENT"]["en"] == en
    ls = list(csv.DictReader(files["limesurvey"][0].open(encoding="utf-8"), delimiter="\t"))
    q = {r["name"]: r for r in ls if r["class"] == "Q" and r["language"] == "en"}
    assert (q["EMPLOYEES"]["type/scale"], q["EMPLOYEES"]["num_value_int_only"], q["EMPLOYEES"]["mandatory"]) == (
        "N", "1", "N")
    assert q["COMMENT"]["type/scale"] == "T" and q["COMMENT"]["text"] == "'" + en
    assert read_limesurvey(files["limesurvey"][0]).texts["COMMENT"]["es"] == "¿Desea decirnos algo más?"
    rc = {r["Variable / Field Name"]: r for r in csv.DictReader(files["redcap"][0].open(encoding="utf-8"))}
    assert rc["employees"]["Field Type"] == "text"
    assert rc["employees"]["Text Validation Type OR Show Slider Number"] == "integer"
    assert rc["comment"]["Field Type"] == "notes" and rc["comment"]["Required Field?"] == ""
    assert read_redcap(files["redcap"][0]).texts["comment"]["en"] == en
    cb = read_codebook(files["codebook"][1])
    assert cb.texts["COMMENT"]["fi"] == "Haluatko kertoa vielä jotain?" and "EMPLOYEES" in cb.columns
