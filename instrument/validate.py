"""Read the item bank's YAML files into an :class:`~instrument.model.Instrument`, reporting every problem at once.

Each problem names the file and the code it concerns. The rules: YAML that does not parse; missing keys;
duplicate codes (items, checks, context questions and matrix rows share one namespace: they become data
columns); unknown construct, theme, scale or language; a Table-3 reason or theme without items in a
perspective; fewer items than the minimum (5 per reason, 4 per outcome, per perspective); missing
translations; relationship types, times, perspectives or TRAPD statuses outside the allowed sets; times and
relationship types that contradict Table 3.

Examples
--------
>>> inst, problems = check_bank()
>>> problems
[]
>>> str(Problem("blaming.yaml", "BLM03", "unknown scale 'agree9'"))
"blaming.yaml: BLM03: unknown scale 'agree9'"
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from instrument.model import (
    BANK_DIR,
    AttentionCheck,
    Choice,
    Construct,
    ContextQuestion,
    Instrument,
    Item,
    Language,
    MatrixRow,
    ResponseScale,
    Text,
    Theme,
)
from instrument.table3 import PERSPECTIVES, RELATIONSHIP_TYPES, TABLE3, TABLE3_BY_NAME, TIMES, TRAPD_STATUSES

MIN_ITEMS = {"reason": 5, "outcome": 4}
CODE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,31}$")
SPECIAL_FILES = ("languages.yaml", "scales.yaml", "context.yaml", "checks.yaml")
#: libyaml's safe loader when PyYAML was built with it (about 9x faster on the bank), else the pure-Python one.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Problem:
    """One validation problem: the file, the code it concerns (or ``-``) and what is wrong."""

    file: str
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.code}: {self.message}"


class _Reader:
    """Collects problems while turning YAML mappings into model objects."""

    def __init__(self, bank: Path) -> None:
        self.bank = bank
        self.problems: list[Problem] = []
        self.langs: tuple[str, ...] = ()
        self.source = "en"

    def err(self, file: str, code: str, message: str) -> None:
        self.problems.append(Problem(file, code, message))

    def load(self, name: str) -> Any:
        path = self.bank / name
        try:
            with open(path, encoding="utf-8") as fh:
                return yaml.load(fh, Loader=_LOADER)  # a safe loader
        except FileNotFoundError:
            self.err(name, "-", "file missing")
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            self.err(name, "-", f"invalid YAML{where}: {getattr(exc, 'problem', exc)}")
        return None

    def req(self, d: Any, key: str, file: str, code: str) -> Any:
        if not isinstance(d, dict) or key not in d or d[key] is None:
            self.err(file, code, f"missing key '{key}'")
            return None
        return d[key]

    # -- multilingual fields ------------------------------------------------------------------------------
    def texts(self, d: Any, file: str, code: str, what: str) -> dict[str, Text]:
        """``{lang: {text, status}}`` with every language present and valid TRAPD statuses."""
        out: dict[str, Text] = {}
        reported: set[str] = set()  # languages already reported for this field (empty text)
        if not isinstance(d, dict):
            self.err(file, code, f"{what}: expected a mapping of language -> {{text, status}}")
            return out
        for lang, v in d.items():
            if lang not in self.langs:
                self.err(file, code, f"{what}: unknown language '{lang}'")
                continue
            if isinstance(v, str):
                v = {"text": v, "status": "source" if lang == self.source else None}
            text, status = (v or {}).get("text"), (v or {}).get("status")
            if not text or not str(text).strip():
                self.err(file, code, f"{what}: empty text in '{lang}'")
                reported.add(lang)
                continue
            if status not in TRAPD_STATUSES:
                self.err(file, code, f"{what}: TRAPD status {status!r} in '{lang}' is not one of "
                                     f"{', '.join(TRAPD_STATUSES)}")
            elif (lang == self.source) != (status == "source"):
                self.err(file, code, f"{what}: status 'source' is for the source language "
                                     f"'{self.source}' only (found {status!r} in '{lang}')")
            out[lang] = Text(str(text).strip(), str(status))
        for lang in self.langs:
            if lang not in out and lang not in reported:
                self.err(file, code, f"{what}: missing translation '{lang}'")
        return out

    def labels(self, d: Any, file: str, code: str, what: str) -> dict[str, str]:
        """``{lang: str}`` (untracked labels, e.g. construct names), every language present."""
        if not isinstance(d, dict):
            self.err(file, code, f"{what}: expected a mapping of language -> text")
            return {}
        for lang in d:
            if lang not in self.langs:
                self.err(file, code, f"{what}: unknown language '{lang}'")
        for lang in self.langs:
            if not d.get(lang):
                self.err(file, code, f"{what}: missing translation '{lang}'")
        return {k: str(v) for k, v in d.items() if k in self.langs and v}

    # -- sections --------------------------------------------------------------------------------------
    def languages(self) -> tuple[Language, ...]:
        data = self.load("languages.yaml") or {}
        self.source = str(data.get("source", "en"))
        langs = []
        for d in data.get("languages") or []:
            code = str(d.get("code", "-"))
            if all(self.req(d, k, "languages.yaml", code) is not None for k in ("code", "name", "native",
                                                                                  "qualtrics")):
                langs.append(Language(code, str(d["name"]), str(d["native"]), str(d["qualtrics"])))
        if not langs:
            self.err("languages.yaml", "-", "no languages defined")
        self.langs = tuple(lang.code for lang in langs)
        if self.langs and self.source not in self.langs:
            self.err("languages.yaml", self.source, "source language is not among the languages")
        langs.sort(key=lambda lang: lang.code != self.source)
        self.langs = tuple(lang.code for lang in langs)
        return tuple(langs)

    def scales(self) -> dict[str, ResponseScale]:
        data = self.load("scales.yaml") or {}
        out = {}
        for d in data.get("scales") or []:
            code = str(d.get("code", "-"))
            values = tuple(_ints(self, d.get("values") or [], "scales.yaml", code, "values"))
            labels: dict[str, tuple[str, ...]] = {}
            for lang, labs in (d.get("labels") or {}).items():
                if lang not in self.langs:
                    self.err("scales.yaml", code, f"labels: unknown language '{lang}'")
                elif len(labs or []) != len(values):
                    self.err("scales.yaml", code, f"labels in '{lang}': {len(labs or [])} labels for "
                                                  f"{len(values)} values")
                else:
                    labels[lang] = tuple(str(x) for x in labs)
            for lang in self.langs:
                if lang not in labels and lang not in (d.get("labels") or {}):
                    self.err("scales.yaml", code, f"labels: missing translation '{lang}'")
            status = {k: str(v) for k, v in (d.get("status") or {}).items()}
            status.setdefault(self.source, "source")
            for lang, st in status.items():
                if st not in TRAPD_STATUSES:
                    self.err("scales.yaml", code, f"status {st!r} in '{lang}' is not a TRAPD status")
            if not values:
                self.err("scales.yaml", code, "no values")
            out[code] = ResponseScale(code, values, labels, status)
        return out

    def item(self, d: Any, file: str, construct: dict, theme: str, rts: tuple[str, ...],
             scales: dict) -> Item | None:
        code = str((d or {}).get("code", "-"))
        if not CODE_RE.match(code):
            self.err(file, code, "item code must start with a letter and hold only letters, digits, '_'")
        perspective = self.req(d, "perspective", file, code)
        if perspective is not None and perspective not in PERSPECTIVES:
            self.err(file, code, f"perspective {perspective!r} is not one of {', '.join(PERSPECTIVES)}")
        scale = self.req(d, "scale", file, code)
        if scale is not None and scale not in scales:
            self.err(file, code, f"unknown scale {scale!r}")
        reverse = d.get("reverse", False) if isinstance(d, dict) else False
        if not isinstance(reverse, bool):
            self.err(file, code, f"reverse must be true or false, not {reverse!r}")
        text = self.texts((d or {}).get("text"), file, code, "text")
        source = (d or {}).get("source") or construct.get("source") or ""
        return Item(code, construct["name"], construct["code"], construct["kind"], theme, str(perspective),
                    str(scale), bool(reverse), text, str(source), construct.get("time"), rts, file)

    def construct(self, d: dict, file: str, scales: dict) -> Construct | None:
        name = self.req(d, "construct", file, "-")
        code = self.req(d, "code", file, str(name))
        if name is None or code is None:
            return None
        kind = d.get("kind", "reason")
        if kind not in MIN_ITEMS:
            self.err(file, code, f"kind {kind!r} is not 'reason' or 'outcome'")
            kind = "reason"
        time = d.get("time")
        t3 = TABLE3_BY_NAME.get(name)
        if kind == "reason":
            if time not in TIMES:
                self.err(file, code, f"time {time!r} is not one of {', '.join(TIMES)}")
            if t3 is None:
                self.err(file, code, f"unknown construct {name!r}: not a reason of Table 3")
            elif time in TIMES and time != t3.time:
                self.err(file, code, f"time {time!r} contradicts Table 3 ({t3.time!r})")
        meta = {"name": name, "code": code, "kind": kind, "time": time, "source": d.get("source", "")}
        label = self.labels(d.get("label"), file, code, "label")
        stem = {}
        for persp in PERSPECTIVES:
            stem[persp] = self.labels((d.get("stem") or {}).get(persp), file, code, f"stem ({persp})")
        themes = []
        t3_themes = {t.code: t for t in t3.themes} if (kind == "reason" and t3) else {}
        for td in d.get("themes") or []:
            tcode = str((td or {}).get("code", "-"))
            rts = tuple((td or {}).get("relationship_types") or ())
            bad = [r for r in rts if r not in RELATIONSHIP_TYPES]
            if bad:
                self.err(file, tcode, f"relationship types {bad} are not among {', '.join(RELATIONSHIP_TYPES)}")
            if kind == "reason" and t3:
                if tcode not in t3_themes:
                    self.err(file, tcode, f"unknown theme {tcode!r}: Table 3 lists "
                                          f"{', '.join(t3_themes)} for {name}")
                elif set(rts) != set(t3_themes[tcode].relationship_types):
                    self.err(file, tcode, f"relationship types {list(rts)} contradict Table 3 "
                                          f"{list(t3_themes[tcode].relationship_types)}")
            items = [self.item(i, file, meta, tcode, rts, scales) for i in (td or {}).get("items") or []]
            tlabel = self.labels(td.get("label"), file, tcode, "theme label") if td.get("label") else {}
            themes.append(Theme(tcode, tlabel, rts, tuple(i for i in items if i)))
        c = Construct(name, code, kind, label, time, str(meta["source"]), stem, tuple(themes), file)
        for persp in PERSPECTIVES:
            n = len(c.items_for(persp))
            if n < MIN_ITEMS[kind]:
                self.err(file, code, f"{n} {persp} item(s); at least {MIN_ITEMS[kind]} required")
        if kind == "reason" and t3:
            for t in t3.themes:
                for persp in PERSPECTIVES:
                    if not any(i.perspective == persp for th in themes if th.code == t.code for i in th.items):
                        self.err(file, t.code, f"Table-3 theme without {persp} items")
        return c

    def context(self, scales: dict, constructs: list[Construct]) -> list[ContextQuestion]:
        data = self.load("context.yaml") or {}
        names = {c.name for c in constructs}
        out = []
        for d in data.get("questions") or []:
            code = str(d.get("code", "-"))
            qtype = d.get("type")
            if qtype not in ("select_one", "integer", "text", "matrix"):
                self.err("context.yaml", code, f"type {qtype!r} is not select_one, integer, text or matrix")
            label = self.texts(d.get("label"), "context.yaml", code, "label")
            choices = []
            for ch in d.get("choices") or []:
                ccode = str(ch.get("code", "-"))
                if not isinstance(ch.get("code"), str):
                    self.err("context.yaml", f"{code}/{ccode}", f"choice code {ch.get('code')!r} is not a string "
                                                                "(quote it: YAML reads NO, YES, ON, OFF as booleans)")
                value = _ints(self, [ch.get("value")], "context.yaml", f"{code}/{ccode}", "value")
                choices.append(Choice(ccode, value[0] if value else 0,
                                      self.labels(ch.get("label"), "context.yaml", f"{code}/{ccode}", "label")))
            for attr in ("code", "value"):
                seen_choice: set = set()
                for ch in choices:
                    key = getattr(ch, attr)
                    if key in seen_choice:
                        self.err("context.yaml", f"{code}/{ch.code}", f"duplicate choice {attr} {key!r}")
                    seen_choice.add(key)
            if qtype == "select_one" and not choices:
                self.err("context.yaml", code, "select_one question without choices")
            rows = []
            for r in d.get("rows") or []:
                rcode = str(r.get("code", "-"))
                if r.get("construct") and r["construct"] not in names:
                    self.err("context.yaml", rcode, f"unknown construct {r['construct']!r}")
                rows.append(MatrixRow(rcode, r.get("construct"),
                                      self.labels(r.get("label"), "context.yaml", rcode, "label")))
            scale = d.get("scale")
            if qtype == "matrix" and scale not in scales:
                self.err("context.yaml", code, f"unknown scale {scale!r}")
            persp = d.get("perspective")
            if persp is not None and persp not in PERSPECTIVES:
                self.err("context.yaml", code, f"perspective {persp!r} is not one of {', '.join(PERSPECTIVES)}")
            out.append(ContextQuestion(code, str(qtype), label, tuple(choices), tuple(rows), scale,
                                       bool(d.get("required", True)), d.get("column"), persp, "context.yaml"))
        return out

    def checks(self, scales: dict, constructs: list[Construct]) -> list[AttentionCheck]:
        data = self.load("checks.yaml") or {}
        by_name = {c.name: c for c in constructs}
        out = []
        for d in data.get("checks") or []:
            code = str(d.get("code", "-"))
            cname = d.get("construct")
            if cname not in by_name:
                self.err("checks.yaml", code, f"unknown construct {cname!r}")
            after = d.get("after")
            if after and cname in by_name and after not in {i.code for i in by_name[cname].items}:
                self.err("checks.yaml", code, f"'after' names {after!r}, not an item of {cname}")
            persps = tuple(d.get("perspectives") or PERSPECTIVES)
            for p in persps:
                if p not in PERSPECTIVES:
                    self.err("checks.yaml", code, f"perspective {p!r} is not one of {', '.join(PERSPECTIVES)}")
            scale = d.get("scale")
            correct = d.get("correct")
            if scale not in scales:
                self.err("checks.yaml", code, f"unknown scale {scale!r}")
            elif correct not in scales[scale].values:
                self.err("checks.yaml", code, f"correct answer {correct!r} is not a value of scale {scale}")
            text = self.texts(d.get("text"), "checks.yaml", code, "text")
            correct_value = correct if isinstance(correct, int) and not isinstance(correct, bool) else 0
            out.append(AttentionCheck(code, str(cname), after, persps, str(scale), correct_value, text,
                                      "checks.yaml"))
        return out


def _ints(reader: _Reader, values: list, file: str, code: str, what: str) -> list[int]:
    """The integer values of ``values``; anything else is reported (not raised)."""
    out = []
    for v in values:
        if isinstance(v, int) and not isinstance(v, bool):
            out.append(v)
        else:
            reader.err(file, code, f"{what}: {v!r} is not an integer")
    return out


def check_bank(path: str | Path | None = None) -> tuple[Instrument | None, list[Problem]]:
    """Read and validate a bank folder.

    Parameters
    ----------
    path : str or Path, optional
        The bank folder (default: the bundled bank).

    Returns
    -------
    (Instrument or None, list of Problem)
        The instrument (``None`` only if the folder does not exist) and every problem found.

    Examples
    --------
    >>> inst, problems = check_bank()
    >>> len(inst.reasons()), len(problems)
    (8, 0)
    """
    bank = Path(path) if path is not None else BANK_DIR
    if not bank.is_dir():
        return None, [Problem(str(bank), "-", "not a folder")]
    r = _Reader(bank)
    languages = r.languages()
    scales = r.scales()
    constructs: list[Construct] = []
    for f in sorted(bank.glob("*.yaml")):
        if f.name in SPECIAL_FILES:
            continue
        data = r.load(f.name)
        if data is None:
            continue
        blocks = data.get("constructs") if isinstance(data, dict) and "constructs" in data else [data]
        for d in blocks:
            if not isinstance(d, dict):
                r.err(f.name, "-", "expected a construct mapping")
                continue
            c = r.construct(d, f.name, scales)
            if c is not None:
                constructs.append(c)
    present = {c.name for c in constructs}
    for t3 in TABLE3:
        if t3.name not in present:
            r.err(f"{t3.name}.yaml", t3.code, "Table-3 reason has no construct in the bank")
    order = {t.name: k for k, t in enumerate(TABLE3)}
    # stable sort: reasons in Table 3 order, then outcomes by file and in their order within the file
    constructs.sort(key=lambda c: (c.kind != "reason", order.get(c.name, 99), c.file))
    context = r.context(scales, constructs)
    checks = r.checks(scales, constructs)
    # one namespace for everything that becomes a data column
    seen: dict[str, str] = {}
    codes = [(i.code, i.file) for c in constructs for i in c.items]
    codes += [(c.code, c.file) for c in checks]
    codes += [(q.code, q.file) for q in context] + [(row.code, q.file) for q in context for row in q.rows]
    for code, file in codes:
        if code in seen:
            r.err(file, code, f"duplicate code (also in {seen[code]})")
        else:
            seen[code] = file
    ccodes: dict[str, str] = {}
    for c in constructs:
        if c.code in ccodes:
            r.err(c.file, c.code, f"duplicate construct code (also in {ccodes[c.code]})")
        ccodes[c.code] = c.file
    inst = Instrument(tuple(languages), r.source, scales, tuple(constructs), tuple(context), tuple(checks), bank)
    return inst, r.problems
