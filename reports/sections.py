"""The report's sections, built from a loaded results folder: paragraphs, figures and formatted tables.

Each builder returns a :class:`Section`; a step that did not run yields a section that says why. The HTML
and Markdown renderers only lay these out (and escape them). Nothing is recomputed: every number comes from
the results files.

Examples
--------
>>> from pathlib import Path
>>> from reports.results import Results
>>> res = Results(Path("s"), {"steps": [{"step": "efa", "status": "skipped", "reason": "switched off"}]})
>>> sec = efa_section(res)
>>> sec.title, sec.status
('Exploratory factor analysis', 'This step was skipped: switched off.')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from reports import plots
from reports.findings import (
    cfa_fit_sentence,
    primary_tests,
    reason_label_by_name,
    reason_names_in_order,
    reasons_in_order,
)
from reports.results import Results
from reports.tables import Table, make_table

__all__ = ["Figure", "Section", "build_sections"]


@dataclass(frozen=True)
class Figure:
    """An inline figure: ``uri`` (data: URI), alt text and caption."""

    uri: str
    alt: str
    caption: str = ""


@dataclass
class Section:
    """One report section."""

    id: str
    title: str
    status: str = ""
    paragraphs: list[str] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)

    def add(self, table: Table | None) -> None:
        """Append a table when there is one."""
        if table is not None:
            self.tables.append(table)


def _num(v: Any, digits: int = 3) -> str:
    try:
        return f"{float(v):.{digits}f}"
    except (TypeError, ValueError):
        return "–"


def _status(res: Results, step: str, sec: Section) -> bool:
    st = res.step(step)
    if not st.ran:
        sec.status = st.explain()
        return False
    return True


def cleaning_section(res: Results) -> Section:
    """Cleaning flow: figure, the ordered hurdles, evaluation against a simulation's truth.

    Parameters
    ----------
    res : Results
        A loaded results folder (:func:`reports.results.load_results`).

    Returns
    -------
    Section
        Paragraphs, figures and tables; ``status`` says why when the step did not run.

    Examples
    --------
    >>> from pathlib import Path
    >>> from reports.results import Results
    >>> res = Results(Path("s"), {"steps": []})
    >>> cleaning_section(res).title, cleaning_section(res).status.startswith("This step did not run")
    ('Cleaning', True)
    """
    sec = Section("cleaning", "Cleaning")
    if not _status(res, "clean", sec):
        return sec
    flow = res.json("cleaning/flow") or {}
    log = res.table("cleaning/log")
    n_raw = int(flow.get("n_raw", 0))
    sec.paragraphs.append(f"{int(flow.get('n_kept', 0)):,} of {n_raw:,} responses were kept; each respondent is "
                          "excluded by the first hurdle (in the order below) that flags them.")
    if log is not None and not log.empty:
        sec.figures.append(Figure(plots.cleaning_flow(log, n_raw), "Cleaning flow: respondents remaining after each "
                                  "hurdle", "Respondents remaining after each ordered hurdle (red: excluded there)."))
    sec.add(make_table(log, [("order", "#", "int"), ("rule", "Rule", "text"), ("n_flagged", "Flagged", "int"),
                             ("n_excluded", "Excluded here", "int"), ("n_remaining", "Remaining", "int"),
                             ("status", "Status", "text"), ("criterion", "Criterion", "text"),
                             ("note", "Note", "text")], "Ordered cleaning hurdles"))
    sec.add(make_table(res.table("cleaning/evaluation"),
                       [("kind", "Planted kind", "text"), ("n_planted", "Planted", "int"),
                        ("n_excluded", "Excluded", "int"), ("sensitivity", "Recall", "num3"),
                        ("precision", "Precision", "num3"), ("specificity", "Specificity", "num3")],
                       "Evaluation against the simulation's planted careless respondents"))
    return sec


def descriptives_section(res: Results) -> Section:
    """Sample composition and item descriptives.

    Parameters
    ----------
    res : Results
        A loaded results folder (:func:`reports.results.load_results`).

    Returns
    -------
    Section
        Paragraphs, figures and tables; ``status`` says why when the step did not run.

    Examples
    --------
    >>> from pathlib import Path
    >>> from reports.results import Results
    >>> res = Results(Path("s"), {"steps": []})
    >>> descriptives_section(res).title, descriptives_section(res).status.startswith("This step did not run")
    ('Item descriptives', True)
    """
    sec = Section("descriptives", "Item descriptives")
    if not _status(res, "descriptives", sec):
        return sec
    summ = res.json("descriptives/summary") or {}
    sec.paragraphs.append(f"Analysed sample: N = {int(summ.get('n', 0)):,} ({summ.get('perspective', '')} "
                          f"perspective), {int(summ.get('n_items', 0))} items, "
                          f"{int(summ.get('n_countries', 0))} countries. Reverse-keyed items are shown as answered.")
    sec.add(make_table(res.table("descriptives/sample"), [("grouping", "Grouping", "text"), ("group", "Group", "text"),
                                                         ("n", "n", "int"), ("share", "Share", "pct")],
                       "Sample composition"))
    sec.add(make_table(res.table("descriptives/items"),
                       [("item", "Item", "text"), ("construct", "Construct", "text"), ("reverse", "Reverse", "bool"),
                        ("n", "n", "int"), ("missing_share", "Missing", "pct"), ("mean", "M", "num2"),
                        ("sd", "SD", "num2"), ("skew", "Skew", "num2"), ("kurtosis", "Kurtosis", "num2"),
                        ("text", "Wording (en)", "text")], "Items"))
    return sec


def efa_section(res: Results) -> Section:
    """EFA: sample and adequacy, scree with parallel analysis, loadings heatmap and table.

    Parameters
    ----------
    res : Results
        A loaded results folder (:func:`reports.results.load_results`).

    Returns
    -------
    Section
        Paragraphs, figures and tables; ``status`` says why when the step did not run.

    """
    sec = Section("efa", "Exploratory factor analysis")
    if not _status(res, "efa", sec):
        return sec
    s = res.json("efa/summary") or {}
    sec.paragraphs.append(
        f"{s.get('method', '?')} extraction with {s.get('rotation', '?')} rotation of {s.get('cor', '?')} "
        f"correlations ({s.get('missing', '?')} deletion) on the {s.get('sample', 'sample')} (n = "
        f"{int(s.get('n', 0)):,}): {s.get('n_factors', '?')} factors ({s.get('n_factors_source', 'configured')}; "
        f"parallel analysis suggests {s.get('parallel_n_factors', '–')}). KMO = {_num(s.get('kmo'))}; Bartlett "
        f"χ²({_num(s.get('bartlett_df'), 0)}) = {_num(s.get('bartlett_chisq'), 1)}.")
    eig = res.table("efa/eigenvalues")
    if eig is not None and not eig.empty:
        show = eig.copy()
        if "factor_observed" in show:
            show["observed"] = show["factor_observed"]
        sec.figures.append(Figure(plots.scree(show.head(20)), "Scree plot with parallel analysis",
                                  "Factor eigenvalues (observed) against the 95th percentile of simulated data."))
    load = res.table("efa/loadings")
    if load is not None and not load.empty:
        factors = [c for c in load.columns if c.startswith("F") and c[1:].isdigit()]
        mapping = s.get("factor_construct", {}) or {}
        sec.figures.append(Figure(plots.loadings_heatmap(load, factors), "EFA pattern loadings heatmap",
                                  "Pattern loadings (|λ| ≥ .30 printed). Factor → construct: " +
                                  ", ".join(f"{f} = {mapping.get(f, '?')}" for f in factors) + "."))
        cols = [("item", "Item", "text"), ("construct", "Construct", "text")] + [(f, f, "num2") for f in factors] + \
            [("h2", "h²", "num2"), ("flag", "Flag", "text")]
        sec.add(make_table(load, cols, "Rotated pattern loadings",
                           row_class=lambda r: "warn" if str(r.get("flag", "") or "") else ""))
    return sec


def reliability_section(res: Results) -> Section:
    """α with Feldt CI and ω total per scale; HTMT of the reasons.

    Parameters
    ----------
    res : Results
        A loaded results folder (:func:`reports.results.load_results`).

    Returns
    -------
    Section
        Paragraphs, figures and tables; ``status`` says why when the step did not run.

    Examples
    --------
    >>> from pathlib import Path
    >>> from reports.results import Results
    >>> res = Results(Path("s"), {"steps": []})
    >>> reliability_section(res).title, reliability_section(res).status.startswith("This step did not run")
    ('Reliability', True)
    """
    sec = Section("reliability", "Reliability")
    if not _status(res, "reliability", sec):
        return sec
    sec.add(make_table(res.table("reliability/scales"),
                       [("construct", "Scale", "text"), ("n_items", "Items", "int"), ("n", "n", "int"),
                        ("alpha", "α", "num3"), ("alpha_ci_low", "α 95% CI low", "num3"),
                        ("alpha_ci_high", "α 95% CI high", "num3"), ("omega_total", "ω total", "num3"),
                        ("cr", "CR", "num3"), ("ave", "AVE", "num3")], "Internal consistency",
                       row_class=lambda r: "warn" if float(r.get("alpha", 1) or 1) < 0.70 else ""))
    h = res.table("reliability/htmt")
    if h is not None and not h.empty:
        cols = [("construct", "", "text")] + [(c, c, "num2") for c in h.columns if c != "construct"]
        sec.add(make_table(h, cols, "Heterotrait–monotrait ratios (HTMT2) of the reasons",
                           note="Values above .85 question discriminant validity."))
    return sec


def cfa_section(res: Results) -> Section:
    """CFA fit and standardised loadings.

    Parameters
    ----------
    res : Results
        A loaded results folder (:func:`reports.results.load_results`).

    Returns
    -------
    Section
        Paragraphs, figures and tables; ``status`` says why when the step did not run.

    Examples
    --------
    >>> from pathlib import Path
    >>> from reports.results import Results
    >>> res = Results(Path("s"), {"steps": []})
    >>> cfa_section(res).title, cfa_section(res).status.startswith("This step did not run")
    ('Confirmatory factor analysis', True)
    """
    sec = Section("cfa", "Confirmatory factor analysis")
    if not _status(res, "cfa", sec):
        return sec
    f = res.json("cfa/fit") or {}
    fit = f.get("fit", {}) or {}
    conv = "" if f.get("converged", True) else " The model did NOT converge: do not interpret these estimates."
    sec.paragraphs.append(f"{f.get('estimator', '?')} on the {f.get('sample', 'sample')} (n = {int(f.get('n', 0)):,}; "
                          f"missing data: {f.get('missing', '?')}): {cfa_fit_sentence(fit)}.{conv}")
    for w in f.get("warnings", []) or []:
        sec.paragraphs.append(f"Warning: {w}")
    names = ["chisq", "df", "pvalue", "chisq_scaled", "pvalue_scaled", "cfi", "tli", "cfi_robust", "tli_robust",
             "rmsea", "rmsea_ci_lower", "rmsea_ci_upper", "rmsea_robust", "srmr", "aic", "bic"]
    shown = pd.DataFrame([{"measure": k, "value": (f"{fit[k]:.0f}" if k in ("df", "npar", "ntotal") else
                                                    f"{fit[k]:.3f}") if isinstance(fit[k], int | float) else fit[k]}
                          for k in names if k in fit and fit[k] is not None])
    sec.add(make_table(shown, [("measure", "Fit measure", "text"), ("value", "Value", "text")],
                       "Fit measures (lavaan names)"))
    params = res.table("cfa/params")
    if params is not None and not params.empty:
        load = params[params["op"] == "=~"].reset_index(drop=True)
        if "std_all" in load and not load.empty:
            sec.figures.append(Figure(plots.cfa_loadings(load), "Standardised CFA loadings",
                                      "Standardised loadings (std.all) by factor; dashed line at .50."))
        sec.add(make_table(load, [("lhs", "Factor", "text"), ("rhs", "Item", "text"), ("est", "λ", "num3"),
                                  ("se", "SE", "num3"), ("z", "z", "num2"), ("pvalue", "p", "p"),
                                  ("std_all", "Std. λ", "num3")], "Loadings"))
    return sec


def invariance_section(res: Results) -> Section:
    """The invariance ladder with decisions, freed parameters and latent means.

    Parameters
    ----------
    res : Results
        A loaded results folder (:func:`reports.results.load_results`).

    Returns
    -------
    Section
        Paragraphs, figures and tables; ``status`` says why when the step did not run.

    Examples
    --------
    >>> from pathlib import Path
    >>> from reports.results import Results
    >>> res = Results(Path("s"), {"steps": []})
    >>> invariance_section(res).title, invariance_section(res).status.startswith("This step did not run")
    ('Measurement invariance', True)
    """
    sec = Section("invariance", "Measurement invariance")
    if not _status(res, "invariance", sec):
        return sec
    dec = res.json("invariance/decisions") or {}
    groups = dec.get("groups", []) or []
    sec.paragraphs.append(f"Across {len(groups)} {dec.get('group', 'groups')} groups ({', '.join(map(str, groups))}); "
                          f"criteria: {dec.get('criteria', '?')}; highest supported level: "
                          f"{dec.get('highest', '?')}" + (" (partial invariance)" if dec.get("partial") is True
                                                          else f" ({dec.get('partial')})" if dec.get("partial")
                                                          else "") + ".")
    if dec.get("excluded_groups"):
        sec.paragraphs.append(f"Groups left out: {dec.get('excluded_groups')}.")
    ladder = res.table("invariance/ladder")
    if ladder is not None and not ladder.empty and {"step", "cfi", "rmsea"} <= set(ladder.columns):
        sec.figures.append(Figure(plots.ladder(ladder), "Invariance ladder: CFI and RMSEA by step",
                                  "CFI and RMSEA along the ladder."))
    sec.add(make_table(ladder, [("step", "Step", "text"), ("chisq", "χ²", "num2"), ("df", "df", "int"),
                                ("cfi", "CFI", "num3"), ("rmsea", "RMSEA", "num3"), ("srmr", "SRMR", "num3"),
                                ("delta_chisq", "Δχ²", "num2"), ("delta_df", "Δdf", "int"),
                                ("delta_pvalue", "p(Δχ²)", "p"), ("delta_cfi", "ΔCFI", "num3"),
                                ("delta_rmsea", "ΔRMSEA", "num3"), ("delta_srmr", "ΔSRMR", "num3"),
                                ("n_freed", "Freed", "int"), ("decision", "Decision", "text")], "The ladder",
                       row_class=lambda r: "bad" if "reject" in str(r.get("decision", "")).lower()
                       or "not" in str(r.get("decision", "")).lower() else ""))
    freed = dec.get("freed", []) or []
    if freed:
        sec.add(make_table(pd.DataFrame(freed), [("step", "Step", "text"), ("param", "Parameter", "text"),
                                                 ("construct", "Construct", "text"), ("group", "Group", "text"),
                                                 ("x2", "Score test χ²", "num2"), ("why", "Released because", "text")],
                           "Parameters freed (partial invariance)"))
    sec.add(make_table(res.table("invariance/latent_means"),
                       [("construct", "Construct", "text"), ("group", "Group", "text"), ("est", "Latent mean", "num3"),
                        ("se", "SE", "num3"), ("pvalue", "p", "p"), ("std_diff", "Std. difference", "num3")],
                       f"Latent means against the reference group ({dec.get('reference', 'first group')})"))
    lv = res.table("invariance/latent_variances")
    if lv is not None and not lv.empty and {"diff", "pvalue"} <= set(lv.columns):
        sec.add(make_table(lv, [("construct", "Construct", "text"), ("group", "Group", "text"),
                                ("est", "Latent variance", "num3"), ("reference_est", "Reference", "num3"),
                                ("diff", "Difference", "num3"), ("diff_se", "SE", "num3"), ("pvalue", "p", "p"),
                                ("ratio", "Ratio", "num2")],
                           f"Latent variances against the reference group ({dec.get('reference', 'first group')})"))
    return sec


def _comparability(res: Results) -> dict[tuple[str, str], bool]:
    comp = res.table("invariance/comparability")
    if comp is None or comp.empty or not {"construct", "group", "means_comparable"} <= set(comp.columns):
        return {}
    ok = comp["means_comparable"].astype(str).str.lower().isin(("true", "1", "yes"))
    return {(str(c), str(g)): bool(v) for c, g, v in zip(comp["construct"], comp["group"], ok, strict=True)}


def countries_section(res: Results) -> Section:
    """Country × reason heatmap of means, marked where invariance does not support the comparison.

    Parameters
    ----------
    res : Results
        A loaded results folder (:func:`reports.results.load_results`).

    Returns
    -------
    Section
        Paragraphs, figures and tables; ``status`` says why when the step did not run.

    Examples
    --------
    >>> from pathlib import Path
    >>> from reports.results import Results
    >>> res = Results(Path("s"), {"steps": []})
    >>> countries_section(res).title, countries_section(res).status.startswith("This step did not run")
    ('Countries', True)
    """
    sec = Section("countries", "Countries")
    scores = res.table("descriptives/scores_by_country")
    if not _status(res, "descriptives", sec) or scores is None or scores.empty:
        sec.status = sec.status or "No country column in the data."
        return sec
    reasons = reasons_in_order(res)
    scores = scores[scores["construct"].astype(str).isin(reasons)]
    comp = _comparability(res)
    inv = res.step("invariance")
    if inv.ran:
        n_bad = sum(1 for v in comp.values() if not v)
        note = (f"{n_bad} country × reason cell(s) are hatched and marked ×: the invariance results do not support "
                "comparing their observed means." if n_bad else "The invariance results support comparing every "
                "country's observed means.")
    else:
        why = (inv.reason or "it is not in the results").rstrip(".")
        note = (f"Measurement invariance was not tested ({why}), so these means are not known to be comparable "
                "across countries.")
    sec.paragraphs.append("Mean scale scores (item means after reverse-coding) per country and reason. " + note)
    sec.figures.append(Figure(plots.country_heatmap(scores, reasons, comp), "Heatmap of reason means by country",
                              "Mean scale score by country (rows) and reason (columns); × = not comparable."))
    if res.step("compare").ran:
        labels = reason_label_by_name(res)
        tests = res.table("compare/tests_country")
        if tests is not None and not tests.empty:
            main = primary_tests(tests).assign(reason=lambda d: d["reason"].astype(str).map(lambda r: labels.get(r, r)))
            sec.add(make_table(main, _TEST_COLUMNS, "Differences between countries (omnibus test per reason)"))
        ri = res.table("compare/country")
        if ri is not None and not ri.empty:
            ri = ri.assign(reason=ri["reason"].astype(str).map(lambda r: labels.get(r, r)))
        sec.add(make_table(ri, [("reason", "Reason", "text"), ("n_groups", "Countries", "int"),
                                ("var_country", "Country variance", "num4"), ("icc", "ICC", "num3"),
                                ("lrt_chisq", "LRT χ²", "num2"), ("p_adj", "p (adj.)", "p"),
                                ("converged", "Converged", "bool"), ("warnings", "Warnings", "text")],
                           "Country as a random intercept (mixed model per reason)"))
    return sec


_TEST_COLUMNS = [("reason", "Reason", "text"), ("test", "Test", "text"), ("n", "n", "int"),
                 ("statistic", "Statistic", "num2"), ("df1", "df1", "num1"), ("df2", "df2", "num1"),
                 ("p_unc", "p", "p"), ("p_adj", "p (adj.)", "p"), ("effect", "Effect", "text"),
                 ("effect_size", "Size", "num3"), ("ci_low", "CI low", "num3"), ("ci_high", "CI high", "num3")]


def timeline_section(res: Results) -> Section:
    """The phase timeline of the reasons (the seed's Figure 3 drawn from the timing matrix).

    Parameters
    ----------
    res : Results
        A loaded results folder (:func:`reports.results.load_results`).

    Returns
    -------
    Section
        Paragraphs, figures and tables; ``status`` says why when the step did not run.

    Examples
    --------
    >>> from pathlib import Path
    >>> from reports.results import Results
    >>> res = Results(Path("s"), {"steps": []})
    >>> timeline_section(res).title, timeline_section(res).status.startswith("This step did not run")
    ('When the reasons emerge', True)
    """
    sec = Section("timeline", "When the reasons emerge")
    if not _status(res, "compare", sec):
        return sec
    timing = res.table("compare/timing")
    if timing is None or timing.empty:
        sec.status = "The data have no timing matrix (TIM_* columns), so the timeline cannot be drawn."
        return sec
    names = [r for r in reason_names_in_order(res) if r in set(timing["reason"].astype(str))]
    names = names or list(dict.fromkeys(timing["reason"].astype(str)))
    sec.paragraphs.append("For each reason that occurred, respondents said when it emerged. Circle areas are the "
                          "shares; the orange ring marks the phase the seed study (Järvi et al., 2018, Table 3) "
                          "assigns to the reason.")
    sec.figures.append(Figure(plots.phase_timeline(timing, names, reason_label_by_name(res)),
                              "Phase timeline of the reasons", "The seed's Figure 3, drawn from the data."))
    labels = reason_label_by_name(res)
    tt = res.table("compare/timing_tests")
    if tt is not None and not tt.empty:
        tt = tt.assign(reason=tt["reason"].astype(str).map(lambda r: labels.get(r, r)))
    sec.add(make_table(tt,
                       [("reason", "Reason", "text"), ("test", "Test", "text"), ("statistic", "χ²", "num2"),
                        ("df1", "df", "int"), ("n", "n", "int"), ("p_adj", "p (adj.)", "p"),
                        ("effect_size", "Cramér's V", "num3")], "Homogeneity of timing"))
    return sec


def groups_section(res: Results, grouping: str, title: str) -> Section:
    """Forest plots of reason means by group, with the omnibus tests.

    Parameters
    ----------
    res : Results
        A loaded results folder (:func:`reports.results.load_results`).
    grouping, title : str
        The grouping column of the comparisons (``relationship_type``, ``phase``) and the section title.

    Returns
    -------
    Section
        Paragraphs, figures and tables; ``status`` says why when the step did not run.

    Examples
    --------
    >>> from pathlib import Path
    >>> from reports.results import Results
    >>> res = Results(Path("s"), {"steps": []})
    >>> groups_section(res, "phase", "Phases").id
    'phase'
    """
    sec = Section(grouping, title)
    if not _status(res, "compare", sec):
        return sec
    by = res.table(f"compare/by_{grouping}")
    tests = res.table(f"compare/tests_{grouping}")
    if by is None or by.empty:
        skipped = (res.json("compare/summary") or {}).get("skipped", {}).get(grouping)
        sec.status = f"Not compared: {skipped}." if skipped else "Not compared (not among the study's groupings)."
        return sec
    names = [r for r in reason_names_in_order(res) if r in set(by["reason"].astype(str))]
    names = names or list(dict.fromkeys(by["reason"].astype(str)))
    main = primary_tests(tests) if tests is not None and not tests.empty else None
    p_adj = ({str(r): float(p) for r, p in zip(main["reason"], main["p_adj"], strict=True)}
             if main is not None else {})
    cons = res.table("descriptives/constructs")
    short = ({str(n): str(c) for n, c in zip(cons["name"], cons["construct"], strict=True)}
             if cons is not None and not cons.empty else {})
    sec.figures.append(Figure(plots.forest(by, names, p_adj, short), f"Forest plots of reason means by {title}",
                              "Mean scale score with 95 % CI per group; red: omnibus test significant after "
                              "correction."))
    labels = reason_label_by_name(res)
    if main is not None:
        sec.add(make_table(main.assign(reason=main["reason"].astype(str).map(lambda r: labels.get(r, r))),
                           _TEST_COLUMNS, "Omnibus test per reason (p adjusted across the reasons)"))
    return sec


def hypotheses_section(res: Results) -> Section:
    """The seed's Table 3 claims with test, estimate, adjusted p and verdict.

    Parameters
    ----------
    res : Results
        A loaded results folder (:func:`reports.results.load_results`).

    Returns
    -------
    Section
        Paragraphs, figures and tables; ``status`` says why when the step did not run.

    Examples
    --------
    >>> from pathlib import Path
    >>> from reports.results import Results
    >>> res = Results(Path("s"), {"steps": []})
    >>> hypotheses_section(res).title
    "The seed's hypotheses"
    """
    sec = Section("hypotheses", "The seed's hypotheses")
    if not _status(res, "compare", sec):
        return sec
    hyp = res.table("compare/hypotheses")
    if hyp is None or hyp.empty:
        sec.status = "The hypotheses were not tested (switched off in the study)."
        return sec
    sec.paragraphs.append("Each temporal and relationship-type claim of Järvi et al. (2018, Table 3) as a testable "
                          "statement.")
    sec.add(make_table(hyp, [("id", "ID", "text"), ("claim", "Claim", "text"), ("test", "Test", "text"),
                             ("estimate", "Estimate", "num3"), ("p_adj", "p (adj.)", "p"),
                             ("verdict", "Verdict", "text"), ("note", "Note", "text")], "Seed hypotheses",
                       row_class=lambda r: {"supported": "good", "not supported": "bad"}.get(str(r["verdict"]), "")))
    two = res.table("compare/twoway")
    if two is not None and not two.empty:
        labels = reason_label_by_name(res)
        sec.add(make_table(two.assign(reason=two["reason"].astype(str).map(lambda r: labels.get(r, r))),
                           [("reason", "Reason", "text"), ("term", "Term", "text"), ("df", "df", "int"),
                            ("statistic", "F", "num2"), ("p_adj", "p (adj.)", "p"),
                            ("partial_eta2", "Partial η²", "num3")],
                           "Relationship type × phase ANOVA (Type II) per reason"))
    return sec


def build_sections(res: Results) -> list[Section]:
    """Every section of the report in order (summary and methods are added by the renderers).

    Parameters
    ----------
    res : Results
        A loaded results folder (:func:`reports.results.load_results`).

    Returns
    -------
    list of Section
        Cleaning, descriptives, EFA, reliability, CFA, invariance, countries, timeline, groups, hypotheses.

    Examples
    --------
    >>> from pathlib import Path
    >>> from reports.results import Results
    >>> res = Results(Path("s"), {"steps": []})
    >>> [s.id for s in build_sections(res)][:3]
    ['cleaning', 'descriptives', 'efa']
    """
    return [cleaning_section(res), descriptives_section(res), efa_section(res), reliability_section(res),
            cfa_section(res), invariance_section(res), countries_section(res), timeline_section(res),
            groups_section(res, "relationship_type", "Relationship types"),
            groups_section(res, "phase", "Phases"), hypotheses_section(res)]
