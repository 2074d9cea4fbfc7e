"""Shared helpers of tests/test_export_*.py: the bank to export, a bank copy with edited texts, comparisons.

:func:`bank` is the validated bundled bank (``load_bank()``). While the bank is being completed (no
context.yaml/checks.yaml or reasons still missing), it falls back to a copy completed with the context and
checks documented in the instrument API, so the exporters are tested on every kind of question.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from instrument.export._common import ParsedSurvey, Survey
from instrument.model import BANK_DIR, Instrument, load_bank
from instrument.validate import check_bank
from vcd_core.errors import BankError

_CONTEXT = """\
questions:
  - code: COUNTRY
    type: select_one
    column: country
    label:
      en: {text: "In which country is your organisation based?", status: source}
      fi: {text: "Missä maassa organisaationne toimii?", status: draft1}
      de: {text: "In welchem Land ist Ihre Organisation ansässig?", status: reviewed}
      es: {text: "¿En qué país tiene su sede su organización?", status: draft1}
    choices:
      - {code: FI, value: 246, label: {en: Finland, fi: Suomi, de: Finnland, es: Finlandia}}
      - {code: DE, value: 276, label: {en: Germany, fi: Saksa, de: Deutschland, es: Alemania}}
      - {code: ES, value: 724, label: {en: Spain, fi: Espanja, de: Spanien, es: España}}
  - code: RELTYPE
    type: select_one
    column: relationship_type
    label:
      en: {text: "Which kind of relationship was it?", status: source}
      fi: {text: "Millainen suhde oli?", status: draft1}
      de: {text: "Welche Art von Beziehung war es?", status: draft1}
      es: {text: "¿Qué tipo de relación era?", status: draft1}
    choices:
      - {code: B2C, value: 1, label: {en: Business to consumer,
          fi: Yritys–kuluttaja, de: Unternehmen–Verbraucher, es: Empresa–consumidor}}
      - {code: B2B, value: 2, label: {en: Business to business,
          fi: Yritys–yritys, de: Unternehmen–Unternehmen, es: Empresa–empresa}}
      - {code: B2G, value: 3, label: {en: Business to government,
          fi: Yritys–julkinen, de: Unternehmen–Behörde, es: Empresa–gobierno}}
      - {code: G2C, value: 4, label: {en: Government to citizen,
          fi: Julkinen–kansalainen, de: Behörde–Bürger, es: Gobierno–ciudadano}}
  - code: PHASE
    type: select_one
    column: phase
    label:
      en: {text: "When did the problems begin?", status: source}
      fi: {text: "Milloin ongelmat alkoivat?", status: draft1}
      de: {text: "Wann begannen die Probleme?", status: draft1}
      es: {text: "¿Cuándo empezaron los problemas?", status: draft1}
    choices:
      - {code: before, value: 1, label: {en: Before, fi: Ennen, de: Vorher, es: Antes}}
      - {code: during, value: 2, label: {en: During, fi: Aikana, de: Während, es: Durante}}
      - {code: after, value: 3, label: {en: After, fi: Jälkeen, de: Danach, es: Después}}
  - code: EMPLOYEES
    type: integer
    required: false
    label:
      en: {text: "How many employees does your organisation have?", status: source}
      fi: {text: "Montako työntekijää organisaatiossanne on?", status: draft1}
      de: {text: "Wie viele Beschäftigte hat Ihre Organisation?", status: draft1}
      es: {text: "¿Cuántos empleados tiene su organización?", status: draft1}
  - code: TIMING
    type: matrix
    scale: timing5
    label:
      en: {text: "When did each of the following occur?", status: source}
      fi: {text: "Milloin kukin seuraavista ilmeni?", status: draft1}
      de: {text: "Wann trat jeweils Folgendes auf?", status: draft1}
      es: {text: "¿Cuándo ocurrió cada uno de los siguientes?", status: draft1}
    rows:
      - {code: TIM_INF, construct: absence_of_information, label: {en: Absence of information,
          fi: Tiedon puute, de: Fehlende Informationen, es: Ausencia de información}}
      - {code: TIM_TRU, construct: insufficient_trust, label: {en: Insufficient trust,
          fi: Luottamuksen puute, de: Mangelndes Vertrauen, es: Confianza insuficiente}}
  - code: COMMENT
    type: text
    required: false
    perspective: customer
    label:
      en: {text: "Anything else?", status: source}
      fi: {text: "Muuta?", status: draft1}
      de: {text: "Sonst noch etwas?", status: draft1}
      es: {text: "¿Algo más?", status: draft1}
"""

_CHECKS = """\
checks:
  - code: ATT1
    construct: absence_of_information
    after: INF02
    scale: agree7
    correct: 2
    text:
      en: {text: "Please select 'Disagree' for this statement.", status: source}
      fi: {text: "Valitse tähän väittämään 'Eri mieltä'.", status: draft1}
      de: {text: "Bitte wählen Sie bei dieser Aussage 'Stimme nicht zu'.", status: draft1}
      es: {text: "Seleccione 'En desacuerdo' para esta afirmación.", status: draft1}
"""


def bank_copy(tmp: Path, edits: dict[str, tuple[str, str]] | None = None) -> Path:
    """A copy of the bundled bank (completed with context/checks while they are missing), with text edits.

    ``edits`` maps a file name to ``(old, new)`` replaced once in that file.
    """
    dest = tmp / "bank"
    shutil.copytree(BANK_DIR, dest, dirs_exist_ok=True)
    if not (dest / "context.yaml").exists():
        (dest / "context.yaml").write_text(_CONTEXT, encoding="utf-8")
    if not (dest / "checks.yaml").exists():
        (dest / "checks.yaml").write_text(_CHECKS, encoding="utf-8")
    for name, (old, new) in (edits or {}).items():
        text = (dest / name).read_text(encoding="utf-8")
        assert old in text, (name, old)
        (dest / name).write_text(text.replace(old, new, 1), encoding="utf-8")
    return dest


def load(path: Path | None = None) -> Instrument:
    """``load_bank(path)``; while the bundled bank is incomplete, ``check_bank`` on a completed copy."""
    try:
        return load_bank(path)
    except BankError:
        inst, problems = check_bank(path)
        assert inst is not None
        serious = [p for p in problems if "Table-3 reason has no construct" not in p.message]
        assert not serious, serious
        return inst


def bank(tmp: Path) -> Instrument:
    """The instrument every export test uses (see the module docstring)."""
    try:
        return load_bank()
    except BankError:
        return load(bank_copy(tmp))


def expected_texts(inst: Instrument, survey: Survey) -> dict[str, dict[str, str]]:
    """Row code / single-question column → {lang: text} straight from the bank."""
    out: dict[str, dict[str, str]] = {}
    checks = {c.code: c for c in inst.checks}
    for q in survey.questions:
        if q.type == "matrix":
            for r in q.rows:
                if r.kind == "item":
                    out[r.code] = {lang: inst.item(r.code).text[lang].text for lang in survey.languages}
                elif r.kind == "check":
                    out[r.code] = {lang: checks[r.code].text[lang].text for lang in survey.languages}
                else:
                    row = next(x for x in inst.context_question(q.code).rows if x.code == r.code)
                    out[r.code] = {lang: row.label[lang] for lang in survey.languages}
        else:
            cq = inst.context_question(q.code)
            out[q.name] = {lang: cq.label[lang].text for lang in survey.languages}
    return out


def expected_values(inst: Instrument, survey: Survey) -> dict[str, tuple[int, ...]]:
    """Column → the numeric values the bank defines (scale values or choice values)."""
    out: dict[str, tuple[int, ...]] = {}
    for q in survey.questions:
        if q.type == "matrix":
            sc = inst.scale(q.list_name)
            for r in q.rows:
                out[r.code] = sc.values
        elif q.type == "select_one":
            out[q.name] = tuple(c.value for c in inst.context_question(q.code).choices)
    return out


def assert_round_trip(inst: Instrument, survey: Survey, parsed: ParsedSurvey, key=lambda c: c) -> None:
    """Same codes (in page order), texts in every language, and scale/choice values and labels."""
    texts, values = expected_texts(inst, survey), expected_values(inst, survey)
    assert [key(c) for c in survey.columns()] == [c for c in parsed.columns if c in {key(x) for x in texts}]
    for code, by_lang in texts.items():
        got = parsed.texts[key(code)]
        for lang in parsed.languages:
            assert got[lang] == by_lang[lang], (code, lang)
    for code, vals in values.items():
        assert parsed.values[key(code)] == vals, code
        q = next(q for q in survey.questions if code in (q.name, *(r.code for r in q.rows)))
        if q.type == "matrix":
            sc = inst.scale(q.list_name)
            for lang in parsed.languages:
                assert parsed.labels[key(code)][lang] == sc.labels[lang], (code, lang)
        else:
            cq = inst.context_question(q.code)
            for lang in parsed.languages:
                assert parsed.labels[key(code)][lang] == tuple(c.label[lang] for c in cq.choices), (code, lang)
