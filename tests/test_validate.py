"""Bank validation: one broken-bank fixture per rule, each message naming the file and the code.

Every fixture copies the bundled bank into ``tmp_path`` and breaks exactly one thing, either by replacing a
piece of text (``old`` → ``new``, which must occur in the file) or by editing the parsed YAML.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from instrument.model import BANK_DIR
from instrument.validate import Problem, check_bank, load_bank
from vcd_core.errors import BankError


def bank_copy(tmp_path: Path) -> Path:
    dest = tmp_path / "bank"
    shutil.copytree(BANK_DIR, dest)
    return dest


def replace(bank: Path, file: str, old: str, new: str) -> None:
    text = (bank / file).read_text(encoding="utf-8")
    assert old in text, (file, old)
    (bank / file).write_text(text.replace(old, new, 1), encoding="utf-8")


def edit_yaml(bank: Path, file: str, fn: Callable[[dict], None]) -> None:
    data = yaml.safe_load((bank / file).read_text(encoding="utf-8"))
    fn(data)
    (bank / file).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def problems_of(bank: Path) -> list[str]:
    return [str(p) for p in check_bank(bank)[1]]


def assert_problem(problems: list[str], file: str, code: str, needle: str) -> None:
    prefix = f"{file}: {code}: "
    hits = [p for p in problems if p.startswith(prefix) and needle in p]
    assert hits, f"no problem starting {prefix!r} containing {needle!r} in:\n" + "\n".join(problems)


def test_bundled_bank_and_its_copy_are_clean(tmp_path):
    assert check_bank()[1] == []
    assert problems_of(bank_copy(tmp_path)) == []


def test_problem_string_names_file_and_code():
    problem = Problem("blaming.yaml", "BLM03", "unknown scale 'agree9'")
    assert str(problem) == "blaming.yaml: BLM03: unknown scale 'agree9'"


# (file, old, new, expected file, expected code, expected text in the message)
TEXT_CASES = [
    pytest.param("blaming.yaml", "construct: blaming", "construct: [blaming",
                 "blaming.yaml", "-", "invalid YAML at line", id="invalid-yaml"),
    pytest.param("blaming.yaml", "        scale: agree7\n", "",
                 "blaming.yaml", "BLM01", "missing key 'scale'", id="missing-key"),
    pytest.param("blaming.yaml", "code: BLM02", "code: BLM01",
                 "blaming.yaml", "BLM01", "duplicate code (also in blaming.yaml)", id="duplicate-item-code"),
    pytest.param("outcomes.yaml", "code: VCX01", "code: BLM01",
                 "outcomes.yaml", "BLM01", "duplicate code (also in blaming.yaml)", id="duplicate-code-across-files"),
    pytest.param("checks.yaml", "code: ATT2", "code: ATT1",
                 "checks.yaml", "ATT1", "duplicate code (also in checks.yaml)", id="duplicate-check-code"),
    pytest.param("context.yaml", "code: ROLE", "code: MSB01",
                 "context.yaml", "MSB01", "duplicate code (also in customer_misbehaviour.yaml)",
                 id="context-code-clashes-with-item"),
    pytest.param("context.yaml", "code: TIM_BLM,", "code: BLM01,",
                 "context.yaml", "BLM01", "duplicate code (also in blaming.yaml)", id="matrix-row-clashes-with-item"),
    pytest.param("outcomes.yaml", "code: ICA\n", "code: COP\n",
                 "outcomes.yaml", "COP", "duplicate construct code (also in outcomes.yaml)",
                 id="duplicate-construct-code"),
    pytest.param("blaming.yaml", "construct: blaming", "construct: blamin",
                 "blaming.yaml", "BLM", "unknown construct 'blamin': not a reason of Table 3", id="unknown-construct"),
    pytest.param("blaming.yaml", "- code: groundless_complaining", "- code: groundless_blaming",
                 "blaming.yaml", "groundless_blaming", "unknown theme 'groundless_blaming'", id="unknown-theme"),
    pytest.param("blaming.yaml", "- code: groundless_complaining", "- code: groundless_blaming",
                 "blaming.yaml", "groundless_complaining", "Table-3 theme without provider items",
                 id="table3-theme-without-items"),
    pytest.param("blaming.yaml", "scale: agree7", "scale: agree9",
                 "blaming.yaml", "BLM01", "unknown scale 'agree9'", id="unknown-item-scale"),
    pytest.param("checks.yaml", "scale: agree7", "scale: agree9",
                 "checks.yaml", "ATT1", "unknown scale 'agree9'", id="unknown-check-scale"),
    pytest.param("context.yaml", "scale: timing5", "scale: timing6",
                 "context.yaml", "TIMING", "unknown scale 'timing6'", id="unknown-matrix-scale"),
    pytest.param("blaming.yaml", "          es: {text:", "          sv: {text:",
                 "blaming.yaml", "BLM01", "text: unknown language 'sv'", id="unknown-language"),
    pytest.param("blaming.yaml",
                 '          fi: {text: "Asiakkaan valitukset vahingoittivat mainettamme.", status: draft1}\n', "",
                 "blaming.yaml", "BLM02", "text: missing translation 'fi'", id="missing-translation"),
    pytest.param("outcomes.yaml", "      fi: Koettu arvon yhteistuhoutuminen\n", "",
                 "outcomes.yaml", "VCX", "label: missing translation 'fi'", id="missing-label-translation"),
    pytest.param("context.yaml", '      de: {text: "Wann begannen die Probleme in dieser Zusammenarbeit?", '
                 'status: draft1}\n', "",
                 "context.yaml", "PHASE", "label: missing translation 'de'", id="missing-context-translation"),
    pytest.param("checks.yaml", "      es: {text: \"Esta fila", "      xx: {text: \"Esta fila",
                 "checks.yaml", "ATT2", "text: missing translation 'es'", id="missing-check-translation"),
    pytest.param("blaming.yaml", '{text: "Asiakkaan valitukset vahingoittivat mainettamme."', '{text: ""',
                 "blaming.yaml", "BLM02", "text: empty text in 'fi'", id="empty-text"),
    pytest.param("blaming.yaml", "relationship_types: [B2G]", "relationship_types: [B2G, C2C]",
                 "blaming.yaml", "groundless_complaining", "relationship types ['C2C'] are not among",
                 id="relationship-type-outside-set"),
    pytest.param("blaming.yaml", "relationship_types: [B2G]", "relationship_types: [B2B]",
                 "blaming.yaml", "groundless_complaining", "contradict Table 3 ['B2G']",
                 id="relationship-types-contradict-table3"),
    pytest.param("blaming.yaml", "time: after", "time: later",
                 "blaming.yaml", "BLM", "time 'later' is not one of any, before, during, after", id="time-outside-set"),
    pytest.param("blaming.yaml", "time: after", "time: before",
                 "blaming.yaml", "BLM", "time 'before' contradicts Table 3 ('after')", id="time-contradicts-table3"),
    pytest.param("blaming.yaml", "perspective: provider", "perspective: supplier",
                 "blaming.yaml", "BLM01", "perspective 'supplier' is not one of provider, customer",
                 id="item-perspective"),
    pytest.param("checks.yaml", "perspectives: [provider, customer]", "perspectives: [provider, client]",
                 "checks.yaml", "ATT1", "perspective 'client' is not one of", id="check-perspective"),
    pytest.param("blaming.yaml", "status: draft1}", "status: final}",
                 "blaming.yaml", "BLM01", "TRAPD status 'final' in 'fi' is not one of", id="trapd-status"),
    pytest.param("blaming.yaml", "status: draft1}", "status: source}",
                 "blaming.yaml", "BLM01", "status 'source' is for the source language 'en' only",
                 id="source-status-in-translation"),
    pytest.param("blaming.yaml", "reverse: false", "reverse: maybe",
                 "blaming.yaml", "BLM01", "reverse must be true or false, not 'maybe'", id="reverse-not-boolean"),
    pytest.param("blaming.yaml", "code: BLM01", "code: 1-BLM",
                 "blaming.yaml", "1-BLM", "item code must start with a letter", id="bad-item-code"),
    pytest.param("blaming.yaml", "code: BLM02", "code: BLM2",
                 "blaming.yaml", "BLM2", "item code must be BLM0n (provider) or BLM1n (customer)",
                 id="item-code-convention"),
    pytest.param("outcomes.yaml", "code: VCX01", "code: VCY01",
                 "outcomes.yaml", "VCY01", "item code must be VCX0n (provider) or VCX1n (customer)",
                 id="outcome-item-code-convention"),
    pytest.param("blaming.yaml", "code: BLM03\n        perspective: provider",
                 "code: BLM03\n        perspective: customer",
                 "blaming.yaml", "BLM03", "perspective 'customer' but the code's tens digit 0 means provider",
                 id="item-code-perspective-digit"),
    pytest.param("blaming.yaml", "code: BLM\n", "code: BLAME\n",
                 "blaming.yaml", "BLAME", "construct code must be three capital letters", id="construct-code-shape"),
    pytest.param("blaming.yaml", "kind: reason", "kind: cause",
                 "blaming.yaml", "BLM", "kind 'cause' is not 'reason' or 'outcome'", id="bad-kind"),
    pytest.param("context.yaml", "type: matrix", "type: grid",
                 "context.yaml", "TIMING", "type 'grid' is not select_one", id="context-type"),
    pytest.param("context.yaml", "construct: blaming,", "construct: blame,",
                 "context.yaml", "TIM_BLM", "unknown construct 'blame'", id="matrix-row-construct"),
    pytest.param("context.yaml", '{code: "FI", value: 15,', '{code: "FI", value: 16,',
                 "context.yaml", "COUNTRY/FR", "duplicate choice value 16", id="duplicate-choice-value"),
    pytest.param("context.yaml", '{code: "FI", value: 15,', '{code: "FR", value: 15,',
                 "context.yaml", "COUNTRY/FR", "duplicate choice code 'FR'", id="duplicate-choice-code"),
    pytest.param("context.yaml", '{code: "FI", value: 15,', '{code: "FI", value: fifteen,',
                 "context.yaml", "COUNTRY/FI", "value: 'fifteen' is not an integer", id="choice-value-not-integer"),
    pytest.param("context.yaml", '{code: "NO", value: 32,', '{code: NO, value: 32,',
                 "context.yaml", "COUNTRY/False", "choice code False is not a string", id="norway-problem"),
    pytest.param("checks.yaml", "construct: customer_misbehaviour", "construct: misbehaviour",
                 "checks.yaml", "ATT2", "unknown construct 'misbehaviour'", id="check-construct"),
    pytest.param("checks.yaml", "after: MSB03", "after: BLM03",
                 "checks.yaml", "ATT2", "'after' names 'BLM03', not an item of customer_misbehaviour",
                 id="check-anchor"),
    pytest.param("checks.yaml", "correct: 6", "correct: 9",
                 "checks.yaml", "ATT2", "correct answer 9 is not a value of scale agree7", id="check-correct"),
    pytest.param("checks.yaml", "correct: 6", "correct: six",
                 "checks.yaml", "ATT2", "correct answer 'six' is not a value", id="check-correct-not-integer"),
    pytest.param("scales.yaml", "Throughout, Did not occur]", "Throughout]",
                 "scales.yaml", "timing5", "labels in 'en': 4 labels for 5 values", id="scale-label-count"),
    pytest.param("scales.yaml", "      es: [Totalmente en desacuerdo", "      xx: [Totalmente en desacuerdo",
                 "scales.yaml", "agree7", "labels: missing translation 'es'", id="scale-missing-translation"),
    pytest.param("scales.yaml", "status: {en: source, fi: draft1", "status: {en: source, fi: draft9",
                 "scales.yaml", "agree7", "status 'draft9' in 'fi' is not a TRAPD status", id="scale-status"),
    pytest.param("scales.yaml", "values: [1, 2, 3, 4, 5]\n", "values: [1, 2, 3, 4, five]\n",
                 "scales.yaml", "timing5", "values: 'five' is not an integer", id="scale-value-not-integer"),
    pytest.param("languages.yaml", "source: en", "source: sv",
                 "languages.yaml", "sv", "source language is not among the languages", id="source-language"),
    pytest.param("languages.yaml", "native: Suomi, qualtrics: FI}", "native: Suomi}",
                 "languages.yaml", "fi", "missing key 'qualtrics'", id="language-missing-key"),
]


@pytest.mark.parametrize(("file", "old", "new", "exp_file", "exp_code", "needle"), TEXT_CASES)
def test_broken_bank_text_edit(tmp_path, file, old, new, exp_file, exp_code, needle):
    bank = bank_copy(tmp_path)
    replace(bank, file, old, new)
    assert_problem(problems_of(bank), exp_file, exp_code, needle)


# malformed structures: each is a problem naming file and code, never a traceback
SHAPE_CASES = [
    pytest.param("blaming.yaml", "      - code: BLM01\n", "      - just a string\n      - code: BLM01\n",
                 "blaming.yaml", "harmful_complaining", "'items': expected a mapping, got 'just a string'",
                 id="item-not-a-mapping"),
    pytest.param("blaming.yaml", "  - code: groundless_complaining\n", "  - null\n  - code: groundless_complaining\n",
                 "blaming.yaml", "BLM", "'themes': expected a mapping, got None", id="theme-null"),
    pytest.param("blaming.yaml", "themes:\n", "themes: 5\nxthemes:\n",
                 "blaming.yaml", "BLM", "'themes' must be a list, not 5", id="themes-not-a-list"),
    pytest.param("blaming.yaml", "stem:\n", "stem: 5\nxstem:\n",
                 "blaming.yaml", "BLM", "'stem' must be a mapping, not 5", id="stem-not-a-mapping"),
    pytest.param("blaming.yaml", "relationship_types: [B2G]", "relationship_types: B2G",
                 "blaming.yaml", "groundless_complaining", "'relationship_types' must be a list such as [B2G]",
                 id="relationship-types-bare-string"),
    pytest.param("blaming.yaml", '          en: {text: "The customer complained',
                 '          en: [a, b]\n          xx: {text: "The customer complained',
                 "blaming.yaml", "BLM01", "text: expected {text, status} in 'en', not ['a', 'b']",
                 id="text-not-a-mapping"),
    pytest.param("blaming.yaml", "code: BLM\n", "code: [BLM]\n",
                 "blaming.yaml", "['BLM']", "construct name and code must be text", id="construct-code-list"),
    pytest.param("blaming.yaml", "scale: agree7", "scale: [agree7]",
                 "blaming.yaml", "BLM01", "unknown scale ['agree7']", id="scale-list"),
    pytest.param("checks.yaml", "perspectives: [provider, customer]", "perspectives: provider",
                 "checks.yaml", "ATT1", "'perspectives' must be a list such as [provider]", id="perspectives-string"),
    pytest.param("checks.yaml", "after: MSB03", "after: [MSB03]",
                 "checks.yaml", "ATT2", "'after' names ['MSB03']", id="check-anchor-list"),
    pytest.param("checks.yaml", "checks:\n", "checks:\n  - loose\n",
                 "checks.yaml", "-", "'checks': expected a mapping, got 'loose'", id="check-not-a-mapping"),
    pytest.param("context.yaml", "    choices:\n", "    choices:\n      - loose\n",
                 "context.yaml", "COUNTRY", "'choices': expected a mapping, got 'loose'", id="choice-not-a-mapping"),
    pytest.param("context.yaml", "construct: blaming,", "construct: [blaming],",
                 "context.yaml", "TIM_BLM", "unknown construct ['blaming']", id="row-construct-list"),
    pytest.param("context.yaml", "code: ROLE", "code: ROLE ANSWER",
                 "context.yaml", "ROLE ANSWER", "code must start with a letter", id="context-code-not-a-column-name"),
    pytest.param("scales.yaml", "    labels:\n      en: [Strongly", "    labels: 5\n    xlabels:\n      en: [Strongly",
                 "scales.yaml", "agree7", "'labels' must be a mapping, not 5", id="scale-labels-not-a-mapping"),
    pytest.param("outcomes.yaml", "constructs:\n", "constructs: 5\nx:\n",
                 "outcomes.yaml", "-", "'constructs' must be a list, not 5", id="constructs-not-a-list"),
    pytest.param("checks.yaml", "checks:\n", "- a\n- b\nx:\n",
                 "checks.yaml", "-", "invalid YAML", id="top-level-list"),
]


@pytest.mark.parametrize(("file", "old", "new", "exp_file", "exp_code", "needle"), SHAPE_CASES)
def test_malformed_structure_is_a_problem_not_a_traceback(tmp_path, file, old, new, exp_file, exp_code, needle):
    bank = bank_copy(tmp_path)
    replace(bank, file, old, new)
    assert_problem(problems_of(bank), exp_file, exp_code, needle)


def test_top_level_must_be_a_mapping(tmp_path):
    bank = bank_copy(tmp_path)
    (bank / "checks.yaml").write_text("- a\n- b\n", encoding="utf-8")
    assert_problem(problems_of(bank), "checks.yaml", "-", "expected a mapping at the top level, not list")


def _items_of(data: dict, construct: str | None = None) -> list[list[dict]]:
    blocks = data["constructs"] if "constructs" in data else [data]
    return [t["items"] for c in blocks if construct in (None, c["code"]) for t in c["themes"]]


def _drop_items(codes: set[str], construct: str | None = None) -> Callable[[dict], None]:
    def fn(data: dict) -> None:
        for items in _items_of(data, construct):
            items[:] = [i for i in items if i["code"] not in codes]
    return fn


def _set_perspective(codes: set[str], perspective: str) -> Callable[[dict], None]:
    def fn(data: dict) -> None:
        for items in _items_of(data):
            for i in items:
                if i["code"] in codes:
                    i["perspective"] = perspective
    return fn


def _recode(mapping: dict[str, str]) -> Callable[[dict], None]:
    def fn(data: dict) -> None:
        for items in _items_of(data):
            for i in items:
                i["code"] = mapping.get(i["code"], i["code"])
    return fn


def _context(code: str, fn: Callable[[dict], None]) -> Callable[[dict], None]:
    def edit(data: dict) -> None:
        fn(next(q for q in data["questions"] if q["code"] == code))
    return edit


YAML_CASES = [
    pytest.param("blaming.yaml", _set_perspective({"BLM14", "BLM15", "BLM16"}, "provider"),
                 "blaming.yaml", "groundless_complaining", "Table-3 theme without customer items",
                 id="theme-without-customer-items"),
    pytest.param("blaming.yaml", _recode({"BLM01": "BLM04", "BLM04": "BLM01"}),
                 "blaming.yaml", "BLM01",
                 "theme 'groundless_complaining' but its parallel item BLM11 has theme 'harmful_complaining'",
                 id="parallel-items-in-different-themes"),
    pytest.param("blaming.yaml", _drop_items({"BLM12", "BLM13"}),
                 "blaming.yaml", "BLM", "4 customer item(s); at least 5 required", id="reason-below-minimum"),
    pytest.param("outcomes.yaml", _drop_items({"ICA13", "ICA14"}, "ICA"),
                 "outcomes.yaml", "ICA", "3 customer item(s); at least 4 required", id="outcome-below-minimum"),
    pytest.param("context.yaml", _context("ROLE", lambda q: q.pop("choices")),
                 "context.yaml", "ROLE", "select_one question without choices", id="select-without-choices"),
    pytest.param("context.yaml", _context("ROLE", lambda q: q.update(perspective="both")),
                 "context.yaml", "ROLE", "perspective 'both' is not one of provider, customer",
                 id="context-perspective"),
    pytest.param("context.yaml", _context("TIMING", lambda q: q["rows"][0]["label"].pop("es")),
                 "context.yaml", "TIM_INF", "label: missing translation 'es'", id="matrix-row-translation"),
    pytest.param("outcomes.yaml", lambda d: d["constructs"][0]["stem"]["customer"].pop("de"),
                 "outcomes.yaml", "VCX", "stem (customer): missing translation 'de'", id="stem-translation"),
    pytest.param("outcomes.yaml", lambda d: d["constructs"][0]["stem"]["provider"].update(it="Pensa"),
                 "outcomes.yaml", "VCX", "stem (provider): unknown language 'it'", id="stem-unknown-language"),
    pytest.param("languages.yaml", lambda d: d.update(languages=[]),
                 "languages.yaml", "-", "no languages defined", id="no-languages"),
]


@pytest.mark.parametrize(("file", "fn", "exp_file", "exp_code", "needle"), YAML_CASES)
def test_broken_bank_yaml_edit(tmp_path, file, fn, exp_file, exp_code, needle):
    bank = bank_copy(tmp_path)
    edit_yaml(bank, file, fn)
    assert_problem(problems_of(bank), exp_file, exp_code, needle)


@pytest.mark.parametrize(("file", "code", "needle"), [
    ("checks.yaml", "-", "file missing"),
    ("context.yaml", "-", "file missing"),
    ("blaming.yaml", "BLM", "Table-3 reason has no construct in the bank"),
])
def test_missing_file(tmp_path, file, code, needle):
    bank = bank_copy(tmp_path)
    (bank / file).unlink()
    assert_problem(problems_of(bank), file, code, needle)


def test_not_a_folder(tmp_path):
    inst, problems = check_bank(tmp_path / "nowhere")
    assert inst is None
    assert [str(p) for p in problems] == [f"{tmp_path / 'nowhere'}: -: not a folder"]


def test_every_problem_is_reported_at_once(tmp_path):
    """Several independent breaks in several files: all are listed, none hides another."""
    bank = bank_copy(tmp_path)
    replace(bank, "blaming.yaml", "scale: agree7", "scale: agree9")
    replace(bank, "customer_misbehaviour.yaml", "time: after", "time: during")
    replace(bank, "checks.yaml", "correct: 6", "correct: 8")
    replace(bank, "context.yaml", "type: matrix", "type: grid")
    problems = problems_of(bank)
    assert_problem(problems, "blaming.yaml", "BLM01", "unknown scale 'agree9'")
    assert_problem(problems, "customer_misbehaviour.yaml", "MSB", "contradicts Table 3")
    assert_problem(problems, "checks.yaml", "ATT2", "correct answer 8")
    assert_problem(problems, "context.yaml", "TIMING", "type 'grid'")
    assert len(problems) == 4


def test_missing_translation_is_not_hidden_by_a_neighbours_empty_text(tmp_path):
    """Regression: an empty 'fi' text of BLM01 used to swallow the missing 'fi' translation of BLM02."""
    bank = bank_copy(tmp_path)
    replace(bank, "blaming.yaml", '{text: "Asiakas valitti meistä julkisesti', '{text: "", x: "')
    replace(bank, "blaming.yaml",
            '          fi: {text: "Asiakkaan valitukset vahingoittivat mainettamme.", status: draft1}\n', "")
    problems = problems_of(bank)
    assert_problem(problems, "blaming.yaml", "BLM01", "text: empty text in 'fi'")
    assert_problem(problems, "blaming.yaml", "BLM02", "text: missing translation 'fi'")
    assert not any(p.startswith("blaming.yaml: BLM01: text: missing translation") for p in problems)


def test_load_bank_raises_one_bank_error_listing_the_problems(tmp_path):
    bank = bank_copy(tmp_path)
    replace(bank, "blaming.yaml", "scale: agree7", "scale: agree9")
    replace(bank, "checks.yaml", "correct: 6", "correct: 9")
    with pytest.raises(BankError) as exc:
        load_bank(bank)
    msg = str(exc.value)
    assert msg.startswith("the item bank has 2 problem(s): ")
    assert "blaming.yaml: BLM01: unknown scale 'agree9'" in msg
    assert "checks.yaml: ATT2: correct answer 9" in msg
