"""The seed study's Table 3 claims as testable hypotheses, each with its test, estimate, adjusted p and verdict.

Järvi, Kähkönen & Torvinen (2018) report for each reason a time of emergence and for each second-order theme the
relationship types where it was observed. :func:`seed_hypotheses` turns every such claim into a statement the
survey data can support or not:

Temporal claims (timing matrix, within respondents; ``H-T-<code>``)
    - a *before* reason (inability to change, absence of clear expectations): "the share of 'before' among
      the occurrences of <reason> exceeds that of the any-time reasons". Per respondent for whom the reason
      and at least one any-time reason occurred: d = 1[reason before] − mean over occurred any-time reasons of
      1[before]; one-sided one-sample t-test of mean d > 0; estimate = mean d (difference in share).
    - an *after* reason (customer misbehaviour, blaming): the same with 'after'.
    - an *any-time* reason: "occurs in every phase": estimate = the smallest of its before / during / after
      shares among occurrences ('throughout' not counted); one-sided exact binomial test of that share > 5 %.

Between-respondent temporal claims (phase in which problems began; ``H-P-<code>``)
    - a before / after reason scores higher among respondents whose problems began in that phase than among
      the others: one-sided Welch t-test; estimate = difference in mean score.

Relationship-type claims (theme scores; ``H-R-<code>-<theme>``)
    - a theme observed only in some relationship types: "the theme scores higher in <types> than in the other
      types": one-sided Welch t-test; estimate = difference in means.
    - a theme observed in all types (RI): "the theme is not specific to a relationship type": Welch ANOVA across
      types; estimate = ω²; supported when ω² < 0.01 (negligible, whatever p says), reported with its p.

p-values are adjusted across the whole table (Holm by default). Verdicts: ``supported`` (adjusted p < alpha
and the estimate in the claimed direction; for RI themes ω² < 0.01), ``not supported``, or ``not testable
with these data`` (with the reason in ``note``: no timing matrix, a type absent, too few respondents…).

Examples
--------
>>> from analysis.data.simulate import SimulationSpec, simulate
>>> from instrument.validate import load_bank
>>> responses = simulate(load_bank(), SimulationSpec(countries=("FI", "DE"), n_per_country=40, seed=1)).data
>>> seed_hypotheses(responses).columns.tolist()
['id', 'claim', 'test', 'estimate', 'p_unc', 'p_adj', 'verdict', 'note', 'n']
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from analysis.compare.group_tests import anova_oneway, p_adjust, split_groups, welch_anova
from analysis.compare.scores import RELATIONSHIP_TYPES, scale_scores
from analysis.compare.timing import OCCURRED, TIMING_CODES, _instrument, timing_columns
from vcd_core.errors import DataError

__all__ = ["ANY_TIME_MIN_SHARE", "NOT_TESTABLE", "RI_OMEGA2_MAX", "hypotheses_summary", "seed_hypotheses", "verdict"]

NOT_TESTABLE = "not testable with these data"
#: ω² below which a relationship-type-independent (RI) theme counts as not specific to a type.
RI_OMEGA2_MAX = 0.01
#: share each phase must exceed for an any-time reason to "occur in every phase".
ANY_TIME_MIN_SHARE = 0.05
_COLUMNS = ["id", "claim", "test", "estimate", "p_unc", "p_adj", "verdict", "note", "n"]


def _label(name: str) -> str:
    return name.replace("_", " ")


def _row(hid: str, claim: str, test: str, estimate: float = np.nan, p: float = np.nan, n: int = 0,
         note: str = "", direction: int = 1, rule: str = "p") -> dict[str, Any]:
    return {"id": hid, "claim": claim, "test": test, "estimate": estimate, "p_unc": p, "n": n, "note": note,
            "direction": direction, "rule": rule}


def _welch_one_sided(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Mean difference a − b and the one-sided Welch p for a > b."""
    t = stats.ttest_ind(a, b, equal_var=False, alternative="greater")
    return float(a.mean() - b.mean()), float(t.pvalue)


def _temporal(data: pd.DataFrame, inst: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    reasons = inst.reasons()
    tcols = timing_columns(inst)
    present = {r.name: tcols[r.name] for r in reasons if tcols[r.name] in data.columns}
    answers = {}
    for name, col in present.items():
        v = pd.to_numeric(data[col], errors="coerce")
        answers[name] = v.map(TIMING_CODES)
    any_names = [r.name for r in reasons if r.time == "any" and r.name in answers]
    for r in reasons:
        hid = f"H-T-{r.code}"
        if r.time in ("before", "after"):
            claim = f"{_label(r.name)} emerges {r.time} the collaboration: its share of '{r.time}' exceeds that of " \
                    "the any-time reasons"
            test = "one-sided one-sample t-test of within-respondent differences in share"
        else:
            claim = f"{_label(r.name)} emerges at any time: each of before, during and after holds more than " \
                    f"{ANY_TIME_MIN_SHARE:.0%} of its occurrences"
            test = "one-sided exact binomial test of the smallest phase share"
        if r.name not in answers:
            rows.append(_row(hid, claim, test, note=f"no timing-matrix column {tcols[r.name]}"))
            continue
        a = answers[r.name]
        if r.time in ("before", "after"):
            if not any_names:
                rows.append(_row(hid, claim, test, note="no any-time reason in the timing matrix"))
                continue
            occ = np.column_stack([answers[n].isin(OCCURRED).to_numpy() for n in any_names])
            hit = np.column_stack([(answers[n] == r.time).to_numpy() for n in any_names]) & occ
            with np.errstate(invalid="ignore", divide="ignore"):
                ref_share = hit.sum(axis=1) / occ.sum(axis=1)
            own = a.isin(OCCURRED).to_numpy()
            diff = (a == r.time).to_numpy(float) - ref_share
            d = pd.Series(diff[own & (occ.sum(axis=1) > 0)], dtype=float)
            if len(d) < 3 or d.std() == 0:
                why = "too few respondents with occurrences" if len(d) < 3 else "the timing answers do not vary"
                rows.append(_row(hid, claim, test, n=len(d), note=why))
                continue
            t = stats.ttest_1samp(d, 0.0, alternative="greater")
            rows.append(_row(hid, claim, test, float(d.mean()), float(t.pvalue), len(d)))
        else:
            occ = a[a.isin(OCCURRED)]
            if len(occ) < 3:
                rows.append(_row(hid, claim, test, n=len(occ), note="too few occurrences"))
                continue
            counts = {p: int((occ == p).sum()) for p in ("before", "during", "after")}
            low = min(counts, key=lambda ph: counts[ph])
            share = counts[low] / len(occ)
            p = stats.binomtest(counts[low], len(occ), ANY_TIME_MIN_SHARE, alternative="greater").pvalue
            rows.append(_row(hid, claim, test, share, float(p), len(occ), note=f"smallest share: {low}"))
    return rows


def _phase_between(scores: pd.DataFrame, inst: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for r in inst.reasons():
        if r.time not in ("before", "after"):
            continue
        hid = f"H-P-{r.code}"
        claim = f"{_label(r.name)} is higher among respondents whose problems began {r.time} the collaboration"
        test = "one-sided Welch t-test (phase in which problems began)"
        if "phase" not in scores.columns or r.name not in scores.columns:
            rows.append(_row(hid, claim, test, note="no phase column" if "phase" not in scores.columns else
                             f"no score for {r.name}"))
            continue
        d = scores[[r.name, "phase"]].dropna()
        a = d.loc[d["phase"] == r.time, r.name].to_numpy(float)
        b = d.loc[d["phase"] != r.time, r.name].to_numpy(float)
        if len(a) < 2 or len(b) < 2:
            rows.append(_row(hid, claim, test, n=len(d), note=f"fewer than 2 respondents in phase {r.time} or others"))
            continue
        est, p = _welch_one_sided(a, b)
        rows.append(_row(hid, claim, test, est, p, len(d)))
    return rows


def _relationship(scores: pd.DataFrame, inst: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    has_rt = "relationship_type" in scores.columns
    for r in inst.reasons():
        for t in r.themes:
            col = f"{r.name}.{t.code}"
            types = tuple(t.relationship_types)
            hid = f"H-R-{r.code}-{t.code}"
            ri = set(types) >= set(RELATIONSHIP_TYPES)
            if ri:
                claim = f"{_label(t.code)} ({_label(r.name)}) occurs in every relationship type: it is not specific " \
                        f"to one (omega2 < {RI_OMEGA2_MAX})"
                test = "Welch ANOVA across relationship types; omega2"
            else:
                claim = f"{_label(t.code)} ({_label(r.name)}) is higher in {'/'.join(types)} than in " \
                        f"{'/'.join(x for x in RELATIONSHIP_TYPES if x not in types)}"
                test = "one-sided Welch t-test"
            if not has_rt:
                rows.append(_row(hid, claim, test, note="no relationship_type column"))
                continue
            if col not in scores.columns or scores[col].notna().sum() == 0:
                rows.append(_row(hid, claim, test, note=f"no items of theme {t.code} in the data"))
                continue
            d = scores[[col, "relationship_type"]].dropna()
            if ri:
                try:
                    gr = split_groups(d, col, "relationship_type", levels=RELATIONSHIP_TYPES)
                    w, a = welch_anova(gr), anova_oneway(gr)
                except DataError as exc:
                    rows.append(_row(hid, claim, test, n=len(d), note=exc.message))
                    continue
                note = "" if len(gr.labels) == 4 else f"types present: {', '.join(gr.labels)}"
                rows.append(_row(hid, claim, test, float(a["omega2"].iloc[0]), float(w["p_unc"].iloc[0]), len(d),
                                 note=note, rule="omega2"))
                continue
            inside = d["relationship_type"].isin(types)
            a_ = d.loc[inside, col].to_numpy(float)
            b_ = d.loc[~inside, col].to_numpy(float)
            if len(a_) < 2 or len(b_) < 2:
                rows.append(_row(hid, claim, test, n=len(d), note="fewer than 2 respondents in the claimed types "
                                 "or in the others"))
                continue
            est, p = _welch_one_sided(a_, b_)
            rows.append(_row(hid, claim, test, est, p, len(d)))
    return rows


def seed_hypotheses(
    data: pd.DataFrame,
    inst: Any | None = None,
    correction: str = "holm",
    alpha: float = 0.05,
    scores: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Test every temporal and relationship-type claim of Table 3 of the seed study.

    Parameters
    ----------
    data : DataFrame
        Responses (item codes, ``relationship_type``, ``phase``, timing-matrix columns).
    inst : Instrument, optional
        The item bank (default: the bundled one).
    correction : {"holm", "bh"}
        Adjustment across all testable hypotheses of the table.
    alpha : float
        Significance level of the verdicts.
    scores : DataFrame, optional
        Precomputed ``scale_scores(data, inst, themes=True)``.

    Returns
    -------
    DataFrame
        ``id, claim, test, estimate, p_unc, p_adj, verdict, note, n`` — one row per claim.

    Examples
    --------
    >>> from analysis.data.simulate import SimulationSpec, simulate
    >>> from instrument.validate import load_bank
    >>> responses = simulate(load_bank(), SimulationSpec(countries=("FI", "DE"), n_per_country=40, seed=1)).data
    >>> table = seed_hypotheses(responses)
    >>> bool(table["verdict"].isin(["supported", "not supported", NOT_TESTABLE]).all())
    True
    """
    inst = _instrument(inst)
    if scores is None:
        scores = scale_scores(data, inst, themes=True)
    rows = _temporal(data, inst) + _phase_between(scores, inst) + _relationship(scores, inst)
    out = pd.DataFrame(rows)
    out["p_adj"] = p_adjust(out["p_unc"].to_numpy(float), correction)
    out["verdict"] = [verdict(r.estimate, r.p_adj, alpha, r.rule, r.direction) for r in out.itertuples()]
    return out[_COLUMNS]


def verdict(estimate: float, p_adj: float, alpha: float = 0.05, rule: str = "p", direction: int = 1) -> str:
    """The verdict on one claim.

    ``rule="p"``: supported when the adjusted p is below ``alpha`` (strictly) and the estimate lies in the claimed
    direction (``estimate * direction > 0``). ``rule="omega2"`` (relationship-type-independent themes): supported
    when ω² < :data:`RI_OMEGA2_MAX` (strictly), whatever p says. A missing estimate or p: not testable.

    Parameters
    ----------
    estimate : float
        The claim's estimate (difference in share or mean; ω² for ``rule="omega2"``).
    p_adj : float
        Its adjusted p-value.
    alpha : float
        Significance level.
    rule : {"p", "omega2"}
        Which rule decides.
    direction : {1, -1}
        The claimed sign of the estimate.

    Returns
    -------
    str
        ``supported``, ``not supported`` or :data:`NOT_TESTABLE`.

    Examples
    --------
    >>> verdict(0.2, 0.01), verdict(0.2, 0.05), verdict(0.0099, 0.9, rule="omega2")
    ('supported', 'not supported', 'supported')
    """
    if np.isnan(p_adj) or np.isnan(estimate):
        return NOT_TESTABLE
    if rule == "omega2":
        return "supported" if estimate < RI_OMEGA2_MAX else "not supported"
    return "supported" if p_adj < alpha and estimate * direction > 0 else "not supported"


def hypotheses_summary(table: pd.DataFrame) -> str:
    """Counts of verdicts as one line.

    Parameters
    ----------
    table : DataFrame
        The result of :func:`seed_hypotheses` (its ``verdict`` column).

    Returns
    -------
    str
        ``<n> supported, <n> not supported, <n> not testable``.

    Examples
    --------
    >>> hypotheses_summary(pd.DataFrame({"verdict": ["supported", "not supported", "supported"]}))
    '2 supported, 1 not supported, 0 not testable'
    """
    v = table["verdict"]
    return (f"{int((v == 'supported').sum())} supported, {int((v == 'not supported').sum())} not supported, "
            f"{int((v == NOT_TESTABLE).sum())} not testable")
