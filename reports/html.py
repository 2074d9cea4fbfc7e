"""The self-contained HTML report: one file, inline CSS, figures as inline SVG ``data:`` URIs, no script, no CDN.

Every piece of text from the study (names, labels, group values, warnings, item wordings) goes through jinja2
autoescaping; figures are base64 data URIs. The report shows no timestamps, so re-rendering the same results
folder gives the same bytes.

Examples
--------
>>> import json, tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "manifest.json").write_text(json.dumps({"study": {"name": "s", "title": "<script>x</script>"},
...     "steps": []}))
>>> from reports.results import load_results
>>> html = render_html(load_results(d))
>>> "<script>" in html, "&lt;script&gt;x&lt;/script&gt;" in html
(False, True)
"""

from __future__ import annotations

from pathlib import Path

import jinja2

from reports.findings import REFERENCES, methods_paragraph, summary_findings
from reports.results import Results
from reports.sections import Section, build_sections

__all__ = ["render_html", "template_environment"]

TEMPLATES = Path(__file__).parent / "templates"


def template_environment() -> jinja2.Environment:
    """The jinja2 environment of the report templates (autoescape on for every template)."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                              undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def render_html(res: Results, sections: list[Section] | None = None) -> str:
    """Render a loaded results folder as one self-contained HTML document.

    Parameters
    ----------
    res : Results
        From :func:`reports.results.load_results`.
    sections : list of Section, optional
        Prebuilt sections (default: :func:`reports.sections.build_sections`).

    Returns
    -------
    str

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> from reports.results import load_results
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "manifest.json").write_text(json.dumps({"study": {"name": "s"}, "steps": []}))
    >>> render_html(load_results(d)).lstrip().lower().startswith("<!doctype html>")
    True
    """
    m = res.manifest
    study = res.study
    steps = [{"step": s.get("step", ""), "status": s.get("status", ""), "reason": s.get("reason") or "",
              "warnings": list(s.get("warnings") or [])} for s in m.get("steps", [])]
    inputs = [{"role": i.get("role", ""), "path": i.get("path", ""), "format": i.get("format", ""),
               "bytes": f"{int(i.get('bytes', 0)):,}", "sha256": i.get("sha256", "")} for i in m.get("inputs", [])]
    packages = sorted((m.get("packages") or {}).items())
    ctx = {
        "title": study.get("title") or study.get("name") or res.study_name, "study_name": res.study_name,
        "perspective": study.get("perspective", ""), "description": study.get("description", ""),
        "seed": m.get("seed", ""), "version": (m.get("toolkit") or {}).get("version", ""),
        "findings": summary_findings(res), "steps": steps,
        "sections": sections if sections is not None else build_sections(res),
        "methods": methods_paragraph(res), "references": REFERENCES, "inputs": inputs, "packages": packages,
    }
    return template_environment().get_template("report.html.j2").render(**ctx)
