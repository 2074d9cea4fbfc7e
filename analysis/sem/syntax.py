"""A lavaan-syntax subset: ``=~ ~~ ~ ~1``, modifiers (``1*x``, ``a*x``, ``NA*x``, ``c(a,b)*x``,
``start(0.5)*x``) and ``==`` constraints between labels.

Statements are separated by newlines or ``;``; ``#`` and ``!`` start comments. A statement continues
on the next line when the line ends in an operator or ``+`` (or the next line starts with ``+``).
Errors are :class:`~vcd_core.errors.ModelSyntaxError` with line, column and a caret under the spot.

Examples
--------
>>> m = parse_model("visual =~ x1 + a*x2 + c(1, NA)*x3\\nvisual ~~ visual")
>>> [(t.lhs, t.op, t.rhs, t.labels, t.fixed) for t in m.terms][:3]
[('visual', '=~', 'x1', None, None), ('visual', '=~', 'x2', ('a',), None), ('visual', '=~', 'x3', None, (1.0, None))]
>>> parse_model("f =~ x1 +")
Traceback (most recent call last):
...
vcd_core.errors.ModelSyntaxError: line 1, column 11: expected a variable name after '+', got end of line
  f =~ x1 +
            ^
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from vcd_core.errors import ModelSyntaxError

__all__ = ["ModelTerm", "EqualityConstraint", "ParsedModel", "parse_model"]

_OPS = ("=~", "~~", "~", "==")


@dataclass(frozen=True)
class ModelTerm:
    """One ``lhs op rhs`` statement of the model (``rhs == "1"`` with ``op == "~1"`` for intercepts).

    ``fixed``/``labels``/``start`` hold one value per group when given as ``c(...)``, else one value for
    all groups; ``None`` entries in ``fixed`` (``NA``) mean *free*. ``free_forced`` is True when the user
    wrote ``NA*x`` (a marker loading is then not fixed).
    """

    lhs: str
    op: str
    rhs: str
    fixed: tuple[float | None, ...] | None = None
    labels: tuple[str | None, ...] | None = None
    start: tuple[float | None, ...] | None = None
    free_forced: bool = False
    line: int = 0
    column: int = 0


@dataclass(frozen=True)
class EqualityConstraint:
    """``lhs == rhs`` where both are labels, or the right side is a number."""

    lhs: str
    rhs: str | float
    line: int = 0
    column: int = 0


@dataclass(frozen=True)
class ParsedModel:
    """The parsed statements, in the order written."""

    terms: tuple[ModelTerm, ...]
    constraints: tuple[EqualityConstraint, ...]
    text: str

    @property
    def latent(self) -> tuple[str, ...]:
        """Latent variables (left of ``=~``) in order of appearance.

        Examples
        --------
        >>> parse_model("f2 =~ a + b + c; f1 =~ d + e + f").latent
        ('f2', 'f1')
        """
        out: list[str] = []
        for t in self.terms:
            if t.op == "=~" and t.lhs not in out:
                out.append(t.lhs)
        return tuple(out)

    @property
    def observed(self) -> tuple[str, ...]:
        """Observed variables in order of first appearance (anything named that is not latent).

        Examples
        --------
        >>> parse_model("f =~ x1 + x2 + x3\\nx1 ~~ x3").observed
        ('x1', 'x2', 'x3')
        """
        lat = set(self.latent)
        out: list[str] = []
        for t in self.terms:
            names = [t.rhs] if t.op == "=~" else [t.lhs, t.rhs]
            for n in names:
                if n not in ("1", "") and n not in lat and n not in out:
                    out.append(n)
        return tuple(out)


_TOKEN = re.compile(
    r"(?P<num>(?<![A-Za-z0-9_.])-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"
    r"|(?P<op>=~|~~|==|~|\+|\*|\(|\)|,)"
    r"|(?P<name>[A-Za-z_.][A-Za-z0-9_.]*)"
    r"|(?P<ws>[ \t\r]+)"
)


@dataclass
class _Tok:
    kind: str  # num, op, name, end
    text: str
    line: int
    col: int  # 1-based


def _error(msg: str, line_text: str, line: int, col: int) -> ModelSyntaxError:
    err = ModelSyntaxError(f"line {line}, column {col}: {msg}\n  {line_text}\n  {' ' * (col - 1)}^")
    err.line, err.col = line, col  # type: ignore[attr-defined]
    return err


def _tokenize_line(text: str, lineno: int) -> list[_Tok]:
    toks: list[_Tok] = []
    pos = 0
    while pos < len(text):
        ch = text[pos]
        if ch in "#!":
            break
        if ch == ";":
            toks.append(_Tok("sep", ";", lineno, pos + 1))
            pos += 1
            continue
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise _error(f"unexpected character {ch!r}", text, lineno, pos + 1)
        kind = m.lastgroup or ""
        if kind != "ws":
            toks.append(_Tok(kind, m.group(), lineno, pos + 1))
        pos = m.end()
    return toks


def _statements(text: str) -> list[list[_Tok]]:
    """Split into statements, joining continuation lines."""
    lines = text.splitlines()
    stmts: list[list[_Tok]] = []
    cur: list[_Tok] = []
    for i, raw in enumerate(lines, start=1):
        toks = _tokenize_line(raw, i)
        for t in toks:
            if t.kind == "sep":
                if cur:
                    stmts.append(cur)
                cur = []
            else:
                if cur and t.kind == "op" and t.text == "+" and cur[-1].line != t.line:
                    pass  # leading '+' continues the previous line
                elif cur and cur[-1].line != t.line and not (
                    cur[-1].kind == "op" and cur[-1].text in ("+", "*", "(", ",", *_OPS)
                ):
                    stmts.append(cur)
                    cur = []
                cur.append(t)
    if cur:
        stmts.append(cur)
    return stmts


class _Parser:
    def __init__(self, toks: list[_Tok], lines: list[str]) -> None:
        self.toks = toks
        self.i = 0
        self.lines = lines

    def peek(self) -> _Tok:
        if self.i < len(self.toks):
            return self.toks[self.i]
        last = self.toks[-1]
        return _Tok("end", "", last.line, last.col + len(last.text) + 1)

    def fail(self, msg: str, tok: _Tok | None = None) -> ModelSyntaxError:
        t = tok or self.peek()
        got = "end of line" if t.kind == "end" else repr(t.text)
        return _error(f"{msg}, got {got}", self.lines[t.line - 1], t.line, t.col)

    def take(self) -> _Tok:
        t = self.peek()
        self.i += 1
        return t

    def expect_op(self, op: str) -> _Tok:
        t = self.peek()
        if t.kind != "op" or t.text != op:
            raise self.fail(f"expected '{op}'")
        return self.take()

    def value(self) -> tuple[str, float | str | None]:
        """One modifier value: number, NA or label."""
        t = self.take()
        if t.kind == "num":
            return "num", float(t.text)
        if t.kind == "name" and t.text == "NA":
            return "na", None
        if t.kind == "name":
            return "label", t.text
        self.i -= 1
        raise self.fail("expected a number, NA or a label")


def _term_rhs(p: _Parser, op: str) -> tuple[str, dict, _Tok]:
    """Parse ``[modifier*]... name`` and return (name, modifiers, token of name)."""
    mods: dict = {}
    while True:
        t = p.peek()
        nxt = p.toks[p.i + 1] if p.i + 1 < len(p.toks) else None
        is_mod = nxt is not None and nxt.kind == "op" and nxt.text == "*"
        if t.kind == "name" and t.text in ("c", "start") and nxt is not None and nxt.text == "(":
            fn = p.take().text
            p.expect_op("(")
            vals = [p.value()]
            while p.peek().kind == "op" and p.peek().text == ",":
                p.take()
                vals.append(p.value())
            p.expect_op(")")
            p.expect_op("*")
            if fn == "start":
                if any(k != "num" for k, _ in vals):
                    raise p.fail("start() takes numbers", t)
                mods["start"] = tuple(v for _, v in vals)
            else:
                _store_mod(p, mods, vals, t)
            continue
        if is_mod and t.kind in ("num", "name"):
            kind, val = p.value()
            p.take()  # '*'
            _store_mod(p, mods, [(kind, val)], t)
            continue
        if t.kind == "num" and t.text == "1" and op == "~":
            p.take()
            return "1", mods, t
        if t.kind != "name":
            prev = p.toks[p.i - 1].text if p.i > 0 else op
            raise p.fail(f"expected a variable name after '{prev}'")
        return p.take().text, mods, t


def _store_mod(p: _Parser, mods: dict, vals: list, tok: _Tok) -> None:
    kinds = {k for k, _ in vals}
    if kinds <= {"num", "na"}:
        if "fixed" in mods:
            raise p.fail("two fixed values for one parameter", tok)
        mods["fixed"] = tuple(v for _, v in vals)
        if "na" in kinds:
            mods["free_forced"] = True
    elif kinds <= {"label", "na"}:
        if "labels" in mods:
            raise p.fail("two labels for one parameter", tok)
        mods["labels"] = tuple(v for _, v in vals)
    else:
        raise p.fail("c() mixes numbers and labels", tok)


def parse_model(text: str) -> ParsedModel:
    """Parse lavaan model syntax (the subset documented in this module).

    Parameters
    ----------
    text : str
        The model, e.g. ``"visual =~ x1 + x2 + x3"``.

    Returns
    -------
    ParsedModel

    Raises
    ------
    ModelSyntaxError
        With line, column and a caret under the offending spot.

    Examples
    --------
    >>> m = parse_model("f =~ x1 + x2 + x3\\nx1 ~ 1\\na == b")
    >>> [(t.lhs, t.op, t.rhs) for t in m.terms]
    [('f', '=~', 'x1'), ('f', '=~', 'x2'), ('f', '=~', 'x3'), ('x1', '~1', '')]
    >>> m.constraints[0].lhs, m.constraints[0].rhs
    ('a', 'b')
    """
    if not isinstance(text, str) or not text.strip():
        raise ModelSyntaxError("the model is empty")
    lines = text.splitlines()
    terms: list[ModelTerm] = []
    cons: list[EqualityConstraint] = []
    for stmt in _statements(text):
        p = _Parser(stmt, lines)
        lhs_tok = p.take()
        if lhs_tok.kind != "name":
            p.i -= 1
            raise p.fail("a statement must start with a variable name")
        lhs_names = [lhs_tok]
        while p.peek().kind == "op" and p.peek().text == "+":
            p.take()
            t = p.take()
            if t.kind != "name":
                p.i -= 1
                raise p.fail("expected a variable name after '+'")
            lhs_names.append(t)
        op_tok = p.peek()
        if op_tok.kind != "op" or op_tok.text not in _OPS:
            raise p.fail("expected an operator (=~, ~~, ~, ==)")
        p.take()
        op = op_tok.text
        if op == "==":
            if len(lhs_names) > 1:
                raise p.fail("'==' takes a single label on the left", lhs_names[1])
            t = p.take()
            if t.kind == "num":
                rhs: str | float = float(t.text)
            elif t.kind == "name":
                rhs = t.text
            else:
                p.i -= 1
                raise p.fail("expected a label or a number after '=='")
            if p.peek().kind != "end":
                raise p.fail("only 'label == label' or 'label == number' constraints are supported")
            cons.append(EqualityConstraint(lhs_tok.text, rhs, lhs_tok.line, lhs_tok.col))
            continue
        while True:
            name, mods, ntok = _term_rhs(p, op)
            for lt in lhs_names:
                if name == "1":
                    terms.append(ModelTerm(lt.text, "~1", "", mods.get("fixed"), mods.get("labels"),
                                           mods.get("start"), mods.get("free_forced", False), lt.line, lt.col))
                else:
                    terms.append(ModelTerm(lt.text, op, name, mods.get("fixed"), mods.get("labels"),
                                           mods.get("start"), mods.get("free_forced", False), ntok.line, ntok.col))
            t = p.peek()
            if t.kind == "end":
                break
            if t.kind == "op" and t.text == "+":
                p.take()
                continue
            raise p.fail("expected '+' or end of statement")
    for term in terms:
        for v in term.fixed or ():
            if v is not None and not math.isfinite(v):
                raise _error("fixed value must be finite", lines[term.line - 1], term.line, term.column)
    if not terms:
        raise ModelSyntaxError("the model is empty: no =~, ~~, ~ or ~1 statements")
    return ParsedModel(tuple(terms), tuple(cons), text)
