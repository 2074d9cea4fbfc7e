"""Render a results folder to ``report.html``, ``report.md`` and ``tables.xlsx`` (never recomputes).

Examples
--------
>>> import json, tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "manifest.json").write_text(json.dumps({"study": {"name": "s"}, "steps": []}))
>>> sorted(render_all(d, formats=("html", "md")))
['html', 'md']
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from reports.results import load_results
from vcd_core.errors import ReportError

__all__ = ["FILES", "render_all"]

#: format -> default file name inside the results folder.
FILES: dict[str, str] = {"html": "report.html", "md": "report.md", "xlsx": "tables.xlsx"}


def render_all(results: str | Path, formats: Sequence[str] = ("html", "md", "xlsx"),
               html_path: str | Path | None = None) -> dict[str, Path]:
    """Render the results folder ``results`` in the given formats.

    Parameters
    ----------
    results : str or Path
        A results folder (holds ``manifest.json``).
    formats : sequence of {"html", "md", "xlsx"}
    html_path : str or Path, optional
        Where the HTML goes (default ``<results>/report.html``); ``report.md`` and ``tables.xlsx`` go next to it.

    Returns
    -------
    dict
        format -> path written.

    Raises
    ------
    ReportError
        Not a results folder, a malformed file, or an unknown format.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> from reports.results import load_results
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "manifest.json").write_text(json.dumps({"study": {"name": "s"}, "steps": []}))
    >>> sorted(p.name for p in render_all(d, formats=("md",)).values())
    ['report.md']
    """
    bad = [f for f in formats if f not in FILES]
    if bad:
        raise ReportError(f"unknown report format(s) {', '.join(bad)}; use {', '.join(FILES)}")
    res = load_results(results)
    html_out = Path(html_path) if html_path is not None else Path(results) / FILES["html"]
    folder = html_out.parent
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    sections = None
    if "html" in formats or "md" in formats:
        from reports.sections import build_sections

        sections = build_sections(res)
    if "html" in formats:
        from reports.html import render_html

        html_out.write_text(render_html(res, sections), encoding="utf-8")
        written["html"] = html_out
    if "md" in formats:
        from reports.markdown import render_markdown

        md = folder / (html_out.stem + ".md" if html_path is not None else FILES["md"])
        md.write_text(render_markdown(res, sections), encoding="utf-8")
        written["md"] = md
    if "xlsx" in formats:
        from reports.xlsx import write_xlsx

        written["xlsx"] = write_xlsx(res, folder / FILES["xlsx"])
    return written
