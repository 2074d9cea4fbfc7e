"""Measurement invariance across groups: the configural → metric → scalar → strict ladder with multi-group CFA,
change-in-fit decisions, partial invariance by score tests, and latent mean comparisons.

Every step is the same lavaan model fitted with more ``group_equal`` classes (``analysis.sem``: equal parameters
share a ``free`` number). A step is judged against the last *accepted* model (see
:mod:`analysis.invariance.criteria`). With ``partial=True`` a step that fails releases, one at a time, the
cross-group equality with the largest score test (lavaan ``lavTestScore``, univariate, expected information) in
the group where it is largest, refits, and judges again, until the step passes or ``max_free`` parameters were
released at that step. Releases carry forward to later steps. Latent means (fixed to 0 in the reference group,
free elsewhere once intercepts are equal — lavaan's identification) are compared from the highest supported model
with equal intercepts.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(5)
>>> n = 400
>>> f = rng.normal(size=(2 * n, 1)) + np.repeat([[0.0], [0.5]], n, axis=0)
>>> y = f * [1, .8, .7, .6] + rng.normal(scale=.6, size=(2 * n, 4))
>>> df = pd.DataFrame(y, columns=["a", "b", "c", "d"]).assign(g=np.repeat(["A", "B"], n))
>>> res = run_invariance(df, "F =~ a + b + c + d", "g")
>>> res.highest, list(res.ladder["decision"])
('strict', ['supported', 'supported', 'supported', 'supported'])
>>> round(float(res.latent_means["est"].iloc[0]), 2)
0.59
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from analysis.invariance.criteria import (
    STEP_CLASS,
    STEP_EQUAL,
    check_criteria,
    fit_basis,
    judge_configural,
    judge_step,
)
from analysis.invariance.results import InvarianceResult, comparability, latent_means, latent_variances, write_results
from analysis.sem import CfaResult, Model, lrt, parse_model
from analysis.sem.syntax import ParsedModel
from analysis.stats import MISSING, SampleStats, sample_stats
from vcd_core.errors import DataError, EstimationError, VcdError

__all__ = ["run_invariance", "write_results", "InvarianceResult", "STEPS"]

#: the ladder, in order
STEPS: tuple[str, ...] = ("configural", "metric", "scalar", "strict")


def _param_text(lhs: str, op: str, rhs: str) -> str:
    return f"{lhs} ~1" if op == "~1" else f"{lhs} {op} {rhs}"


def _class_rows(st: pd.DataFrame, cls: str, observed: set[str]) -> pd.DataFrame:
    if st.empty:
        return st
    if cls == "loadings":
        sel = st["op"] == "=~"
    elif cls == "intercepts":
        sel = (st["op"] == "~1") & st["lhs"].isin(observed)
    else:
        sel = (st["op"] == "~~") & (st["lhs"] == st["rhs"]) & st["lhs"].isin(observed)
    return st[sel]


def _usable_n(data: pd.DataFrame, observed: list[str], missing: str) -> pd.Series:
    X = data[observed].apply(pd.to_numeric, errors="coerce")
    return X.notna().all(axis=1) if missing == "listwise" else X.notna().any(axis=1)


def _groups(data: pd.DataFrame, group: str, observed: list[str], missing: str, reference: Any,
            group_order: Sequence | None, min_n: int) -> tuple[list[str], pd.DataFrame, list[str]]:
    """Group labels (reference first), the table of excluded groups, warnings."""
    if group not in data.columns:
        raise DataError(f"group column {group!r} is not in the data")
    warnings = []
    col = data[group]
    if col.isna().any():
        warnings.append(f"{int(col.isna().sum())} row(s) with missing {group} left out")
    labels = [str(v) for v in pd.unique(col.dropna().astype(str))]
    if group_order is not None:
        unknown = [str(g) for g in group_order if str(g) not in labels]
        if unknown:
            raise DataError(f"group(s) {', '.join(unknown)} not found in column {group!r}")
        labels = [str(g) for g in group_order]
    ok = _usable_n(data, observed, missing)
    gs = col.astype(str).where(col.notna())
    counts = ok.groupby(gs).sum()
    if reference == "auto":
        big = [g for g in labels if int(counts.get(g, 0)) >= min_n]
        if len(big) < 2:
            raise DataError(f"invariance needs at least two groups of {group!r} with {min_n}+ respondents; "
                            f"found {len(big)}")
        reference = big[0]
    if reference is not None:
        if str(reference) not in labels:
            raise DataError(f"reference group {reference!r} not found in column {group!r}")
        labels.remove(str(reference))
        labels.insert(0, str(reference))
    rows = []
    for g in labels:
        n = int(counts.get(g, 0))
        if n < min_n:
            what = "complete" if missing == "listwise" else "usable"
            rows.append({"group": g, "n": n, "reason": f"{n} {what} respondent(s), fewer than the {min_n} needed"})
    excluded = pd.DataFrame(rows, columns=["group", "n", "reason"])
    if not excluded.empty and labels[0] in set(excluded["group"]):
        r = excluded[excluded["group"] == labels[0]].iloc[0]
        raise DataError(f"the reference group {labels[0]!r} of {group!r} is too small: {r['reason']}")
    kept = [g for g in labels if g not in set(excluded["group"])]
    if len(kept) < 2:
        raise DataError(f"invariance needs at least two groups of {group!r} with {min_n}+ respondents; "
                        f"found {len(kept)}")
    warnings += [f"group {r.group} left out: {r.reason}" for r in excluded.itertuples()]
    return kept, excluded, warnings


def run_invariance(
    data: pd.DataFrame,
    model: str | ParsedModel,
    group: str,
    *,
    estimator: str = "ML",
    missing: str = "listwise",
    criteria: str = "chen2007",
    partial: bool = False,
    release: str = "fit",
    alpha: float = 0.05,
    max_free: int = 10,
    steps: Sequence[str] = STEPS,
    reference: Any = None,
    group_order: Sequence | None = None,
    min_group_n: int | None = None,
    stop_on_failure: bool = True,
    progress: Callable[[str], None] | None = None,
) -> InvarianceResult:
    """Test measurement invariance of ``model`` across the groups in column ``group``.

    Parameters
    ----------
    data : DataFrame
        Item columns of the model and the group column.
    model : str or ParsedModel
        lavaan syntax of the measurement model (the same in every group).
    group : str
        Grouping column (e.g. ``"country"``).
    estimator, missing : str
        ``"ML"`` or ``"MLR"`` (robust CFI/RMSEA decide, Satorra-Bentler 2001 scaled Δχ²); ``"listwise"`` or
        ``"fiml"``.
    criteria : {"chen2007", "cheung2002"}
        Change-in-fit rule for metric, scalar and strict (the configural model is judged on absolute fit).
    partial : bool
        Release failing constraints one at a time by the largest score test until the step passes.
    release : {"fit", "score"}
        When ``partial`` releases: ``"fit"`` only while the step fails the change-in-fit criteria (which are
        insensitive to a few non-invariant parameters among many groups, Rutkowski & Svetina 2014);
        ``"score"`` also while the largest score test is significant at ``alpha`` Bonferroni-adjusted for the
        number of constraints the step adds.
    alpha : float
        Family-wise level for ``release="score"``.
    max_free : int
        At most this many parameters released per step.
    steps : sequence of str
        Steps to run, a prefix-ordered subset of ``configural, metric, scalar, strict`` (configural always runs).
    reference : optional
        Reference group (first in the model; its latent means are fixed to 0). Default: the first group in
        ``group_order`` or in order of first appearance in the data (lavaan); ``"auto"``: the first of those
        with enough respondents.
    group_order : sequence, optional
        Order of the groups.
    min_group_n : int, optional
        Groups with fewer usable respondents are left out with a recorded reason (an error for the reference
        group). At least the number of items + 1 is always required.
    stop_on_failure : bool
        Do not fit the steps after one that is not supported (they are listed as ``not tested``).
    progress : callable, optional
        Called with a short message before each fit.

    Returns
    -------
    InvarianceResult

    Examples
    --------
    >>> run_invariance(pd.DataFrame({"a": [1.0], "b": [2.0], "c": [3.0]}), "F =~ a + b + c", "g")
    Traceback (most recent call last):
    ...
    vcd_core.errors.DataError: group column 'g' is not in the data
    """
    pm = parse_model(model) if isinstance(model, str) else model
    criteria = check_criteria(criteria)
    if release not in ("fit", "score"):
        raise EstimationError(f"release must be 'fit' or 'score', not {release!r}")
    estimator = str(estimator).upper()
    missing = MISSING.get(str(missing).lower(), str(missing))
    unknown = [s for s in steps if s not in STEPS]
    if unknown:
        raise EstimationError(f"unknown invariance step(s) {', '.join(map(str, unknown))}; use {', '.join(STEPS)}")
    wanted = [s for s in STEPS if s in set(steps) or s == "configural"]
    observed = list(pm.observed)
    absent = [v for v in observed if v not in data.columns]
    if absent:
        raise DataError(f"unknown variable(s) in the model, not in the data: {', '.join(absent)}")
    min_n = max(len(observed) + 1, int(min_group_n or 0))
    kept, excluded, warnings = _groups(data, group, observed, missing, reference, group_order, min_n)
    sub = data[data[group].notna() & data[group].astype(str).isin(kept)].copy()
    sub[group] = sub[group].astype(str)
    try:  # the statistics of every step: computed once
        stats = sample_stats(sub, observed, group=group, group_order=kept, missing=missing)
    except VcdError as exc:
        raise type(exc)(f"configural model: {exc}") from None
    run = _Ladder(pm, stats, estimator, criteria, partial, release, alpha, max_free, stop_on_failure,
                  progress or (lambda _msg: None), warnings)
    with threadpool_limits(1):
        for step in wanted:
            run.step(step)
    return run.result(wanted, excluded)


class _Ladder:
    """The state of one ladder run: fits, decisions, released parameters."""

    def __init__(self, pm: ParsedModel, stats: SampleStats, estimator: str, criteria: str, partial: bool,
                 release: str, alpha: float, max_free: int, stop_on_failure: bool, say: Callable[[str], None],
                 warnings: list[str]) -> None:
        self.pm, self.stats, self.estimator, self.criteria = pm, stats, estimator, criteria
        self.partial, self.release, self.alpha, self.max_free = partial, release, alpha, max_free
        self.stop_on_failure, self.say, self.warnings = stop_on_failure, say, warnings
        self.kept = list(stats.labels)
        self.observed = set(pm.observed)
        self.ladder_rows: list[dict[str, Any]] = []
        self.freed_rows: list[dict[str, Any]] = []
        self.fits: dict[str, CfaResult] = {}
        self.freed: list[tuple[str, str]] = []
        self.prev: CfaResult | None = None
        self.prev_step = ""
        self.highest = "none"
        self.failed_at = ""

    def fit(self, model: Model, step: str, start: CfaResult | None) -> CfaResult:
        try:
            return model.fit(self.stats, estimator=self.estimator, start=start, std_se=False)
        except VcdError as exc:
            raise type(exc)(f"{step} model: {exc}") from None

    def judge(self, step: str, cur: CfaResult) -> tuple[bool, str, dict[str, float]]:
        basis = fit_basis(cur.fit, self.estimator)
        if self.prev is None:
            ok, why = judge_configural(basis)
        else:
            ok, why = judge_step(step, fit_basis(self.prev.fit, self.estimator), basis, self.criteria)
        return ok and cur.converged, why, basis

    def step(self, step: str) -> None:
        """Fit ``step`` (releasing parameters when ``partial``), judge it and record the row."""
        if self.failed_at and self.stop_on_failure:
            self.ladder_rows.append({"step": step, "decision": f"not tested ({self.failed_at} not supported)",
                                     "n_freed": 0})
            return
        self.say(f"{step} model")
        model = Model(self.pm, group_equal=STEP_EQUAL[step], group_partial=list(self.freed))
        cur = self.fit(model, step, self.prev)
        if not cur.converged:
            self.warnings.append(f"{step} model did not converge")
        self.warnings += [f"{step}: {w}" for w in cur.warnings if "dropped" not in w]
        ok, why, basis = self.judge(step, cur)
        n_new = 0
        if self.prev is not None and self.partial:
            cur, ok, why, basis, n_new = self.release_step(step, model, cur, ok, why, basis)
        self.record(step, cur, ok, why, basis, n_new)

    def release_step(self, step: str, model: Model, cur: CfaResult, ok: bool, why: str, basis: dict[str, float]
                     ) -> tuple[CfaResult, bool, str, dict[str, float], int]:
        """Release the largest score test, refit and judge again, until the step passes (or ``max_free``)."""
        cls = STEP_CLASS[step]
        n_tests = n_new = 0
        while n_new < self.max_free:
            st = _class_rows(cur.score_tests(reference=True), cls, self.observed)
            n_tests = n_tests or len(st)
            done = set(self.freed)
            st = st[[(_param_text(r.lhs, r.op, r.rhs), r.group) not in done for r in st.itertuples()]]
            st = st[np.isfinite(st["x2"].to_numpy(float))]
            if st.empty:
                break
            # the largest test; on (near) ties — two groups give identical tests — not the reference group
            top = st[st["x2"] >= st["x2"].max() * (1 - 1e-6)]
            nonref = top[top["group"].astype(str) != self.kept[0]]
            best = (nonref if len(nonref) else top).iloc[0]
            significant = self.release == "score" and float(best["pvalue"]) < self.alpha / max(n_tests, 1)
            if ok and not significant:
                break
            text = _param_text(best["lhs"], best["op"], best["rhs"])
            self.freed.append((text, str(best["group"])))
            n_new += 1
            self.freed_rows.append({"step": step, "param": text, "construct": _construct(self.pm, best),
                                    "group": str(best["group"]), "x2": float(best["x2"]),
                                    "pvalue": float(best["pvalue"]),
                                    "why": "significant score test" if ok else "step not supported"})
            self.say(f"{step} model, releasing {text} in {best['group']}")
            model = model.released((text, str(best["group"])))
            cur = self.fit(model, step, cur)
            ok, why, basis = self.judge(step, cur)
        return cur, ok, why, basis, n_new

    def record(self, step: str, cur: CfaResult, ok: bool, why: str, basis: dict[str, float], n_new: int) -> None:
        self.fits[step] = cur
        row = _ladder_row(step, cur, self.prev, self.estimator, basis, self.prev_step)
        row["n_freed"] = n_new
        row["decision"] = ("supported (partial)" if ok and n_new else "supported" if ok else "not supported")
        row["reason"] = why if cur.converged else f"did not converge; {why}"
        if self.prev is None and not ok and cur.converged:
            # a poorly fitting baseline: the ladder still runs (its decisions are relative), with a warning
            row["decision"] = "poor fit"
            self.warnings.append(f"the configural model fits poorly ({why}): the invariance tests rest on a "
                                 "misspecified baseline model")
            ok = True
        self.ladder_rows.append(row)
        if ok and not self.failed_at:
            self.highest = step
            self.prev, self.prev_step = cur, step
        else:
            self.failed_at = self.failed_at or step
            if self.prev is None or not self.stop_on_failure:
                self.prev, self.prev_step = cur, step

    def result(self, wanted: list[str], excluded: pd.DataFrame) -> InvarianceResult:
        """The :class:`InvarianceResult` of the run."""
        ladder = pd.DataFrame(self.ladder_rows)
        for c in _LADDER_COLUMNS:
            if c not in ladder.columns:
                ladder[c] = np.nan
        ladder = ladder[_LADDER_COLUMNS + [c for c in ladder.columns if c not in _LADDER_COLUMNS]]
        freed_df = pd.DataFrame(self.freed_rows, columns=["step", "param", "construct", "group", "x2", "pvalue",
                                                          "why"])
        highest, fits, kept, pm = self.highest, self.fits, self.kept, self.pm
        top = fits.get(highest) if highest != "none" else None
        means_from = highest if highest in ("scalar", "strict") else None
        lm = latent_means(fits[means_from] if means_from else None, pm, kept[0], means_from or "")
        if means_from is None and "scalar" in wanted:
            self.warnings.append("latent means not compared: scalar invariance is not supported")
        var_from = highest if highest in ("metric", "scalar", "strict") else None
        lv = latent_variances(fits[var_from] if var_from else None, pm, kept[0], var_from or "")
        comp = comparability(pm, kept, highest, freed_df, excluded)
        partial_level = bool(len(freed_df) and highest != "none"
                             and (freed_df["step"].isin(wanted[: wanted.index(highest) + 1])).any())
        return InvarianceResult(
            group=str(self.stats.group_var), groups=tuple(kept), reference=kept[0], estimator=self.estimator,
            missing=self.stats.missing, criteria=self.criteria, steps=tuple(wanted), highest=highest,
            partial=partial_level, ladder=ladder, freed=freed_df, latent_means=lm, latent_variances=lv,
            comparability=comp, excluded_groups=excluded, lrt=_lrt_table(fits, wanted),
            nobs=tuple(int(n) for n in (top or fits["configural"]).nobs), model=pm.text, release=self.release,
            alpha=self.alpha, warnings=tuple(dict.fromkeys(self.warnings)), fits=fits,
        )


_LADDER_COLUMNS = ["step", "npar", "chisq", "df", "pvalue", "chisq_scaled", "scaling_factor", "cfi", "tli", "rmsea",
                   "srmr", "aic", "bic", "delta_chisq", "delta_df", "delta_pvalue", "delta_cfi", "delta_rmsea",
                   "delta_srmr", "n_freed", "decision", "reason", "compared_with"]


def _construct(pm: ParsedModel, row: pd.Series) -> str:
    if row["op"] == "=~":
        return str(row["lhs"])
    item = str(row["lhs"])
    owners = [t.lhs for t in pm.terms if t.op == "=~" and t.rhs == item]
    return "+".join(dict.fromkeys(owners))


def _ladder_row(step: str, cur: CfaResult, prev: CfaResult | None, estimator: str, basis: dict[str, float],
                prev_step: str) -> dict[str, Any]:
    f = cur.fit
    row: dict[str, Any] = {"step": step, "npar": int(f["npar"]), "chisq": f["chisq"], "df": int(f["df"]),
                           "pvalue": f["pvalue"], "chisq_scaled": f.get("chisq_scaled", math.nan),
                           "scaling_factor": f.get("chisq_scaling_factor", math.nan), **basis,
                           "aic": f.get("aic", math.nan), "bic": f.get("bic", math.nan), "compared_with": prev_step}
    if prev is not None:
        pb = fit_basis(prev.fit, estimator)
        tab = lrt(prev, cur)
        last = tab.iloc[-1]
        row.update(delta_chisq=float(last["chisq_diff"]), delta_df=int(last["df_diff"]),
                   delta_pvalue=float(last["pvalue"]), delta_cfi=basis["cfi"] - pb["cfi"],
                   delta_rmsea=basis["rmsea"] - pb["rmsea"], delta_srmr=basis["srmr"] - pb["srmr"])
    return row


def _lrt_table(fits: dict[str, CfaResult], wanted: list[str]) -> pd.DataFrame:
    names = [s for s in wanted if s in fits]
    if len(names) < 2:
        return pd.DataFrame(columns=["model", "df", "aic", "bic", "chisq", "chisq_diff", "df_diff", "pvalue"])
    return lrt(*[fits[s] for s in names], names=names)
