"""Differences in the reasons for value co-destruction across relationship types, phases and countries.

The layer over :mod:`analysis.compare.group_tests` and :mod:`analysis.compare.factorial` that knows the instrument:

- :func:`scale_scores` — one score per reason (and theme): the mean of the respondent's answered items after
  reverse-coding. Reverse-keying and the scale range come from the item bank, never from labels.
- :func:`compare_groups` — per reason × grouping: descriptives with 95 % CIs, Levene (median), Welch ANOVA,
  classic ANOVA, Kruskal-Wallis with effect sizes and CIs, the post hoc test of the chosen method
  (Games-Howell / Tukey / Dunn), p adjusted across the reasons (Holm by default, or BH).
- :func:`timing_matrix` — the within-respondent timing matrix (share of before / during / after / throughout per
  reason) with χ² tests of homogeneity across reasons and across relationship types.
- :func:`twoway_by_reason` — relationship type × phase ANOVA per reason (Type II, or III with sum-to-zero coding).
- :func:`country_random_intercept` — each reason with country as a random intercept (REML; convergence reported).

Response data: one row per respondent, item codes as columns (e.g. ``INF01``) plus ``respondent_id country
language relationship_type phase`` and the timing matrix rows (e.g. ``TIM_INF``: 1 before, 2 during,
3 after, 4 throughout, 5 did not occur).

Examples
--------
>>> import pandas as pd
>>> d = pd.DataFrame({"absence_of_information": [3.0, 4, 5, 2, 6, 5, 4, 6],
...                   "relationship_type": ["B2C", "B2C", "B2B", "B2B", "G2C", "G2C", "B2G", "B2G"]})
>>> res = compare_groups(d, "relationship_type", reasons=["absence_of_information"])
>>> res.tests["test"].tolist()
['levene_median', 'welch_anova', 'anova', 'kruskal']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from analysis.compare.factorial import anova_twoway, mixed_random_intercept
from analysis.compare.group_tests import (
    anova_oneway,
    describe,
    kruskal,
    levene,
    p_adjust,
    split_groups,
    welch_anova,
)
from analysis.compare.hypotheses import seed_hypotheses
from analysis.compare.posthoc import dunn, games_howell, tukey_hsd
from analysis.compare.scores import GROUPINGS, LEVELS, reason_names, scale_scores
from analysis.compare.timing import OCCURRED, TIMING_CODES, _instrument, timing_columns, timing_matrix
from vcd_core.errors import DataError

__all__ = [
    "OCCURRED",
    "TIMING_CODES",
    "GROUPINGS",
    "LEVELS",
    "TIMING_CODES",
    "CompareResult",
    "Comparisons",
    "compare_groups",
    "country_random_intercept",
    "reason_names",
    "run_comparisons",
    "scale_scores",
    "timing_columns",
    "timing_matrix",
    "twoway_by_reason",
    "write_results",
]

METHODS: dict[str, str] = {"welch": "welch_anova", "anova": "anova", "kruskal": "kruskal"}


@dataclass(frozen=True)
class CompareResult:
    """Comparisons of the reasons across one grouping.

    ``descriptives``: ``reason, group, n, mean, sd, se, ci_low, ci_high, median``;
    ``tests``: ``reason, test, n, k, statistic, df1, df2, p_unc, p_adj, effect, effect_size, ci_low, ci_high,
    primary`` (p adjusted across reasons within each test); ``posthoc``: the pairwise table of the method
    (``reason, test, group1, group2, n1, n2, mean1, mean2, estimate, …, p_adj, ci_low, ci_high``).
    """

    by: str
    method: str
    correction: str
    alpha: float
    descriptives: pd.DataFrame = field(repr=False)
    tests: pd.DataFrame = field(repr=False)
    posthoc: pd.DataFrame = field(repr=False)

    def summary(self) -> str:
        """The primary test per reason as text."""
        t = self.tests[self.tests["primary"]]
        lines = [f"{self.method} by {self.by} ({self.correction}-adjusted across {len(t)} reasons)"]
        for r in t.itertuples():
            sig = "*" if r.p_adj < self.alpha else " "
            df2 = "" if np.isnan(r.df2) else f", {r.df2:.1f}"
            lines.append(f"  {r.reason:<32} stat={r.statistic:8.3f} df=({r.df1:g}{df2}) p_adj={r.p_adj:.4g}{sig} "
                         f"{r.effect}={r.effect_size:.4f} [{r.ci_low:.4f}, {r.ci_high:.4f}]")
        return "\n".join(lines)


def _table3() -> tuple[Any, ...]:
    from instrument.table3 import TABLE3

    return TABLE3


def _score_columns(scores: pd.DataFrame, reasons: Sequence[str] | None) -> list[str]:
    if reasons is not None:
        missing = [r for r in reasons if r not in scores.columns]
        if missing:
            raise DataError(f"no score column for {', '.join(missing)}", column=missing[0])
        return list(reasons)
    cols = [r.name for r in _table3() if r.name in scores.columns]
    if not cols:
        raise DataError("no reason score columns in the data (compute them with scale_scores)")
    return cols


def compare_groups(
    scores: pd.DataFrame,
    by: str,
    reasons: Sequence[str] | None = None,
    method: str = "welch",
    correction: str = "holm",
    alpha: float = 0.05,
    levels: Sequence[str] | None = None,
    comparability: pd.DataFrame | None = None,
) -> CompareResult:
    """Compare every reason's score across the groups of ``by``.

    Parameters
    ----------
    scores : DataFrame
        One row per respondent with reason score columns (see :func:`scale_scores`) and ``by``.
    by : str
        Grouping column; ``relationship_type`` and ``phase`` labels are checked against :data:`LEVELS`.
    reasons : sequence of str, optional
        Score columns to compare; default every Table-3 reason present.
    method : {"welch", "anova", "kruskal"}
        Primary omnibus test and its post hoc test (Games-Howell, Tukey HSD, Dunn with Holm).
    correction : {"holm", "bh"}
        Adjustment across the reasons, separately for each test.
    levels : sequence of str, optional
        Allowed labels of ``by`` (overrides :data:`LEVELS`).
    comparability : DataFrame, optional
        The invariance step's ``construct, group, means_comparable`` (construct = reason name or code): adds
        ``means_comparable`` to the descriptives and a ``note`` to the tests naming the groups whose observed
        means the invariance results do not support comparing.

    Returns
    -------
    CompareResult
        Descriptives, the four omnibus tests with effect sizes and p adjusted across reasons, and the post hoc
        table of ``method``.

    Examples
    --------
    >>> d = pd.DataFrame({"blaming": [3.0, 4, 5, 2, 6, 5], "phase": ["before", "before", "during", "during",
    ...                   "after", "after"]})
    >>> compare_groups(d, "phase", method="kruskal").descriptives["group"].tolist()
    ['before', 'during', 'after']
    """
    if method not in METHODS:
        raise DataError(f"unknown method {method!r}; use welch, anova or kruskal")
    if correction not in ("holm", "bh"):
        raise DataError(f"unknown correction {correction!r}; use holm or bh")
    if by not in scores.columns:
        raise DataError(f"grouping column {by!r} is not in the data", column=by)
    cols = _score_columns(scores, reasons)
    levels = levels if levels is not None else LEVELS.get(by)
    desc, tests, post = [], [], []
    for reason in cols:
        gr = split_groups(scores, reason, by, levels=levels)
        desc.append(describe(gr))
        lev, wel, ano, kw = levene(gr), welch_anova(gr), anova_oneway(gr), kruskal(gr)
        wel = wel.assign(effect="omega2", effect_size=ano["omega2"].iloc[0], ci_low=ano["omega2_ci_low"].iloc[0],
                         ci_high=ano["omega2_ci_high"].iloc[0])
        ano = ano.assign(effect="eta2", effect_size=ano["eta2"].iloc[0])
        kw = kw.assign(effect="epsilon2", effect_size=kw["epsilon2"].iloc[0])
        lev = lev.assign(effect="", effect_size=np.nan, ci_low=np.nan, ci_high=np.nan)
        tests.extend([lev, wel, ano, kw])
        if method == "welch":
            post.append(games_howell(gr))
        elif method == "anova":
            post.append(tukey_hsd(gr))
        else:
            post.append(dunn(gr))
    tcols = ["reason", "test", "n", "k", "statistic", "df1", "df2", "p_unc", "p_adj", "effect", "effect_size",
             "ci_low", "ci_high", "primary"]
    tests_df = pd.concat(tests, ignore_index=True).rename(columns={"dv": "reason"})
    tests_df["p_adj"] = np.nan
    for _, idx in tests_df.groupby("test", sort=False).groups.items():
        tests_df.loc[idx, "p_adj"] = p_adjust(tests_df.loc[idx, "p_unc"].to_numpy(), correction)
    tests_df["primary"] = tests_df["test"] == METHODS[method]
    desc_df = pd.concat(desc, ignore_index=True).rename(columns={"dv": "reason"}).drop(columns="between")
    post_df = pd.concat(post, ignore_index=True).rename(columns={"dv": "reason"}).drop(columns="between")
    tests_df["note"] = ""
    if comparability is not None:
        need = {"construct", "group", "means_comparable"}
        if not need <= set(comparability.columns):
            raise DataError(f"comparability table needs columns {', '.join(sorted(need))}")
        code_to_name = {r.code: r.name for r in _table3()}
        comp = comparability.assign(reason=comparability["construct"].map(lambda c: code_to_name.get(c, c)),
                                    group=comparability["group"].astype(str))
        flags = comp.set_index(["reason", "group"])["means_comparable"].astype(bool).to_dict()
        desc_df["means_comparable"] = [flags.get((r, g), pd.NA) for r, g in zip(desc_df.reason, desc_df.group,
                                                                                  strict=True)]
        for reason in cols:
            bad = [g for g in desc_df.loc[desc_df.reason == reason, "group"] if flags.get((reason, g)) is False]
            if bad:
                tests_df.loc[tests_df.reason == reason, "note"] = (
                    f"observed means not comparable (invariance) for {', '.join(bad)}")
    return CompareResult(by, method, correction, alpha, desc_df, tests_df[[*tcols, "note"]], post_df)


# ---------------------------------------------------------------------------------------------------------------
# two-way ANOVA and country random intercept


def twoway_by_reason(
    scores: pd.DataFrame,
    reasons: Sequence[str] | None = None,
    a: str = "relationship_type",
    b: str = "phase",
    typ: int = 2,
    correction: str = "holm",
) -> pd.DataFrame:
    """Relationship type × phase ANOVA for each reason; p adjusted across reasons per term.

    Parameters
    ----------
    scores : DataFrame
        Reason scores (:func:`scale_scores`) with the columns ``a`` and ``b``.
    reasons : sequence of str, optional
        Score columns; default every Table-3 reason present.
    a, b : str
        The two factors (labels checked against :data:`LEVELS`).
    typ : {2, 3}
        Type II or Type III sums of squares (:func:`~analysis.compare.factorial.anova_twoway`).
    correction : {"holm", "bh"}
        Adjustment across reasons, per term.

    Returns
    -------
    DataFrame
        ``reason, type, term, ss, df, ms, statistic, p_unc, partial_eta2, p_adj`` per reason and term.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> s = pd.DataFrame({"blaming": rng.normal(4, 1, 120), "relationship_type": np.tile(["B2C", "B2B"], 60),
    ...                   "phase": np.repeat(["before", "during", "after"], 40)})
    >>> twoway_by_reason(s)["term"].tolist()
    ['relationship_type', 'phase', 'relationship_type:phase', 'Residuals']
    """
    cols = _score_columns(scores, reasons)
    for col in (a, b):
        if col not in scores.columns:
            raise DataError(f"grouping column {col!r} is not in the data", column=col)
        split_groups(scores, cols[0], col, levels=LEVELS.get(col))  # label check
    out = pd.concat([anova_twoway(scores, r, a, b, typ=typ) for r in cols], ignore_index=True)
    out = out.rename(columns={"dv": "reason"})
    out["p_adj"] = np.nan
    for term, idx in out.groupby("term", sort=False).groups.items():
        if term not in ("Residuals", "(Intercept)"):
            out.loc[idx, "p_adj"] = p_adjust(out.loc[idx, "p_unc"].to_numpy(), correction)
    return out


def country_random_intercept(
    scores: pd.DataFrame,
    reasons: Sequence[str] | None = None,
    group: str = "country",
    fixed: Sequence[str] = ("relationship_type", "phase"),
    correction: str = "holm",
) -> pd.DataFrame:
    """Each reason ~ fixed factors + (1 | country) by REML; country variance, ICC, LRT and convergence.

    Fixed factors absent from the data are left out (listed in ``fixed``).

    Parameters
    ----------
    scores : DataFrame
        Reason scores with ``group`` and the ``fixed`` columns.
    reasons : sequence of str, optional
        Score columns; default every Table-3 reason present.
    group : str
        The random-intercept grouping (country).
    fixed : sequence of str
        Fixed factors (treatment coded).
    correction : {"holm", "bh"}
        Adjustment of the likelihood-ratio p across reasons.

    Returns
    -------
    DataFrame
        ``reason, n, n_groups, fixed, var_country, var_residual, icc, lrt_chisq, p_unc, p_adj, converged,
        boundary, warnings``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> s = pd.DataFrame({"blaming": rng.normal(4, 1, 120), "country": np.repeat(list("ABCD"), 30),
    ...                   "phase": np.tile(["before", "during", "after"], 40)})
    >>> m = country_random_intercept(s)
    >>> m[["reason", "n", "n_groups", "fixed", "converged"]].to_dict("records")
    [{'reason': 'blaming', 'n': 120, 'n_groups': 4, 'fixed': 'phase', 'converged': True}]
    """
    cols = _score_columns(scores, reasons)
    if group not in scores.columns:
        raise DataError(f"grouping column {group!r} is not in the data", column=group)
    fx = tuple(f for f in fixed if f in scores.columns and scores[f].nunique() > 1)
    rows = []
    for r in cols:
        m = mixed_random_intercept(scores, r, group=group, fixed=fx)
        notes = cast(list[str], m["warnings"])
        rows.append({"reason": r, "n": m["n"], "n_groups": m["n_groups"], "fixed": "+".join(fx),
                     "var_country": m["var_group"], "var_residual": m["var_residual"], "icc": m["icc"],
                     "lrt_chisq": m["lrt_chisq"], "p_unc": m["lrt_p"], "converged": m["converged"],
                     "boundary": m["boundary"], "warnings": "; ".join(notes)})
    out = pd.DataFrame(rows)
    out.insert(9, "p_adj", p_adjust(out["p_unc"].to_numpy(), correction))
    return out


# ---------------------------------------------------------------------------------------------------------------
# everything at once (the study runner's entry point) and the results-folder files


@dataclass(frozen=True)
class Comparisons:
    """All comparisons of a study: per grouping (:class:`CompareResult`), timing matrix and its tests,
    two-way ANOVA (Type II), country random intercepts and the seed-hypotheses table. Missing parts are
    ``None`` with the reason in ``skipped`` (e.g. no timing-matrix columns)."""

    groupings: dict[str, CompareResult] = field(repr=False)
    timing: pd.DataFrame | None = field(repr=False)
    timing_tests: pd.DataFrame | None = field(repr=False)
    twoway: pd.DataFrame | None = field(repr=False)
    country: pd.DataFrame | None = field(repr=False)
    hypotheses: pd.DataFrame | None = field(repr=False)
    correction: str = "holm"
    alpha: float = 0.05
    skipped: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        """Primary tests per grouping, then what was skipped."""
        parts = [r.summary() for r in self.groupings.values()]
        parts += [f"skipped {k}: {v}" for k, v in self.skipped.items()]
        return "\n".join(parts)


def run_comparisons(
    data: pd.DataFrame,
    inst: Any | None = None,
    groupings: Sequence[str] = GROUPINGS,
    reasons: Sequence[str] | None = None,
    method: str = "welch",
    correction: str = "holm",
    alpha: float = 0.05,
    hypotheses: bool = True,
    comparability: pd.DataFrame | None = None,
) -> Comparisons:
    """Scale scores, then every comparison for the study runner.

    A grouping column absent from the data, a missing timing matrix or fewer than three countries is recorded in
    ``skipped``; bad data inside a present column (one-respondent groups, unexpected labels, no variance) raises
    :class:`DataError`. ``comparability`` (the invariance step's ``construct, group, means_comparable``) marks
    country means the invariance results do not support comparing.

    Parameters
    ----------
    data : DataFrame
        Responses: item codes, metadata (``country``, ``relationship_type``, ``phase``) and timing-matrix columns.
    inst : Instrument, optional
        The item bank (default: the bundled one).
    groupings : sequence of str
        Columns to compare the reasons across.
    reasons : sequence of str, optional
        Reasons to score (names or codes); default all.
    method : {"welch", "anova", "kruskal"}
        Primary omnibus test and its post hoc test.
    correction : {"holm", "bh"}
        Multiple-testing adjustment across reasons (and across the hypotheses table).
    alpha : float
        Significance level of the verdicts and summaries.
    hypotheses : bool
        Also test the seed study's Table 3 claims (:func:`~analysis.compare.hypotheses.seed_hypotheses`).
    comparability : DataFrame, optional
        The invariance step's ``construct, group, means_comparable``.

    Returns
    -------
    Comparisons
        Every part, ``None`` where skipped (the reason in ``skipped``).

    Examples
    --------
    >>> from analysis.data.simulate import SimulationSpec, simulate
    >>> from instrument.validate import load_bank
    >>> responses = simulate(load_bank(), SimulationSpec(countries=("FI", "DE"), n_per_country=40, seed=1)).data
    >>> res = run_comparisons(responses, groupings=("phase",), hypotheses=False)
    >>> res.groupings["phase"].tests.columns[:3].tolist()
    ['reason', 'test', 'n']
    """

    inst = _instrument(inst)
    scores = scale_scores(data, inst, reasons=reasons, themes=hypotheses)
    cols = [r.name for r in inst.reasons() if r.name in scores.columns]
    skipped: dict[str, str] = {}
    results = {}
    for g in groupings:
        if g not in scores.columns:
            skipped[g] = f"no column {g!r} in the data"
            continue
        results[g] = compare_groups(scores, g, cols, method=method, correction=correction, alpha=alpha,
                                    comparability=comparability if g == "country" else None)
    timing = timing_tests = twoway = country = hyp = None
    try:
        timing, timing_tests = timing_matrix(data, inst, correction=correction)
    except DataError as exc:
        if "no timing-matrix columns" not in exc.message:
            raise
        skipped["timing"] = exc.message
    if {"relationship_type", "phase"} <= set(scores.columns):
        twoway = twoway_by_reason(scores, cols, correction=correction)
    else:
        skipped["twoway"] = "needs relationship_type and phase columns"
    if "country" in scores.columns and scores["country"].nunique() >= 3:
        country = country_random_intercept(scores, cols, correction=correction)
    else:
        skipped["country"] = "needs a country column with at least three countries"
    if hypotheses:
        hyp = seed_hypotheses(data, inst, correction=correction, alpha=alpha, scores=scores)
    return Comparisons(results, timing, timing_tests, twoway, country, hyp, correction, alpha, skipped)


def write_results(res: Comparisons, folder: str | Path) -> list[str]:
    """Write the ``compare/`` files of the results folder (see README, "The results folder").

    ``by_<grouping>.csv``, ``tests_<grouping>.csv``, ``posthoc_<grouping>.csv``, ``timing.csv``,
    ``timing_tests.csv``, ``twoway.csv``, ``country.csv``, ``hypotheses.csv`` and ``summary.json``; returns the
    file names written. Floats are written with 10 significant digits, so identical runs give identical files.

    Parameters
    ----------
    res : Comparisons
        The result of :func:`run_comparisons`.
    folder : str or Path
        The ``compare/`` folder (created if missing).

    Returns
    -------
    list of str
        The names of the files written, in writing order.

    Examples
    --------
    >>> from analysis.data.simulate import SimulationSpec, simulate
    >>> from instrument.validate import load_bank
    >>> responses = simulate(load_bank(), SimulationSpec(countries=("FI", "DE"), n_per_country=40, seed=1)).data
    >>> import tempfile
    >>> write_results(run_comparisons(responses, groupings=("phase",), hypotheses=False), tempfile.mkdtemp())[:2]
    ['by_phase.csv', 'tests_phase.csv']
    """
    import json

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    written = []

    def put(name: str, df: pd.DataFrame | None) -> None:
        if df is None:
            return
        df.to_csv(out / name, index=False, float_format="%.10g")
        written.append(name)

    for g, r in res.groupings.items():
        put(f"by_{g}.csv", r.descriptives)
        put(f"tests_{g}.csv", r.tests)
        put(f"posthoc_{g}.csv", r.posthoc)
    put("timing.csv", res.timing)
    put("timing_tests.csv", res.timing_tests)
    put("twoway.csv", res.twoway)
    put("country.csv", res.country)
    put("hypotheses.csv", res.hypotheses)
    method = next(iter(res.groupings.values())).method if res.groupings else None
    summary = {"groupings": list(res.groupings), "method": method, "correction": res.correction, "alpha": res.alpha,
               "skipped": res.skipped}
    (out / "summary.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    written.append("summary.json")
    return written
