"""The TRAPD round trip: translator workbook → edits → import into a copy of the bank (never the bundled one)."""

from __future__ import annotations

import csv
import json
import shutil
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
import yaml
from click.testing import CliRunner

from analysis.cli import cli as vcd
from instrument.cli import instrument as instrument_cmd
from instrument.model import BANK_DIR
from instrument.translations import build_catalog, export_workbook, import_workbook, readiness
from instrument.translations.importer import CHANGELOG, max_length
from instrument.translations.workbook import columns
from vcd_core.errors import TranslationError


def bank_copy(tmp: Path, edits: dict[str, list[tuple[str, str]]] | None = None) -> Path:
    """A copy of the bundled bank; ``edits`` maps a file to (old, new) replacements (each must occur once)."""
    dest = tmp / "bank"
    shutil.copytree(BANK_DIR, dest)
    for name, pairs in (edits or {}).items():
        text = (dest / name).read_text(encoding="utf-8")
        for old, new in pairs:
            assert text.count(old) == 1, (name, old)
            text = text.replace(old, new)
        (dest / name).write_text(text, encoding="utf-8")
    return dest


def snapshot(bank: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(bank.iterdir())}


def workbook(tmp: Path, bank: Path, lang: str = "fi", name: str = "wb.xlsx") -> Path:
    return export_workbook(build_catalog(bank), lang, tmp / name)


def edit(path: Path, cells: dict[tuple[str, str], dict[str, object]], out: Path | None = None) -> tuple[Path, dict]:
    """Fill cells by (code, field) and column name; returns the saved path and {(code, field): sheet row}."""
    wb = openpyxl.load_workbook(path)
    ws = wb[[s for s in wb.sheetnames if s != "README"][0]]
    head = [c.value for c in ws[1]]
    rows = {(ws.cell(r, 1).value, ws.cell(r, 2).value): r for r in range(2, ws.max_row + 1)}
    for key, values in cells.items():
        for col, v in values.items():
            cell = ws.cell(rows[key], head.index(col) + 1)
            cell.value = v
            if isinstance(v, str):
                cell.data_type = "s"  # as Excel stores what is typed into a text-formatted (@) cell
    target = out or path.with_name("edited_" + path.name)
    wb.save(target)
    return target, rows


def one_problem(exc: pytest.ExceptionInfo[TranslationError]) -> str:
    assert len(exc.value.problems) == 1, exc.value.problems
    msg = exc.value.problems[0]
    assert "\n" not in msg
    return msg


@pytest.fixture
def bank(tmp_path: Path) -> Path:
    return bank_copy(tmp_path)


# -- the round trip -----------------------------------------------------------------------------------------
def test_round_trip_changes_exactly_the_edited_texts(tmp_path, bank):
    before = snapshot(bank)
    cat0 = build_catalog(bank)
    new_item = 'Asiakas valitti meistä julkisesti – "somessa" \\ arvostelusivuilla.'
    new_label = "Ei samaa eikä eri mieltä"  # same text: only the scale's status moves
    new_choice = "=Suomi"  # a formula-looking text is a text
    wb, rows = edit(workbook(tmp_path, bank), {
        ("BLM01", "text"): {"draft2_fi": new_item, "reviewer_comment": "shorter"},
        ("agree7", "label:4"): {"adjudicated_fi": new_label},
        ("COUNTRY", "choice:FI"): {"draft2_fi": new_choice},
        ("ATT1", "text"): {"new_status": "reviewed", "back_translation_en": "Show that you read..."},
        ("TRU01", "text"): {"notes": "checked, no change"},
    })
    res = import_workbook(wb, bank)
    after = snapshot(bank)
    changed = {"blaming.yaml", "scales.yaml", "context.yaml", "checks.yaml", CHANGELOG}
    assert {n for n in after if after[n] != before.get(n)} == changed
    # every other line of the edited files is byte-identical; the edited line holds exactly the new scalar
    expect_lines = {
        "blaming.yaml": [('fi: {text: "Asiakas valitti meistä julkisesti (esim. sosiaalisessa mediassa tai '
                          'arvostelusivustoilla).", status: draft1}',
                          'fi: {text: "Asiakas valitti meistä julkisesti – \\"somessa\\" \\\\ arvostelusivuilla.", '
                          'status: draft2}')],
        "scales.yaml": [("status: {en: source, fi: draft1, de: draft1, es: draft1}",
                         "status: {en: source, fi: adjudicated, de: draft1, es: draft1}")],
        "context.yaml": [('label: {en: "Finland", fi: "Suomi", de:', 'label: {en: "Finland", fi: "=Suomi", de:')],
        "checks.yaml": [("väittämään 'Jokseenkin eri mieltä'.\", status: draft1}",
                         "väittämään 'Jokseenkin eri mieltä'.\", status: reviewed}")],
    }
    for name, pairs in expect_lines.items():
        old_lines = before[name].decode("utf-8").splitlines(keepends=True)
        new_lines = after[name].decode("utf-8").splitlines(keepends=True)
        assert len(old_lines) == len(new_lines)
        diff = [k for k, (a, b) in enumerate(zip(old_lines, new_lines, strict=True)) if a != b]
        assert len(diff) == len(pairs), (name, diff)
        for k, (old, new) in zip(diff, pairs, strict=True):
            assert old in old_lines[k] and new_lines[k] == old_lines[k].replace(old, new)
    # read back through the model: exactly the edited texts and statuses differ
    cat1 = build_catalog(bank)
    edited = {("BLM01", "text"): new_item, ("COUNTRY", "choice:FI"): new_choice}
    for e0, e1 in zip(cat0.entries, cat1.entries, strict=True):
        for lang in cat0.languages:
            want = edited.get((e0.code, e0.field)) if lang == "fi" else None
            assert e1.texts[lang] == (want if want is not None else e0.texts[lang]), (e0.code, e0.field, lang)
            if e0.tracked:
                moved = {"BLM01/text": "draft2", "agree7/labels": "adjudicated", "ATT1/text": "reviewed"}
                want_st = moved.get(e0.unit) if lang == "fi" else None
                assert e1.statuses[lang].status == (want_st or e0.statuses[lang].status)
    # the changelog: one line per row with a change or a comment
    log = list(csv.DictReader((bank / CHANGELOG).open(encoding="utf-8")))
    assert [(r["code"], r["field"]) for r in log].count(("agree7", "label:4")) == 1
    blm = next(r for r in log if r["code"] == "BLM01")
    assert (blm["old_status"], blm["new_status"], blm["new_text"], blm["reviewer_comment"]) == \
        ("draft1", "draft2", new_item, "shorter")
    assert next(r for r in log if r["field"] == "choice:FI")["new_text"] == "'=Suomi"  # neutralised in the CSV
    assert next(r for r in log if r["code"] == "TRU01")["notes"] == "checked, no change"
    assert sum(c.text_changed for c in res.changes) == 2
    # importing the same workbook again changes nothing (its edits are in the bank already)
    again = import_workbook(wb, bank)
    assert again.changes == () and snapshot(bank) == after


def test_untouched_workbook_imports_as_no_change(tmp_path, bank):
    before = snapshot(bank)
    res = import_workbook(workbook(tmp_path, bank, "es"), bank)
    assert res.changes == () and snapshot(bank) == before


def test_dry_run_writes_nothing(tmp_path, bank):
    before = snapshot(bank)
    wb, _ = edit(workbook(tmp_path, bank), {("BLM02", "text"): {"draft2_fi": "Valitukset vahingoittivat mainettamme."}})
    res = import_workbook(wb, bank, dry_run=True)
    assert [c.code for c in res.changes] == ["BLM02"] and res.files == ("blaming.yaml",)
    assert snapshot(bank) == before


def test_scale_status_added_to_a_flow_mapping_without_the_language(tmp_path):
    old = "status: {en: source, fi: draft1, de: draft1, es: draft1}\n  - code: timing5"
    bank = bank_copy(tmp_path, {"scales.yaml": [(old, old.replace(", es: draft1", ""))]})
    before = (bank / "scales.yaml").read_text(encoding="utf-8")
    wb, _ = edit(workbook(tmp_path, bank, "es"), {("agree7", "label:1"): {"new_status": "reviewed"}})
    import_workbook(wb, bank)
    after = (bank / "scales.yaml").read_text(encoding="utf-8")
    assert after == before.replace("status: {en: source, fi: draft1, de: draft1}\n  - code: timing5",
                                   "status: {en: source, fi: draft1, de: draft1, es: reviewed}\n  - code: timing5")


def test_workbook_layout_and_cells(tmp_path):
    bank = bank_copy(tmp_path, {"blaming.yaml": [('fi: {text: "Asiakkaan valitukset vahingoittivat mainettamme."',
                                                   'fi: {text: "-Asiakkaan valitukset vahingoittivat mainettamme."')]})
    cat = build_catalog(bank)
    wb = openpyxl.load_workbook(workbook(tmp_path, bank))
    assert wb.sheetnames == ["README", "fi"] and wb.security.lockStructure
    ws = wb["fi"]
    head = [c.value for c in ws[1]]
    assert head == columns("fi", "en") and ws.max_row == len(cat.entries) + 1
    locked = set(head[:8])
    r = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "BLM02")
    cell = ws.cell(r, head.index("current_fi") + 1)
    assert (cell.value, cell.data_type, cell.quotePrefix) == ("-Asiakkaan valitukset vahingoittivat mainettamme.",
                                                             "s", True)
    assert ws.protection.sheet
    for c, name in enumerate(head, start=1):
        assert ws.cell(r, c).protection.locked == (name in locked), name
    kinds = Counter(ws.cell(r, 3).value for r in range(2, ws.max_row + 1))
    assert kinds == Counter(e.kind for e in cat.entries)
    assert {"item", "check", "question", "choice", "scale_label", "stem", "matrix_row"} <= set(kinds)
    statuses = {ws.cell(r, 8).value for r in range(2, ws.max_row + 1) if ws.cell(r, 3).value == "choice"}
    assert statuses == {"untracked"}
    readme = {ws_row[0].value: ws_row[1].value for ws_row in wb["README"].iter_rows(max_row=5)}
    assert readme["language"] == "fi" and readme["format"].startswith("vcd-translations")


# -- bad sheets: one line naming sheet, row and column; the bank untouched -------------------------------------
def _refused(tmp_path, bank, cells, lang=None, match=None) -> str:
    before = snapshot(bank)
    wb, rows = edit(workbook(tmp_path, bank), cells)
    with pytest.raises(TranslationError) as exc:
        import_workbook(wb, bank, lang=lang)
    assert snapshot(bank) == before
    msg = one_problem(exc)
    return msg.replace(str(wb), "WB")


def test_unknown_code(tmp_path, bank):
    msg = _refused(tmp_path, bank, {("BLM01", "text"): {"code": "BLM99", "draft2_fi": "x"}})
    row = next(r for r in range(2, 400) if msg.startswith(f"WB, sheet fi, row {r},"))
    assert msg == f"WB, sheet fi, row {row}, column A (code): unknown code 'BLM99'"


def test_unknown_field(tmp_path, bank):
    msg = _refused(tmp_path, bank, {("COUNTRY", "choice:FI"): {"field": "choice:XX"}})
    assert msg.endswith("column B (field): unknown field 'choice:XX' for COUNTRY")


def test_empty_text(tmp_path, bank):
    msg = _refused(tmp_path, bank, {("MIS01", "text"): {"draft2_fi": "   "}})
    assert ", column I (draft2_fi): empty text" in msg and ", sheet fi, row " in msg


def test_over_long_text(tmp_path, bank):
    source = build_catalog(bank).find("agree7", "label:6").texts["en"]
    msg = _refused(tmp_path, bank, {("agree7", "label:6"): {"adjudicated_fi": "x" * (max_length(source) + 1)}})
    assert ", row 7, column K (adjudicated_fi): 26 characters, more than the limit of 25" in msg


def test_line_break_in_text(tmp_path, bank):
    msg = _refused(tmp_path, bank, {("BLM03", "text"): {"draft2_fi": "Asiakas\npuhui"}})
    assert "column I (draft2_fi): a line break" in msg


def test_lost_placeholder(tmp_path):
    bank = bank_copy(tmp_path, {"blaming.yaml": [
        ('en: {text: "The customer\'s complaints damaged our reputation."',
         'en: {text: "The complaints of {customer} damaged our reputation."'),
        ('fi: {text: "Asiakkaan valitukset vahingoittivat mainettamme."',
         'fi: {text: "Asiakkaan {customer} valitukset vahingoittivat mainettamme."')]})
    msg = _refused(tmp_path, bank, {("BLM02", "text"): {"draft2_fi": "Asiakkaan valitukset vahingoittivat meitä."}})
    assert "column I (draft2_fi): placeholder(s) {customer} of the source are missing" in msg
    ok, _ = edit(workbook(tmp_path, bank, name="ok.xlsx"),
                 {("BLM02", "text"): {"draft2_fi": "{customer}: valitukset vahingoittivat meitä."}})
    assert [c.new_text for c in import_workbook(ok, bank).changes] == ["{customer}: valitukset vahingoittivat meitä."]


def test_backward_status_needs_a_reason(tmp_path, bank):
    first, _ = edit(workbook(tmp_path, bank, name="a.xlsx"), {("ATT2", "text"): {"new_status": "reviewed"}})
    import_workbook(first, bank)
    msg = _refused(tmp_path, bank, {("ATT2", "text"): {"new_status": "draft2"}})
    assert "column M (new_status): the status would move back from 'reviewed' to 'draft2'; say why" in msg
    # an implied status counts too: a draft 2 for a reviewed text names the draft2 column
    msg = _refused(tmp_path, bank, {("ATT2", "text"): {"draft2_fi": "Tämä rivi tarkistaa tarkkaavaisuuden."}})
    assert "column I (draft2_fi): the status would move back from 'reviewed' to 'draft2'" in msg
    wb, _ = edit(workbook(tmp_path, bank, name="b.xlsx"),
                 {("ATT2", "text"): {"new_status": "draft2", "reason": "pretest: misread by 3 of 10"}})
    res = import_workbook(wb, bank)
    assert [(c.old_status, c.new_status, c.reason) for c in res.changes] == \
        [("reviewed", "draft2", "pretest: misread by 3 of 10")]
    log = list(csv.DictReader((bank / CHANGELOG).open(encoding="utf-8")))
    assert log[-1]["reason"] == "pretest: misread by 3 of 10"


def test_bad_statuses(tmp_path, bank):
    assert "column M (new_status): unknown status 'done'" in _refused(
        tmp_path, bank, {("BLM04", "text"): {"new_status": "done"}})
    assert "column M (new_status): unknown status 'source'" in _refused(
        tmp_path, bank, {("BLM04", "text"): {"new_status": "source"}})
    assert "column M (new_status): this text has no TRAPD status in the bank (untracked)" in _refused(
        tmp_path, bank, {("BLM", "stem:provider"): {"new_status": "reviewed"}})
    msg = _refused(tmp_path, bank, {("timing5", "label:1"): {"new_status": "reviewed"},
                                    ("timing5", "label:2"): {"new_status": "adjudicated"}})
    assert "column M (new_status): timing5: its texts share one status; row " in msg


def test_wrong_language(tmp_path, bank):
    wb = workbook(tmp_path, bank, "fi")
    with pytest.raises(TranslationError) as exc:
        import_workbook(wb, bank, lang="de")
    assert one_problem(exc) == f"{wb}, sheet fi: this workbook is for 'fi', not 'de'"
    book = openpyxl.load_workbook(wb)
    book["fi"].title = "de"
    book.save(tmp_path / "renamed.xlsx")
    with pytest.raises(TranslationError) as exc:
        import_workbook(tmp_path / "renamed.xlsx", bank)
    assert one_problem(exc).endswith("sheet de: the README says language 'fi' but the sheet is 'de'")
    book["README"]["B2"].value = "xx"
    book["de"].title = "xx"
    book.save(tmp_path / "xx.xlsx")
    with pytest.raises(TranslationError) as exc:
        import_workbook(tmp_path / "xx.xlsx", bank)
    assert one_problem(exc) == "unknown language 'xx'; the bank has fi, de, es"


def test_renamed_missing_and_extra_columns(tmp_path, bank):
    wb = workbook(tmp_path, bank)
    book = openpyxl.load_workbook(wb)
    book["fi"]["I1"].value = "Draft 2"
    book.save(tmp_path / "renamed.xlsx")
    with pytest.raises(TranslationError) as exc:
        import_workbook(tmp_path / "renamed.xlsx", bank)
    assert one_problem(exc) == (f"{tmp_path / 'renamed.xlsx'}, sheet fi, row 1, column I (draft2_fi): expected the "
                                "column 'draft2_fi', found 'Draft 2' (do not rename, move or delete columns)")
    book = openpyxl.load_workbook(wb)
    book["fi"].delete_cols(15)
    book.save(tmp_path / "missing.xlsx")
    with pytest.raises(TranslationError) as exc:
        import_workbook(tmp_path / "missing.xlsx", bank)
    assert one_problem(exc).endswith("row 1, column O (notes): expected the column 'notes', the column is missing "
                                     "(do not rename, move or delete columns)")
    book = openpyxl.load_workbook(wb)
    book["fi"]["P1"].value = "my remarks"
    book.save(tmp_path / "extra.xlsx")
    with pytest.raises(TranslationError) as exc:
        import_workbook(tmp_path / "extra.xlsx", bank)
    assert "sheet fi, row 1: unknown column 'my remarks'" in one_problem(exc)


def test_formula_cell_and_edited_source_are_refused(tmp_path, bank):
    wb = workbook(tmp_path, bank)
    book = openpyxl.load_workbook(wb)
    book["fi"]["I30"].value = "=HYPERLINK(\"http://x\")"  # openpyxl stores this as a formula
    book.save(tmp_path / "formula.xlsx")
    with pytest.raises(TranslationError) as exc:
        import_workbook(tmp_path / "formula.xlsx", bank)
    assert ", sheet fi, row 30, column I (draft2_fi): a formula, not text" in one_problem(exc)
    msg = _refused(tmp_path, bank, {("BLM05", "text"): {"source_en": "Something else."}})
    assert "column F (source_en): the source text is not the bank's" in msg


def test_stale_workbook_is_refused(tmp_path, bank):
    old = workbook(tmp_path, bank, name="old.xlsx")
    first, _ = edit(old, {("INF01", "text"): {"draft2_fi": "Ensimmäinen versio."}}, out=tmp_path / "first.xlsx")
    second, _ = edit(old, {("INF01", "text"): {"draft2_fi": "Toinen versio."}}, out=tmp_path / "second.xlsx")
    import_workbook(first, bank)
    before = snapshot(bank)
    with pytest.raises(TranslationError) as exc:
        import_workbook(second, bank)
    assert "column G (current_fi): the bank changed since this workbook was exported (now draft2: " \
           "'Ensimmäinen versio.')" in one_problem(exc)
    assert snapshot(bank) == before


def test_every_problem_is_listed(tmp_path, bank):
    wb, _ = edit(workbook(tmp_path, bank), {("BLM01", "text"): {"draft2_fi": " "},
                                             ("BLM02", "text"): {"new_status": "nope"},
                                             ("BLM03", "text"): {"code": "ZZZ"}})
    with pytest.raises(TranslationError) as exc:
        import_workbook(wb, bank)
    assert len(exc.value.problems) == 3 and all(", sheet fi, row " in p for p in exc.value.problems)
    result = CliRunner().invoke(vcd, ["instrument", "translations", "import", str(wb), "--bank", str(bank)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 3 and lines[-1].startswith("Error: ") and "3 problems, all listed above" in lines[-1]


def test_bank_must_still_validate_before_anything_is_written(tmp_path, bank):
    # the sheet rules passed, but the bank's own validator has the last word: a broken result is refused
    from instrument.translations.importer import _verify

    cat = build_catalog(bank)
    broken = {"checks.yaml": cat.files["checks.yaml"].replace("status: draft1", "status: final", 1)}
    with pytest.raises(TranslationError) as exc:
        _verify(cat, "fi", broken, [])
    assert "after this import the bank would not validate: checks.yaml: ATT1: text: TRAPD status 'final'" in \
        exc.value.problems[0]
    moved = {"checks.yaml": cat.files["checks.yaml"].replace("eri mieltä'.\", status: draft1",
                                                             "eri mieltä!'.\", status: draft1", 1)}
    with pytest.raises(TranslationError, match="ATT1 / text in 'fi' reads back as"):
        _verify(cat, "fi", moved, [])  # a change nobody asked for


# -- readiness --------------------------------------------------------------------------------------------------
def _count_from_yaml(bank: Path, lang: str) -> dict[str, Counter]:
    """Status units per construct, counted straight from the YAML files."""
    out: dict[str, Counter] = {}
    names = {}
    for f in sorted(bank.glob("*.yaml")):
        data = yaml.safe_load(f.read_text(encoding="utf-8"))
        if f.name in ("languages.yaml", "scales.yaml", "context.yaml", "checks.yaml"):
            continue
        for c in data.get("constructs", [data]):
            names[c["construct"]] = c["code"]
            for t in c["themes"]:
                for i in t["items"]:
                    out.setdefault(c["code"], Counter())[i["text"][lang]["status"]] += 1
    for chk in yaml.safe_load((bank / "checks.yaml").read_text(encoding="utf-8"))["checks"]:
        out[names[chk["construct"]]][chk["text"][lang]["status"]] += 1
    for q in yaml.safe_load((bank / "context.yaml").read_text(encoding="utf-8"))["questions"]:
        out.setdefault("context", Counter())[q["label"][lang]["status"]] += 1
    for sc in yaml.safe_load((bank / "scales.yaml").read_text(encoding="utf-8"))["scales"]:
        out.setdefault("scales", Counter())[sc["status"][lang]] += 1
    return out


def test_status_table_matches_a_count_from_the_yaml(tmp_path, bank):
    wb, _ = edit(workbook(tmp_path, bank, "de"), {
        ("INF01", "text"): {"new_status": "reviewed"}, ("INF02", "text"): {"new_status": "adjudicated"},
        ("INF03", "text"): {"draft2_de": "Der Kunde hat uns nicht alles gesagt."},
        ("ATT1", "text"): {"new_status": "pretested"}, ("timing5", "label:2"): {"new_status": "reviewed"},
        ("PHASE", "label"): {"new_status": "draft2"}})
    import_workbook(wb, bank)
    for lang in ("de", "fi"):
        want = _count_from_yaml(bank, lang)
        rows = readiness(build_catalog(bank), [lang])
        by = {r["construct"]: r for r in rows}
        assert set(by) == {*want, "all"}
        for construct, counts in want.items():
            r = by[construct]
            assert {s: r[s] for s in ("draft1", "draft2", "reviewed", "adjudicated", "pretested") if r[s]} == counts
            assert r["total"] == sum(counts.values())
            assert r["ready"] == sum(v for s, v in counts.items() if s in ("reviewed", "adjudicated", "pretested"))
        total = sum((c for c in want.values()), Counter())
        assert by["all"]["total"] == sum(total.values()) and by["all"]["draft1"] == total["draft1"]
    de = {r["construct"]: r for r in readiness(build_catalog(bank), ["de"])}
    assert (de["INF"]["reviewed"], de["INF"]["adjudicated"], de["INF"]["draft2"], de["INF"]["ready"]) == (1, 1, 1, 2)
    assert (de["TRU"]["pretested"], de["scales"]["reviewed"], de["context"]["draft2"]) == (1, 1, 1)
    result = CliRunner().invoke(instrument_cmd, ["translations", "status", "--bank", str(bank), "--json"])
    assert result.exit_code == 0 and json.loads(result.output) == readiness(build_catalog(bank))


# -- CLI and the exports ------------------------------------------------------------------------------------------
def test_cli_round_trip_and_exports_carry_the_new_text(tmp_path, bank):
    runner = CliRunner()
    out = tmp_path / "es.xlsx"
    r = runner.invoke(instrument_cmd, ["translations", "export", "--lang", "es", "-o", str(out), "--bank", str(bank)])
    assert r.exit_code == 0 and out.exists() and "texts in es" in r.output
    new = "El cliente se quejó de nosotros en público (p. ej., en redes sociales)."
    wb, _ = edit(out, {("BLM01", "text"): {"adjudicated_es": new}})
    r = runner.invoke(instrument_cmd, ["translations", "import", str(wb), "--bank", str(bank), "--dry-run"])
    assert r.exit_code == 0 and "BLM01 text: draft1 -> adjudicated, text" in r.output and "dry run" in r.output
    r = runner.invoke(instrument_cmd, ["translations", "import", str(wb), "--bank", str(bank), "--lang", "es"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(instrument_cmd, ["export", "--format", "all", "--perspective", "provider", "-o",
                                       str(tmp_path / "out"), "--bank", str(bank), "--json"])
    assert r.exit_code == 0, r.output
    files = json.loads(r.output)["files"]
    from instrument.export.codebook import read_codebook
    from instrument.export.limesurvey import read_limesurvey
    from instrument.export.qualtrics import read_qualtrics
    from instrument.export.redcap import read_redcap
    from instrument.export.xlsform import read_xlsform

    parsed = {"xlsform": read_xlsform(files["xlsform"][0]), "qualtrics": read_qualtrics(files["qualtrics"][0]),
              "limesurvey": read_limesurvey(files["limesurvey"][0]), "codebook": read_codebook(files["codebook"][1])}
    for name, p in parsed.items():
        assert p.languages == ("en", "fi", "de", "es"), name
        assert p.texts["BLM01"]["es"] == new, name
    redcap = {read_redcap(f).languages: read_redcap(f) for f in files["redcap"]}
    assert set(redcap) == {("en",), ("fi",), ("de",), ("es",)}
    assert redcap[("es",)].texts["blm01"]["es"] == new
    r = runner.invoke(vcd, ["instrument", "translations", "export", "--lang", "en", "--bank", str(bank)])
    assert r.exit_code != 0 and "'en' is the source language" in r.output


def test_help_texts_show_examples():
    for cmd in ([], ["export"], ["import"], ["status"]):
        r = CliRunner().invoke(instrument_cmd, ["translations", *cmd, "--help"])
        assert r.exit_code == 0 and "vcd instrument translations" in r.output
