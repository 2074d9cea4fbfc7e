"""One reproducible study run: study.toml → every step → a results folder → the report.

:func:`run_study` reads and validates the study.toml (:mod:`analysis.study.config`), runs the steps of
:mod:`analysis.study.steps` in order — ingest → clean → descriptives → EFA (calibration half) → reliability →
CFA (holdout half) → invariance → comparisons — writes ``results/<study name>/`` (one sub-folder per step and a
``manifest.json`` with package versions, seed, input SHA-256, per-step status, warnings and timing) and renders
the report (:mod:`reports`). A step that cannot run is ``skipped`` with the reason; a step that fails is
``failed`` with a one-line reason and the steps that need it are skipped; neither stops the run. Re-running the
same study on the same inputs gives identical files except the ``timing`` block of the manifest.

Examples
--------
>>> import tempfile, pathlib
>>> from analysis.data.simulate import demo_spec, simulate
>>> from analysis.data.simulate import write_simulation
>>> from analysis.data.ingest import default_instrument
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> inst = default_instrument()[0]
>>> _ = write_simulation(simulate(inst, demo_spec(3, n_per_country=60)), d, inst=inst)
>>> _ = (d / "study.toml").write_text('[study]\\nname = "tiny"\\n[data]\\npath = "responses.csv"\\n'
...     '[efa]\\nenabled = false\\n[cfa]\\nenabled = false\\n[invariance]\\nenabled = false\\n'
...     '[report]\\nenabled = false\\n')
>>> run = run_study(d / "study.toml", d / "results", progress=False)
>>> [(s["step"], s["status"]) for s in run.manifest["steps"]][:4]
[('ingest', 'ok'), ('clean', 'ok'), ('descriptives', 'ok'), ('efa', 'skipped')]
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import platform
import shutil
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analysis.study.config import StudyConfig, load_study
from analysis.study.steps import STEPS, StepSkipped, StudyContext, write_json
from vcd_core.errors import StudyError, VcdError

__all__ = ["PACKAGES", "StudyRun", "run_study"]

#: distributions whose versions the manifest records.
PACKAGES: tuple[str, ...] = ("numpy", "scipy", "pandas", "statsmodels", "pingouin", "factor-analyzer", "scikit-learn",
                             "matplotlib", "jinja2", "openpyxl", "pyyaml", "click", "rich")
#: steps whose failure leaves nothing for the later steps.
ESSENTIAL: tuple[str, ...] = ("ingest", "clean", "descriptives")
#: files and sub-folders a run owns inside the results folder (removed before a re-run, nothing else is).
OWNED: tuple[str, ...] = ("manifest.json", "report.html", "report.md", "tables.xlsx", "cleaning", "descriptives",
                          "efa", "reliability", "cfa", "invariance", "compare")
TITLES: dict[str, str] = {"ingest": "importing responses", "clean": "cleaning", "descriptives": "item descriptives",
                          "efa": "exploratory factor analysis", "reliability": "reliability",
                          "cfa": "confirmatory factor analysis", "invariance": "measurement invariance",
                          "compare": "comparisons and seed hypotheses"}


@dataclass(frozen=True)
class StudyRun:
    """The outcome of :func:`run_study`: the results folder, its manifest and the rendered reports."""

    folder: Path
    manifest: dict[str, Any] = field(repr=False)
    reports: dict[str, Path] = field(default_factory=dict)

    @property
    def failed(self) -> list[dict[str, Any]]:
        """Manifest entries of the steps that failed."""
        return [s for s in self.manifest["steps"] if s["status"] == "failed"]

    def summary(self) -> str:
        """One line per step: status, seconds, reason.

        Examples
        --------
        >>> StudyRun(Path("r"), {"steps": [{"step": "efa", "status": "skipped", "reason": "off"}],
        ...                      "timing": {"efa": 0.0}}).summary().splitlines()[1]
        '  efa           skipped    0.0 s  off'
        """
        lines = [f"results: {self.folder}"]
        for s in self.manifest["steps"]:
            t = self.manifest.get("timing", {}).get(s["step"], 0.0)
            lines.append(f"  {s['step']:<13} {s['status']:<8} {t:>5.1f} s  {s.get('reason') or ''}".rstrip())
        lines += [f"{kind}: {p}" for kind, p in self.reports.items()]
        return "\n".join(lines)


def package_versions() -> dict[str, str]:
    """Versions of Python, vcd-toolkit and the numerical packages (``not installed`` when absent).

    Examples
    --------
    >>> sorted(package_versions())[:3]
    ['click', 'factor-analyzer', 'jinja2']
    """
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _toolkit_version() -> str:
    from vcd_core import __version__

    return __version__


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, VcdError):
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _prepare_folder(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in OWNED:
        p = folder / name
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()


class _Progress:
    """A rich progress display on stderr (or nothing)."""

    def __init__(self, enabled: bool, total: int) -> None:
        self.progress = None
        if enabled:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                     TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                                     console=Console(stderr=True), transient=False)
            self.task = self.progress.add_task("study", total=total)

    def __enter__(self) -> _Progress:
        if self.progress is not None:
            self.progress.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.progress is not None:
            self.progress.__exit__(*exc)

    def start(self, text: str) -> None:
        if self.progress is not None:
            self.progress.update(self.task, description=text)

    def done(self, step: str, status: str, seconds: float, reason: str | None) -> None:
        if self.progress is not None:
            mark = {"ok": "[green]ok[/]", "skipped": "[yellow]skipped[/]", "failed": "[red]failed[/]"}[status]
            from rich.markup import escape

            note = f" — {escape(reason)}" if reason else ""
            self.progress.console.print(f"  {step:<13} {mark} {seconds:.1f} s{note}")
            self.progress.advance(self.task)


def run_study(
    study: str | Path | StudyConfig,
    out: str | Path | None = None,
    *,
    progress: bool = True,
    render: bool | None = None,
    debug: bool = False,
) -> StudyRun:
    """Run every step of a study and write its results folder (and report).

    Parameters
    ----------
    study : str, Path or StudyConfig
        The study.toml (or a validated configuration).
    out : str or Path, optional
        Parent folder of the results (default ``results`` in the current folder); the run writes
        ``<out>/<study name>/``. Only the files and sub-folders a run writes are replaced there.
    progress : bool
        Show a progress display on stderr.
    render : bool, optional
        Render the report (default: the study's ``[report] enabled``).
    debug : bool
        Re-raise unexpected exceptions instead of recording them as a failed step.

    Returns
    -------
    StudyRun

    Raises
    ------
    StudyError
        Invalid study.toml (the message names the key).

    Examples
    --------
    >>> run_study("no/such/study.toml", progress=False)
    Traceback (most recent call last):
    ...
    vcd_core.errors.StudyError: no/such/study.toml: no such file
    """
    cfg = study if isinstance(study, StudyConfig) else load_study(study)
    folder = Path(out if out is not None else "results") / cfg.name
    _prepare_folder(folder)
    ctx = StudyContext(config=cfg, out=folder)
    entries: list[dict[str, Any]] = []
    timing: dict[str, float] = {}
    dead: str | None = None
    t_start = time.perf_counter()
    from threadpoolctl import threadpool_limits

    with _Progress(progress, len(STEPS)) as bar, threadpool_limits(1):
        for name, fn in STEPS.items():
            bar.start(TITLES[name])
            t0 = time.perf_counter()
            n_warn = len(ctx.warnings)
            outputs: list[str] = []
            reason = None
            if dead is not None:
                status, reason = "skipped", f"needs the {dead} step, which failed"
            else:
                try:
                    with warnings.catch_warnings(record=True) as caught:
                        warnings.simplefilter("always")
                        outputs = fn(ctx)
                    for w in caught:
                        if issubclass(w.category, RuntimeWarning | UserWarning) and \
                                f"{name}: {w.message}" not in ctx.warnings:
                            ctx.warnings.append(f"{name}: {str(w.message).splitlines()[0]}")
                    status = "ok"
                except StepSkipped as exc:
                    status, reason = "skipped", str(exc)
                except (VcdError, ImportError, ValueError, ArithmeticError, LookupError, TypeError,
                        AttributeError, RuntimeError, OSError) as exc:
                    if debug and not isinstance(exc, VcdError):
                        raise
                    status, reason = "failed", _one_line(exc)
                    _remove_partial(folder, name)
                    if name in ESSENTIAL:
                        dead = name
            seconds = time.perf_counter() - t0
            timing[name] = round(seconds, 3)
            step_warnings = list(dict.fromkeys(ctx.warnings[n_warn:]))
            entries.append({"step": name, "status": status, "reason": reason, "warnings": step_warnings,
                            "outputs": sorted(outputs)})
            bar.done(name, status, seconds, reason)
    timing["total"] = round(time.perf_counter() - t_start, 3)
    manifest: dict[str, Any] = {
        "format": "vcd-results", "format_version": 1,
        "study": {"name": cfg.name, "title": cfg.title or cfg.name, "perspective": cfg.perspective,
                  "description": cfg.description},
        "toolkit": {"name": "vcd-toolkit", "version": _toolkit_version()},
        "packages": package_versions(), "seed": cfg.seed, "inputs": ctx.inputs, "config": cfg.to_dict(),
        "steps": entries, "warnings": list(dict.fromkeys(ctx.warnings)), "timing": timing,
    }
    write_json(manifest, folder / "manifest.json")
    reports: dict[str, Path] = {}
    if cfg.report.enabled if render is None else render:
        t0 = time.perf_counter()
        from reports.render import render_all

        reports = render_all(folder, formats=cfg.report.formats)
        manifest["timing"]["report"] = round(time.perf_counter() - t0, 3)
        manifest["timing"]["total"] = round(time.perf_counter() - t_start, 3)
        write_json(manifest, folder / "manifest.json")
    return StudyRun(folder=folder, manifest=manifest, reports=reports)


def _remove_partial(folder: Path, step: str) -> None:
    """Remove what a failed step may have written (its sub-folder), so no half-written step remains."""
    sub = {"clean": "cleaning"}.get(step, step)
    with contextlib.suppress(OSError):
        if (folder / sub).is_dir():
            shutil.rmtree(folder / sub)


def check_study(path: str | Path) -> StudyConfig:
    """Validate a study.toml without running it (``vcd run --check``).

    Parameters
    ----------
    path : str or Path
        The study.toml.

    Returns
    -------
    StudyConfig
        The validated configuration, once its response file exists.

    Raises
    ------
    StudyError
        Invalid study.toml, or ``[data] path`` does not exist.

    Examples
    --------
    >>> check_study("missing.toml")
    Traceback (most recent call last):
    ...
    vcd_core.errors.StudyError: missing.toml: no such file
    """
    cfg = load_study(path)
    if not Path(cfg.data.path).is_file():
        raise StudyError(f"[data] path {cfg.data.path} does not exist", file=str(path))
    return cfg
