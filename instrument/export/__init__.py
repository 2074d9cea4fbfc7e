"""Export the instrument to survey platforms: XLSForm, Qualtrics, LimeSurvey, REDCap, and a codebook.

Every exporter renders the same platform-neutral survey (:func:`instrument.export._common.build_survey`), writes
its files, runs the platform's structural validator on them and returns an :class:`ExportResult`. Texts whose
TRAPD status is below ``reviewed`` are listed as warnings; ``strict=True`` refuses to export them.

Examples
--------
>>> import tempfile
>>> from instrument.validate import load_bank
>>> with tempfile.TemporaryDirectory() as d:
...     results = export(load_bank(), "all", "provider", ["en"], d)
>>> [r.format for r in results]
['xlsform', 'qualtrics', 'limesurvey', 'redcap', 'codebook']
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from instrument.export._common import FORMATS, ExportResult, build_survey, translation_warnings
from instrument.export.codebook import export_codebook
from instrument.export.limesurvey import export_limesurvey
from instrument.export.qualtrics import export_qualtrics
from instrument.export.redcap import export_redcap
from instrument.export.xlsform import export_xlsform
from instrument.model import Instrument
from vcd_core.errors import ExportError

__all__ = ["EXPORTERS", "FORMATS", "ExportResult", "check_strict", "export", "translation_warnings"]

#: format name → exporter ``(inst, perspective, langs, out_dir) -> ExportResult``.
EXPORTERS: dict[str, Callable[..., ExportResult]] = {
    "xlsform": export_xlsform,
    "qualtrics": export_qualtrics,
    "limesurvey": export_limesurvey,
    "redcap": export_redcap,
    "codebook": export_codebook,
}


def check_strict(warnings: Sequence[str]) -> None:
    """Raise the ``--strict`` error when there are translation warnings (see :func:`translation_warnings`).

    Parameters
    ----------
    warnings : sequence of str
        Lines from :func:`translation_warnings`.

    Returns
    -------
    None
        Returns when there are no warnings.

    Raises
    ------
    ExportError
        When there is at least one warning.

    Examples
    --------
    >>> check_strict([])
    >>> check_strict(  # doctest: +ELLIPSIS
    ...     ["fi: 2 text(s) below 'reviewed' (draft1: 2): INF01, INF02"])
    Traceback (most recent call last):
    ...
    vcd_core.errors.ExportError: --strict: 2 text(s) below 'reviewed' (TRAPD) in fi (2); nothing written ...
    """
    if not warnings:
        return
    counts = ", ".join(f"{w.split(':', 1)[0]} ({w.split(':', 1)[1].split()[0]})" for w in warnings)
    total = sum(int(w.split(":", 1)[1].split()[0]) for w in warnings)
    raise ExportError(f"--strict: {total} text(s) below 'reviewed' (TRAPD) in {counts}; nothing written "
                      "(export without --strict to list them, or see the codebook)")


def export(
    inst: Instrument,
    fmt: str | Sequence[str],
    perspective: str,
    langs: Sequence[str] | None,
    out_dir: str | Path,
    strict: bool = False,
    progress: Callable[[str], None] | None = None,
) -> list[ExportResult]:
    """Export ``inst`` in one or more formats.

    Parameters
    ----------
    inst : Instrument
        The item bank (:func:`instrument.validate.load_bank`).
    fmt : str or sequence of str
        ``xlsform``, ``qualtrics``, ``limesurvey``, ``redcap``, ``codebook`` or ``all``.
    perspective : {'provider', 'customer'}
        Which item wording.
    langs : sequence of str or None
        ISO language codes, first = base language; None = all bank languages.
    out_dir : path
        Output folder.
    strict : bool
        Raise :class:`ExportError` (before writing anything) when a text is below ``reviewed``.
    progress : callable, optional
        Called with each format name once it is written.

    Returns
    -------
    list of ExportResult

    Raises
    ------
    ExportError
        Unknown format, language or perspective; ``strict`` and unreviewed texts; a file failing its
        structural check.

    Examples
    --------
    >>> import tempfile
    >>> from instrument.validate import load_bank
    >>> with tempfile.TemporaryDirectory() as d:
    ...     export(load_bank(), "qualtrics", "customer", ["en"], d)[0].files[0].suffix
    '.qsf'
    """
    names = [fmt] if isinstance(fmt, str) else list(fmt)
    if "all" in names:
        names = list(FORMATS)
    for n in names:
        if n not in EXPORTERS:
            raise ExportError(f"unknown format {n!r}; choose from {', '.join(FORMATS)} or all")
    survey = build_survey(inst, perspective, langs)
    if strict:
        check_strict(survey.warnings)
    results = []
    for n in names:
        results.append(EXPORTERS[n](inst, perspective, survey.languages, out_dir))
        if progress is not None:
            progress(n)
    return results
