"""``vcd instrument``: list, show and validate the item bank, and reproduce Table 3 from it.

A thin layer over :mod:`instrument.model`, :mod:`instrument.validate` and :mod:`instrument.coverage`.
``vcd instrument export`` (platform exports) lives in :mod:`instrument.export.cli` and is attached here.

Examples
--------
>>> from click.testing import CliRunner
>>> result = CliRunner().invoke(instrument, ["list", "--construct", "BLM", "--perspective", "provider"])
>>> result.output.splitlines()[2].split()[:2]
['BLM01', 'provider']
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import click

from instrument.coverage import outcome_coverage, table3_coverage, types_label
from instrument.model import AttentionCheck, ContextQuestion, Instrument, Item
from instrument.table3 import PERSPECTIVES
from instrument.validate import load_bank
from vcd_core.errors import BankError

_BANK = click.option("--bank", type=click.Path(file_okay=False, path_type=Path), default=None,
                     help="An item-bank folder (default: the bundled bank).")


def _dump(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def item_record(item: Item) -> dict[str, Any]:
    """An item as a JSON-ready mapping (the ``vcd instrument list --json`` object).

    Examples
    --------
    >>> rec = item_record(load_bank().item("MSB01"))
    >>> rec["construct"], rec["time"], rec["perspective"], sorted(rec["text"])
    ('customer_misbehaviour', 'after', 'provider', ['de', 'en', 'es', 'fi'])
    """
    return {
        "code": item.code, "construct": item.construct, "construct_code": item.construct_code, "kind": item.kind,
        "theme": item.theme, "time": item.time, "relationship_types": list(item.relationship_types),
        "perspective": item.perspective, "scale": item.scale, "reverse": item.reverse, "source": item.source,
        "text": {lang: t.text for lang, t in item.text.items()},
        "status": {lang: t.status for lang, t in item.text.items()},
        "file": item.file,
    }


def _check_record(chk: AttentionCheck) -> dict[str, Any]:
    return {
        "code": chk.code, "type": "attention_check", "construct": chk.construct, "after": chk.after,
        "perspectives": list(chk.perspectives), "scale": chk.scale, "correct": chk.correct,
        "text": {lang: t.text for lang, t in chk.text.items()},
        "status": {lang: t.status for lang, t in chk.text.items()}, "file": chk.file,
    }


def _context_record(q: ContextQuestion) -> dict[str, Any]:
    return {
        "code": q.code, "type": q.type, "column": q.column, "perspective": q.perspective, "required": q.required,
        "scale": q.scale, "label": {lang: t.text for lang, t in q.label.items()},
        "status": {lang: t.status for lang, t in q.label.items()},
        "choices": [{"code": c.code, "value": c.value, "label": dict(c.label)} for c in q.choices],
        "rows": [{"code": r.code, "construct": r.construct, "label": dict(r.label)} for r in q.rows],
        "file": q.file,
    }


def _find(inst: Instrument, code: str) -> dict[str, Any]:
    """The item, check, context question, matrix row or construct with this code, as a record."""
    for c in inst.constructs:
        for i in c.items:
            if i.code == code:
                return item_record(i)
    for chk in inst.checks:
        if chk.code == code:
            return _check_record(chk)
    for q in inst.context:
        if q.code == code:
            return _context_record(q)
        for r in q.rows:
            if r.code == code:
                return {"code": r.code, "type": "matrix_row", "question": q.code, "construct": r.construct,
                        "scale": q.scale, "label": dict(r.label), "file": q.file}
    for c in inst.constructs:
        if code in (c.code, c.name):
            return {"code": c.code, "type": "construct", "construct": c.name, "kind": c.kind, "time": c.time,
                    "source": c.source, "label": dict(c.label),
                    "themes": [{"code": t.code, "relationship_types": list(t.relationship_types),
                                **{p: [i.code for i in t.items if i.perspective == p] for p in PERSPECTIVES}}
                               for t in c.themes],
                    "file": c.file}
    raise BankError(f"no item, check, context question or construct with code {code!r} "
                    "(see vcd instrument list)")


def _show_text(rec: dict[str, Any], inst: Instrument) -> list[str]:
    kind = rec.get("type", "item")
    head = {k: v for k, v in rec.items() if k not in ("text", "status", "label", "choices", "rows", "themes")}
    lines = [f"{rec['code']} ({kind if kind != 'item' else rec['kind'] + ' item'})"]
    lines += [f"  {k}: {', '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in head.items()
              if k not in ("code", "type") and v not in (None, "", [])]
    texts = rec.get("text") or rec.get("label") or {}
    status = rec.get("status") or {}
    if texts:
        lines.append("  text:" if "text" in rec else "  label:")
        for lang in inst.language_codes:
            if lang in texts:
                st = f" [{status[lang]}]" if lang in status else ""
                lines.append(f"    {lang}{st}: {texts[lang]}")
    for ch in rec.get("choices", []):
        lines.append(f"  {ch['value']:>3} {ch['code']}: {ch['label'].get(inst.source_language, '')}")
    for row in rec.get("rows", []):
        lines.append(f"  row {row['code']} ({row['construct']}): {row['label'].get(inst.source_language, '')}")
    for t in rec.get("themes", []):
        lines.append(f"  theme {t['code']} [{types_label(t['relationship_types'])}]: "
                     + "; ".join(f"{p} {' '.join(t[p]) or '-'}" for p in PERSPECTIVES))
    if "scale" in rec and rec.get("scale") and kind in ("item", "attention_check", "matrix", "matrix_row"):
        sc = inst.scale(rec["scale"])
        lines.append(f"  scale {sc.code}: " + ", ".join(f"{v} {sc.label(v, inst.source_language)}"
                                                        for v in sc.values))
    return lines


def _table(rows: list[list[str]], right: frozenset[int] = frozenset()) -> list[str]:
    widths = [max(len(r[k]) for r in rows) for k in range(len(rows[0]))]
    out = []
    for n, r in enumerate(rows):
        cells = [c.rjust(w) if k in right else c.ljust(w) for k, (c, w) in enumerate(zip(r, widths, strict=True))]
        out.append("  ".join(cells).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return out


@click.group(name="instrument")
def instrument() -> None:
    """The item bank: the eight reasons of Table 3 and the outcomes in provider and customer wording.

    \b
    Examples:
      vcd instrument list --construct BLM --perspective customer
      vcd instrument show MSB01
      vcd instrument validate
      vcd instrument coverage
      vcd instrument translations status
    """


@instrument.command(name="list")
@click.option("--construct", default=None, metavar="C", help="Only this construct (code such as BLM, or name).")
@click.option("--perspective", type=click.Choice(PERSPECTIVES), default=None,
              help="Only provider-wording or customer-wording items.")
@click.option("--kind", type=click.Choice(["reason", "outcome"]), default=None, help="Only reasons or outcomes.")
@click.option("--lang", default=None, metavar="LANG", help="Language of the printed text (default: source).")
@click.option("--json", "as_json", is_flag=True,
              help="Print a JSON list of items (code, construct, theme, time, relationship_types, perspective, "
                   "scale, reverse, source, text and TRAPD status per language).")
@_BANK
def list_items(construct: str | None, perspective: str | None, kind: str | None, lang: str | None,
               as_json: bool, bank: Path | None) -> None:
    """List the items of the bank in bank order.

    \b
    Examples:
      vcd instrument list
      vcd instrument list --construct MSB --perspective provider
      vcd instrument list --kind outcome --lang de
      vcd instrument list --json > items.json
    """
    inst = load_bank(bank)
    items = inst.items(perspective=perspective, construct=construct, kind=kind)
    if as_json:
        _dump([item_record(i) for i in items])
        return
    lang = inst.language(lang).code if lang else inst.source_language
    rows = [["code", "perspective", "construct", "theme", "R", "text"]]
    rows += [[i.code, i.perspective, i.construct_code, i.theme, "R" if i.reverse else "", i.wording(lang)]
             for i in items]
    for line in _table(rows):
        click.echo(line)
    click.echo(f"{len(items)} item(s); R = reverse-keyed", err=True)


@instrument.command()
@click.argument("code")
@click.option("--json", "as_json", is_flag=True, help="Print the record as JSON.")
@_BANK
def show(code: str, as_json: bool, bank: Path | None) -> None:
    """Show one item, attention check, context question (or timing row) or construct, in every language.

    \b
    Examples:
      vcd instrument show BLM04
      vcd instrument show ATT1
      vcd instrument show RELTYPE
      vcd instrument show TIM_MSB
      vcd instrument show ICA --json
    """
    inst = load_bank(bank)
    rec = _find(inst, code)
    if as_json:
        _dump(rec)
        return
    for line in _show_text(rec, inst):
        click.echo(line)


@instrument.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the problems as a JSON list of {file, code, message}.")
@click.pass_context
def validate(ctx: click.Context, path: Path | None, as_json: bool) -> None:
    """Validate an item bank (default: the bundled one) and print every problem, one per line as
    "file: code: message". Exit status 1 when there is any problem.

    \b
    Examples:
      vcd instrument validate
      vcd instrument validate my_bank/
      vcd instrument validate my_bank/ --json
    """
    from instrument.validate import check_bank

    inst, problems = check_bank(path)
    if as_json:
        _dump([{"file": p.file, "code": p.code, "message": p.message} for p in problems])
    else:
        for p in problems:
            click.echo(str(p))
    where = path if path is not None else "the bundled bank"
    if problems:
        click.echo(f"{len(problems)} problem(s) in {where}", err=True)
        ctx.exit(1)
    assert inst is not None
    if not as_json:
        n = {p: len(inst.items(perspective=p)) for p in PERSPECTIVES}
        click.echo(f"OK: {where}: {len(inst.reasons())} reasons, {len(inst.outcomes())} outcomes, "
                   f"{n['provider']} provider + {n['customer']} customer items, {len(inst.checks)} attention "
                   f"checks, {len(inst.context)} context questions, languages {' '.join(inst.language_codes)}")


@instrument.command()
@click.option("--json", "as_json", is_flag=True,
              help="Print {table3: rows, outcomes: rows, problems: [...]} as JSON.")
@_BANK
def coverage(as_json: bool, bank: Path | None) -> None:
    """Table 3 of Järvi, Kähkönen & Torvinen (2018) reproduced from the bank: reason, time, second-order
    theme, relationship types and the number of items per perspective (then the outcome constructs).

    Works on an incomplete bank too: missing themes show 0 items, and the number of validation problems is
    reported on stderr.

    \b
    Examples:
      vcd instrument coverage
      vcd instrument coverage --bank my_bank/ --json
    """
    from instrument.validate import check_bank

    inst, problems = check_bank(bank)
    if inst is None:
        raise BankError(str(problems[0]))
    rows, outs = table3_coverage(inst), outcome_coverage(inst)
    if as_json:
        _dump({"table3": rows, "outcomes": outs, "problems": [str(p) for p in problems]})
    else:
        table = [["reason", "time", "second-order theme", "types", "provider", "customer"]]
        last = None
        for r in rows:
            first = r["reason"] != last
            last = r["reason"]
            table.append([f"{r['reason_code']} {r['reason']}" if first else "", r["time"] if first else "",
                          r["theme"], types_label(r["relationship_types"]), str(r["provider"]),
                          str(r["customer"])])
        table.append(["total", "", f"{len(rows)} themes", "", str(sum(r["provider"] for r in rows)),
                      str(sum(r["customer"] for r in rows))])
        for line in _table(table, right=frozenset({4, 5})):
            click.echo(line)
        click.echo("RI = any relationship type (B2C, B2B, B2G, G2C); counts are items per perspective.")
        if outs:
            click.echo("")
            otable = [["outcome", "themes", "provider", "customer", "reverse-keyed"]]
            otable += [[f"{o['code']} {o['construct']}", ", ".join(o["themes"]), str(o["provider"]),
                        str(o["customer"]), " ".join(o["reverse"]) or "-"] for o in outs]
            for line in _table(otable, right=frozenset({2, 3})):
                click.echo(line)
    if problems:
        click.echo(f"{len(problems)} validation problem(s): run `vcd instrument validate`", err=True)


# ``vcd instrument export`` is written in instrument/export/cli.py; attach it when that module is present.
if importlib.util.find_spec("instrument.export.cli") is not None:
    from instrument.export.cli import export as _export

    instrument.add_command(_export, "export")

from instrument.translations.cli import translations as _translations  # noqa: E402 - attached after the group

instrument.add_command(_translations, "translations")
