"""analysis.sem.syntax: the lavaan subset and its error messages."""

from __future__ import annotations

import pytest

from analysis.sem.syntax import parse_model
from vcd_core.errors import ModelSyntaxError


def test_terms_modifiers_and_constraints():
    m = parse_model("""
        # a comment
        visual  =~ x1 + a*x2 + c(b1, b2)*x3   ! another comment
        textual =~ NA*x4 + x5 +
                   x6
        visual ~~ 0*textual; x1 ~~ x2
        x1 ~ 1
        f2 ~ visual
        f2 =~ x7 + start(0.5)*x8
        a == b1
        b2 == 0.7
    """)
    t = {(x.lhs, x.op, x.rhs): x for x in m.terms}
    assert m.latent == ("visual", "textual", "f2")
    assert m.observed == ("x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8")
    assert t[("visual", "=~", "x2")].labels == ("a",)
    assert t[("visual", "=~", "x3")].labels == ("b1", "b2")
    assert t[("textual", "=~", "x4")].free_forced and t[("textual", "=~", "x4")].fixed == (None,)
    assert ("textual", "=~", "x6") in t  # continuation line
    assert t[("visual", "~~", "textual")].fixed == (0.0,)
    assert ("x1", "~1", "") in t and ("f2", "~", "visual") in t
    assert t[("f2", "=~", "x8")].start == (0.5,)
    assert [(c.lhs, c.rhs) for c in m.constraints] == [("a", "b1"), ("b2", 0.7)]


@pytest.mark.parametrize(("text", "line", "col", "what"), [
    ("f =~ x1 + x2\nf =~ x3 x4", 2, 9, "expected '+'"),
    ("f =~ x1 +", 1, 11, "expected a variable name"),
    ("f = x1", 1, 3, "unexpected character '='"),
    ("f =~ x1 + c(a, 1)*x2", 1, 11, "mixes numbers and labels"),
    ("=~ x1", 1, 1, "must start with a variable name"),
    ("f x1", 1, 3, "expected an operator"),
])
def test_errors_show_line_column_and_caret(text, line, col, what):
    with pytest.raises(ModelSyntaxError) as exc:
        parse_model(text)
    msg = str(exc.value)
    assert msg.startswith(f"line {line}, column {col}:")
    assert what in msg
    lines = msg.splitlines()
    assert lines[-1].index("^") == col + 1  # two spaces of indent
    assert lines[-2].strip() == text.splitlines()[line - 1].strip()


def test_empty_model():
    with pytest.raises(ModelSyntaxError, match="empty"):
        parse_model("  \n # nothing\n")
