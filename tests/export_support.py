"""Shared helpers of tests/test_export_*.py: the bank to export, a bank copy with edited texts, comparisons.

:func:`bank` is the validated bundled bank (``load_bank()``): context questions (select_one with up to 41
choices, the timing matrix), attention checks inside matrices, reasons and outcomes in both perspectives.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from instrument.export._common import ParsedSurvey, Survey
from instrument.model import BANK_DIR, Instrument
from instrument.validate import load_bank


def bank_copy(tmp: Path, edits: dict[str, tuple[str, str]] | None = None) -> Path:
    """A copy of the bundled bank with text edits: ``edits`` maps a file name to ``(old, new)`` (replaced once)."""
    dest = tmp / "bank"
    shutil.copytree(BANK_DIR, dest, dirs_exist_ok=True)
    for name, (old, new) in (edits or {}).items():
        text = (dest / name).read_text(encoding="utf-8")
        assert old in text, (name, old)
        (dest / name).write_text(text.replace(old, new, 1), encoding="utf-8")
    return dest


def load(path: Path | None = None) -> Instrument:
    """The validated bank at ``path`` (``load_bank``)."""
    return load_bank(path)


def bank(tmp: Path) -> Instrument:
    """The instrument every export test uses: the validated bundled bank."""
    return load_bank()


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
