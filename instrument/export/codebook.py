"""Codebook: the document a reviewer reads — Markdown plus a CSV with one row per variable.

``vcd_<perspective>_codebook.csv`` columns: ``position code kind construct construct_code theme time
relationship_types perspective scale values reverse required`` then per language ``text_<lang>``,
``status_<lang>`` and ``labels_<lang>`` (the scale or choice labels joined by `` | ``). ``kind`` is ``context``,
``item``, ``check`` or ``timing``; ``code`` is the data column (context ``column`` names, item/check/timing-row
codes). ``vcd_<perspective>_codebook.md`` shows the same per page: context questions with their choices, then a
table per matrix with theme, time, relationship types, reverse flag and the wording in every language with its
TRAPD status, and a translation-status summary.

Examples
--------
>>> import tempfile
>>> from instrument.validate import load_bank
>>> with tempfile.TemporaryDirectory() as d:
...     res = export_codebook(load_bank(), "provider", ["en", "es"], d)
...     parsed = read_codebook(res.files[1])
>>> [p.suffix for p in res.files], parsed.languages, parsed.values["INF01"]
(['.md', '.csv'], ('en', 'es'), (1, 2, 3, 4, 5, 6, 7))
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from instrument.export._common import (
    ExportResult,
    ParsedSurvey,
    Survey,
    csv_text,
    raise_problems,
    start_export,
    unneutralise,
)
from instrument.model import AttentionCheck, Instrument
from instrument.table3 import REVIEWED_STATUSES, TRAPD_STATUSES
from vcd_core.errors import ExportError

BASE_COLUMNS: tuple[str, ...] = ("position", "code", "kind", "construct", "construct_code", "theme", "time",
                                 "relationship_types", "perspective", "scale", "values", "reverse", "required")
SEP = " | "


def codebook_rows(inst: Instrument, survey: Survey) -> list[dict[str, str]]:
    """One row per data column of ``survey``, in page order.

    Examples
    --------
    >>> from instrument.validate import load_bank
    >>> from instrument.export._common import build_survey
    >>> inst = load_bank()
    >>> rows = codebook_rows(inst, build_survey(inst, "provider", ["en"]))
    >>> next(r for r in rows if r["code"] == "INF01")["construct_code"]
    'INF'
    """
    langs = survey.languages
    checks = {c.code: c for c in inst.checks}
    out: list[dict[str, str]] = []

    def status_of(code: str, kind: str, lang: str) -> str:
        if kind == "item":
            return inst.item(code).text[lang].status
        if kind == "check":
            return checks[code].text[lang].status
        return ""

    for q in survey.questions:
        if q.type == "matrix":
            for r in q.rows:
                row = dict.fromkeys(BASE_COLUMNS, "")
                row.update({"code": r.code, "scale": q.list_name or "", "required": "yes" if q.required else "no",
                            "values": SEP.join(str(v) for v in q.values), "perspective": survey.perspective})
                if r.kind == "item":
                    it = inst.item(r.code)
                    row.update({"kind": "item", "construct": it.construct, "construct_code": it.construct_code,
                                "theme": it.theme, "time": it.time or "",
                                "relationship_types": " ".join(it.relationship_types),
                                "reverse": "yes" if it.reverse else "no"})
                elif r.kind == "check":
                    chk: AttentionCheck = checks[r.code]
                    con = inst.construct(chk.construct)
                    row.update({"kind": "check", "construct": con.name, "construct_code": con.code,
                                "theme": f"attention check (correct answer {chk.correct})", "reverse": "no"})
                else:
                    qq = inst.context_question(q.code)
                    mrow = next(x for x in qq.rows if x.code == r.code)
                    row.update({"kind": "timing", "construct": mrow.construct or "", "reverse": "no"})
                    row["theme"] = f"shown if {' or '.join(f'{c} {op} {v}' for c, op, v in r.show_if)}" \
                        if r.show_if else ""
                for lang in langs:
                    row[f"text_{lang}"] = r.text[lang]
                    row[f"status_{lang}"] = status_of(r.code, r.kind, lang) if r.kind != "matrix" else \
                        inst.context_question(q.code).label[lang].status
                    row[f"labels_{lang}"] = SEP.join(o.label[lang] for o in q.options)
                out.append(row)
        else:
            cq = inst.context_question(q.code)
            row = dict.fromkeys(BASE_COLUMNS, "")
            row.update({"code": q.name, "kind": "context", "construct": q.code, "scale": q.type,
                        "values": SEP.join(str(v) for v in q.values), "required": "yes" if q.required else "no",
                        "perspective": cq.perspective or "both", "reverse": "no"})
            for lang in langs:
                row[f"text_{lang}"] = q.label[lang]
                row[f"status_{lang}"] = cq.label[lang].status
                row[f"labels_{lang}"] = SEP.join(o.label[lang] for o in q.options)
            out.append(row)
    for k, row in enumerate(out, start=1):
        row["position"] = str(k)
    return out


def _fieldnames(langs: Sequence[str]) -> list[str]:
    return [*BASE_COLUMNS, *(f"{p}_{lang}" for lang in langs for p in ("text", "status", "labels"))]


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def codebook_markdown(inst: Instrument, survey: Survey, rows: list[dict[str, str]]) -> str:
    """The Markdown codebook.

    Examples
    --------
    >>> from instrument.validate import load_bank
    >>> from instrument.export._common import build_survey
    >>> inst = load_bank()
    >>> s = build_survey(inst, "provider", ["en"])
    >>> codebook_markdown(inst, s, codebook_rows(inst, s)).splitlines()[0]
    '# Codebook: Value co-destruction survey (provider)'
    """
    langs = survey.languages
    by_code = {r["code"]: r for r in rows}
    lines = [f"# Codebook: {survey.title}", "",
             f"Perspective: **{survey.perspective}**. Languages: "
             + ", ".join(f"{i.name} (`{i.code}`)" for i in survey.language_info)
             + f". {len(rows)} variables in page order. Item codes are the data columns on every platform.",
             "", "## Translation status (TRAPD)", "",
             "| language | " + " | ".join(TRAPD_STATUSES) + " | below reviewed |",
             "|---|" + "---|" * (len(TRAPD_STATUSES) + 1)]
    for lang in langs:
        counts = {s: 0 for s in TRAPD_STATUSES}
        for r in rows:
            if r[f"status_{lang}"] in counts:
                counts[r[f"status_{lang}"]] += 1
        below = sum(v for s, v in counts.items() if s not in REVIEWED_STATUSES)
        lines.append(f"| {lang} | " + " | ".join(str(counts[s]) for s in TRAPD_STATUSES) + f" | {below} |")
    lines.append("")
    for w in survey.warnings:
        lines.append(f"- Warning: {_md_cell(w)}")
    singles = [q for q in survey.questions if q.type != "matrix"]
    if singles:
        lines += ["", "## Context questions", ""]
        for q in singles:
            rec = by_code[q.name]
            lines.append(f"### `{q.name}` ({q.code}, {q.type}{', required' if q.required else ''})")
            lines.append("")
            for lang in langs:
                lines.append(f"- {lang} ({rec[f'status_{lang}']}): {q.label[lang]}")
            if q.options:
                lines += ["", "| value | " + " | ".join(langs) + " |", "|---|" + "---|" * len(langs)]
                for o in q.options:
                    lines.append(f"| {o.value} | " + " | ".join(_md_cell(o.label[lang]) for lang in langs) + " |")
            lines.append("")
    for q in (q for q in survey.questions if q.type == "matrix"):
        if q.section == "context":
            lines += [f"## {q.code} (context matrix)", ""]
        else:
            lines += [f"## {q.code}: {inst.construct(q.code).label.get(langs[0], q.code)} ({q.section})", ""]
        if q.section != "context":
            con = inst.construct(q.code)
            lines.append(f"Time of emergence: {con.time or 'n/a'}. Source: {con.source or 'n/a'}.")
        for lang in langs:  # every language's scale labels and stem: the codebook documents each version
            scale_labels = "; ".join(f"{o.value} = {o.label[lang]}" for o in q.options)
            lines.append(f"- Scale `{q.list_name}` ({lang}): {scale_labels}.")
        lines += [f"- Stem ({lang}): {q.label[lang]}" for lang in langs]
        lines += ["", "| code | kind | theme | relationship types | reverse | " + " | ".join(langs) + " |",
                  "|---|---|---|---|---|" + "---|" * len(langs)]
        for row in q.rows:
            b = by_code[row.code]
            cells = []
            for lang in langs:
                st = b[f"status_{lang}"]
                cells.append(_md_cell(b[f"text_{lang}"]) + ("" if st in REVIEWED_STATUSES else f" _({st})_"))
            lines.append(f"| `{row.code}` | {b['kind']} | {_md_cell(b['theme'])} | {b['relationship_types']} | "
                         f"{b['reverse']} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines) + "\n"


def export_codebook(inst: Instrument, perspective: str, langs: Sequence[str] | None,
                    out_dir: str | Path) -> ExportResult:
    """Write ``vcd_<perspective>_codebook.md`` and ``.csv`` and check them (:func:`validate_codebook`).

    Parameters
    ----------
    inst : Instrument
        The item bank (:func:`instrument.validate.load_bank`).
    perspective : {'provider', 'customer'}
        Which item wording.
    langs : sequence of str or None
        Languages, first = base language; None = all bank languages.
    out_dir : str or Path
        Output folder (created).

    Returns
    -------
    ExportResult
        The files written and the translation warnings.

    Raises
    ------
    ExportError
        Unknown language or perspective, or a written file failing its structural check.

    Examples
    --------
    >>> import tempfile
    >>> from instrument.validate import load_bank
    >>> with tempfile.TemporaryDirectory() as d:
    ...     [p.name for p in export_codebook(load_bank(), "customer", ["en"], d).files]
    ['vcd_customer_codebook.md', 'vcd_customer_codebook.csv']
    """
    survey, out = start_export(inst, perspective, langs, out_dir)
    rows = codebook_rows(inst, survey)
    md = out / f"vcd_{perspective}_codebook.md"
    md.write_text(codebook_markdown(inst, survey, rows), encoding="utf-8")
    path = out / f"vcd_{perspective}_codebook.csv"
    path.write_text(csv_text(rows, _fieldnames(survey.languages)), encoding="utf-8")
    raise_problems("codebook", path, validate_codebook(path, md))
    return ExportResult("codebook", (md, path), survey.warnings)


def _read(path: str | Path) -> list[dict[str, str]]:
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ExportError(f"cannot read the codebook: {exc.strerror}", file=str(path)) from None
    return [{k: unneutralise(v or "") for k, v in r.items()} for r in csv.DictReader(io.StringIO(text))]


def validate_codebook(path: str | Path, markdown: str | Path | None = None) -> list[str]:
    """Problems of a codebook CSV (and its Markdown): columns, unique codes, statuses, every code documented.

    Parameters
    ----------
    path : str or Path
        The file to check.
    markdown : str or Path, optional
        The Markdown codebook to check alongside (every code documented).

    Returns
    -------
    list of str
        One message per problem; empty when the file is valid.

    Examples
    --------
    >>> validate_codebook("missing.csv")
    ['missing.csv: cannot read the codebook: No such file or directory']
    """
    try:
        rows = _read(path)
    except ExportError as exc:
        return [str(exc)]
    if not rows:
        return ["the codebook has no rows"]
    problems = []
    cols = list(rows[0])
    langs = [c[5:] for c in cols if c.startswith("text_")]
    if cols != _fieldnames(langs):
        problems.append(f"columns differ from the codebook layout: {cols[:5]}...")
    seen: set[str] = set()
    for k, r in enumerate(rows, start=2):
        if r["code"] in seen:
            problems.append(f"row {k}: duplicate code {r['code']}")
        seen.add(r["code"])
        for lang in langs:
            if not r.get(f"text_{lang}"):
                problems.append(f"row {k}: {r['code']} has no text in {lang}")
            if r.get(f"status_{lang}") not in TRAPD_STATUSES:
                problems.append(f"row {k}: {r['code']} status {r.get(f'status_{lang}')!r} in {lang}")
            if r["values"] and len(r[f"labels_{lang}"].split(SEP)) != len(r["values"].split(SEP)):
                problems.append(f"row {k}: {r['code']} has {len(r['values'].split(SEP))} values but other labels "
                                f"in {lang}")
    if markdown is not None:
        md = Path(markdown).read_text(encoding="utf-8")
        missing = [c for c in seen if f"`{c}`" not in md]
        if missing:
            problems.append(f"the Markdown codebook omits {', '.join(sorted(missing)[:10])}")
    return problems


def read_codebook(path: str | Path) -> ParsedSurvey:
    """Read the codebook CSV back: languages, codes, texts, values and labels.

    Parameters
    ----------
    path : str or Path
        An exported file.

    Returns
    -------
    ParsedSurvey
        Languages, data columns, texts, values and labels as found in the file.

    Raises
    ------
    ExportError
        When the file cannot be read.

    Examples
    --------
    >>> read_codebook("missing.csv")
    Traceback (most recent call last):
    ...
    vcd_core.errors.ExportError: missing.csv: cannot read the codebook: No such file or directory
    """
    rows = _read(path)
    langs = tuple(c[5:] for c in (rows[0] if rows else {}) if c.startswith("text_"))
    texts = {r["code"]: {lang: r[f"text_{lang}"] for lang in langs} for r in rows}
    values = {r["code"]: tuple(int(v) for v in r["values"].split(SEP)) for r in rows if r["values"]}
    labels = {r["code"]: {lang: tuple(r[f"labels_{lang}"].split(SEP)) for lang in langs}
              for r in rows if r["values"]}
    return ParsedSurvey(langs, tuple(r["code"] for r in rows), texts, values, labels)
