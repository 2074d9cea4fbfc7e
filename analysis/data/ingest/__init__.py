"""Import response files of survey platforms into one :class:`ResponseSet` keyed by the bank's item codes.

Platforms: ``qualtrics`` (CSV/TSV export, 3 header rows), ``limesurvey`` (response CSV), ``redcap`` (raw CSV
export), ``xlsform`` (KoboToolbox / ODK Central / Briefcase CSV or XLSX), ``spss`` (``.sav`` via pyreadstat)
and ``csv`` (plain item-code CSV/XLSX). ``platform="auto"`` detects the platform from the file
(:func:`analysis.data.ingest.detect.detect_platform`).

Examples
--------
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "r.csv"
>>> _ = p.write_text("respondent_id,INF01,INF02\\nA,7,2\\n")
>>> rs = read_responses(p)
>>> rs.source.platform, rs.items, float(rs.data.loc[0, "INF01"])
('csv', ('INF01', 'INF02'), 7.0)
"""

from __future__ import annotations

import hashlib
import importlib
import tempfile
import zipfile
from pathlib import Path

from analysis.data.ingest.core import ResponseSet, Source, build
from analysis.data.ingest.detect import detect_platform
from instrument.model import Instrument
from vcd_core.errors import BankError, DataError, VcdError

#: platform name -> module under analysis.data.ingest
PLATFORMS: tuple[str, ...] = ("qualtrics", "limesurvey", "redcap", "xlsform", "spss", "csv")

__all__ = ["PLATFORMS", "ResponseSet", "Source", "default_instrument", "detect_platform", "read_responses"]


def default_instrument() -> tuple[Instrument, list[str]]:
    """The bundled bank: validated if it validates, else as it stands (with a warning).

    Returns
    -------
    Instrument, list of str
        The bank and the warnings (one when it is incomplete).

    Examples
    --------
    >>> inst, notes = default_instrument()
    >>> inst.item("INF01").scale
    'agree7'
    """
    from instrument.validate import check_bank, load_bank

    try:
        return load_bank(), []
    except BankError:
        inst, problems = check_bank()
        if inst is None:
            raise
        return inst, [f"the item bank is incomplete ({len(problems)} problem(s)); mapped against it as it stands"]


def read_responses(
    path: str | Path,
    platform: str = "auto",
    inst: Instrument | None = None,
    perspective: str | None = None,
    *,
    structure: str | Path | None = None,
    keep_pii: bool = False,
    bad_values: str = "error",
    strict: bool = False,
    missing_codes: tuple[float | str, ...] = (),
    encoding: str | None = None,
) -> ResponseSet:
    """Read one platform response file into a :class:`ResponseSet`.

    Parameters
    ----------
    path : str or Path
        The response file (never modified); a ``.zip`` holding one response file (Qualtrics' download) is
        read without unpacking it on disk next to the original.
    platform : str
        ``auto`` or one of :data:`PLATFORMS`.
    inst : Instrument, optional
        The item bank (default: the bundled bank).
    perspective : {"provider", "customer"}, optional
        Expected perspective (inferred from item codes when omitted).
    structure : str or Path, optional
        The survey structure the responses came from: Qualtrics ``.qsf`` (columns keyed by ImportId, answer
        texts and recodes) or LimeSurvey tab-separated ``.txt`` (answer codes → scale values).
    keep_pii : bool
        Keep IP address, e-mail, names, location and external-reference columns (dropped by default).
    bad_values : {"error", "record"}
        Raise on the first bad cell (default) or record bad cells in ``problems`` as missing.
    strict : bool
        Raise when an item of the perspective has no column.
    missing_codes : tuple of float or str
        Codes meaning "seen but not answered" in every rated column (Qualtrics -99 always is; e.g. REDCap
        missing-data codes ``UNK``).
    encoding : str, optional
        Text encoding when the file is not UTF-8/UTF-16 with BOM (e.g. ``cp1252``).

    Returns
    -------
    ResponseSet

    Raises
    ------
    DataError
        One line naming file, row (line in the file) and column.

    Examples
    --------
    >>> read_responses("x.csv", platform="excel")
    Traceback (most recent call last):
    ...
    vcd_core.errors.DataError: x.csv: unknown platform 'excel'; use auto, qualtrics, limesurvey, ..., csv
    """
    if platform not in ("auto", *PLATFORMS):
        raise DataError(f"unknown platform {platform!r}; use auto, {', '.join(PLATFORMS)}", file=str(path))
    if perspective not in (None, "provider", "customer"):
        raise DataError(f"perspective must be provider or customer, not {perspective!r}", file=str(path))
    notes: list[str] = []
    if inst is None:
        inst, notes = default_instrument()
    if Path(path).suffix.lower() == ".zip":
        with tempfile.TemporaryDirectory() as tmp:
            member, display = _unzip(path, Path(tmp))
            try:
                table = _read(member, platform, structure, encoding)
            except VcdError as exc:
                raise type(exc)(exc.message, file=display, row=exc.row, column=exc.column) from None
            table.path = display
    else:
        table = _read(path, platform, structure, encoding)
    if structure is not None and table.structure is None:
        sp = Path(structure)
        table.warnings.append(f"structure file {sp.name} is not used for {platform} files")
    elif structure is not None and table.structure_sha256 is None:
        table.structure_sha256 = hashlib.sha256(Path(structure).read_bytes()).hexdigest()
    table.warnings[:0] = notes
    return build(table, inst, perspective, keep_pii=keep_pii, bad_values=bad_values, strict=strict,
                 missing_codes=tuple(missing_codes))


def _read(path: str | Path, platform: str, structure: str | Path | None, encoding: str | None):
    if platform == "auto":
        platform = detect_platform(path)
    module = importlib.import_module(f"analysis.data.ingest.{platform}")
    return module.read(path, structure=structure, encoding=encoding)


def _unzip(path: str | Path, tmp: Path) -> tuple[Path, str]:
    """The single response file inside a ``.zip`` (as Qualtrics delivers exports), copied into ``tmp``."""
    try:
        zf = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise DataError("no such file", file=str(path)) from None
    except zipfile.BadZipFile:
        raise DataError("not a readable .zip file", file=str(path)) from None
    with zf:
        members = [m for m in zf.namelist() if not m.endswith("/") and not Path(m).name.startswith(".")
                   and not m.startswith("__MACOSX/")]
        if len(members) != 1:
            raise DataError(f"the .zip holds {len(members)} files ({', '.join(members[:5])}); unpack the response "
                            "file and pass it", file=str(path))
        name = Path(members[0]).name
        target = tmp / name
        target.write_bytes(zf.read(members[0]))
    return target, f"{path}:{members[0]}"
