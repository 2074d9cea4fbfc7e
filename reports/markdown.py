"""``report.md``: the summary of findings, the steps of the run, the key tables and the methods, as Markdown.

User text is escaped (:func:`reports.tables.md_escape`): no raw HTML, links or emphasis can come from the data.

Examples
--------
>>> import json, tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "manifest.json").write_text(json.dumps({"study": {"name": "s", "title": "A *b* <i>"}, "steps": []}))
>>> from reports.results import load_results
>>> render_markdown(load_results(d)).splitlines()[0]
'# A \\\\*b\\\\* &lt;i&gt;'
"""

from __future__ import annotations

from reports.findings import REFERENCES, methods_paragraph, summary_findings
from reports.results import Results
from reports.sections import Section, build_sections
from reports.tables import md_escape, md_table

__all__ = ["render_markdown"]

#: sections whose tables go into report.md (the others are in the HTML report and tables.xlsx).
KEY_SECTIONS: tuple[str, ...] = ("cleaning", "reliability", "cfa", "invariance", "countries", "relationship_type",
                                 "phase", "hypotheses")


def render_markdown(res: Results, sections: list[Section] | None = None) -> str:
    """Render the Markdown summary of a results folder.

    Parameters
    ----------
    res : Results
        A loaded results folder (:func:`reports.results.load_results`).
    sections : list of Section, optional
        Prebuilt sections (default: :func:`reports.sections.build_sections`).

    Returns
    -------
    str
        The Markdown document (key sections only, tables up to 60 rows).

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> from reports.results import load_results
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "manifest.json").write_text(json.dumps({"study": {"name": "s"}, "steps": []}))
    >>> render_markdown(load_results(d)).splitlines()[0]
    '# s'
    """
    study = res.study
    lines = [f"# {md_escape(study.get('title') or res.study_name)}", "",
             f"Study `{res.study_name.replace('`', '')}` · {md_escape(study.get('perspective', ''))} perspective · "
             f"vcd-toolkit {md_escape((res.manifest.get('toolkit') or {}).get('version', ''))}", "",
             "## Summary of findings", ""]
    findings = summary_findings(res)
    lines += [f"- {md_escape(f)}" for f in findings] or ["No step produced findings."]
    lines += ["", "## Steps of the run", "", "| Step | Status | Reason |", "|---|---|---|"]
    for s in res.manifest.get("steps", []):
        lines.append(f"| {md_escape(s.get('step', ''))} | {md_escape(s.get('status', ''))} | "
                     f"{md_escape(s.get('reason') or '')} |")
    for sec in sections if sections is not None else build_sections(res):
        if sec.id not in KEY_SECTIONS:
            continue
        lines += ["", f"## {md_escape(sec.title)}", ""]
        if sec.status:
            lines += [f"> {md_escape(sec.status)}", ""]
        lines += [md_escape(p) + "\n" for p in sec.paragraphs]
        for t in sec.tables:
            if len(t.rows) <= 60:
                lines.append(md_table(t))
    lines += ["", "## Methods", "", md_escape(methods_paragraph(res)), "", "### References", ""]
    lines += [f"{k}. {md_escape(r)}" for k, r in enumerate(REFERENCES, start=1)]
    return "\n".join(lines).rstrip() + "\n"
