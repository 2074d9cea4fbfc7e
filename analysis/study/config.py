"""The validated configuration of a study run (``study.toml``), with errors that name the offending key.

A study.toml has these tables (only ``[study] name`` and ``[data] path`` are required)::

    [study]
    name = "vcd-demo"                 # results sub-folder name: letters, digits, . _ -
    title = "Demo study"              # optional, shown in the report
    description = "…"                 # optional
    perspective = "provider"          # provider | customer (or instrument = {perspective = "…"})
    seed = 1                          # calibration/holdout split and parallel analysis

    [data]
    path = "responses_qualtrics.csv"  # relative to the study.toml
    platform = "auto"                 # auto qualtrics limesurvey redcap xlsform spss csv (alias: format)
    structure = "survey.qsf"          # optional (.qsf / LimeSurvey .txt)
    missing_codes = [-99]             # optional
    truth = "truth.json"              # optional: a simulation's truth (cleaning evaluated against it)
    country = "country"               # optional: source column names for the grouping columns

    [cleaning]                        # rules, thresholds, order — see analysis.data.clean_config

    [efa]        enabled, sample ("split": a random calibration share, stratified by country | "full"), split
                 (the calibration share, default 0.5; or "half" | "none"), constructs (reasons | all),
                 n_factors (int or "parallel"), method, rotation, cor, missing, n_iter
    [reliability] enabled, constructs (reasons | all), omega, missing
    [cfa]        enabled, constructs (reasons | all), estimator (ML | MLR), missing (listwise | fiml), sample
                 ("holdout": the respondents not in the EFA's calibration share | "full")
    [invariance] enabled, group, estimator, missing, criteria, partial, release (fit | score), alpha, max_free,
                 min_group_n, steps
    [compare]    enabled, groupings, method, correction, alpha, timing, hypotheses
    [report]     enabled, formats (html, md, xlsx)
    [analysis]   the short form: estimator, missing, invariance_group, compare (defaults for the above)

Examples
--------
>>> cfg = config_from_dict({"study": {"name": "s"}, "data": {"path": "r.csv"}, "cfa": {"estimator": "MLR"}})
>>> cfg.name, cfg.cfa.estimator, cfg.efa.sample, cfg.compare.groupings
('s', 'MLR', 'split', ('relationship_type', 'phase', 'country'))
>>> config_from_dict({"study": {"name": "s"}, "data": {"path": "r.csv"}, "cfa": {"estimatr": "ML"}})
Traceback (most recent call last):
...
vcd_core.errors.StudyError: [cfa] unknown key 'estimatr'; keys: enabled, constructs, estimator, missing, sample
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from vcd_core.errors import StudyError

__all__ = [
    "CfaConfig", "CompareConfig", "DataConfig", "EfaConfig", "InvarianceConfig", "ReliabilityConfig",
    "ReportConfig", "StudyConfig", "config_from_dict", "load_study",
]

PLATFORMS = ("auto", "qualtrics", "limesurvey", "redcap", "xlsform", "spss", "csv")
GROUP_COLUMNS = ("country", "relationship_type", "phase", "language")
CONSTRUCTS = ("reasons", "all")
LADDER = ("configural", "metric", "scalar", "strict")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")


@dataclass(frozen=True)
class DataConfig:
    """``[data]``: the response file and how to read it (paths resolved against the study.toml's folder)."""

    path: Path
    platform: str = "auto"
    structure: Path | None = None
    missing_codes: tuple[float | str, ...] = ()
    encoding: str | None = None
    truth: Path | None = None
    columns: Mapping[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class EfaConfig:
    """``[efa]``: exploratory factor analysis (on a random calibration half by default)."""

    enabled: bool = True
    sample: str = "split"
    split: float = 0.5
    constructs: str = "reasons"
    n_factors: int | None = None
    method: str = "minres"
    rotation: str = "oblimin"
    cor: str = "pearson"
    missing: str = "pairwise"
    n_iter: int = 20


@dataclass(frozen=True)
class ReliabilityConfig:
    """``[reliability]``: α, ω per scale."""

    enabled: bool = True
    constructs: str = "all"
    omega: bool = True
    missing: str = "pairwise"


@dataclass(frozen=True)
class CfaConfig:
    """``[cfa]``: the eight-reason measurement model from the bank."""

    enabled: bool = True
    constructs: str = "reasons"
    estimator: str = "MLR"
    missing: str = "listwise"
    sample: str = "holdout"


@dataclass(frozen=True)
class InvarianceConfig:
    """``[invariance]``: the configural → metric → scalar → strict ladder across ``group``."""

    enabled: bool = True
    group: str = "country"
    estimator: str = "MLR"
    missing: str = "listwise"
    criteria: str = "chen2007"
    partial: bool = True
    max_free: int = 10
    min_group_n: int = 100
    steps: tuple[str, ...] = ("configural", "metric", "scalar")
    release: str = "fit"
    alpha: float = 0.05


@dataclass(frozen=True)
class CompareConfig:
    """``[compare]``: reasons across groupings, timing, seed hypotheses."""

    enabled: bool = True
    groupings: tuple[str, ...] = ("relationship_type", "phase", "country")
    method: str = "welch"
    correction: str = "holm"
    alpha: float = 0.05
    timing: bool = True
    hypotheses: bool = True


@dataclass(frozen=True)
class ReportConfig:
    """``[report]``: which renderings ``vcd run`` writes next to the results."""

    enabled: bool = True
    formats: tuple[str, ...] = ("html", "md", "xlsx")


@dataclass(frozen=True)
class StudyConfig:
    """A validated study.toml.

    ``source`` is the study.toml path (None for a dict); ``cleaning`` is the raw ``[cleaning]`` table (validated
    by :class:`analysis.data.clean_config.CleanConfig`).
    """

    name: str
    data: DataConfig
    title: str = ""
    description: str = ""
    perspective: str = "provider"
    languages: tuple[str, ...] = ()
    seed: int = 1
    cleaning: Mapping[str, Any] = field(default_factory=dict, hash=False)
    efa: EfaConfig = EfaConfig()
    reliability: ReliabilityConfig = ReliabilityConfig()
    cfa: CfaConfig = CfaConfig()
    invariance: InvarianceConfig = InvarianceConfig()
    compare: CompareConfig = CompareConfig()
    report: ReportConfig = ReportConfig()
    source: Path | None = None

    def to_dict(self) -> dict[str, Any]:
        """The configuration as JSON-able data (paths as written in the study.toml, relative to it).

        Examples
        --------
        >>> cfg = config_from_dict({"study": {"name": "s"}, "data": {"path": "r.csv"}})
        >>> cfg.to_dict()["data"]["path"], cfg.to_dict()["cfa"]["estimator"]
        ('r.csv', 'MLR')
        """
        base = self.source.parent if self.source is not None else None

        def rel(p: Path | None) -> str | None:
            if p is None:
                return None
            if base is not None:
                try:
                    return Path(p).relative_to(base).as_posix()
                except ValueError:
                    return Path(p).as_posix()
            return Path(p).as_posix()

        data = asdict(self.data)
        data.update(path=rel(self.data.path), structure=rel(self.data.structure), truth=rel(self.data.truth),
                    missing_codes=list(self.data.missing_codes), columns=dict(self.data.columns))
        out: dict[str, Any] = {
            "study": {"name": self.name, "title": self.title, "description": self.description,
                      "perspective": self.perspective, "languages": list(self.languages), "seed": self.seed},
            "data": data, "cleaning": dict(self.cleaning),
        }
        for part in ("efa", "reliability", "cfa", "invariance", "compare", "report"):
            d = asdict(getattr(self, part))
            out[part] = {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}
        return out


# ---------------------------------------------------------------------------------------------------------------
class _Table:
    """Reads one TOML table, checking types and rejecting unknown keys (the error names ``[table] key``)."""

    def __init__(self, name: str, table: Any, allowed: tuple[str, ...], file: str | None) -> None:
        if table is None:
            table = {}
        if not isinstance(table, Mapping):
            raise StudyError(f"[{name}] must be a table, got {table!r}", file=file)
        unknown = [k for k in table if k not in allowed]
        if unknown:
            raise StudyError(f"[{name}] unknown key {unknown[0]!r}; keys: {', '.join(allowed)}", file=file)
        self.name, self.table, self.file = name, dict(table), file

    def has(self, key: str) -> bool:
        return key in self.table

    def fail(self, key: str, message: str) -> StudyError:
        return StudyError(f"[{self.name}] {key} {message}", file=self.file)

    def text(self, key: str, default: str | None = None, choices: tuple[str, ...] | None = None,
            required: bool = False) -> Any:
        if key not in self.table:
            if required:
                raise StudyError(f"[{self.name}] {key} is required", file=self.file)
            return default
        v = self.table[key]
        if not isinstance(v, str) or not v.strip():
            raise self.fail(key, f"must be a non-empty string, got {v!r}")
        if choices is not None:
            match = {c.lower(): c for c in choices}.get(v.strip().lower())
            if match is None:
                raise self.fail(key, f"must be one of {', '.join(choices)}, got {v!r}")
            return match
        return v

    def flag(self, key: str, default: bool) -> bool:
        v = self.table.get(key, default)
        if not isinstance(v, bool):
            raise self.fail(key, f"must be true or false, got {v!r}")
        return v

    def integer(self, key: str, default: int | None, minimum: int = 0) -> Any:
        v = self.table.get(key, default)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
            raise self.fail(key, f"must be an integer ≥ {minimum}, got {v!r}")
        return v

    def number(self, key: str, default: float, low: float, high: float) -> float:
        v = self.table.get(key, default)
        if isinstance(v, bool) or not isinstance(v, int | float) or not low < v < high:
            raise self.fail(key, f"must be a number in ({low:g}, {high:g}), got {v!r}")
        return float(v)

    def strings(self, key: str, default: tuple[str, ...], choices: tuple[str, ...] | None = None) -> tuple[str, ...]:
        v = self.table.get(key, list(default))
        if isinstance(v, str):
            v = [v]
        if not isinstance(v, list | tuple) or not all(isinstance(x, str) and x.strip() for x in v):
            raise self.fail(key, f"must be a list of strings, got {v!r}")
        if choices is not None:
            bad = [x for x in v if x not in choices]
            if bad:
                raise self.fail(key, f"has unknown value(s) {', '.join(map(repr, bad))}; allowed: {', '.join(choices)}")
        if len(set(v)) != len(v):
            raise self.fail(key, f"lists a value twice: {v!r}")
        return tuple(v)


def _path(tab: _Table, key: str, base: Path | None, required: bool = False) -> Path | None:
    v = tab.text(key, required=required)
    if v is None:
        return None
    p = Path(v).expanduser()
    return p if p.is_absolute() or base is None else base / p


def config_from_dict(doc: Mapping[str, Any], source: str | Path | None = None) -> StudyConfig:
    """Validate a parsed study.toml.

    Parameters
    ----------
    doc : mapping
        The TOML document.
    source : str or Path, optional
        The study.toml it came from: relative paths are resolved against its folder, errors name it.

    Returns
    -------
    StudyConfig

    Raises
    ------
    StudyError
        One line naming the table and key (and the file).

    Examples
    --------
    >>> config_from_dict({"study": {"name": "a b"}, "data": {"path": "r.csv"}}, source="study.toml")
    Traceback (most recent call last):
    ...
    vcd_core.errors.StudyError: study.toml: [study] name must use only letters, digits, '.', '_' and '-' (it names \
the results folder), got 'a b'
    """
    file = str(source) if source is not None else None
    base = Path(source).resolve().parent if source is not None else None
    tables = ("study", "data", "cleaning", "efa", "reliability", "cfa", "invariance", "compare", "report", "analysis")
    unknown = [k for k in doc if k not in tables]
    if unknown:
        raise StudyError(f"unknown table [{unknown[0]}]; tables: {', '.join(tables)}", file=file)
    st = _Table("study", doc.get("study"), ("name", "title", "description", "perspective", "seed", "instrument"),
                file)
    name = st.text("name", required=True)
    if not _NAME.match(name):
        raise st.fail("name", "must use only letters, digits, '.', '_' and '-' (it names the results folder), "
                      f"got {name!r}")
    ins = _Table("study.instrument", st.table.get("instrument"), ("perspective", "languages"), file)
    perspective = st.text("perspective", ins.text("perspective", "provider", ("provider", "customer")),
                         ("provider", "customer"))
    data = _data(doc.get("data"), base, file)
    cleaning = doc.get("cleaning") or {}
    from analysis.data.clean_config import CleanConfig

    CleanConfig.from_dict(cleaning, file=file)  # validates; raises StudyError naming [cleaning.rule] key
    an = _Table("analysis", doc.get("analysis"), ("estimator", "missing", "invariance_group", "compare"), file)
    an.text("estimator", "MLR", ("ML", "MLR")), an.text("missing", "listwise", ("listwise", "fiml"))  # checked first
    efa = _efa(doc.get("efa"), file)
    reliability = _reliability(doc.get("reliability"), file)
    cfa = _cfa(doc.get("cfa"), an, file)
    invariance = _invariance(doc.get("invariance"), an, file)
    return StudyConfig(name=name, data=data, title=st.text("title", ""), description=st.text("description", ""),
                       perspective=perspective, languages=ins.strings("languages", ()), seed=st.integer("seed", 1),
                       cleaning=dict(cleaning), efa=efa, reliability=reliability, cfa=cfa, invariance=invariance,
                       compare=_compare(doc.get("compare"), an, file), report=_report(doc.get("report"), file),
                       source=Path(source).resolve() if source is not None else None)


def _data(table: Any, base: Path | None, file: str | None) -> DataConfig:
    """``[data]``: the response file, its platform and reading options, grouping column names."""
    da = _Table("data", table, ("path", "platform", "format", "structure", "missing_codes", "encoding", "truth",
                                *GROUP_COLUMNS), file)
    if table is None:
        raise StudyError("[data] is required (at least: path = \"responses.csv\")", file=file)
    if da.has("platform") and da.has("format"):
        raise da.fail("format", "and platform say the same thing; keep one")
    platform = da.text("platform", da.text("format", "auto", PLATFORMS), PLATFORMS)
    codes = da.table.get("missing_codes", [])
    if not isinstance(codes, list) or not all(isinstance(c, int | float | str) and not isinstance(c, bool)
                                              for c in codes):
        raise da.fail("missing_codes", f"must be a list of numbers or strings, got {codes!r}")
    path = _path(da, "path", base, required=True)
    assert path is not None  # required=True raised otherwise
    return DataConfig(path=path, platform=platform, structure=_path(da, "structure", base),
                      missing_codes=tuple(codes), encoding=da.text("encoding"), truth=_path(da, "truth", base),
                      columns={c: da.text(c) for c in GROUP_COLUMNS if da.has(c)})


def _efa(table: Any, file: str | None) -> EfaConfig:
    """``[efa]``; ``split`` is a share in (0, 1) or the short form ``"half"`` / ``"none"``."""
    ef = _Table("efa", table, ("enabled", "sample", "split", "constructs", "n_factors", "method", "rotation", "cor",
                               "missing", "n_iter"), file)
    n_factors = ef.table.get("n_factors")
    if n_factors == "parallel":
        n_factors = None
    elif n_factors is not None:
        n_factors = ef.integer("n_factors", None, minimum=1)
    sample = ef.text("sample", "split", ("split", "full"))
    if isinstance(ef.table.get("split", 0.5), str):  # the short form: split = "half" | "none"
        split_s = ef.text("split", "half", ("half", "none"))
        sample, share = ("full", 0.5) if split_s == "none" else (sample, 0.5)
    else:
        share = ef.number("split", 0.5, 0.0, 1.0)
    return EfaConfig(enabled=ef.flag("enabled", True), sample=sample, split=share,
                     constructs=ef.text("constructs", "reasons", CONSTRUCTS),
                     n_factors=n_factors, method=ef.text("method", "minres", ("minres", "ml", "principal")),
                     rotation=ef.text("rotation", "oblimin", ("oblimin", "promax", "geomin", "varimax", "none")),
                     cor=ef.text("cor", "pearson", ("pearson", "polychoric")),
                     missing=ef.text("missing", "pairwise", ("pairwise", "listwise")),
                     n_iter=ef.integer("n_iter", 20, minimum=1))


def _reliability(table: Any, file: str | None) -> ReliabilityConfig:
    re_ = _Table("reliability", table, ("enabled", "constructs", "omega", "missing"), file)
    return ReliabilityConfig(enabled=re_.flag("enabled", True), constructs=re_.text("constructs", "all", CONSTRUCTS),
                             omega=re_.flag("omega", True),
                             missing=re_.text("missing", "pairwise", ("pairwise", "listwise")))


def _cfa(table: Any, an: _Table, file: str | None) -> CfaConfig:
    cf = _Table("cfa", table, ("enabled", "constructs", "estimator", "missing", "sample"), file)
    return CfaConfig(enabled=cf.flag("enabled", True), constructs=cf.text("constructs", "reasons", CONSTRUCTS),
                     estimator=cf.text("estimator", an.text("estimator", "MLR", ("ML", "MLR")), ("ML", "MLR")),
                     missing=cf.text("missing", an.text("missing", "listwise", ("listwise", "fiml")),
                                    ("listwise", "fiml")),
                     sample=cf.text("sample", "holdout", ("holdout", "full")))


def _invariance(table: Any, an: _Table, file: str | None) -> InvarianceConfig:
    iv = _Table("invariance", table, ("enabled", "group", "estimator", "missing", "criteria", "partial", "release",
                                      "alpha", "max_free", "min_group_n", "steps"), file)
    return InvarianceConfig(enabled=iv.flag("enabled", True),
                            group=iv.text("group", an.text("invariance_group", "country")),
                            estimator=iv.text("estimator", an.text("estimator", "MLR", ("ML", "MLR")), ("ML", "MLR")),
                            missing=iv.text("missing", an.text("missing", "listwise", ("listwise", "fiml")),
                                           ("listwise", "fiml")),
                            criteria=iv.text("criteria", "chen2007", ("chen2007", "cheung2002")),
                            partial=iv.flag("partial", True), max_free=iv.integer("max_free", 10),
                            min_group_n=iv.integer("min_group_n", 100, minimum=2),
                            steps=iv.strings("steps", ("configural", "metric", "scalar"), LADDER),
                            release=iv.text("release", "fit", ("fit", "score")),
                            alpha=iv.number("alpha", 0.05, 1e-6, 0.5))


def _compare(table: Any, an: _Table, file: str | None) -> CompareConfig:
    co = _Table("compare", table, ("enabled", "groupings", "method", "correction", "alpha", "timing", "hypotheses"),
                file)
    return CompareConfig(enabled=co.flag("enabled", True),
                         groupings=co.strings("groupings", an.strings("compare", CompareConfig.groupings)),
                         method=co.text("method", "welch", ("welch", "anova", "kruskal")),
                         correction=co.text("correction", "holm", ("holm", "bh", "none")),
                         alpha=co.number("alpha", 0.05, 0.0, 1.0), timing=co.flag("timing", True),
                         hypotheses=co.flag("hypotheses", True))


def _report(table: Any, file: str | None) -> ReportConfig:
    rp = _Table("report", table, ("enabled", "formats"), file)
    return ReportConfig(enabled=rp.flag("enabled", True),
                        formats=rp.strings("formats", ("html", "md", "xlsx"), ("html", "md", "xlsx")))


def load_study(path: str | Path) -> StudyConfig:
    """Read and validate a study.toml.

    Parameters
    ----------
    path : str or Path
        The study.toml; relative paths in it are resolved against its folder.

    Returns
    -------
    StudyConfig

    Raises
    ------
    StudyError
        Missing file, invalid TOML, or an invalid table/key (named in the one-line message).

    Examples
    --------
    >>> load_study("no/such/study.toml")
    Traceback (most recent call last):
    ...
    vcd_core.errors.StudyError: no/such/study.toml: no such file
    """
    from analysis.data.clean_config import read_toml

    return config_from_dict(read_toml(path), source=Path(path))
