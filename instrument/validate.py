"""Read the item bank's YAML files into an :class:`~instrument.model.Instrument`, reporting every problem at once.

Each problem names the file and the code it concerns. The rules: YAML that does not parse; missing keys;
duplicate codes (items, checks, context questions and matrix rows share one namespace: they become data
columns); unknown construct, theme, scale or language; a Table-3 reason or theme without items in a
perspective; fewer items than the minimum (5 per reason, 4 per outcome, per perspective); missing
translations; relationship types, times, perspectives or TRAPD statuses outside the allowed sets; times and
relationship types that contradict Table 3; construct codes that are not three capital letters and item codes
that break the convention (construct code + two digits, tens digit 0 = provider and 1 = customer wording,
parallel items ``BLM04``/``BLM14`` in the same theme).

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
from vcd_core.errors import BankError

MIN_ITEMS = {"reason": 5, "outcome": 4}
CODE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,31}$")
CONSTRUCT_CODE_RE = re.compile(r"^[A-Z]{3}$")
#: tens digit of an item code -> the perspective it must be worded in
PERSPECTIVE_DIGIT = {"0": "provider", "1": "customer"}
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

    # -- shapes: a malformed structure is a problem, never a traceback ---------------------------------------
    def top(self, name: str) -> dict:
        """The top-level mapping of a bank file (``{}`` when absent or malformed)."""
        data = self.load(name)
        if data is None:
            return {}
        if not isinstance(data, dict):
            self.err(name, "-", f"expected a mapping at the top level, not {type(data).__name__}")
            return {}
        return data

    def maps(self, d: Any, key: str, file: str, code: str) -> list[dict]:
        """The mappings listed under ``d[key]`` (absent: none); other entries are reported."""
        seq = d.get(key) if isinstance(d, dict) else None
        if seq is None:
            return []
        if not isinstance(seq, list):
            self.err(file, code, f"'{key}' must be a list, not {seq!r}")
            return []
        out = []
        for x in seq:
            if isinstance(x, dict):
                out.append(x)
            else:
                self.err(file, code, f"'{key}': expected a mapping, got {x!r}")
        return out

    def mapping(self, d: Any, key: str, file: str, code: str) -> dict:
        """``d[key]`` when it is a mapping (absent: ``{}``); anything else is reported."""
        v = d.get(key) if isinstance(d, dict) else None
        if v is None:
            return {}
        if not isinstance(v, dict):
            self.err(file, code, f"'{key}' must be a mapping, not {v!r}")
            return {}
        return v

    def strings(self, d: Any, key: str, file: str, code: str) -> tuple[str, ...] | None:
        """``d[key]`` as a tuple of strings (absent: ``None``); a bare string or other shape is reported."""
        v = d.get(key) if isinstance(d, dict) else None
        if v is None:
            return None
        if not isinstance(v, list):
            self.err(file, code, f"'{key}' must be a list such as [{v}], not {v!r}")
            return ()
        return tuple(str(x) for x in v)

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
            if not isinstance(v, dict):
                self.err(file, code, f"{what}: expected {{text, status}} in '{lang}', not {v!r}")
                reported.add(lang)
                continue
            text, status = v.get("text"), v.get("status")
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
        data = self.top("languages.yaml")
        self.source = str(data.get("source", "en"))
        langs = []
        for d in self.maps(data, "languages", "languages.yaml", "-"):
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
        data = self.top("scales.yaml")
        out = {}
        for d in self.maps(data, "scales", "scales.yaml", "-"):
            code = str(d.get("code", "-"))
            raw_labels = self.mapping(d, "labels", "scales.yaml", code)
            values = tuple(_ints(self, d.get("values") or [], "scales.yaml", code, "values"))
            labels: dict[str, tuple[str, ...]] = {}
            for lang, labs in raw_labels.items():
                if lang not in self.langs:
                    self.err("scales.yaml", code, f"labels: unknown language '{lang}'")
                elif not isinstance(labs, list) or len(labs) != len(values):
                    n = len(labs) if isinstance(labs, list) else 0
                    self.err("scales.yaml", code, f"labels in '{lang}': {n} labels for "
                                                  f"{len(values)} values")
                else:
                    labels[lang] = tuple(str(x) for x in labs)
            for lang in self.langs:
                if lang not in labels and lang not in raw_labels:
                    self.err("scales.yaml", code, f"labels: missing translation '{lang}'")
            status = {k: str(v) for k, v in self.mapping(d, "status", "scales.yaml", code).items()}
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
        if scale is not None and (not isinstance(scale, str) or scale not in scales):
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
        if not isinstance(name, str) or not isinstance(code, str):
            self.err(file, str(code), f"construct name and code must be text, not {name!r} and {code!r}")
            return None
        kind = d.get("kind", "reason")
        if not isinstance(kind, str) or kind not in MIN_ITEMS:
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
            stem[persp] = self.labels(self.mapping(d, "stem", file, code).get(persp), file, code, f"stem ({persp})")
        themes = []
        t3_themes = {t.code: t for t in t3.themes} if (kind == "reason" and t3) else {}
        for td in self.maps(d, "themes", file, code):
            tcode = str(td.get("code", "-"))
            rts = self.strings(td, "relationship_types", file, tcode) or ()
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
            items = [self.item(i, file, meta, tcode, rts, scales) for i in self.maps(td, "items", file, tcode)]
            tlabel = self.labels(td.get("label"), file, tcode, "theme label") if td.get("label") else {}
            themes.append(Theme(tcode, tlabel, rts, tuple(i for i in items if i)))
        c = Construct(name, code, kind, label, time, str(meta["source"]), stem, tuple(themes), file)
        self.code_convention(c)
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

    def code_convention(self, c: Construct) -> None:
        """Construct code = three capital letters; item code = construct code + two digits, the tens digit the
        perspective (0 provider, 1 customer), parallel items (same last digit) in the same theme."""
        if not CONSTRUCT_CODE_RE.match(c.code):
            self.err(c.file, c.code, "construct code must be three capital letters (e.g. BLM)")
            return
        pattern = re.compile(rf"^{c.code}([0-9])([0-9])$")
        by_code = {i.code: i for i in c.items}
        for i in c.items:
            m = pattern.match(i.code)
            if not m or m.group(1) not in PERSPECTIVE_DIGIT or m.group(2) == "0":
                self.err(c.file, i.code, f"item code must be {c.code}0n (provider) or {c.code}1n (customer), "
                                         "n = 1..9")
                continue
            want = PERSPECTIVE_DIGIT[m.group(1)]
            if i.perspective in PERSPECTIVE_DIGIT.values() and i.perspective != want:
                self.err(c.file, i.code, f"perspective {i.perspective!r} but the code's tens digit "
                                         f"{m.group(1)} means {want}")
            twin = by_code.get(f"{c.code}{1 - int(m.group(1))}{m.group(2)}")
            if m.group(1) == "0" and twin is not None and twin.theme != i.theme:
                self.err(c.file, i.code, f"theme {i.theme!r} but its parallel item {twin.code} has theme "
                                         f"{twin.theme!r}")

    def context(self, scales: dict, constructs: list[Construct]) -> list[ContextQuestion]:
        data = self.top("context.yaml")
        names = {c.name for c in constructs}
        out = []
        for d in self.maps(data, "questions", "context.yaml", "-"):
            code = str(d.get("code", "-"))
            qtype = d.get("type")
            if qtype not in ("select_one", "integer", "text", "matrix"):
                self.err("context.yaml", code, f"type {qtype!r} is not select_one, integer, text or matrix")
            label = self.texts(d.get("label"), "context.yaml", code, "label")
            choices: list[Choice] = []
            for ch in self.maps(d, "choices", "context.yaml", code):
                ccode = str(ch.get("code", "-"))
                if not isinstance(ch.get("code"), str):
                    self.err("context.yaml", f"{code}/{ccode}", f"choice code {ch.get('code')!r} is not a string "
                                                                "(quote it: YAML reads NO, YES, ON, OFF as booleans)")
                value = _ints(self, [ch.get("value")], "context.yaml", f"{code}/{ccode}", "value")
                choices.append(Choice(ccode, value[0] if value else 0,
                                      self.labels(ch.get("label"), "context.yaml", f"{code}/{ccode}", "label")))
            for attr in ("code", "value"):
                seen_choice: set = set()
                for choice in choices:
                    key = getattr(choice, attr)
                    if key in seen_choice:
                        self.err("context.yaml", f"{code}/{choice.code}", f"duplicate choice {attr} {key!r}")
                    seen_choice.add(key)
            if qtype == "select_one" and not choices:
                self.err("context.yaml", code, "select_one question without choices")
            rows = []
            for r in self.maps(d, "rows", "context.yaml", code):
                rcode = str(r.get("code", "-"))
                if r.get("construct") and (not isinstance(r["construct"], str) or r["construct"] not in names):
                    self.err("context.yaml", rcode, f"unknown construct {r['construct']!r}")
                rows.append(MatrixRow(rcode, r.get("construct"),
                                      self.labels(r.get("label"), "context.yaml", rcode, "label")))
            scale = d.get("scale")
            if qtype == "matrix" and (not isinstance(scale, str) or scale not in scales):
                self.err("context.yaml", code, f"unknown scale {scale!r}")
            persp = d.get("perspective")
            if persp is not None and persp not in PERSPECTIVES:
                self.err("context.yaml", code, f"perspective {persp!r} is not one of {', '.join(PERSPECTIVES)}")
            out.append(ContextQuestion(code, str(qtype), label, tuple(choices), tuple(rows), scale,
                                       bool(d.get("required", True)), d.get("column"), persp, "context.yaml"))
        return out

    def checks(self, scales: dict, constructs: list[Construct]) -> list[AttentionCheck]:
        data = self.top("checks.yaml")
        by_name = {c.name: c for c in constructs}
        out = []
        for d in self.maps(data, "checks", "checks.yaml", "-"):
            code = str(d.get("code", "-"))
            cname = d.get("construct")
            if not isinstance(cname, str) or cname not in by_name:
                self.err("checks.yaml", code, f"unknown construct {cname!r}")
            after = d.get("after")
            if after and isinstance(cname, str) and cname in by_name and after not in [i.code for i in
                                                                                        by_name[cname].items]:
                self.err("checks.yaml", code, f"'after' names {after!r}, not an item of {cname}")
            persps = self.strings(d, "perspectives", "checks.yaml", code) or PERSPECTIVES
            for p in persps:
                if p not in PERSPECTIVES:
                    self.err("checks.yaml", code, f"perspective {p!r} is not one of {', '.join(PERSPECTIVES)}")
            scale = d.get("scale")
            correct = d.get("correct")
            if not isinstance(scale, str) or scale not in scales:
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
        if not isinstance(blocks, list):
            r.err(f.name, "-", f"'constructs' must be a list, not {blocks!r}")
            blocks = []
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
    columns = [(c.code, c.file) for c in checks] + [(q.code, q.file) for q in context]
    columns += [(row.code, q.file) for q in context for row in q.rows]
    for code, file in columns:  # item codes are checked as items are read
        if not CODE_RE.match(code):
            r.err(file, code, "code must start with a letter and hold only letters, digits, '_' (it names a column)")
    codes += columns
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


def load_bank(path: str | Path | None = None) -> Instrument:
    """Load and validate the item bank.

    Parameters
    ----------
    path : str or Path, optional
        A bank folder; defaults to the bundled ``instrument/bank``.

    Returns
    -------
    Instrument

    Raises
    ------
    BankError
        Listing every validation problem, each naming the file and the code.

    Examples
    --------
    >>> inst = load_bank()
    >>> inst.language_codes
    ('en', 'fi', 'de', 'es')
    """
    inst, problems = check_bank(path)
    if problems:
        lines = "; ".join(str(p) for p in problems[:20])
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        raise BankError(f"the item bank has {len(problems)} problem(s): {lines}{more}")
    assert inst is not None
    return inst
