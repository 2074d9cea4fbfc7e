"""The instrument model over the bundled bank: look-ups, scales, page order with checks, context codes and values."""

from __future__ import annotations

import re

import pytest

from instrument.model import AttentionCheck, Item, item_codes
from instrument.table3 import PERSPECTIVES, RELATIONSHIP_TYPES, TABLE3, TRAPD_STATUSES
from instrument.validate import load_bank
from vcd_core.errors import BankError

EU = "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()
EEA = ["IS", "LI", "NO"]
OTHERS = "US GB CA AU JP CN IN BR ZA".split()
MINE = ("MSB", "BLM", "VCX", "RLS", "COP", "ICA")


@pytest.fixture(scope="module")
def inst():
    return load_bank()


def test_constructs_in_order(inst):
    assert [c.code for c in inst.reasons()] == [r.code for r in TABLE3]
    assert [c.code for c in inst.outcomes()] == ["VCX", "RLS", "COP", "ICA"]
    assert [c.code for c in inst.constructs] == [r.code for r in TABLE3] + ["VCX", "RLS", "COP", "ICA"]
    assert inst.language_codes == ("en", "fi", "de", "es") and inst.source_language == "en"


def test_acceptance_counts(inst):
    for p in PERSPECTIVES:
        assert len(inst.items(perspective=p, kind="reason")) >= 40
        for c in inst.outcomes():
            assert len(c.items_for(p)) >= 4, (c.code, p)
    for code in ("MSB", "BLM"):
        for p in PERSPECTIVES:
            assert len(inst.items(perspective=p, construct=code)) >= 6


def test_misbehaviour_and_blaming_follow_table3(inst):
    for r in TABLE3:
        if r.code not in ("MSB", "BLM"):
            continue
        c = inst.construct(r.code)
        assert (c.name, c.time, c.kind) == (r.name, r.time, "reason") == (r.name, "after", "reason")
        assert [t.code for t in c.themes] == [t.code for t in r.themes]
        for t, t3 in zip(c.themes, r.themes, strict=True):
            assert set(t.relationship_types) == set(t3.relationship_types)
            for p in PERSPECTIVES:
                assert any(i.perspective == p for i in t.items), (t.code, p)


def test_item_code_convention(inst):
    """Three-letter construct code + two digits; tens digit 0 = provider, 1 = customer."""
    for item in inst.items():
        m = re.fullmatch(r"([A-Z]{3})(\d)(\d)", item.code)
        assert m, item.code
        assert m.group(1) == item.construct_code
        assert m.group(2) == {"provider": "0", "customer": "1"}[item.perspective], item.code


def test_parallel_forms(inst):
    """In MSB, BLM and the outcomes every provider item XXX0n has a customer twin XXX1n on the same theme."""
    for code in MINE:
        c = inst.construct(code)
        prov = {i.code[4:]: i for i in c.items_for("provider")}
        cust = {i.code[4:]: i for i in c.items_for("customer")}
        assert prov.keys() == cust.keys(), code
        for n, i in prov.items():
            assert cust[n].theme == i.theme and cust[n].reverse == i.reverse, (i.code, cust[n].code)


def test_texts_four_languages_with_trapd_status(inst):
    for code in MINE:
        for item in inst.items(construct=code):
            assert set(item.text) == set(inst.language_codes), item.code
            assert item.text["en"].status == "source"
            for lang in ("fi", "de", "es"):
                assert item.text[lang].status in TRAPD_STATUSES[1:]
                assert item.wording(lang) != item.wording("en"), (item.code, lang)
            assert item.source


def test_item_lookup_carries_construct_metadata(inst):
    item = inst.item("BLM04")
    assert isinstance(item, Item)
    assert (item.construct, item.construct_code, item.kind, item.theme) == (
        "blaming", "BLM", "reason", "groundless_complaining")
    assert (item.time, item.relationship_types, item.perspective, item.file) == (
        "after", ("B2G",), "provider", "blaming.yaml")
    assert inst.item("MSB01").relationship_types == RELATIONSHIP_TYPES
    assert inst.item("VCX01").kind == "outcome" and inst.item("VCX01").time is None
    assert item_codes(inst.items(construct="blaming", perspective="customer")) == [f"BLM1{k}" for k in range(1, 7)]
    with pytest.raises(BankError, match="unknown item code 'BLM99'"):
        inst.item("BLM99")
    with pytest.raises(BankError, match="unknown construct 'XYZ'"):
        inst.items(construct="XYZ")


def test_scale_reverse_and_labels(inst):
    sc = inst.scale("agree7")
    assert sc.values == tuple(range(1, 8)) and (sc.minimum, sc.maximum) == (1, 7)
    assert [sc.reverse(v) for v in sc.values] == [7, 6, 5, 4, 3, 2, 1]
    assert sc.reverse(2.5) == 5.5
    assert sc.label(3, "de") == "Stimme eher nicht zu" and sc.label(6, "es") == "De acuerdo"
    assert inst.scale("timing5").values == (1, 2, 3, 4, 5)
    with pytest.raises(BankError):
        inst.scale("agree9")


def test_reverse_keyed_items_are_the_justified_ones(inst):
    assert [i.code for c in MINE for i in inst.items(construct=c) if i.reverse] == ["ICA05", "ICA15"]
    sc = inst.scale(inst.item("ICA05").scale)
    assert sc.reverse(7) == 1  # "We would avoid working with this customer" strongly agreed = lowest intention


def test_checks_sit_inside_two_reason_matrices_in_both_perspectives(inst):
    assert [c.code for c in inst.checks] == ["ATT1", "ATT2"]
    matrices = {c.construct for c in inst.checks}
    assert len(matrices) == 2
    assert all(inst.construct(m).kind == "reason" for m in matrices)
    for p in PERSPECTIVES:
        assert [c.code for c in inst.checks_for(p)] == ["ATT1", "ATT2"]
        for chk in inst.checks:
            rows = inst.matrix(chk.construct, p)
            pos = [r.code for r in rows].index(chk.code)
            assert isinstance(rows[pos], AttentionCheck)
            assert 0 < pos, "a check is never the first row of its matrix"
            if p == "provider":
                assert rows[pos - 1].code == chk.after and pos < len(rows) - 1
            else:
                assert pos == len(rows) - 1  # the anchor is a provider code: last row of the customer matrix


def test_check_instruction_quotes_the_correct_label(inst):
    for chk in inst.checks:
        sc = inst.scale(chk.scale)
        assert chk.correct in sc.values and chk.correct not in (sc.minimum, sc.maximum)
        for lang in inst.language_codes:
            assert f"'{sc.label(chk.correct, lang)}'" in chk.text[lang].text, (chk.code, lang)
    assert len({c.correct for c in inst.checks}) == 2


def test_page_order(inst):
    for p in PERSPECTIVES:
        order = inst.page_order(p)
        items = item_codes(inst.items(perspective=p))
        assert sorted(order) == sorted(items + ["ATT1", "ATT2"])
        assert [c for c in order if c not in ("ATT1", "ATT2")] == items  # bank order
        assert order.index("ATT1") < order.index("ATT2")
        reasons = inst.page_order(p, kind="reason")
        assert order[: len(reasons)] == reasons  # reasons first, then outcomes
        assert inst.page_order(p, kind="outcome") == order[len(reasons):]
    prov = inst.page_order("provider")
    assert prov[prov.index("TRU03") + 1] == "ATT1" and prov[prov.index("MSB03") + 1] == "ATT2"
    cust = inst.page_order("customer")
    assert cust[cust.index("TRU16") + 1] == "ATT1" and cust[cust.index("ATT1") + 1] == "MIS11"


def test_context_codes_columns_and_values(inst):
    assert [q.code for q in inst.context] == [
        "COUNTRY", "RELTYPE", "PHASE", "TIMING", "INDUSTRY", "ROLE", "ORGSIZE", "RELLENGTH"]
    assert {q.code: q.column for q in inst.context if q.column} == {
        "COUNTRY": "country", "RELTYPE": "relationship_type", "PHASE": "phase"}
    assert inst.context_for("provider") == inst.context_for("customer") == inst.context
    rel = inst.context_question("RELTYPE")
    assert {c.code: c.value for c in rel.choices} == {"B2C": 1, "B2B": 2, "B2G": 3, "G2C": 4}
    for c in rel.choices:  # the label says who is provider and who is customer
        assert "provider" in c.label["en"] and "customer" in c.label["en"], c.code
    assert rel.choice(3).code == "B2G" and rel.choice("G2C").value == 4
    phase = inst.context_question("PHASE")
    assert {c.code: c.value for c in phase.choices} == {"before": 1, "during": 2, "after": 3}
    timing = inst.context_question("TIMING")
    assert (timing.type, timing.scale) == ("matrix", "timing5")
    assert [(r.code, r.construct) for r in timing.rows] == [(f"TIM_{r.code}", r.name) for r in TABLE3]
    industry = inst.context_question("INDUSTRY")
    assert [(c.code, c.value) for c in industry.choices] == [(chr(65 + k), k + 1) for k in range(21)]
    for code in ("ROLE", "ORGSIZE", "RELLENGTH"):
        q = inst.context_question(code)
        assert q.type == "select_one" and len(q.choices) >= 4
        assert [c.value for c in q.choices] == list(range(1, len(q.choices) + 1))
    with pytest.raises(BankError, match="no choice 'X1'"):
        rel.choice("X1")
    with pytest.raises(BankError, match="unknown context question 'LANGUAGE'"):
        inst.context_question("LANGUAGE")  # the platform records the language


def test_country_codes_and_stable_values(inst):
    country = inst.context_question("COUNTRY")
    codes = [c.code for c in country.choices]
    assert set(EU + EEA + OTHERS) <= set(codes)
    assert all(isinstance(c, str) and re.fullmatch(r"[A-Z]{2}", c) for c in codes)  # Norway stays "NO"
    values = [c.value for c in country.choices]
    assert len(set(values)) == len(values) and len(set(codes)) == len(codes)
    # pinned: data sets already carry these numbers, so they must never change
    pinned = {"AT": 1, "DE": 11, "ES": 14, "FI": 15, "FR": 16, "GB": 17, "NO": 32, "SE": 36, "US": 39, "ZA": 40,
              "ZZ": 99}
    assert {c: country.choice(c).value for c in pinned} == pinned
    for c in country.choices:
        assert set(c.label) == set(inst.language_codes) and all(c.label.values())
