"""``vcd instrument list/show/validate/coverage`` through the root CLI (click's CliRunner)."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from analysis.cli import cli
from instrument.model import BANK_DIR
from instrument.table3 import PERSPECTIVES, TABLE3
from instrument.validate import load_bank

KEYS = {"code", "construct", "theme", "time", "relationship_types", "perspective", "scale", "reverse", "text"}


def run(*args: str):
    return CliRunner().invoke(cli, ["instrument", *args])


@pytest.fixture(scope="module")
def inst():
    return load_bank()


@pytest.fixture
def broken_bank(tmp_path):
    bank = tmp_path / "bank"
    shutil.copytree(BANK_DIR, bank)
    path = bank / "blaming.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("scale: agree7", "scale: agree9", 1), encoding="utf-8")
    path = bank / "checks.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("correct: 6", "correct: 9"), encoding="utf-8")
    return bank


def test_list_json_acceptance(inst):
    result = run("list", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data) == len(inst.items())
    for obj in data:
        assert KEYS <= set(obj), obj["code"]
        assert set(obj["text"]) == {"en", "fi", "de", "es"} and all(obj["text"].values())
        assert isinstance(obj["reverse"], bool) and isinstance(obj["relationship_types"], list)
    reasons = [o for o in data if o["kind"] == "reason"]
    for p in PERSPECTIVES:
        assert sum(o["perspective"] == p for o in reasons) >= 40
    for r in TABLE3:
        for t in r.themes:
            for p in PERSPECTIVES:
                assert any(o["theme"] == t.code and o["perspective"] == p for o in reasons), (t.code, p)
    blm01 = next(o for o in data if o["code"] == "BLM01")
    assert (blm01["construct"], blm01["time"], blm01["theme"], blm01["scale"]) == (
        "blaming", "after", "harmful_complaining", "agree7")
    assert blm01["relationship_types"] == ["B2C", "B2B", "B2G", "G2C"]
    assert blm01["status"] == {"en": "source", "fi": "draft1", "de": "draft1", "es": "draft1"}
    assert blm01["text"]["en"] == inst.item("BLM01").wording("en")


def test_list_filters(inst):
    data = json.loads(run("list", "--construct", "BLM", "--perspective", "customer", "--json").stdout)
    assert [o["code"] for o in data] == [f"BLM1{k}" for k in range(1, 7)]
    data = json.loads(run("list", "--construct", "customer_misbehaviour", "--json").stdout)
    assert len(data) == 12 and {o["perspective"] for o in data} == set(PERSPECTIVES)
    data = json.loads(run("list", "--kind", "outcome", "--perspective", "provider", "--json").stdout)
    assert len(data) == len(inst.items(kind="outcome", perspective="provider"))
    assert [o["code"] for o in data if o["reverse"]] == ["ICA05"]


def test_list_text_output():
    result = run("list", "--construct", "MSB", "--perspective", "provider", "--lang", "de")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["code", "perspective", "construct", "theme", "R", "text"]
    assert [ln.split()[0] for ln in lines[2:]] == [f"MSB0{k}" for k in range(1, 7)]
    assert "Der Kunde hat unser Angebot" in lines[2]


@pytest.mark.parametrize(("args", "message"), [
    (["list", "--construct", "XYZ"], "Error: unknown construct 'XYZ'"),
    (["list", "--lang", "sv"], "Error: unknown language 'sv'"),
    (["show", "NOPE"], "Error: no item, check, context question or construct with code 'NOPE'"),
])
def test_errors_are_one_line(args, message):
    result = run(*args)
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith(message)


def test_list_on_broken_bank_names_the_problems(broken_bank):
    result = run("list", "--bank", str(broken_bank))
    assert result.exit_code == 1
    assert "blaming.yaml: BLM01: unknown scale 'agree9'" in result.output


def test_show_item_check_context_row_construct():
    out = run("show", "BLM14").stdout
    assert out.startswith("BLM14 (reason item)")
    assert "theme: groundless_complaining" in out and "relationship_types: B2G" in out
    assert "en [source]: Looking back, we blamed the provider" in out and "de [draft1]: Rückblickend" in out
    out = run("show", "ATT2").stdout
    assert "correct: 6" in out and "after: MSB03" in out and "6 Agree" in out
    out = run("show", "RELTYPE").stdout
    assert "column: relationship_type" in out and "1 B2C: Business to consumer" in out
    out = run("show", "TIM_MSB").stdout
    assert "question: TIMING" in out and "construct: customer_misbehaviour" in out and "5 Did not occur" in out
    out = run("show", "ICA").stdout
    assert "provider ICA01 ICA02 ICA03 ICA04 ICA05; customer ICA11" in out
    rec = json.loads(run("show", "COUNTRY", "--json").stdout)
    assert rec["column"] == "country" and {"code": "NO", "value": 32} == {
        k: v for k, v in next(c for c in rec["choices"] if c["code"] == "NO").items() if k != "label"}


def test_validate_good_bank(inst):
    result = run("validate")
    assert result.exit_code == 0, result.output
    n = len(inst.items(perspective="provider"))
    assert result.stdout.startswith(f"OK: the bundled bank: 8 reasons, 4 outcomes, {n} provider")
    assert run("validate", str(BANK_DIR), "--json").stdout.strip() == "[]"


def test_validate_broken_bank(broken_bank):
    result = run("validate", str(broken_bank))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "blaming.yaml: BLM01: unknown scale 'agree9'",
        "checks.yaml: ATT2: correct answer 9 is not a value of scale agree7",
    ]
    assert f"2 problem(s) in {broken_bank}" in result.output
    data = json.loads(run("validate", str(broken_bank), "--json").stdout)
    assert data[0] == {"file": "blaming.yaml", "code": "BLM01", "message": "unknown scale 'agree9'"}


def test_validate_missing_folder(tmp_path):
    result = run("validate", str(tmp_path / "nowhere"))
    assert result.exit_code == 1 and "not a folder" in result.stdout


def test_coverage_text(inst):
    result = run("coverage")
    assert result.exit_code == 0
    out = result.stdout
    for r in TABLE3:
        assert f"{r.code} {r.name}" in out
        for t in r.themes:
            assert t.code in out
    msb = next(ln for ln in out.splitlines() if ln.startswith("MSB customer_misbehaviour"))
    assert msb.split()[2:] == ["after", "misuses_product", "RI", "2", "2"]
    total = next(ln for ln in out.splitlines() if ln.startswith("total"))
    assert total.split()[-2:] == [str(len(inst.items(perspective=p, kind="reason"))) for p in PERSPECTIVES]
    assert "ICA intention_to_collaborate_again" in out and "ICA05 ICA15" in out


def test_coverage_json_matches_the_bank(inst):
    data = json.loads(run("coverage", "--json").stdout)
    rows = data["table3"]
    assert len(rows) == sum(len(r.themes) for r in TABLE3) == 21
    assert data["problems"] == []
    for row in rows:
        c = inst.construct(row["reason_code"])
        theme = next(t for t in c.themes if t.code == row["theme"])
        for p in PERSPECTIVES:
            assert row[f"{p}_items"] == [i.code for i in theme.items if i.perspective == p]
            assert row[p] == len(row[f"{p}_items"]) >= 1
    assert [o["code"] for o in data["outcomes"]] == ["VCX", "RLS", "COP", "ICA"]


def test_coverage_of_an_incomplete_bank(tmp_path):
    bank = tmp_path / "bank"
    shutil.copytree(BANK_DIR, bank)
    (bank / "blaming.yaml").unlink()
    result = run("coverage", "--bank", str(bank), "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    blm = [r for r in data["table3"] if r["reason_code"] == "BLM"]
    assert [(r["theme"], r["provider"], r["customer"]) for r in blm] == [
        ("harmful_complaining", 0, 0), ("groundless_complaining", 0, 0)]
    assert "blaming.yaml: BLM: Table-3 reason has no construct in the bank" in data["problems"]
    assert "validation problem(s)" in run("coverage", "--bank", str(bank)).output


def test_subcommands_and_help():
    import importlib.util

    from instrument.cli import instrument

    assert {"list", "show", "validate", "coverage"} <= set(instrument.commands)
    if importlib.util.find_spec("instrument.export.cli") is not None:
        assert "export" in instrument.commands
    for name in ("list", "show", "validate", "coverage"):
        help_text = run(name, "--help").output
        assert "Example" in help_text and f"vcd instrument {name}" in help_text
