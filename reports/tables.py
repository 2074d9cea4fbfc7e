"""Report tables: a results DataFrame → rows of formatted cells (text + CSS class), shared by HTML and Markdown.

Cells are plain strings; escaping is the renderer's job (jinja2 autoescape for HTML, :func:`md_escape` for
Markdown). Nothing is computed here except formatting.

Examples
--------
>>> import pandas as pd
>>> t = make_table(pd.DataFrame({"reason": ["INF"], "p_adj": [0.0004], "mean": [4.1234]}),
...                [("reason", "Reason", "text"), ("p_adj", "p (adj.)", "p"), ("mean", "M", "num2")])
>>> t.headers, [c.text for c in t.rows[0]]
(['Reason', 'p (adj.)', 'M'], ['INF', '< .001', '4.12'])
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

__all__ = ["Cell", "Table", "fmt", "make_table", "md_escape", "md_table"]


@dataclass(frozen=True)
class Cell:
    """One formatted table cell (``cls``: CSS class such as ``num``, ``sig``, ``bad``)."""

    text: str
    cls: str = ""


@dataclass(frozen=True)
class Table:
    """A formatted table: caption, headers, rows of :class:`Cell`, an optional note."""

    caption: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    note: str = ""
    header_cls: list[str] = field(default_factory=list)


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and v == "")


def fmt(value: Any, kind: str) -> str:
    """Format one value: ``text int num2 num3 p pct bool``.

    Examples
    --------
    >>> fmt(0.0312, "p"), fmt(0.5, "pct"), fmt(1234, "int"), fmt(float("nan"), "num2"), fmt(True, "bool")
    ('.031', '50.0%', '1,234', '–', 'yes')
    """
    if _missing(value):
        return "–"
    try:
        if kind == "int":
            return f"{int(round(float(value))):,}"
        if kind in ("num1", "num2", "num3", "num4"):
            return f"{float(value):.{int(kind[-1])}f}"
        if kind == "p":
            p = float(value)
            return "< .001" if p < 0.001 else f"{p:.3f}".lstrip("0") if p < 1 else "1.000"
        if kind == "pct":
            return f"{float(value):.1%}"
        if kind == "bool":
            return "yes" if str(value).strip().lower() in ("true", "1", "yes") else "no"
    except (TypeError, ValueError):
        return str(value)
    return str(value)


def make_table(df: pd.DataFrame | None, columns: Sequence[tuple[str, str, str]], caption: str = "", note: str = "",
               row_class: Callable[[pd.Series], str] | None = None, max_rows: int | None = None) -> Table | None:
    """Build a :class:`Table` from ``df`` with ``(column, header, kind)`` specs; absent columns are left out.

    ``row_class`` may give a CSS class per row (applied to every cell); p columns below .05 get ``sig``.
    """
    if df is None or df.empty:
        return None
    cols = [(c, h, k) for c, h, k in columns if c in df.columns]
    rows = []
    shown = df if max_rows is None else df.head(max_rows)
    for _, r in shown.iterrows():
        extra = row_class(r) if row_class else ""
        cells = []
        for c, _h, k in cols:
            cls = "num" if k not in ("text", "bool") else ""
            if k == "p" and not _missing(r[c]):
                try:
                    cls += " sig" if float(r[c]) < 0.05 else ""
                except (TypeError, ValueError):
                    pass
            cells.append(Cell(fmt(r[c], k), (cls + " " + extra).strip()))
        rows.append(cells)
    if max_rows is not None and len(df) > max_rows:
        note = (note + " " if note else "") + f"First {max_rows} of {len(df)} rows; all rows are in tables.xlsx."
    return Table(caption, [h for _c, h, _k in cols], rows, note,
                 ["num" if k not in ("text", "bool") else "" for _c, _h, k in cols])


_MD_SPECIAL = str.maketrans({"\\": "\\\\", "|": "\\|", "*": "\\*", "_": "\\_", "`": "\\`", "[": "\\[", "]": "\\]",
                             "<": "&lt;", ">": "&gt;", "&": "&amp;", "#": "\\#", "\n": " ", "\r": " "})


def md_escape(text: Any) -> str:
    """Escape user text for Markdown (no HTML, no emphasis, no links, no table breaks).

    Examples
    --------
    >>> md_escape("<b>a|b</b> *x*")
    '&lt;b&gt;a\\\\|b&lt;/b&gt; \\\\*x\\\\*'
    """
    return str(text).translate(_MD_SPECIAL)


def md_table(t: Table | None) -> str:
    """A :class:`Table` as a GitHub-flavoured Markdown table (empty string for None)."""
    if t is None:
        return ""
    lines = []
    if t.caption:
        lines += [f"*{md_escape(t.caption)}*", ""]
    lines.append("| " + " | ".join(md_escape(h) for h in t.headers) + " |")
    lines.append("|" + "|".join("---:" if r and "num" in r.cls else "---" for r in (t.rows[0] if t.rows else
                                                                                     [Cell("")] * len(t.headers)))
                 + "|")
    for row in t.rows:
        lines.append("| " + " | ".join(md_escape(c.text) for c in row) + " |")
    if t.note:
        lines += ["", md_escape(t.note)]
    return "\n".join(lines) + "\n"
