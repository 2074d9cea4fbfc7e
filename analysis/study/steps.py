"""The steps of a study run, each writing its sub-folder of the results folder (README, "The results folder").

Every step is a function ``step(ctx) -> list[str]`` (the files it wrote) that reads what earlier steps left in
the :class:`StudyContext`. A step raises :class:`StepSkipped` when it cannot run (switched off, or the data lack
what its configuration asks for); any :class:`vcd_core.errors.VcdError` — or an import error of a module it needs —
makes it ``failed`` (the runner in :mod:`analysis.study.runner` records both, never a traceback).

The analyses read the same prepared data as the ``vcd`` commands: after cleaning, the kept respondents go through
:func:`analysis.data.prepare.prepare` once (``ctx.prepared``), and each step selects its constructs from it with
:meth:`~analysis.data.prepare.Prepared.select` — the one selection rule of :mod:`analysis.data.prepare` — so that
``vcd efa/reliability/cfa/invariance … --from-instrument`` on the same respondents gives the same numbers.

Tables are written with 10 significant digits, JSON with sorted keys: the same inputs give identical files.

Examples
--------
>>> import pandas as pd
>>> d = pd.DataFrame({"country": ["FI"] * 4 + ["DE"] * 4})
>>> cal, hold = split_halves(d, seed=1)
>>> len(cal), len(hold), sorted(d.loc[cal, "country"].value_counts().tolist())
(4, 4, [2, 2])
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.data.prepare import Prepared
from vcd_core.errors import DataError, StudyError

__all__ = ["STEPS", "StepSkipped", "StudyContext", "split_halves", "write_json", "write_table"]

FLOAT_FORMAT = "%.10g"


class StepSkipped(Exception):  # noqa: N818 - a signal, not an error
    """Raised by a step that cannot run; the message is the reason recorded in the manifest."""


@dataclass
class StudyContext:
    """What the steps share: configuration, instrument, data and the results folder."""

    config: Any
    out: Path
    inst: Any = None
    raw: pd.DataFrame | None = None
    problems: pd.DataFrame | None = None
    data: pd.DataFrame | None = None
    prepared: Prepared | None = None
    calibration: pd.Index | None = None
    holdout: pd.Index | None = None
    comparability: pd.DataFrame | None = None
    inputs: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def constructs(self) -> list[Any]:
        """Every construct (BankConstruct) with items in the cleaned data: reasons, then outcomes."""
        return list(self.prepared.constructs) if self.prepared is not None else []

    def reasons(self) -> list[Any]:
        """The reason constructs (BankConstruct) present in the data."""
        return [c for c in self.constructs if c.kind == "reason"]

    def select(self, constructs: str, method: str, index: pd.Index | None = None) -> Prepared:
        """The prepared data with the constructs of ``method`` (:meth:`Prepared.select`), optionally some rows;
        notes of constructs left out become warnings of the step."""
        if self.prepared is None:
            raise StudyError("the data have not been prepared (the descriptives step did not run)")
        p = self.prepared.select(constructs, method)
        self.warnings.extend(p.notes[len(self.prepared.notes):])
        return p.rows(index)


def write_table(df: pd.DataFrame, path: Path) -> str:
    """Write one results CSV (10 significant digits) and return its name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
    return path.name


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, Path):
        return obj.as_posix()
    if hasattr(obj, "item") and not isinstance(obj, str):
        obj = obj.item()
    if isinstance(obj, float):
        return float(f"{obj:.10g}") if math.isfinite(obj) else None
    return obj


def write_json(obj: Any, path: Path) -> str:
    """Write one results JSON (sorted keys, floats to 10 significant digits, NaN as null)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_jsonable(obj), indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    return path.name


def split_halves(data: pd.DataFrame, seed: int, by: str = "country", share: float = 0.5
                 ) -> tuple[pd.Index, pd.Index]:
    """A random calibration / holdout split (``share`` calibration), stratified by ``by`` when that column exists.

    Parameters
    ----------
    data : DataFrame
        The respondents (the prepared answers).
    seed : int
        The study's seed.
    by : str
        Stratify by this column when present.
    share : float
        Calibration share per stratum (rounded up).

    Returns
    -------
    Index, Index
        Labels of the calibration and holdout rows.

    Examples
    --------
    >>> cal, hold = split_halves(pd.DataFrame({"country": ["FI"] * 3}), seed=1)
    >>> len(cal), len(hold)
    (2, 1)
    """
    rng = np.random.default_rng(seed)
    groups = data.groupby(by, sort=True).indices if by in data.columns else {"": np.arange(len(data))}
    cal: list[int] = []
    for key in sorted(groups, key=str):
        idx = np.asarray(groups[key])
        perm = rng.permutation(idx)
        cal.extend(perm[: int(np.ceil(len(idx) * share))].tolist())
    mask = np.zeros(len(data), bool)
    mask[cal] = True
    return data.index[mask], data.index[~mask]


# ---------------------------------------------------------------------------------------------------------------
# ingest and clean


def step_ingest(ctx: StudyContext) -> list[str]:
    """Read the response file with the platform importer (:func:`analysis.data.read.read`, every record kept for
    the cleaning); rename configured grouping columns."""
    from analysis.data.ingest import default_instrument
    from analysis.data.read import read

    cfg = ctx.config
    inst, notes = default_instrument()
    ctx.inst = inst
    ctx.warnings.extend(notes)
    path = cfg.data.path
    if not Path(path).is_file():
        raise DataError("no such file (set [data] path in the study.toml)", file=str(path))
    rs = read(path, instrument=inst, perspective=cfg.perspective, platform=cfg.data.platform,
              structure=cfg.data.structure, bad_values="record", missing_codes=tuple(cfg.data.missing_codes),
              encoding=cfg.data.encoding, importer=True)
    data = rs.data
    renames = {src: dst for dst, src in cfg.data.columns.items() if src != dst}
    absent = [src for src in renames if src not in data.columns]
    if absent:
        raise StudyError(f"[data] names column(s) {', '.join(map(repr, absent))} that the response file does not "
                         "have", file=str(cfg.source) if cfg.source else None)
    data = data.rename(columns=renames)
    ctx.raw, ctx.problems = data, rs.problems
    ctx.warnings.extend(rs.notes)
    if len(rs.problems):
        ctx.warnings.append(f"{len(rs.problems)} bad cell(s) recorded as missing; their respondents are flagged by "
                            "the out_of_range cleaning rule")
    role_paths = [("responses", path, rs.platform)]
    if cfg.data.structure is not None:
        role_paths.append(("structure", cfg.data.structure, "structure"))
    if cfg.data.truth is not None:
        role_paths.append(("truth", cfg.data.truth, "json"))
    ctx.inputs.extend(_input(role, Path(p), fmt, cfg.source) for role, p, fmt in role_paths)
    return []


def _input(role: str, p: Path, fmt: str, source: Path | None) -> dict[str, Any]:
    """The manifest's record of one input file: role, path (relative to the study.toml), format, size, SHA-256."""
    import hashlib

    if not p.is_file():
        raise DataError("no such file", file=str(p))
    blob = p.read_bytes()
    base = source.parent if source is not None else None
    try:
        shown = p.resolve().relative_to(base).as_posix() if base is not None else p.name
    except ValueError:
        shown = p.name
    return {"role": role, "path": shown, "format": fmt, "bytes": len(blob),
            "sha256": hashlib.sha256(blob).hexdigest()}


def step_clean(ctx: StudyContext) -> list[str]:
    """Careless-response screening (:func:`analysis.data.clean.clean`), written by the cleaning module itself."""
    from analysis.data.clean import clean, write_results

    res = clean(ctx.raw, ctx.inst, ctx.config.cleaning, problems=ctx.problems)
    target = write_results(res, ctx.out, truth=ctx.config.data.truth)
    ctx.data = res.kept.reset_index(drop=True)
    ctx.warnings.extend(res.notes)
    return sorted(p.name for p in Path(target).iterdir())


# ---------------------------------------------------------------------------------------------------------------
# descriptives


def step_descriptives(ctx: StudyContext) -> list[str]:
    """Prepare the kept respondents (every construct, :func:`analysis.data.prepare.prepare`); constructs, item
    descriptives, the sample by grouping and scale scores by country."""
    from analysis.data.prepare import prepare

    inst, cfg = ctx.inst, ctx.config
    ctx.prepared = prepare(ctx.data, instrument=inst, perspective=cfg.perspective, constructs="all")
    ctx.warnings.extend(ctx.prepared.notes)
    if not ctx.reasons():
        raise DataError(f"no item of a reason ({cfg.perspective} perspective) is a column of the responses")
    data, recoded = ctx.prepared.answers, ctx.prepared.frame
    out = ctx.out / "descriptives"
    cons_rows, item_rows = [], []
    for c in ctx.constructs:
        con = inst.construct(c.code)
        cons_rows.append({"construct": c.code, "name": c.name, "label": con.label.get("en", c.name),
                          "kind": c.kind, "seed_time": con.time or "", "n_items": len(c.items),
                          "items": " ".join(c.items)})
        for code in c.items:
            x = pd.to_numeric(data[code], errors="coerce")
            item = inst.item(code)
            text = item.text.get("en") or next(iter(item.text.values()), None)
            item_rows.append({"item": code, "construct": c.code, "reverse": bool(item.reverse),
                              "n": int(x.notna().sum()), "missing_share": float(x.isna().mean()),
                              "mean": x.mean(), "sd": x.std(), "skew": x.skew(), "kurtosis": x.kurt(),
                              "min": x.min(), "max": x.max(),
                              "text": getattr(text, "text", "") or ""})
    files = [write_table(pd.DataFrame(cons_rows), out / "constructs.csv"),
             write_table(pd.DataFrame(item_rows), out / "items.csv")]
    sample = []
    for g in ("country", "relationship_type", "phase", "language"):
        if g in data.columns:
            counts = data[g].astype("string").fillna("(missing)").value_counts(sort=False).sort_index()
            for key, n in counts.items():
                sample.append({"grouping": g, "group": str(key), "n": int(n), "share": n / len(data)})
    files.append(write_table(pd.DataFrame(sample, columns=["grouping", "group", "n", "share"]), out / "sample.csv"))
    scores = pd.DataFrame({c.code: recoded[list(c.items)].apply(pd.to_numeric, errors="coerce").mean(axis=1)
                           for c in ctx.constructs})
    rows = []
    if "country" in data.columns:
        scores["country"] = data["country"].astype(str).to_numpy()
        for country, sub in scores.groupby("country", sort=False):
            for c in ctx.constructs:
                rows.append({"country": country, "construct": c.code, "n": int(sub[c.code].notna().sum()),
                             "mean": sub[c.code].mean(), "sd": sub[c.code].std()})
    files.append(write_table(pd.DataFrame(rows, columns=["country", "construct", "n", "mean", "sd"]),
                             out / "scores_by_country.csv"))
    files.append(write_json({"n": len(data), "n_items": len(item_rows),
                             "n_countries": int(data["country"].nunique()) if "country" in data.columns else 0,
                             "perspective": cfg.perspective}, out / "summary.json"))
    if cfg.efa.sample == "split" and (cfg.efa.enabled or cfg.cfa.enabled):
        ctx.calibration, ctx.holdout = split_halves(data, cfg.seed, share=cfg.efa.split)
    return files


# ---------------------------------------------------------------------------------------------------------------
# EFA and reliability


def step_efa(ctx: StudyContext) -> list[str]:
    """EFA of the reason items (reverse-keyed recoded) on the calibration half (or all respondents)."""
    from analysis.measure.efa import run_efa

    cfg = ctx.config.efa
    if not cfg.enabled:
        raise StepSkipped("switched off in the study ([efa] enabled = false)")
    p = ctx.select(cfg.constructs, "efa", ctx.calibration)
    sample = (f"calibration {'half' if cfg.split == 0.5 else 'share'}" if ctx.calibration is not None
              else "all respondents")
    res = run_efa(p.frame, p.items, n_factors=cfg.n_factors, method=cfg.method, rotation=cfg.rotation,
                  cor=cfg.cor, missing=cfg.missing, parallel=True, seed=ctx.config.seed, n_iter=cfg.n_iter)
    out = ctx.out / "efa"
    item_construct = {i: c.code for c in p.constructs for i in c.items}
    load = res.loadings.copy()
    load.insert(1, "construct", load["item"].map(item_construct))
    factor_construct = {}
    for f in res.factors:
        hits = load.loc[load["primary_factor"] == f, "construct"].value_counts()
        factor_construct[f] = str(hits.index[0]) if len(hits) else ""
    phi = res.phi.copy()
    phi.insert(0, "factor", phi.index.astype(str))
    eig = res.eigenvalues[[c for c in ("component", "observed", "factor_observed", "parallel")
                           if c in res.eigenvalues.columns]]
    files = [write_table(load, out / "loadings.csv"), write_table(phi, out / "factor_correlations.csv"),
             write_table(eig, out / "eigenvalues.csv")]
    par = res.parallel
    files.append(write_json({
        "sample": sample, "n": res.n, "n_factors": res.n_factors, "method": res.method, "rotation": res.rotation,
        "cor": res.cor, "missing": res.missing, "kmo": res.kmo, "bartlett_chisq": res.bartlett.get("chisq"),
        "bartlett_df": res.bartlett.get("df"), "bartlett_p": res.bartlett.get("p"),
        "factor_construct": factor_construct, "parallel_n_factors": par.n_factors if par is not None else None,
        "n_factors_source": "configured" if cfg.n_factors else "parallel analysis", "converged": res.converged,
        "warnings": list(res.warnings)}, out / "summary.json"))
    ctx.warnings.extend(f"efa: {w}" for w in res.warnings)
    return files


def step_reliability(ctx: StudyContext) -> list[str]:
    """Cronbach's α (Feldt CI) and ω total per scale, item statistics and the HTMT matrix of the reasons."""
    from analysis.measure.reliability import scale_reliability
    from analysis.measure.validity import htmt

    cfg = ctx.config.reliability
    if not cfg.enabled:
        raise StepSkipped("switched off in the study ([reliability] enabled = false)")
    p = ctx.select(cfg.constructs, "reliability")
    s_tab, i_tab = scale_reliability(p.frame, p.scales(), missing=cfg.missing)
    if not cfg.omega:
        s_tab = s_tab.drop(columns=["omega_total"], errors="ignore")
    out = ctx.out / "reliability"
    files = [write_table(s_tab, out / "scales.csv"), write_table(i_tab, out / "items.csv")]
    try:
        pairs = ctx.select("reasons", "validity")
    except DataError as exc:  # fewer than two reasons with two items: no HTMT, and the manifest says why
        ctx.warnings.append(f"reliability: no HTMT matrix — {exc.message}")
        return files
    h = htmt(pairs.frame, pairs.scales(), missing="pairwise")
    h.insert(0, "construct", h.index.astype(str))
    files.append(write_table(h, out / "htmt.csv"))
    return files


# ---------------------------------------------------------------------------------------------------------------
# CFA


def step_cfa(ctx: StudyContext) -> list[str]:
    """The reasons' measurement model (from the bank) on the holdout half (or all respondents)."""
    from analysis.sem import cfa

    cfg = ctx.config.cfa
    if not cfg.enabled:
        raise StepSkipped("switched off in the study ([cfa] enabled = false)")
    use_holdout = cfg.sample == "holdout" and ctx.holdout is not None
    sample = "holdout half" if use_holdout else "all respondents"
    p = ctx.select(cfg.constructs, "cfa", ctx.holdout if use_holdout else None)
    data, syntax = p.frame, p.model()
    res = cfa(syntax, data, estimator=cfg.estimator, missing=cfg.missing)
    out = ctx.out / "cfa"
    params = res.params
    keep = [c for c in ("lhs", "op", "rhs", "est", "se", "z", "pvalue", "ci_low", "ci_high", "std_all")
            if c in params.columns]
    warnings = [w for w in res.warnings if "dropped (listwise)" not in w]
    n_used = int(res.nobs[0]) if res.nobs else len(data)
    if n_used < len(data):
        warnings.append(f"listwise deletion: {n_used:,} of {len(data):,} respondents have every item of the model")
    files = [write_table(params[keep], out / "params.csv")]
    (out / "model.lav").write_text(syntax + "\n", encoding="utf-8")
    files.append("model.lav")
    files.append(write_json({"sample": sample, "n": n_used, "n_sample": len(data), "estimator": cfg.estimator,
                             "missing": cfg.missing, "converged": bool(res.converged), "warnings": warnings,
                             "fit": dict(res.fit)}, out / "fit.json"))
    ctx.warnings.extend(f"cfa: {w}" for w in warnings)
    return files


# ---------------------------------------------------------------------------------------------------------------
# invariance and comparisons


def step_invariance(ctx: StudyContext) -> list[str]:
    """The invariance ladder of the reasons' model across countries (:func:`analysis.invariance.run_invariance`)."""
    from analysis.invariance import run_invariance, write_results

    cfg = ctx.config.invariance
    if not cfg.enabled:
        raise StepSkipped("switched off in the study ([invariance] enabled = false)")
    p = ctx.select("reasons", "invariance")
    if cfg.group not in p.frame.columns:
        raise StepSkipped(f"the data have no column {cfg.group!r} ([invariance] group)")
    if p.frame[cfg.group].nunique() < 2:
        raise StepSkipped(f"needs at least two groups in {cfg.group!r}")
    try:
        res = run_invariance(p.frame, p.model(), group=cfg.group, estimator=cfg.estimator, missing=cfg.missing,
                             criteria=cfg.criteria, partial=cfg.partial, release=cfg.release, alpha=cfg.alpha,
                             max_free=cfg.max_free, min_group_n=cfg.min_group_n, steps=cfg.steps, reference="auto")
    except DataError as exc:
        if "at least two groups" in exc.message:
            raise StepSkipped(f"{exc.message} ([invariance] min_group_n = {cfg.min_group_n})") from None
        raise
    target = ctx.out / "invariance"
    written = write_results(res, target)
    comp = target / "comparability.csv"
    if comp.is_file():
        ctx.comparability = pd.read_csv(comp, keep_default_na=False, na_values=[""])
    for w in getattr(res, "warnings", ()) or ():
        ctx.warnings.append(f"invariance: {w}")
    return sorted(written) if written else sorted(f.name for f in target.iterdir())


def step_compare(ctx: StudyContext) -> list[str]:
    """Reasons across relationship types, phases and countries; timing matrix; the seed's hypotheses."""
    from analysis.compare.comparisons import run_comparisons, write_results

    cfg = ctx.config.compare
    if not cfg.enabled:
        raise StepSkipped("switched off in the study ([compare] enabled = false)")
    if ctx.prepared is None:
        raise StudyError("the data have not been prepared (the descriptives step did not run)")
    comparability = None
    if ctx.comparability is not None and {"construct", "group", "means_comparable"} <= set(ctx.comparability):
        names = {c.code: c.name for c in ctx.reasons()}
        comparability = ctx.comparability.assign(construct=ctx.comparability["construct"].map(
            lambda c: names.get(str(c), str(c))))
    res = run_comparisons(ctx.prepared.answers, ctx.inst, groupings=cfg.groupings, method=cfg.method,
                          correction=cfg.correction, alpha=cfg.alpha, hypotheses=cfg.hypotheses,
                          comparability=comparability)
    if not cfg.timing:
        from dataclasses import replace

        res = replace(res, timing=None, timing_tests=None)
    files = write_results(res, ctx.out / "compare")
    ctx.warnings.extend(f"compare: {k} skipped — {v}" for k, v in res.skipped.items())
    return sorted(files)


#: step name -> function, in run order.
STEPS: dict[str, Callable[[StudyContext], list[str]]] = {
    "ingest": step_ingest,
    "clean": step_clean,
    "descriptives": step_descriptives,
    "efa": step_efa,
    "reliability": step_reliability,
    "cfa": step_cfa,
    "invariance": step_invariance,
    "compare": step_compare,
}
