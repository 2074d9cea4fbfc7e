"""Content of the item bank for five reasons of Table 3: trust (TRU), mistakes (MIS), inability to serve (SRV),
inability to change (CHG) and absence of clear expectations (EXP).

The checks are plain functions returning a list of problems, run on the bundled bank (must be empty) and on
deliberately broken copies of it (must name the problem), so every check is shown to be able to fail.
The bank is read with ``check_bank`` rather than ``load_bank`` so these tests do not depend on the files
of the other reasons.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from instrument.model import BANK_DIR, Instrument
from instrument.table3 import PERSPECTIVES, TABLE3_BY_NAME, TRAPD_STATUSES
from instrument.validate import check_bank
from vcd_core.errors import BankError

REASONS = {
    "insufficient_trust": "TRU",
    "mistakes": "MIS",
    "inability_to_serve": "SRV",
    "inability_to_change": "CHG",
    "absence_of_clear_expectations": "EXP",
}
LANGUAGES = ("en", "fi", "de", "es")
MIN_PER_PERSPECTIVE = 5


def content_problems(inst: Instrument, name: str) -> list[str]:
    """Every content problem of one reason (empty when the reason is complete)."""
    code = REASONS[name]
    t3 = TABLE3_BY_NAME[name]
    try:
        c = inst.construct(name)
    except BankError:
        return [f"{name}: no construct"]
    out = []
    if c.code != code:
        out.append(f"{name}: code {c.code} != {code}")
    if c.time != t3.time:
        out.append(f"{name}: time {c.time} != Table 3 {t3.time}")
    themes = {t.code: t for t in c.themes}
    for t in t3.themes:
        if t.code not in themes:
            out.append(f"{code}: theme {t.code} missing")
            continue
        if set(themes[t.code].relationship_types) != set(t.relationship_types):
            out.append(f"{code}: theme {t.code} relationship types differ from Table 3")
        for p in PERSPECTIVES:
            if not any(i.perspective == p for i in themes[t.code].items):
                out.append(f"{code}: theme {t.code} has no {p} item")
    for p in PERSPECTIVES:
        n = len(c.items_for(p))
        if n < MIN_PER_PERSPECTIVE:
            out.append(f"{code}: {n} {p} items")
    code_re = re.compile(rf"^{code}([01])([1-9])$")
    by_code = {i.code: i for i in c.items}
    for i in c.items:
        m = code_re.match(i.code)
        if not m:
            out.append(f"{i.code}: code does not follow {code}0n/{code}1n")
            continue
        want = "provider" if m.group(1) == "0" else "customer"
        if i.perspective != want:
            out.append(f"{i.code}: perspective {i.perspective}, code says {want}")
        twin = f"{code}{1 - int(m.group(1))}{m.group(2)}"
        if twin not in by_code:
            out.append(f"{i.code}: no parallel item {twin}")
        elif by_code[twin].theme != i.theme:
            out.append(f"{i.code}: theme {i.theme}, parallel item {twin} has theme {by_code[twin].theme}")
        if tuple(i.text) != LANGUAGES:
            out.append(f"{i.code}: languages {tuple(i.text)}")
        for lang, t in i.text.items():
            if not t.text.strip():
                out.append(f"{i.code}: empty text in {lang}")
            if (lang == "en") != (t.status == "source") or t.status not in TRAPD_STATUSES:
                out.append(f"{i.code}: status {t.status} in {lang}")
        if i.scale != "agree7":
            out.append(f"{i.code}: scale {i.scale}")
        if "Järvi" not in i.source:
            out.append(f"{i.code}: source does not cite Järvi et al. 2018")
    for p in PERSPECTIVES:
        if sum(i.reverse for i in c.items_for(p)) > 1:
            out.append(f"{code}: more than one reverse-keyed {p} item")
    return out


@pytest.fixture(scope="module")
def bank() -> Instrument:
    inst, _ = check_bank()
    assert inst is not None
    return inst


@pytest.mark.parametrize("name", sorted(REASONS))
def test_reason_content_complete(bank, name):
    assert content_problems(bank, name) == []


@pytest.mark.parametrize("name", sorted(REASONS))
def test_no_validator_problem_names_these_files(name):
    _, problems = check_bank()
    mine = [str(p) for p in problems if p.file == f"{name}.yaml" or p.code.startswith(REASONS[name])]
    assert mine == []


def test_wording_differs_between_items(bank):
    seen: dict[tuple[str, str], str] = {}
    for name in REASONS:
        for i in bank.construct(name).items:
            for lang, t in i.text.items():
                key = (lang, t.text.casefold())
                assert key not in seen, f"{i.code} repeats the {lang} wording of {seen[key]}"
                seen[key] = i.code


def test_every_sub_aspect_of_a_multi_aspect_theme_has_an_item(bank):
    # the seed's two facets of wrong assumptions and the four RI themes of inability to serve
    mis = {i.wording() for i in bank.construct("MIS").items if i.theme == "wrong_assumptions"}
    assert any("terms" in w for w in mis) and any("pictures" in w for w in mis)
    srv = bank.construct("SRV")
    for t in srv.themes:
        for p in PERSPECTIVES:
            assert sum(i.perspective == p for i in t.items) >= 2, (t.code, p)


# -- the checks fail on broken banks ----------------------------------------------------------------------
def _broken(tmp_path: Path, file: str, edit) -> Instrument:
    dst = tmp_path / "bank"
    shutil.copytree(BANK_DIR, dst)
    data = yaml.safe_load((dst / file).read_text(encoding="utf-8"))
    edit(data)
    (dst / file).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    inst, _ = check_bank(dst)
    assert inst is not None
    return inst


def _item(data: dict, code: str) -> dict:
    return next(i for t in data["themes"] for i in t["items"] if i["code"] == code)


def test_detects_wrong_code_convention(tmp_path):
    inst = _broken(tmp_path, "insufficient_trust.yaml", lambda d: _item(d, "TRU16").update(code="TRU26"))
    problems = content_problems(inst, "insufficient_trust")
    assert "TRU26: code does not follow TRU0n/TRU1n" in problems
    assert "TRU06: no parallel item TRU16" in problems


def test_detects_perspective_that_contradicts_code(tmp_path):
    inst = _broken(tmp_path, "mistakes.yaml", lambda d: _item(d, "MIS12").update(perspective="provider"))
    assert "MIS12: perspective provider, code says customer" in content_problems(inst, "mistakes")


def test_detects_unpaired_theme(tmp_path):
    def move(d):
        item = _item(d, "SRV18")
        d["themes"][3]["items"].remove(item)
        d["themes"][0]["items"].append(item)

    inst = _broken(tmp_path, "inability_to_serve.yaml", move)
    problems = content_problems(inst, "inability_to_serve")
    assert "SRV08: theme slow_processes, parallel item SRV18 has theme expensive_offering" in problems


def test_detects_theme_without_customer_items(tmp_path):
    def drop(d):
        d["themes"][1]["items"] = [i for i in d["themes"][1]["items"] if i["perspective"] == "provider"]

    inst = _broken(tmp_path, "inability_to_change.yaml", drop)
    problems = content_problems(inst, "inability_to_change")
    assert "CHG: theme customer_resists_new_ways has no customer item" in problems
    assert "CHG: 3 customer items" in problems


def test_detects_missing_translation_and_status(tmp_path):
    def edit(d):
        del _item(d, "EXP03")["text"]["de"]
        _item(d, "EXP14")["text"]["fi"]["status"] = "source"

    inst = _broken(tmp_path, "absence_of_clear_expectations.yaml", edit)
    problems = content_problems(inst, "absence_of_clear_expectations")
    assert "EXP03: languages ('en', 'fi', 'es')" in problems
    assert "EXP14: status source in fi" in problems


def test_detects_wrong_time_and_missing_reason(tmp_path):
    inst = _broken(tmp_path, "absence_of_clear_expectations.yaml", lambda d: d.update(time="after"))
    assert "absence_of_clear_expectations: time after != Table 3 before" in content_problems(
        inst, "absence_of_clear_expectations")
    (tmp_path / "bank" / "mistakes.yaml").unlink()
    inst, _ = check_bank(tmp_path / "bank")
    assert content_problems(inst, "mistakes") == ["mistakes: no construct"]


def test_detects_reverse_keying_and_foreign_scale(tmp_path):
    def edit(d):
        _item(d, "TRU01")["reverse"] = True
        _item(d, "TRU03")["reverse"] = True
        _item(d, "TRU15")["scale"] = "timing5"

    problems = content_problems(_broken(tmp_path, "insufficient_trust.yaml", edit), "insufficient_trust")
    assert "TRU: more than one reverse-keyed provider item" in problems
    assert "TRU15: scale timing5" in problems
