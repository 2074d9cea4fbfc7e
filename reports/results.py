"""Read a results folder (the contract written by ``vcd run``) without recomputing anything.

The folder layout is documented in ``analysis/study.py`` and in the README ("Study runs and reports").
This module only reads files: ``manifest.json``, then for each step sub-folder its CSV tables and JSON
scalars. A step whose sub-folder is missing, or whose manifest entry says ``skipped``/``failed``, is
reported as such (with the recorded reason) so that the report can say plainly that it did not run.

CSV files are read with ``keep_default_na=False``: a country code ``NA`` (Namibia) stays a string; only
empty cells are missing.

Examples
--------
>>> import json, tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "manifest.json").write_text(json.dumps({"format": "vcd-results", "format_version": 1,
...     "study": {"name": "s"}, "steps": [{"step": "cfa", "status": "skipped", "reason": "not configured"}]}))
>>> res = load_results(d)
>>> res.study_name
's'
>>> res.step("cfa").ran, res.step("cfa").reason
(False, 'not configured')
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from vcd_core.errors import ReportError

#: step name -> (sub-folder, human title), in report order.
STEPS: dict[str, tuple[str, str]] = {
    "ingest": ("", "Data import"),
    "clean": ("cleaning", "Cleaning"),
    "descriptives": ("descriptives", "Item descriptives"),
    "efa": ("efa", "Exploratory factor analysis"),
    "reliability": ("reliability", "Reliability"),
    "cfa": ("cfa", "Confirmatory factor analysis"),
    "invariance": ("invariance", "Measurement invariance"),
    "compare": ("compare", "Comparisons"),
}

FORMAT = "vcd-results"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class StepStatus:
    """Status of one pipeline step as recorded in ``manifest.json``.

    Attributes
    ----------
    name : str
        Step name (``clean``, ``efa`` ...).
    status : str
        ``ok``, ``skipped``, ``failed`` or ``missing`` (no manifest entry).
    reason : str or None
        Why the step was skipped or failed.
    warnings : tuple of str
        Warnings the step recorded.
    """

    name: str
    status: str
    reason: str | None = None
    warnings: tuple[str, ...] = ()

    @property
    def ran(self) -> bool:
        """True when the step ran and wrote its outputs."""
        return self.status == "ok"

    def explain(self) -> str:
        """A plain sentence saying why the step has no output (empty when it ran).

        Examples
        --------
        >>> StepStatus("efa", "skipped", "no factor count configured").explain()
        'This step was skipped: no factor count configured.'
        """
        if self.ran:
            return ""
        if self.status == "missing":
            return "This step did not run (it is not recorded in the manifest)."
        verb = {"skipped": "was skipped", "failed": "failed"}.get(self.status, f"has status {self.status!r}")
        reason = (self.reason or "no reason recorded").rstrip(".")
        return f"This step {verb}: {reason}."


@dataclass
class Results:
    """A loaded results folder: the manifest plus every CSV table and JSON file, keyed ``"step/name"``.

    Attributes
    ----------
    path : Path
        The results folder.
    manifest : dict
        Parsed ``manifest.json``.
    tables : dict of str -> DataFrame
        ``"cfa/params"`` -> the frame of ``cfa/params.csv``.
    scalars : dict of str -> dict
        ``"cfa/fit"`` -> the parsed ``cfa/fit.json``.
    """

    path: Path
    manifest: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    scalars: dict[str, Any] = field(default_factory=dict)

    @property
    def study_name(self) -> str:
        """The study's name from the manifest."""
        return str(self.manifest.get("study", {}).get("name", self.path.name))

    @property
    def study(self) -> dict[str, Any]:
        """The manifest's ``study`` block."""
        return dict(self.manifest.get("study", {}))

    def step(self, name: str) -> StepStatus:
        """The recorded status of step ``name`` (``missing`` when absent from the manifest)."""
        for entry in self.manifest.get("steps", []):
            if entry.get("step") == name:
                status = str(entry.get("status", "missing"))
                folder = STEPS.get(name, (name, ""))[0]
                if status == "ok" and folder and not (self.path / folder).is_dir():
                    return StepStatus(name, "failed", f"its folder {folder}/ is missing from the results")
                return StepStatus(name, status, entry.get("reason"), tuple(entry.get("warnings", ()) or ()))
        return StepStatus(name, "missing")

    def table(self, key: str) -> pd.DataFrame | None:
        """The table ``"step/name"`` or None when the file is absent."""
        return self.tables.get(key)

    def json(self, key: str) -> Any:
        """The JSON document ``"step/name"`` or None when the file is absent."""
        return self.scalars.get(key)

    def tables_of(self, folder: str) -> dict[str, pd.DataFrame]:
        """All tables of one sub-folder, keyed by file stem, in file-name order."""
        prefix = folder + "/"
        return {k[len(prefix):]: v for k, v in sorted(self.tables.items()) if k.startswith(prefix)}


def read_csv(path: Path) -> pd.DataFrame:
    """Read one results CSV (empty cells are missing, ``NA`` stays a string).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("country,mean\\nNA,1.5\\nFI,\\n")
    >>> read_csv(p)["country"].tolist(), read_csv(p)["mean"].isna().tolist()
    (['NA', 'FI'], [False, True])
    """
    try:
        return pd.read_csv(path, keep_default_na=False, na_values=[""])
    except pd.errors.EmptyDataError:
        return pd.DataFrame()
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ReportError(f"cannot read table: {exc}", file=str(path)) from None


def load_results(path: str | Path) -> Results:
    """Load a results folder written by ``vcd run``.

    Parameters
    ----------
    path : str or Path
        The folder holding ``manifest.json``.

    Returns
    -------
    Results

    Raises
    ------
    ReportError
        When the folder or its manifest is missing or unreadable, or a file is malformed.

    Examples
    --------
    >>> load_results("/nonexistent/results")
    Traceback (most recent call last):
    ...
    vcd_core.errors.ReportError: /nonexistent/results: not a results folder (no manifest.json)
    """
    root = Path(path)
    manifest_path = root / "manifest.json"
    if not manifest_path.is_file():
        raise ReportError("not a results folder (no manifest.json)", file=str(root))
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ReportError(f"manifest.json is not valid JSON ({exc})", file=str(manifest_path)) from None
    if not isinstance(manifest, dict):
        raise ReportError("manifest.json must hold a JSON object", file=str(manifest_path))
    fmt = manifest.get("format", FORMAT)
    if fmt != FORMAT:
        raise ReportError(f"unknown results format {fmt!r} (expected {FORMAT!r})", file=str(manifest_path))
    version = manifest.get("format_version", FORMAT_VERSION)
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ReportError(f"results format version {version!r} is newer than this toolkit reads "
                          f"({FORMAT_VERSION})", file=str(manifest_path))
    results = Results(path=root, manifest=manifest)
    for folder, _title in STEPS.values():
        if not folder or not (root / folder).is_dir():
            continue
        for file in sorted((root / folder).iterdir()):
            key = f"{folder}/{file.stem}"
            if file.suffix == ".csv":
                results.tables[key] = read_csv(file)
            elif file.suffix == ".json":
                try:
                    results.scalars[key] = json.loads(file.read_text(encoding="utf-8"))
                except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                    raise ReportError(f"not valid JSON ({exc})", file=str(file)) from None
            elif file.suffix in (".txt", ".lav"):
                results.scalars[key] = file.read_text(encoding="utf-8")
    return results
