"""Qualtrics survey file (``.qsf``, JSON): SurveyEntry + SurveyElements (BL, FL, SO, SCO, PROJ, STAT, QC, RS, SQ).

Layout (see the README, "Platform exports"): one block per page — the context questions, then one block per
matrix. Each matrix is a ``Matrix``/``Likert``/``SingleAnswer`` question whose ``DataExportTag`` is the
construct code (``INF``), whose rows (``Choices``) carry ``ChoiceDataExportTags`` = item/check codes (so the
response CSV's columns are ``INF01``, ``ATT1``, ``TIM_INF`` …) and whose scale points (``Answers``) carry
``RecodeValues`` = the bank's scale values. Context questions are ``MC``/``SAVR`` (``DL`` dropdown above 10
choices) with ``RecodeValues`` = choice values, or ``TE``; their ``DataExportTag`` is the ResponseSet column
(``country``, ``relationship_type``, ``phase``) or the code. Other languages sit under ``Payload.Language`` keyed
by the Qualtrics language code and are listed in ``SO.AvailableLanguages``; Qualtrics itself records the
respondent's language (``UserLanguage``). The timing-matrix rows carry choice ``DisplayLogic`` (shown when an
item of the reason was answered above the midpoint), written in the locator form
``q://QID5/SelectableChoice/<row>/<answer>`` seen in public exports (not verified by importing into Qualtrics).

Examples
--------
>>> import tempfile
>>> from instrument.validate import load_bank
>>> with tempfile.TemporaryDirectory() as d:
...     res = export_qualtrics(load_bank(), "provider", ["en", "de"], d)
...     parsed = read_qualtrics(res.files[0])
>>> parsed.languages, parsed.values["INF01"]
(('en', 'de'), (1, 2, 3, 4, 5, 6, 7))
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from instrument.export._common import ExportResult, ParsedSurvey, Question, Survey, raise_problems, start_export
from instrument.model import Instrument
from vcd_core.errors import ExportError

QID_RE = re.compile(r"^QID[0-9]+$")


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def _sid(survey: Survey, prefix: str, n: int = 15) -> str:
    digest = hashlib.sha256(f"{survey.form_id}:{prefix}".encode()).hexdigest()
    return f"{prefix}_{digest[:n]}"


def _element(sid: str, element: str, primary: str, payload: Any, secondary: str | None = None,
             tertiary: str | None = None) -> dict[str, Any]:
    return {"SurveyID": sid, "Element": element, "PrimaryAttribute": primary, "SecondaryAttribute": secondary,
            "TertiaryAttribute": tertiary, "Payload": payload}


def _display_logic(row_conditions: list[tuple[str, str, str]]) -> dict[str, Any]:
    """``[(qid, choice id, answer id), ...]`` → a Qualtrics BooleanExpression "any of these selected"."""
    conds: dict[str, Any] = {"Type": "If"}
    for k, (qid, choice, answer) in enumerate(row_conditions):
        loc = f"q://{qid}/SelectableChoice/{choice}/{answer}"
        c = {"LogicType": "Question", "QuestionID": qid, "QuestionIsInLoop": "no", "ChoiceLocator": loc,
             "Operator": "Selected", "QuestionIDFromLocator": qid, "LeftOperand": loc, "Type": "Expression"}
        if k:
            c["Conjuction"] = "Or"
        conds[str(k)] = c
    return {"0": conds, "Type": "BooleanExpression", "inPage": False}


def _question(survey: Survey, q: Question, qid: str, qcodes: Mapping[str, str],
              item_pos: Mapping[str, tuple[str, str, Mapping[int, str]]]) -> dict[str, Any]:
    langs, base = survey.languages, survey.languages[0]
    qual = {info.code: info.qualtrics for info in survey.language_info}
    force = {"ForceResponse": "ON" if q.required else "OFF", "ForceResponseType": "ON", "Type": "None"}
    p: dict[str, Any] = {
        "QuestionID": qid, "QuestionText": _esc(q.label[base]), "QuestionDescription": q.label[base][:100],
        "DataExportTag": q.name, "DefaultChoices": False, "Validation": {"Settings": force},
        "DataVisibility": {"Private": False, "Hidden": False}, "GradingData": [],
    }
    trans: dict[str, dict[str, Any]] = {qual[lang]: {"QuestionText": _esc(q.label[lang])} for lang in langs[1:]}
    if q.type == "matrix":
        choices: dict[str, Any] = {}
        for k, r in enumerate(q.rows, start=1):
            ch: dict[str, Any] = {"Display": _esc(r.text[base])}
            conds: list[tuple[str, str, str]] = []
            for code, op, value in r.show_if:
                if code not in item_pos:
                    continue
                iqid, ichoice, answer_of = item_pos[code]
                ok = [v for v in answer_of if (v >= value if op == ">=" else v <= value)]
                conds.extend((iqid, ichoice, answer_of[v]) for v in ok)
            if conds:
                ch["DisplayLogic"] = _display_logic(conds)
            choices[str(k)] = ch
        answers = {str(k): {"Display": _esc(o.label[base])} for k, o in enumerate(q.options, start=1)}
        p.update({
            "QuestionType": "Matrix", "Selector": "Likert", "SubSelector": "SingleAnswer",
            "Configuration": {"QuestionDescriptionOption": "UseText", "TextPosition": "inline",
                              "ChoiceColumnWidth": 25, "RepeatHeaders": "none", "WhiteSpace": "OFF",
                              "MobileFirst": True},
            "Choices": choices, "ChoiceOrder": [str(k) for k in range(1, len(q.rows) + 1)],
            "Answers": answers, "AnswerOrder": [str(k) for k in range(1, len(q.options) + 1)],
            "RecodeValues": {str(k): str(o.value) for k, o in enumerate(q.options, start=1)},
            "ChoiceDataExportTags": {str(k): r.code for k, r in enumerate(q.rows, start=1)},
            "NextChoiceId": len(q.rows) + 1, "NextAnswerId": len(q.options) + 1,
        })
        if q.required:
            force["ForceResponseType"] = "ON"
        for lang in langs[1:]:
            trans[qual[lang]]["Choices"] = {str(k): {"Display": _esc(r.text[lang])}
                                            for k, r in enumerate(q.rows, start=1)}
            trans[qual[lang]]["Answers"] = {str(k): {"Display": _esc(o.label[lang])}
                                            for k, o in enumerate(q.options, start=1)}
    elif q.type == "select_one":
        p.update({
            "QuestionType": "MC", "Selector": "DL" if len(q.options) > 10 else "SAVR", "SubSelector": "TX",
            "Configuration": {"QuestionDescriptionOption": "UseText"},
            "Choices": {str(k): {"Display": _esc(o.label[base])} for k, o in enumerate(q.options, start=1)},
            "ChoiceOrder": [str(k) for k in range(1, len(q.options) + 1)],
            "RecodeValues": {str(k): str(o.value) for k, o in enumerate(q.options, start=1)},
            "NextChoiceId": len(q.options) + 1, "NextAnswerId": 1,
        })
        if len(q.options) > 10:
            del p["SubSelector"]
        for lang in langs[1:]:
            trans[qual[lang]]["Choices"] = {str(k): {"Display": _esc(o.label[lang])}
                                            for k, o in enumerate(q.options, start=1)}
    else:
        p.update({"QuestionType": "TE", "Selector": "SL" if q.type == "integer" else "ML",
                  "Configuration": {"QuestionDescriptionOption": "UseText"}, "DefaultChoices": False})
        if q.type == "integer":
            p["Validation"] = {"Settings": {**force, "Type": "ContentType", "ContentType": "ValidNumber",
                                            "ValidNumber": {"Min": "0", "Max": "", "NumDecimals": "0"}}}
    p["Language"] = trans if trans else []
    return p


def qsf_document(survey: Survey) -> dict[str, Any]:
    """The ``.qsf`` JSON document of a survey.

    Examples
    --------
    >>> from instrument.validate import load_bank
    >>> from instrument.export._common import build_survey
    >>> doc = qsf_document(build_survey(load_bank(), "provider", ["en", "es"]))
    >>> doc["SurveyEntry"]["SurveyLanguage"], sorted({e["Element"] for e in doc["SurveyElements"]})[:3]
    ('EN', ['BL', 'FL', 'PROJ'])
    """
    sid = _sid(survey, "SV")
    qual = {info.code: info.qualtrics for info in survey.language_info}
    today = date.today().isoformat() + " 00:00:00"
    # pages: context singles together, then one page per matrix
    pages: list[tuple[str, list[Question]]] = []
    singles = [q for q in survey.questions if q.type != "matrix"]
    if singles:
        pages.append(("Context", singles))
    pages += [(q.code, [q]) for q in survey.questions if q.type == "matrix"]
    qids: dict[str, str] = {}
    n = 0
    for _, qs in pages:
        for q in qs:
            n += 1
            qids[q.code] = f"QID{n}"
    item_pos: dict[str, tuple[str, str, dict[int, str]]] = {}
    for q in survey.questions:
        if q.type == "matrix":
            answer_of = {o.value: str(k) for k, o in enumerate(q.options, start=1)}
            for k, r in enumerate(q.rows, start=1):
                item_pos[r.code] = (qids[q.code], str(k), answer_of)
    blocks, flow, sqs = [], [], []
    for b, (desc, qs) in enumerate(pages, start=1):
        bid = _sid(survey, f"BL{b}")
        bid = "BL_" + bid.split("_", 1)[1]
        blocks.append({"Type": "Default" if b == 1 else "Standard", "Description": desc, "ID": bid,
                       "BlockElements": [{"Type": "Question", "QuestionID": qids[q.code]} for q in qs]})
        flow.append({"ID": bid, "Type": "Block" if b == 1 else "Standard", "FlowID": f"FL_{b + 1}"})
        for q in qs:
            sqs.append(_element(sid, "SQ", qids[q.code], _question(survey, q, qids[q.code], qids, item_pos),
                                q.name))
    trash = "BL_" + _sid(survey, "TRASH").split("_", 1)[1]
    blocks.append({"Type": "Trash", "Description": "Trash / Unused Questions", "ID": trash, "BlockElements": []})
    options = {"BackButton": "true", "SaveAndContinue": "true", "SurveyProtection": "PublicSurvey",
               "BallotBoxStuffingPrevention": "false", "NoIndex": "Yes", "SecureResponseFiles": "true",
               "SurveyExpiration": "None", "SurveyTermination": "DefaultMessage", "Header": "", "Footer": "",
               "ProgressBarDisplay": "Text", "PartialData": "+1 week", "ValidationMessage": "",
               "PreviousButton": " ← ", "NextButton": " → ", "SurveyTitle": survey.title,
               "AvailableLanguages": {qual[lang]: [] for lang in survey.languages}}
    elements = [
        _element(sid, "BL", "Survey Blocks", blocks),
        _element(sid, "FL", "Survey Flow", {"Flow": flow, "Properties": {"Count": len(flow) + 1},
                                            "FlowID": "FL_1", "Type": "Root"}),
        _element(sid, "SO", "Survey Options", options),
        _element(sid, "SCO", "Scoring", {"ScoringCategories": [], "ScoringCategoryGroups": [],
                                         "ScoringSummaryCategory": None, "ScoringSummaryAfterQuestions": 0,
                                         "ScoringSummaryAfterSurvey": 0, "DefaultScoringCategory": None,
                                         "AutoScoringCategory": None}),
        _element(sid, "PROJ", "CORE", {"ProjectCategory": "CORE", "SchemaVersion": "1.1.0"}, None, "1.1.0"),
        _element(sid, "STAT", "Survey Statistics", {"MobileCompatible": True, "ID": "Survey Statistics"}),
        _element(sid, "QC", "Survey Question Count", None, str(len(sqs))),
        _element(sid, "RS", _sid(survey, "RS"), None, "Default Response Set"),
        *sqs,
    ]
    entry = {"SurveyID": sid, "SurveyName": survey.title, "SurveyDescription": None,
             "SurveyLanguage": qual[survey.languages[0]], "SurveyActiveResponseSet": _sid(survey, "RS"),
             "SurveyStatus": "Inactive", "SurveyStartDate": "0000-00-00 00:00:00",
             "SurveyExpirationDate": "0000-00-00 00:00:00", "SurveyCreationDate": today, "LastModified": today,
             "LastAccessed": "0000-00-00 00:00:00", "LastActivated": "0000-00-00 00:00:00", "Deleted": None}
    return {"SurveyEntry": entry, "SurveyElements": elements}


def export_qualtrics(inst: Instrument, perspective: str, langs: Sequence[str] | None,
                     out_dir: str | Path) -> ExportResult:
    """Write ``vcd_<perspective>.qsf`` and check it (:func:`validate_qualtrics`).

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
    ...     export_qualtrics(load_bank(), "provider", ["en"], d).files[0].name
    'vcd_provider.qsf'
    """
    survey, out = start_export(inst, perspective, langs, out_dir)
    path = out / f"vcd_{perspective}.qsf"
    path.write_text(json.dumps(qsf_document(survey), ensure_ascii=False, indent=1), encoding="utf-8")
    raise_problems("qualtrics", path, validate_qualtrics(path))
    return ExportResult("qualtrics", (path,), survey.warnings)


def _load(path: str | Path) -> dict[str, Any]:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ExportError(f"cannot read the .qsf: {exc.strerror}", file=str(path)) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ExportError(f"not a .qsf (JSON) file: {exc}", file=str(path)) from None
    if not isinstance(doc, dict) or "SurveyElements" not in doc or "SurveyEntry" not in doc:
        raise ExportError("not a .qsf file: SurveyEntry/SurveyElements missing", file=str(path))
    return doc


def validate_qualtrics(path: str | Path) -> list[str]:
    """Structural problems of a ``.qsf`` (no public schema exists; these are the checks of formats.md).

    JSON parses; QIDs unique and ``QID<n>``; every block's question has an SQ and every SQ is in a block;
    every flow ID is a block; ``NextChoiceId``/``NextAnswerId`` above the ids used; ``DataExportTag`` and
    choice export tags unique; ``RecodeValues`` keys among the Answers (matrix) or Choices (MC); every
    ``Language`` key in ``SO.AvailableLanguages`` with the same choice/answer ids as the base text.

    Parameters
    ----------
    path : str or Path
        The file to check.

    Returns
    -------
    list of str
        One message per problem; empty when the file is valid.

    Examples
    --------
    >>> validate_qualtrics("missing.qsf")
    ['missing.qsf: cannot read the .qsf: No such file or directory']
    """
    try:
        doc = _load(path)
    except ExportError as exc:
        return [str(exc)]
    problems: list[str] = []
    els = doc["SurveyElements"]
    by: dict[str, list[dict[str, Any]]] = {}
    for e in els:
        by.setdefault(e.get("Element"), []).append(e)
    for need in ("BL", "FL", "SO"):
        if len(by.get(need, [])) != 1:
            problems.append(f"expected one {need} element, found {len(by.get(need, []))}")
    if problems:
        return problems
    sqs = {}
    for e in by.get("SQ", []):
        qid = e.get("PrimaryAttribute")
        if not QID_RE.match(str(qid)):
            problems.append(f"question id {qid!r} is not QID<n>")
        if qid in sqs:
            problems.append(f"duplicate question id {qid}")
        if e["Payload"].get("QuestionID") != qid:
            problems.append(f"{qid}: Payload.QuestionID differs")
        sqs[qid] = e["Payload"]
    blocks = {b["ID"]: b for b in by["BL"][0]["Payload"]}
    in_blocks = [be["QuestionID"] for b in blocks.values() for be in b.get("BlockElements", [])
                 if be.get("Type") == "Question"]
    for qid in in_blocks:
        if qid not in sqs:
            problems.append(f"block question {qid} has no SQ element")
    for qid in sqs:
        if qid not in in_blocks:
            problems.append(f"{qid} is in no block")
    for f in by["FL"][0]["Payload"].get("Flow", []):
        if f.get("ID") not in blocks:
            problems.append(f"flow element {f.get('FlowID')} names unknown block {f.get('ID')}")
    langs = set((by["SO"][0]["Payload"].get("AvailableLanguages") or {}).keys())
    tags: dict[str, str] = {}
    for qid, p in sqs.items():
        names: list[str | None] = [p.get("DataExportTag")]
        names += list((p.get("ChoiceDataExportTags") or {}).values()) if p.get("ChoiceDataExportTags") else []
        for t in names:
            if not t:
                problems.append(f"{qid}: empty export tag")
            elif t in tags:
                problems.append(f"{qid}: export tag {t!r} also used by {tags[t]}")
            else:
                tags[t] = str(qid)
        choices, answers = p.get("Choices") or {}, p.get("Answers") or {}
        if choices and int(p.get("NextChoiceId", 0)) <= max(int(k) for k in choices):
            problems.append(f"{qid}: NextChoiceId not above the choice ids")
        if answers and int(p.get("NextAnswerId", 0)) <= max(int(k) for k in answers):
            problems.append(f"{qid}: NextAnswerId not above the answer ids")
        if list(choices) != list(p.get("ChoiceOrder", choices)) and set(choices) != set(
                map(str, p.get("ChoiceOrder", []))):
            problems.append(f"{qid}: ChoiceOrder does not list the choices")
        recode_space = answers if p.get("QuestionType") == "Matrix" else choices
        for k in p.get("RecodeValues") or {}:
            if k not in recode_space:
                problems.append(f"{qid}: RecodeValues key {k} is not an answer id")
        if p.get("ChoiceDataExportTags") and set(p["ChoiceDataExportTags"]) != set(choices):
            problems.append(f"{qid}: ChoiceDataExportTags do not cover the choices")
        trans = p.get("Language") or {}
        if isinstance(trans, dict):
            for lang, t in trans.items():
                if lang not in langs:
                    problems.append(f"{qid}: language {lang} not in SO.AvailableLanguages")
                if not t.get("QuestionText"):
                    problems.append(f"{qid}: no QuestionText in {lang}")
                if choices and set(t.get("Choices") or {}) != set(choices):
                    problems.append(f"{qid}: {lang} choices differ from the base language")
                if answers and set(t.get("Answers") or {}) != set(answers):
                    problems.append(f"{qid}: {lang} answers differ from the base language")
    return problems


def read_qualtrics(path: str | Path, languages: Mapping[str, str] | None = None) -> ParsedSurvey:
    """Read a ``.qsf`` back: languages (ISO codes), data columns, texts, recode values and labels.

    ``languages`` maps Qualtrics language codes to ISO codes (default: the part before ``-``, lower-cased).

    Parameters
    ----------
    path : str or Path
        An exported file.
    languages : mapping of str to str, optional
        Qualtrics language code → ISO code.

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
    >>> read_qualtrics("missing.qsf")
    Traceback (most recent call last):
    ...
    vcd_core.errors.ExportError: missing.qsf: cannot read the .qsf: No such file or directory
    """
    doc = _load(path)

    def iso(code: str) -> str:
        return (languages or {}).get(code, code.split("-")[0].lower())

    base = doc["SurveyEntry"]["SurveyLanguage"]
    so = next(e for e in doc["SurveyElements"] if e["Element"] == "SO")["Payload"]
    qlangs = [base] + [c for c in (so.get("AvailableLanguages") or {}) if c != base]
    langs = tuple(iso(c) for c in qlangs)
    columns: list[str] = []
    texts: dict[str, dict[str, str]] = {}
    values: dict[str, tuple[int, ...]] = {}
    labels: dict[str, dict[str, tuple[str, ...]]] = {}
    blocks = next(e for e in doc["SurveyElements"] if e["Element"] == "BL")["Payload"]
    sqs = {e["PrimaryAttribute"]: e["Payload"] for e in doc["SurveyElements"] if e["Element"] == "SQ"}
    order = [be["QuestionID"] for b in blocks for be in b.get("BlockElements", []) if be.get("Type") == "Question"]

    def text_of(p: dict, lang: str, what: str, key: str | None = None) -> str:
        src = p if lang == base else (p.get("Language") or {}).get(lang, {})
        node = src.get(what, "") if key is None else (src.get(what) or {}).get(key, {}).get("Display", "")
        return html.unescape(node)

    for qid in order:
        p = sqs[qid]
        tag = p["DataExportTag"]
        texts[tag] = {iso(c): text_of(p, c, "QuestionText") for c in qlangs}
        if p["QuestionType"] == "Matrix":
            aorder = [str(a) for a in p["AnswerOrder"]]
            vals = tuple(int(p["RecodeValues"][a]) for a in aorder)
            labs = {iso(c): tuple(text_of(p, c, "Answers", a) for a in aorder) for c in qlangs}
            for ch in map(str, p["ChoiceOrder"]):
                code = p["ChoiceDataExportTags"][ch]
                columns.append(code)
                texts[code] = {iso(c): text_of(p, c, "Choices", ch) for c in qlangs}
                values[code], labels[code] = vals, labs
        else:
            columns.append(tag)
            if p["QuestionType"] == "MC":
                corder = [str(c) for c in p["ChoiceOrder"]]
                values[tag] = tuple(int(p["RecodeValues"][c]) for c in corder)
                labels[tag] = {iso(c): tuple(text_of(p, c, "Choices", k) for k in corder) for c in qlangs}
    return ParsedSurvey(langs, tuple(columns), texts, values, labels)
