"""Response cleaning: careless-responding indices for every respondent, ordered hurdles, a complete exclusion log.

:func:`compute_indices` gives one row per respondent: items answered and the share missing, longstring (longest
and mean run, items in page order), IRV, Mahalanobis D² and its p (on the answered items, ``psych::outlier``),
even-odd consistency (careless ≥ 1.2.0 sign: higher = more careless; factors = the bank's constructs),
psychometric synonyms, duration and its ratio to the country median, attention checks answered and failed,
duplicate ids and duplicate answer vectors, out-of-range values. Formulas: :mod:`analysis.data.careless` (R
``careless``). Reverse-keyed items are recoded from the bank (never from labels) before even-odd and synonyms.

:func:`clean` applies the rules of a :class:`~analysis.data.clean_config.CleanConfig` as ordered hurdles (Curran 2016):
every rule's flags are computed on the whole raw sample (so switching a rule off changes only what it flags);
a respondent is excluded by the first hurdle that flags it, and every rule that fired is recorded. The raw data
are never modified; ``n_raw == n_kept + n_excluded`` is checked. :func:`write_results` writes
``cleaning/log.csv``, ``flow.json``, ``excluded.csv`` and ``indices.csv`` (all or nothing).

Examples
--------
>>> from instrument.validate import check_bank
>>> from analysis.data.simulate import demo_spec, simulate
>>> inst = check_bank()[0]
>>> sim = simulate(inst, demo_spec(2, n_per_country=100, seed=3))
>>> res = clean(sim.data, inst)
>>> res.n_raw == res.n_kept + res.n_excluded, res.log.columns[:5].tolist()
(True, ['order', 'rule', 'n_flagged', 'n_excluded', 'n_remaining'])
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from analysis.data import careless
from analysis.data.clean_config import CleanConfig
from vcd_core.errors import DataError, VcdError

__all__ = ["CleanResult", "clean", "compute_indices", "evaluate", "write_results"]

LOG_COLUMNS = ["order", "rule", "n_flagged", "n_excluded", "n_remaining", "status", "criterion", "note"]


# ---------------------------------------------------------------------------------------------------------------
# the data as the indices need it
@dataclass
class _Prepared:
    ids: np.ndarray
    country: np.ndarray
    items: list[str]
    X: np.ndarray              # items, out-of-range cells set to NaN
    Xr: np.ndarray             # reverse-keyed items recoded
    factors: list[int]         # items per construct, consecutive in ``items``
    checks: dict[str, int]     # check code -> correct value
    C: np.ndarray              # check answers (NaN missing)
    out_of_range: np.ndarray   # count per row
    notes: list[str] = field(default_factory=list)


def _numeric(col: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Values as float and a mask of cells that held something non-numeric."""
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        return col.to_numpy(dtype=float, na_value=np.nan, copy=True), np.zeros(len(col), bool)
    num = pd.to_numeric(col, errors="coerce")
    bad = num.isna().to_numpy() & col.notna().to_numpy() & (col.astype(str).str.strip() != "").to_numpy()
    return num.to_numpy(dtype=float, na_value=np.nan, copy=True), bad


def _prepare(data: pd.DataFrame, inst: Any) -> _Prepared:
    notes: list[str] = []
    n = len(data)
    if "respondent_id" in data.columns:
        ids = data["respondent_id"].astype(str).to_numpy()
    else:
        ids = (data["source_row"] if "source_row" in data.columns else pd.Series(np.arange(n) + 1)).astype(str)
        ids = ids.to_numpy()
        notes.append("no respondent_id column: respondents named by source_row")
    country = data["country"].astype(str).to_numpy() if "country" in data.columns else np.full(n, "all", object)
    items, factors, scales, reverse = [], [], [], []
    for c in inst.constructs:
        present = [i for i in c.items if i.code in data.columns]
        if present:
            factors.append(len(present))
        for i in present:
            items.append(i.code)
            scales.append(inst.scale(i.scale))
            reverse.append(bool(i.reverse))
    if not items:
        raise DataError("the data have no item of the bank (columns named by item codes, e.g. INF01)")
    checks: dict[str, int] = {ch.code: int(ch.correct) for ch in inst.checks if ch.code in data.columns}
    check_scales = {ch.code: inst.scale(ch.scale) for ch in inst.checks if ch.code in data.columns}
    if not inst.checks:
        from analysis.data.simulate.layout import FALLBACK_CHECKS

        for code, _after, correct in FALLBACK_CHECKS:
            if code in data.columns:
                checks[code], check_scales[code] = correct, inst.scale("agree7")
        if checks:
            notes.append("attention checks: the bank defines none yet; used the documented ATT1 (1) / ATT2 (7)")
    X = np.empty((n, len(items)))
    oor = np.zeros(n, int)
    for j, (code, sc) in enumerate(zip(items, scales, strict=True)):
        v, bad = _numeric(data[code])
        off = ~np.isnan(v) & ~np.isin(v, np.asarray(sc.values, float))
        oor += bad | off
        v[off] = np.nan
        X[:, j] = v
    C = np.empty((n, len(checks)))
    for j, code in enumerate(checks):
        v, bad = _numeric(data[code])
        off = ~np.isnan(v) & ~np.isin(v, np.asarray(check_scales[code].values, float))
        oor += bad | off
        v[off] = np.nan
        C[:, j] = v
    Xr = X.copy()
    for j, (sc, rev) in enumerate(zip(scales, reverse, strict=True)):
        if rev:
            Xr[:, j] = sc.minimum + sc.maximum - X[:, j]
    return _Prepared(ids, country, items, X, Xr, factors, checks, C, oor, notes)


# ---------------------------------------------------------------------------------------------------------------
def compute_indices(data: pd.DataFrame, inst: Any, config: CleanConfig | None = None) -> pd.DataFrame:
    """Every careless-responding index for every respondent (one row each, in the data's order).

    Columns: ``respondent_id country n_items n_answered missing_share longstring longstring_avg irv
    mahalanobis_d2 mahalanobis_p evenodd psychsyn psychsyn_pairs duration_sec duration_ratio attention_answered
    attention_failed duplicate_id duplicate_of out_of_range``. An index that cannot be computed is ``NaN`` and
    ``DataFrame.attrs["notes"]`` says why.

    Examples
    --------
    >>> from instrument.validate import check_bank
    >>> from analysis.data.simulate import SimulationSpec, simulate
    >>> inst = check_bank()[0]
    >>> ind = compute_indices(simulate(inst, SimulationSpec(countries=("FI",), n_per_country=80)).data, inst)
    >>> ind.columns[:6].tolist()
    ['respondent_id', 'country', 'n_items', 'n_answered', 'missing_share', 'longstring']
    """
    return _indices(data, _prepare(data, inst), config or CleanConfig())


def _indices(data: pd.DataFrame, p: _Prepared, config: CleanConfig) -> pd.DataFrame:
    n, k = p.X.shape
    notes = list(p.notes)
    answered = (~np.isnan(p.X)).sum(axis=1)
    ls_max, ls_avg = careless.longstring(p.X)
    out: dict[str, Any] = {
        "respondent_id": p.ids, "country": p.country, "n_items": np.full(n, k), "n_answered": answered,
        "missing_share": 1 - answered / k, "longstring": ls_max, "longstring_avg": ls_avg, "irv": careless.irv(p.X),
    }
    d2 = np.full(n, np.nan)
    if n <= k:
        notes.append(f"mahalanobis: skipped, {n} respondents for {k} items (needs more respondents than items)")
    else:
        try:
            d2 = careless.mahalanobis(p.X)
        except DataError as exc:
            notes.append(f"mahalanobis: skipped, {exc.message}")
    out["mahalanobis_d2"] = d2
    out["mahalanobis_p"] = stats.chi2.sf(d2, k)
    eo = np.full(n, np.nan)
    if len(p.factors) >= 2:
        eo = careless.evenodd(p.Xr, p.factors)
    else:
        notes.append("evenodd: needs items of at least two constructs")
    out["evenodd"] = eo
    syn, npairs = np.full(n, np.nan), np.zeros(n, int)
    try:
        syn, npairs = careless.psychsyn(p.Xr, config.param("psychsyn", "critval"))
    except DataError as exc:
        notes.append(f"psychsyn: {exc.message}")
    out["psychsyn"], out["psychsyn_pairs"] = syn, npairs
    dur = _numeric(data["duration_sec"])[0] if "duration_sec" in data.columns else np.full(n, np.nan)
    dur = np.where(dur > 0, dur, np.nan) if np.isfinite(dur).any() else dur
    by = p.country if config.param("speeders", "by") == "country" else np.zeros(n, int)
    med = pd.Series(dur).groupby(by).transform("median").to_numpy(float)
    out["duration_sec"] = dur
    with np.errstate(invalid="ignore", divide="ignore"):
        out["duration_ratio"] = dur / med
    if p.checks:
        correct = np.array(list(p.checks.values()), float)
        ans = ~np.isnan(p.C)
        out["attention_answered"] = ans.sum(axis=1)
        out["attention_failed"] = (ans & (p.C != correct)).sum(axis=1)
    else:
        out["attention_answered"] = np.zeros(n, int)
        out["attention_failed"] = np.zeros(n, int)
    out["duplicate_id"] = pd.Series(p.ids).duplicated(keep="first").to_numpy()
    out["duplicate_of"] = _duplicate_vectors(p, config)
    out["out_of_range"] = p.out_of_range
    frame = pd.DataFrame(out)
    frame.attrs["notes"] = notes
    return frame


def _duplicate_vectors(p: _Prepared, config: CleanConfig) -> np.ndarray:
    """For each row whose rated answers equal an earlier row's: that row's id (else empty string)."""
    n = p.X.shape[0]
    rated = np.hstack([p.X, p.C]) if p.C.size else p.X
    answered = (~np.isnan(p.X)).sum(axis=1)
    ls, _ = careless.longstring(p.X)
    eligible = (answered >= config.param("duplicates", "min_answered") * p.X.shape[1]) & (ls < answered)
    out = np.full(n, "", dtype=object)
    if not eligible.any():
        return out
    idx = np.flatnonzero(eligible)
    vals = np.nan_to_num(rated[idx], nan=-1e9)
    keys = pd.util.hash_pandas_object(pd.DataFrame(vals), index=False).to_numpy()
    first = pd.Series(np.arange(len(idx))).groupby(keys).transform("min").to_numpy()
    later = np.flatnonzero(first != np.arange(len(idx)))
    same = (vals[later] == vals[first[later]]).all(axis=1)  # guard against hash collisions
    out[idx[later[same]]] = p.ids[idx[first[later[same]]]]
    return out


# ---------------------------------------------------------------------------------------------------------------
# rules
_FALSE = {"0", "0.0", "false", "no", "n", "f"}
_TRUE = {"1", "1.0", "true", "yes", "y", "t"}


def _not_finished(col: pd.Series) -> np.ndarray:
    """True where the platform marks the response unfinished (missing counts as finished: unknown)."""
    if pd.api.types.is_bool_dtype(col) or isinstance(col.dtype, pd.BooleanDtype):
        return (col.astype("boolean") == False).fillna(False).to_numpy(bool)  # noqa: E712 - nullable boolean
    txt = col.astype("string").str.strip().str.casefold()
    bad = txt.notna() & ~txt.isin(_TRUE | _FALSE) & (txt != "")
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(f"cannot read {col.iloc[pos]!r} as finished yes/no", row=pos + 1, column="finished")
    return txt.isin(_FALSE).fillna(False).to_numpy(bool)


def _rule(name: str, data: pd.DataFrame, ind: pd.DataFrame, p: _Prepared, cfg: CleanConfig,
          problems_rows: np.ndarray | None) -> tuple[np.ndarray, str, str, str]:
    """(flags, status ``ok``/``skipped``, criterion, note) of one rule on the whole raw sample."""
    n = len(ind)
    none = np.zeros(n, bool)
    P = cfg.rules[name]
    if name == "preview":
        flags, srcs = none.copy(), []
        if "preview" in data.columns:
            flags |= data["preview"].fillna(False).astype(bool).to_numpy()
            srcs.append("preview")
        if "status" in data.columns:
            flags |= data["status"].astype(str).str.casefold().isin(("preview", "test", "offline preview")).to_numpy()
            srcs.append("status")
        note = "" if srcs else "no preview/status column: no row can be a preview"
        return flags, "ok", "preview or test response (" + (", ".join(srcs) or "none") + ")", note
    if name == "duplicates":
        flags = none.copy()
        parts = []
        if P["ids"]:
            flags |= ind["duplicate_id"].to_numpy(bool)
            parts.append("respondent id seen before")
        if P["vectors"]:
            flags |= (ind["duplicate_of"] != "").to_numpy()
            parts.append("answers identical to an earlier respondent's")
        return flags, "ok", " or ".join(parts) or "nothing checked", ""
    if name == "incomplete":
        flags = ind["missing_share"].to_numpy() > P["max_missing_share"]
        crit = f"share of items missing > {P['max_missing_share']:g}"
        if P["require_finished"] and "finished" in data.columns:
            flags = flags | _not_finished(data["finished"])
            crit += " or not finished"
        return flags, "ok", crit, ""
    if name == "attention":
        if not p.checks:
            return none, "skipped", "", "no attention checks in the data"
        correct = np.array(list(p.checks.values()), float)
        ans = ~np.isnan(p.C)
        wrong = ans & (p.C != correct)
        if P["missing"] == "fail":
            wrong |= ~ans
        flags = wrong.any(axis=1) if P["mode"] == "fail-any" else wrong.all(axis=1)
        crit = f"{P['mode']} of {', '.join(p.checks)} (unanswered: {P['missing']})"
        return flags, "ok", crit, ""
    if name == "speeders":
        r = ind["duration_ratio"].to_numpy(float)
        if not np.isfinite(r).any():
            return none, "skipped", "", "cannot run: no durations in the data"
        crit = f"duration < {P['min_ratio']:.3g} x median ({P['by']})"
        n_miss = int((~np.isfinite(r)).sum())
        note = f"{n_miss} respondent(s) without a duration not checked" if n_miss else ""
        return np.nan_to_num(r, nan=np.inf) < P["min_ratio"], "ok", crit, note
    if name == "longstring":
        return ind["longstring"].to_numpy() >= P["min_run"], "ok", f"longest run >= {P['min_run']:g} items", ""
    if name == "mahalanobis":
        d2 = ind["mahalanobis_d2"].to_numpy(float)
        if not np.isfinite(d2).any():
            why = next((x for x in ind.attrs.get("notes", []) if x.startswith("mahalanobis")), "not computable")
            return none, "skipped", "", why.removeprefix("mahalanobis: ")
        cut = careless.mahalanobis_cut(len(p.items), 1 - P["alpha"])
        return np.nan_to_num(d2, nan=-np.inf) > cut, "ok", f"D2 > {cut:.2f} (p < {P['alpha']:g}, df {len(p.items)})", ""
    if name == "out_of_range":
        flags = ind["out_of_range"].to_numpy() > 0
        note = ""
        if problems_rows is not None and len(problems_rows):
            flags = flags | problems_rows
            note = "includes cells the importer recorded as bad"
        return flags, "ok", "a value not on its scale", note
    if name == "irv":
        v = ind["irv"].to_numpy(float)
        return np.nan_to_num(v, nan=np.inf) < P["min"], "ok", f"IRV < {P['min']:g}", ""
    if name == "evenodd":
        v = ind["evenodd"].to_numpy(float)
        if not np.isfinite(v).any():
            return none, "skipped", "", "even-odd not computable (needs two constructs)"
        return np.nan_to_num(v, nan=-np.inf) > P["max"], "ok", f"even-odd > {P['max']:g}", ""
    if name == "psychsyn":
        v = ind["psychsyn"].to_numpy(float)
        if not np.isfinite(v).any():
            return none, "skipped", "", "no psychometric synonyms found"
        return np.nan_to_num(v, nan=np.inf) < P["min"], "ok", f"synonyms r < {P['min']:g}", ""
    raise DataError(f"unknown cleaning rule {name!r}")  # pragma: no cover - config validates names


@dataclass(frozen=True)
class CleanResult:
    """The outcome of :func:`clean`.

    Attributes
    ----------
    kept : DataFrame
        The respondents kept (the input's columns, unmodified).
    excluded : DataFrame
        ``respondent_id country hurdle rules``: one row per excluded respondent; ``hurdle`` the rule that
        excluded it, ``rules`` every enabled rule that flagged it (``;``-separated, in hurdle order).
    flags : DataFrame
        ``respondent_id`` and one boolean column per rule in hurdle order (False for rules off or skipped).
    indices : DataFrame
        :func:`compute_indices`.
    log : DataFrame
        ``order rule n_flagged n_excluded n_remaining status criterion note`` (status ``ok``, ``skipped``,
        ``off``).
    """

    kept: pd.DataFrame = field(repr=False)
    excluded: pd.DataFrame = field(repr=False)
    flags: pd.DataFrame = field(repr=False)
    indices: pd.DataFrame = field(repr=False)
    log: pd.DataFrame = field(repr=False)
    config: CleanConfig = field(repr=False)
    n_raw: int = 0
    notes: tuple[str, ...] = ()

    @property
    def n_kept(self) -> int:
        """Respondents kept."""
        return len(self.kept)

    @property
    def n_excluded(self) -> int:
        """Respondents excluded."""
        return len(self.excluded)

    def flow(self) -> dict[str, Any]:
        """The flow diagram as a JSON-able dict (``flow.json``)."""
        steps = [{k: (None if isinstance(v, float) and np.isnan(v) else (v.item() if hasattr(v, "item") else v))
                  for k, v in row.items()} for row in self.log.to_dict("records")]
        return {"n_raw": self.n_raw, "n_kept": self.n_kept, "n_excluded": self.n_excluded, "steps": steps,
                "notes": list(self.notes), "config": self.config.to_dict()}

    def summary(self) -> str:
        """The flow table as text.

        Examples
        --------
        >>> from instrument.validate import check_bank
        >>> from analysis.data.simulate import demo_spec, simulate
        >>> inst = check_bank()[0]
        >>> print(clean(simulate(inst, demo_spec(1, n_per_country=120)).data, inst).summary().splitlines()[0])
        cleaning: 123 raw -> 109 kept, 14 excluded
        """
        lines = [f"cleaning: {self.n_raw} raw -> {self.n_kept} kept, {self.n_excluded} excluded"]
        w = max(len(r) for r in self.log["rule"]) if len(self.log) else 4
        lines.append(f"{'#':>2}  {'rule':<{w}}  {'flagged':>8}  {'excluded':>8}  {'remaining':>9}  criterion")
        for r in self.log.itertuples():
            crit = r.criterion if r.status == "ok" else f"[{r.status}] {r.note}"
            lines.append(f"{r.order:>2}  {r.rule:<{w}}  {r.n_flagged:>8}  {r.n_excluded:>8}  {r.n_remaining:>9}  "
                         f"{crit}")
        lines += [f"note: {x}" for x in self.notes]
        return "\n".join(lines)


def clean(data: pd.DataFrame, inst: Any = None, config: CleanConfig | Mapping[str, Any] | None = None, *,
          problems: pd.DataFrame | None = None) -> CleanResult:
    """Screen respondents with ordered hurdles and log every exclusion.

    Parameters
    ----------
    data : DataFrame
        Responses (ResponseSet columns: item codes, checks, ``respondent_id country duration_sec finished``
        and, from the importers, ``preview``); never modified.
    inst : Instrument, optional
        The item bank (default: the bundled bank).
    config : CleanConfig or mapping, optional
        Rules and order (a mapping is read like study.toml's ``[cleaning]``); default :class:`CleanConfig` ().
    problems : DataFrame, optional
        The importer's recorded bad cells (``ResponseSet.problems``, with ``source_row``): their respondents are
        flagged by ``out_of_range``.

    Returns
    -------
    CleanResult

    Raises
    ------
    DataError
        No respondents, no item columns, or every respondent excluded (nothing is written).

    Examples
    --------
    >>> from instrument.validate import check_bank
    >>> from analysis.data.simulate import demo_spec, simulate
    >>> inst = check_bank()[0]
    >>> res = clean(simulate(inst, demo_spec(1, n_per_country=120)).data, inst, {"longstring": {"enabled": False}})
    >>> res.log.loc[res.log["rule"] == "longstring", "status"].item()
    'off'
    """
    if inst is None:
        from analysis.data.ingest import default_instrument

        inst = default_instrument()[0]
    if not isinstance(config, CleanConfig):
        config = CleanConfig.from_dict(config)
    if len(data) == 0:
        raise DataError("no respondents to clean")
    p = _prepare(data, inst)
    ind = _indices(data, p, config)
    n = len(data)
    prob_rows = None
    if problems is not None and len(problems) and "source_row" in data.columns:
        prob_rows = data["source_row"].isin(set(problems["source_row"])).to_numpy()
    remaining = np.ones(n, bool)
    hurdle = np.full(n, "", dtype=object)
    fired: list[np.ndarray] = []
    rows, flag_cols = [], {"respondent_id": p.ids}
    for order, name in enumerate(config.active_order(), start=1):
        if not config.enabled(name):
            flags, status, crit, note = np.zeros(n, bool), "off", "", "rule switched off"
        else:
            flags, status, crit, note = _rule(name, data, ind, p, config, prob_rows)
        flags = np.asarray(flags, bool)
        out_here = flags & remaining
        hurdle[out_here] = name
        remaining &= ~flags
        fired.append(flags)
        flag_cols[name] = flags
        rows.append({"order": order, "rule": name, "n_flagged": int(flags.sum()), "n_excluded": int(out_here.sum()),
                     "n_remaining": int(remaining.sum()), "status": status, "criterion": crit, "note": note})
    log = pd.DataFrame(rows, columns=LOG_COLUMNS)
    n_kept = int(remaining.sum())
    if n_kept == 0:
        worst = log.sort_values("n_excluded", ascending=False).iloc[0]
        raise DataError(f"every respondent fails a cleaning rule ({n} of {n}; most excluded by "
                        f"{worst['rule']}: {worst['n_excluded']}); check the thresholds in [cleaning] — nothing "
                        "was written")
    names = list(config.active_order())
    F = np.column_stack(fired) if fired else np.zeros((n, 0), bool)
    ex = np.flatnonzero(~remaining)
    excluded = pd.DataFrame({
        "respondent_id": p.ids[ex], "country": p.country[ex], "hurdle": hurdle[ex],
        "rules": [";".join(nm for nm, f in zip(names, F[i], strict=True) if f) for i in ex],
    })
    kept = data.loc[remaining]
    if n != len(kept) + len(excluded) or (excluded["hurdle"] == "").any():
        raise AssertionError(f"cleaning bookkeeping broken: {n} raw != {len(kept)} kept + {len(excluded)} excluded")
    return CleanResult(kept=kept, excluded=excluded, flags=pd.DataFrame(flag_cols), indices=ind, log=log,
                       config=config, n_raw=n, notes=tuple(ind.attrs.get("notes", [])))


# ---------------------------------------------------------------------------------------------------------------
def evaluate(result: CleanResult, truth: Mapping[str, Any] | str | Path) -> pd.DataFrame:
    """Sensitivity per planted kind and overall recall / precision / specificity against a simulation's truth.

    Parameters
    ----------
    result : CleanResult
    truth : mapping, str or Path
        The simulation's truth, or its truth.json.

    Returns
    -------
    DataFrame
        ``kind n_planted n_excluded sensitivity precision specificity`` (the last two on the ``all`` row).

    Examples
    --------
    >>> from instrument.validate import check_bank
    >>> from analysis.data.simulate import demo_spec, simulate
    >>> inst = check_bank()[0]
    >>> sim = simulate(inst, demo_spec(2, n_per_country=200))
    >>> ev = evaluate(clean(sim.data, inst), sim.truth)
    >>> ev["kind"].tolist()[-1], bool(ev["sensitivity"].iloc[-1] > 0.8)
    ('all', True)
    """
    doc: Any = truth
    if not isinstance(truth, Mapping):
        try:
            doc = json.loads(Path(truth).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise DataError(f"cannot read the truth file: {exc}", file=str(truth)) from None
    try:
        kinds: dict[str, Any] = doc["careless"]["ids"]
    except (KeyError, TypeError):
        raise DataError("not a simulation truth (no careless.ids)") from None
    out_ids = set(result.excluded["respondent_id"])
    all_ids = set(result.indices["respondent_id"])
    rows = []
    planted: set[str] = set()
    for kind, ids in kinds.items():
        ids = set(map(str, ids)) & all_ids
        planted |= ids
        hit = len(ids & out_ids)
        rows.append({"kind": kind, "n_planted": len(ids), "n_excluded": hit,
                     "sensitivity": hit / len(ids) if ids else np.nan, "precision": np.nan, "specificity": np.nan})
    tp = len(planted & out_ids)
    negatives = all_ids - planted
    rows.append({"kind": "all", "n_planted": len(planted), "n_excluded": len(out_ids),
                 "sensitivity": tp / len(planted) if planted else np.nan,
                 "precision": tp / len(out_ids) if out_ids else np.nan,
                 "specificity": len(negatives - out_ids) / len(negatives) if negatives else np.nan})
    return pd.DataFrame(rows)


def write_results(res: CleanResult, folder: str | Path, *, truth: Mapping[str, Any] | str | Path | None = None,
                  include_kept: bool = False) -> Path:
    """Write ``<folder>/cleaning/``: ``log.csv flow.json excluded.csv indices.csv`` (+ ``evaluation.csv`` with a
    truth, ``kept.csv`` with ``include_kept``). All files appear together or none do.

    Parameters
    ----------
    res : CleanResult
    folder : str or Path
        The results folder (``cleaning/`` is created in it).
    truth : mapping, str or Path, optional
        A simulation's truth (or its truth.json): also write ``evaluation.csv``.
    include_kept : bool
        Also write the kept respondents as ``kept.csv`` (``vcd clean``).

    Returns
    -------
    Path
        The ``cleaning`` folder.

    Examples
    --------
    >>> import tempfile
    >>> from instrument.validate import check_bank
    >>> from analysis.data.simulate import demo_spec, simulate
    >>> inst = check_bank()[0]
    >>> d = write_results(clean(simulate(inst, demo_spec(1, n_per_country=60)).data, inst), tempfile.mkdtemp())
    >>> sorted(f.name for f in d.iterdir())
    ['excluded.csv', 'flow.json', 'indices.csv', 'log.csv']
    """
    target = Path(folder) / "cleaning"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"cannot create the results folder: {exc.strerror or exc}", file=str(folder)) from None
    evaluation = evaluate(res, truth) if truth is not None else None
    tmp = Path(tempfile.mkdtemp(prefix=".cleaning-", dir=target.parent))
    try:
        res.log[["order", "rule", "n_flagged", "n_excluded", "n_remaining", "status", "criterion", "note"]].to_csv(
            tmp / "log.csv", index=False)
        flow = res.flow()
        if evaluation is not None:
            flow["evaluation"] = json.loads(evaluation.to_json(orient="records"))
            evaluation.to_csv(tmp / "evaluation.csv", index=False)
        (tmp / "flow.json").write_text(json.dumps(flow, indent=1) + "\n", encoding="utf-8")
        res.excluded.to_csv(tmp / "excluded.csv", index=False)
        ind = res.indices.copy()
        ind["excluded_by"] = ""
        ind.loc[ind["respondent_id"].isin(set(res.excluded["respondent_id"])), "excluded_by"] = \
            ind["respondent_id"].map(dict(zip(res.excluded["respondent_id"], res.excluded["hurdle"], strict=True)))
        ind.to_csv(tmp / "indices.csv", index=False, float_format="%.6g")
        if include_kept:
            res.kept.to_csv(tmp / "kept.csv", index=False)
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise DataError(f"cannot write the cleaning results: {exc.strerror or exc}", file=str(target)) from None
    except VcdError:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target
