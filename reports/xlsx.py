"""``tables.xlsx``: every table of a results folder, one sheet each, plus the steps of the run.

Text cells are always written as text (never as formulas): a cell starting with ``= + - @`` from the data
cannot execute in a spreadsheet. The workbook's metadata carries no timestamps from the run.

Examples
--------
>>> import json, tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "manifest.json").write_text(json.dumps({"study": {"name": "s"}, "steps": []}))
>>> (d / "cfa").mkdir()
>>> _ = (d / "cfa" / "params.csv").write_text("lhs,op,rhs,est\\n=cmd(),=~,x,0.5\\n")
>>> from reports.results import load_results
>>> p = write_xlsx(load_results(d), d / "t.xlsx")
>>> import openpyxl
>>> ws = openpyxl.load_workbook(p)["cfa params"]
>>> ws["A2"].value, ws["A2"].data_type, ws["D2"].value
('=cmd()', 's', 0.5)
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

from reports.results import Results

__all__ = ["write_xlsx"]

_FIXED_TIME = dt.datetime(2000, 1, 1)


def _sheet_name(key: str, used: set[str]) -> str:
    base = key.replace("/", " ")
    for ch in "[]:*?\\":
        base = base.replace(ch, "_")
    base = base[:31]
    name, k = base, 2
    while name.lower() in used:
        suffix = f" {k}"
        name, k = base[: 31 - len(suffix)] + suffix, k + 1
    used.add(name.lower())
    return name


def write_xlsx(res: Results, path: str | Path) -> Path:
    """Write every table of ``res`` to an XLSX workbook (sheet ``steps`` first).

    Returns
    -------
    Path
        The workbook written.

    Parameters
    ----------
    res : Results
        A loaded results folder (:func:`reports.results.load_results`).
    path : str or Path
        The workbook to write.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> from reports.results import load_results
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "manifest.json").write_text(json.dumps({"study": {"name": "s"}, "steps": []}))
    >>> import openpyxl
    >>> openpyxl.load_workbook(write_xlsx(load_results(d), d / "t.xlsx")).sheetnames
    ['steps']
    """
    from openpyxl import Workbook
    from openpyxl.cell.cell import TYPE_STRING
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "steps"
    used = {"steps"}
    ws.append(["step", "status", "reason", "warnings"])
    for s in res.manifest.get("steps", []):
        ws.append([str(s.get("step", "")), str(s.get("status", "")), str(s.get("reason") or ""),
                   "; ".join(map(str, s.get("warnings") or []))])
    for key, df in sorted(res.tables.items()):
        sheet = wb.create_sheet(_sheet_name(key, used))
        sheet.append([str(c) for c in df.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for r, row in enumerate(df.itertuples(index=False), start=2):
            for c, value in enumerate(row, start=1):
                if value is None or (isinstance(value, float) and math.isnan(value)):
                    continue
                cell = sheet.cell(row=r, column=c)
                if isinstance(value, bool) or hasattr(value, "item") and isinstance(value.item(), bool):
                    cell.value = bool(value)
                elif isinstance(value, int | float) or hasattr(value, "item"):
                    v = value.item() if hasattr(value, "item") else value
                    cell.value = v if not (isinstance(v, float) and math.isinf(v)) else str(v)
                else:
                    cell.value = str(value)
                    cell.data_type = TYPE_STRING
        sheet.freeze_panes = "A2"
    wb.properties.created = _FIXED_TIME
    wb.properties.creator = "vcd-toolkit"
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    _normalise(out)
    return out


def _normalise(path: Path) -> None:
    """Make the workbook byte-reproducible: fixed zip entry times and a fixed ``dcterms:modified``
    (openpyxl stamps the save time into both)."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as zin:
        entries = [(info.filename, zin.read(info.filename)) for info in zin.infolist()]
    stamp = _FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zout:
        for name, blob in entries:
            if name == "docProps/core.xml":
                blob = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + stamp + rb"\g<2>",
                              blob)
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(info, blob)
