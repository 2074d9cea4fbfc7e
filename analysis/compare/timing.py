"""The within-respondent timing matrix: when each reason occurred (before / during / after / throughout / not).

The bank's context question ``TIMING`` asks, per reason, "when did this occur" on the ``timing5`` scale
(1 before, 2 during, 3 after, 4 throughout, 5 did not occur); its rows (e.g. ``TIM_INF``) are data columns.
:func:`timing_matrix` tabulates the shares per reason and tests their homogeneity across reasons and across
relationship types (χ², Cramér's V).

Examples
--------
>>> TIMING_CODES[1], OCCURRED[-1]
('before', 'throughout')
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from analysis.compare.group_tests import p_adjust
from vcd_core.errors import BankError, DataError

__all__ = ["OCCURRED", "TIMING_CODES", "timing_columns", "timing_matrix"]

#: timing-matrix answer value → label (the ``timing5`` scale of the bank).
TIMING_CODES: dict[int, str] = {1: "before", 2: "during", 3: "after", 4: "throughout", 5: "none"}
OCCURRED: tuple[str, ...] = ("before", "during", "after", "throughout")


def _instrument(inst: Any | None) -> Any:
    if inst is not None:
        return inst
    from instrument.validate import load_bank

    return load_bank()


def timing_columns(inst: Any | None = None) -> dict[str, str]:
    """Reason name → column of the timing matrix (the bank's ``TIMING`` rows, else ``TIM_<code>``).

    Parameters
    ----------
    inst : Instrument, optional
        The item bank (default: the bundled one).

    Returns
    -------
    dict
        Reason name -> timing-matrix column.

    Examples
    --------
    >>> timing_columns()["absence_of_information"]
    'TIM_INF'
    """
    inst = _instrument(inst)
    cols = {r.name: f"TIM_{r.code}" for r in inst.reasons()}
    try:
        q = inst.context_question("TIMING")
    except BankError:
        return cols
    for row in q.rows:
        if row.construct in cols:
            cols[row.construct] = row.code
        else:
            for r in inst.reasons():
                if row.construct == r.code:
                    cols[r.name] = row.code
    return cols


def _timing_long(data: pd.DataFrame, inst: Any) -> tuple[pd.DataFrame, dict[str, str]]:
    tcols = {name: col for name, col in timing_columns(inst).items() if col in data.columns}
    if not tcols:
        raise DataError("the data have no timing-matrix columns (" + ", ".join(timing_columns(inst).values()) + ")")
    frames = []
    for name, col in tcols.items():
        v = pd.to_numeric(data[col], errors="coerce")
        bad = (v.isna() & data[col].notna()) | (v.notna() & ~v.isin(list(TIMING_CODES)))
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(f"timing value {data[col].iloc[pos]} is not one of 1..5", row=pos + 1, column=col)
        f = pd.DataFrame({"reason": name, "answer": v.map(TIMING_CODES)})
        if "relationship_type" in data.columns:
            f["relationship_type"] = data["relationship_type"].to_numpy()
        frames.append(f.dropna(subset=["answer"]))
    return pd.concat(frames, ignore_index=True), tcols


def _chi2(table: np.ndarray) -> tuple[float, float, float, float]:
    """Pearson's χ² of independence (no continuity correction), its df and p, and Cramér's V (SciPy)."""
    table = np.asarray(table).astype(np.int64)  # counts (SciPy's association takes integer tables only)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if min(table.shape) < 2:
        return np.nan, np.nan, np.nan, np.nan
    res = stats.chi2_contingency(table, correction=False)
    v = stats.contingency.association(table, method="cramer", correction=False)
    return float(res.statistic), float(res.dof), float(res.pvalue), float(v)


def timing_matrix(
    data: pd.DataFrame,
    inst: Any | None = None,
    correction: str = "holm",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The per-reason timing matrix and χ² tests of its homogeneity.

    Parameters
    ----------
    data : DataFrame
        Responses with the timing-matrix columns (1..5) and, for the across-types tests, ``relationship_type``.
    inst : Instrument, optional
        The item bank (default: the bundled one).
    correction : {"holm", "bh"}
        Adjustment of the across-types p-values across reasons.

    Returns
    -------
    matrix : DataFrame
        ``reason, seed_time, phase, n, share`` for phase in before/during/after/throughout (share of the
        respondents for whom the reason occurred) and ``none`` (share of all who answered the row).
    tests : DataFrame
        ``reason, test, statistic, df1, n, p_unc, p_adj, effect, effect_size``: ``chi2_across_reasons``
        (reasons × the four occurrence answers, all reasons; the rows share respondents, so this p is
        descriptive) and ``chi2_across_relationship_types`` per reason (relationship type × occurrence
        answer; independent respondents), p adjusted across reasons. Effect size: Cramér's V.

    Examples
    --------
    >>> from analysis.data.simulate import SimulationSpec, simulate
    >>> from instrument.validate import load_bank
    >>> responses = simulate(load_bank(), SimulationSpec(countries=("FI", "DE"), n_per_country=40, seed=1)).data
    >>> m, t = timing_matrix(responses)
    >>> m.columns.tolist(), sorted(set(t["test"]))
    (['reason', 'seed_time', 'phase', 'n', 'share'], ['chi2_across_reasons', 'chi2_across_relationship_types'])
    """
    inst = _instrument(inst)
    long, _ = _timing_long(data, inst)
    seed = {r.name: r.time for r in inst.reasons()}
    rows = []
    for name, g in long.groupby("reason", sort=False):
        counts = g["answer"].value_counts()
        occurred = int(sum(counts.get(ph, 0) for ph in OCCURRED))
        for ph in (*OCCURRED, "none"):
            n = int(counts.get(ph, 0))
            denom = len(g) if ph == "none" else occurred
            rows.append({"reason": name, "seed_time": seed.get(name), "phase": ph, "n": n,
                         "share": n / denom if denom else np.nan})
    matrix = pd.DataFrame(rows)
    occ = long[long["answer"].isin(OCCURRED)]
    ct = pd.crosstab(occ["reason"], occ["answer"]).reindex(columns=list(OCCURRED), fill_value=0)
    chi2, dof, p, v = _chi2(ct.to_numpy())
    tests = [{"reason": "all", "test": "chi2_across_reasons", "statistic": chi2, "df1": dof, "n": int(ct.values.sum()),
              "p_unc": p, "p_adj": p, "effect": "cramers_v", "effect_size": v}]
    if "relationship_type" in occ.columns:
        per: list[dict[str, Any]] = []
        for name, g in occ.groupby("reason", sort=False):
            ctab = pd.crosstab(g["relationship_type"], g["answer"]).reindex(columns=list(OCCURRED), fill_value=0)
            chi2, dof, p, v = _chi2(ctab.to_numpy())
            per.append({"reason": name, "test": "chi2_across_relationship_types", "statistic": chi2, "df1": dof,
                        "n": int(ctab.values.sum()), "p_unc": p, "effect": "cramers_v", "effect_size": v})
        adj = p_adjust([r["p_unc"] for r in per], correction)
        for r, pa in zip(per, adj, strict=True):
            r["p_adj"] = pa
        tests.extend(per)
    return matrix, pd.DataFrame(tests)
