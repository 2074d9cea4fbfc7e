"""Plain-language findings, the methods paragraph and the references, read off a loaded results folder.

Nothing here computes a statistic: every number is read from the results tables and only formatted
(or counted, e.g. "3 of 8 reasons"). Shared by the HTML and the Markdown report.

Examples
--------
>>> fmt_p(0.0004), fmt_p(0.0312), fmt_num(0.91234), fmt_num(None)
('< .001', '.031', '0.912', '–')
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from reports.results import Results

REFERENCES: tuple[str, ...] = (
    "Byrne, B. M., Shavelson, R. J., & Muthén, B. (1989). Testing for the equivalence of factor covariance and "
    "mean structures: The issue of partial measurement invariance. Psychological Bulletin, 105(3), 456–466.",
    "Chen, F. F. (2007). Sensitivity of goodness of fit indexes to lack of measurement invariance. "
    "Structural Equation Modeling, 14(3), 464–504.",
    "Cheung, G. W., & Rensvold, R. B. (2002). Evaluating goodness-of-fit indexes for testing measurement "
    "invariance. Structural Equation Modeling, 9(2), 233–255.",
    "Curran, P. G. (2016). Methods for the detection of carelessly invalid responses in survey data. "
    "Journal of Experimental Social Psychology, 66, 4–19.",
    "Holm, S. (1979). A simple sequentially rejective multiple test procedure. "
    "Scandinavian Journal of Statistics, 6(2), 65–70.",
    "Horn, J. L. (1965). A rationale and test for the number of factors in factor analysis. "
    "Psychometrika, 30(2), 179–185.",
    "Järvi, H., Kähkönen, A.-K., & Torvinen, H. (2018). When value co-creation fails: Reasons that lead to "
    "value co-destruction. Scandinavian Journal of Management, 34(1), 63–77.",
    "McDonald, R. P. (1999). Test theory: A unified treatment. Lawrence Erlbaum.",
    "Meade, A. W., & Craig, S. B. (2012). Identifying careless responses in survey data. "
    "Psychological Methods, 17(3), 437–455.",
    "Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. "
    "Journal of Statistical Software, 48(2), 1–36.",
    "Satorra, A., & Bentler, P. M. (2001). A scaled difference chi-square test statistic for moment "
    "structure analysis. Psychometrika, 66(4), 507–514.",
    "Smith, A. M. (2013). The value co-destruction process: A customer resource perspective. "
    "European Journal of Marketing, 47(11/12), 1889–1909.",
    "Welch, B. L. (1951). On the comparison of several mean values: An alternative approach. "
    "Biometrika, 38(3/4), 330–336.",
    "Yuan, K.-H., & Bentler, P. M. (2000). Three likelihood-based methods for mean and covariance structure "
    "analysis with nonnormal missing data. Sociological Methodology, 30(1), 165–200.",
)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_num(value: Any, digits: int = 3) -> str:
    """Format a number for the report (``–`` when missing)."""
    if _missing(value):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    try:
        return f"{float(value):.{digits}f}"
    except (TypeError, ValueError):
        return str(value)


def fmt_p(value: Any) -> str:
    """Format a p-value APA-style without the leading zero (``< .001``)."""
    if _missing(value):
        return "–"
    p = float(value)
    return "< .001" if p < 0.001 else f"{p:.3f}".lstrip("0")


def _range(series: pd.Series) -> str:
    s = series.dropna().astype(float)
    if s.empty:
        return "–"
    return f"{s.min():.2f}–{s.max():.2f}" if s.min() != s.max() else f"{s.min():.2f}"


def reason_labels(res: Results) -> dict[str, str]:
    """Construct code -> label from ``descriptives/constructs.csv`` (the code itself when absent)."""
    cons = res.table("descriptives/constructs")
    if cons is None or cons.empty or "label" not in cons:
        return {}
    return {str(c): str(lab) for c, lab in zip(cons["construct"], cons["label"], strict=True)}


def reasons_in_order(res: Results) -> list[str]:
    """Reason codes in the instrument's order (Table 3), from the results files."""
    cons = res.table("descriptives/constructs")
    if cons is not None and not cons.empty:
        kinds = cons["kind"].astype(str) if "kind" in cons else pd.Series(["reason"] * len(cons))
        return [str(c) for c, k in zip(cons["construct"], kinds, strict=True) if k == "reason"]
    scores = res.table("descriptives/scores_by_country")
    return list(dict.fromkeys(scores["construct"].astype(str))) if scores is not None else []


def cfa_fit_sentence(fit: dict[str, Any]) -> str:
    """``χ²(df) = …, CFI = …, TLI = …, RMSEA = … [CI], SRMR = …`` preferring robust measures when present.

    Parameters
    ----------
    fit : dict
        lavaan-named fit measures (``chisq``, ``df``, ``cfi``, ... and their ``_scaled``/``_robust`` forms).

    Returns
    -------
    str
        The APA-style sentence; missing measures are shown as ``–``.

    Examples
    --------
    >>> cfa_fit_sentence({"chisq": 512.3, "df": 224, "cfi": .96, "tli": .955, "rmsea": .031,
    ...                   "rmsea_ci_lower": .027, "rmsea_ci_upper": .035, "srmr": .04})
    'χ²(224) = 512.30, p < .001, CFI = .960, TLI = .955, RMSEA = .031 [.027, .035], SRMR = .040'
    """
    robust = "chisq_scaled" in fit and not _missing(fit.get("chisq_scaled"))
    chisq = fit.get("chisq_scaled") if robust else fit.get("chisq")
    p = fit.get("pvalue_scaled") if robust else fit.get("pvalue")
    if _missing(p) and chisq is not None and not _missing(chisq) and not _missing(fit.get("df")):
        from scipy.stats import chi2

        p = float(chi2.sf(float(chisq), float(fit["df"])))
    suffix = "_robust" if robust and not _missing(fit.get("cfi_robust")) else ""

    def g(name: str) -> str:
        return fmt_p(fit.get(name + suffix, fit.get(name))).replace("< ", "<")

    df = fit.get("df")
    df_text = str(int(df)) if df is not None and not _missing(df) else "–"
    p_text = fmt_p(p) if fmt_p(p).startswith("<") else "= " + fmt_p(p)
    parts = [f"χ²{'(scaled)' if robust else ''}({df_text}) = {fmt_num(chisq, 2)}, p {p_text}"]
    parts.append(f"CFI = {g('cfi')}")
    parts.append(f"TLI = {g('tli')}")
    ci = ""
    lo, hi = fit.get("rmsea_ci_lower" + suffix, fit.get("rmsea_ci_lower")), fit.get(
        "rmsea_ci_upper" + suffix, fit.get("rmsea_ci_upper"))
    if not _missing(lo) and not _missing(hi):
        ci = f" [{fmt_p(lo)}, {fmt_p(hi)}]"
    parts.append(f"RMSEA = {g('rmsea')}{ci}")
    parts.append(f"SRMR = {fmt_p(fit.get('srmr'))}")
    return ", ".join(parts)


def summary_findings(res: Results) -> list[str]:
    """The report's summary: one plain sentence per step that ran (in pipeline order).

    Parameters
    ----------
    res : Results
        A loaded results folder (:func:`reports.results.load_results`).

    Returns
    -------
    list of str
        One sentence per step that ran; empty when none did.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> from reports.results import load_results
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "manifest.json").write_text(json.dumps({"study": {"name": "s"}, "steps": []}))
    >>> summary_findings(load_results(d))
    []
    """
    out: list[str] = []
    flow = res.json("cleaning/flow")
    if res.step("clean").ran and flow:
        n_raw, n_kept = int(flow.get("n_raw", 0)), int(flow.get("n_kept", 0))
        share = (n_raw - n_kept) / n_raw if n_raw else 0.0
        out.append(f"{n_kept:,} of {n_raw:,} responses kept after cleaning ({n_raw - n_kept:,} excluded, "
                   f"{share:.1%}).")
    desc = res.json("descriptives/summary")
    if res.step("descriptives").ran and desc:
        out.append(f"Analysed sample: N = {int(desc.get('n', 0)):,} respondents from "
                   f"{int(desc.get('n_countries', 0))} countries on {int(desc.get('n_items', 0))} items.")
    efa = res.json("efa/summary")
    if res.step("efa").ran and efa:
        text = (f"EFA ({efa.get('method', '?')}, {efa.get('rotation', '?')}) on {efa.get('sample', 'the sample')} "
                f"(n = {int(efa.get('n', 0)):,}) retained {efa.get('n_factors', '?')} factors")
        if not _missing(efa.get("kmo")):
            text += f"; KMO = {fmt_p(efa['kmo'])}"
        out.append(text + ".")
    scales = res.table("reliability/scales")
    if res.step("reliability").ran and scales is not None and not scales.empty:
        text = f"Reliability across {len(scales)} scales: α {_range(scales['alpha'])}"
        if "omega_total" in scales:
            text += f", ω total {_range(scales['omega_total'])}"
        low = scales.loc[scales["alpha"].astype(float) < 0.70, "construct"].astype(str).tolist()
        text += f"; below .70: {', '.join(low)}." if low else "; all α ≥ .70."
        out.append(text)
    fit = res.json("cfa/fit")
    if res.step("cfa").ran and fit:
        conv = "" if fit.get("converged", True) else " (did NOT converge — do not interpret)"
        out.append(f"CFA ({fit.get('estimator', '?')}) on {fit.get('sample', 'the sample')}: "
                   f"{cfa_fit_sentence(fit.get('fit', {}))}{conv}.")
    dec = res.json("invariance/decisions")
    if res.step("invariance").ran and dec:
        freed = dec.get("freed", []) or []
        text = (f"Measurement invariance across {len(dec.get('groups', []))} {dec.get('group', 'groups')} groups "
                f"({dec.get('criteria', '?')}): highest supported level is {dec.get('highest', '?')}")
        if freed:
            shown = ", ".join(f"{f.get('param')} in {f.get('group')}" for f in freed[:8])
            text += f"; freed {len(freed)} parameter(s): {shown}" + (" …" if len(freed) > 8 else "")
        out.append(text + ".")
    if res.step("compare").ran:
        for grouping in ("relationship_type", "phase", "country"):
            tests = res.table(f"compare/tests_{grouping}")
            if tests is None or tests.empty:
                continue
            main = primary_tests(tests)
            names = reason_label_by_name(res)
            sig = [names.get(r, r) for r in main.loc[main["p_adj"].astype(float) < 0.05, "reason"].astype(str)]
            label = grouping.replace("_", " ")
            test = str(main["test"].iloc[0]).replace("_", " ")
            text = f"By {label}: {len(sig)} of {len(main)} reasons differ ({test}, adjusted p < .05)"
            out.append(text + (f": {', '.join(sig)}." if sig else "."))
        hyp = res.table("compare/hypotheses")
        if hyp is not None and not hyp.empty:
            verdicts = hyp["verdict"].astype(str)
            parts = [f"{int((verdicts == 'supported').sum())} supported",
                     f"{int((verdicts == 'not supported').sum())} not supported",
                     f"{int(verdicts.str.startswith('not testable').sum())} not testable"]
            out.append(f"Seed hypotheses (Järvi et al. 2018, Table 3): {', '.join(parts)} of {len(hyp)}.")
    return out


def primary_tests(tests: pd.DataFrame) -> pd.DataFrame:
    """One omnibus test per reason: the rows marked ``primary`` (else Welch's ANOVA, else the first per reason).

    Examples
    --------
    >>> t = pd.DataFrame({"reason": ["a", "a"], "test": ["levene_median", "welch_anova"], "primary": [False, True]})
    >>> primary_tests(t)["test"].tolist()
    ['welch_anova']
    """
    if "primary" in tests:
        mask = tests["primary"].astype(str).str.lower().isin(("true", "1"))
        if mask.any():
            return tests[mask].reset_index(drop=True)
    welch = tests["test"].astype(str).str.lower().str.startswith("welch")
    if welch.any():
        return tests[welch].reset_index(drop=True)
    return tests.drop_duplicates("reason").reset_index(drop=True)


def reason_label_by_name(res: Results) -> dict[str, str]:
    """Construct name (as in the compare tables, e.g. ``absence_of_information``) -> ``label (CODE)``."""
    cons = res.table("descriptives/constructs")
    if cons is None or cons.empty:
        return {}
    return {str(n): f"{lab} ({c})" for n, lab, c in zip(cons["name"], cons["label"], cons["construct"], strict=True)}


def reason_names_in_order(res: Results) -> list[str]:
    """Reason names (compare tables' ``reason``) in Table 3 order."""
    cons = res.table("descriptives/constructs")
    if cons is None or cons.empty:
        timing = res.table("compare/timing")
        return list(dict.fromkeys(timing["reason"].astype(str))) if timing is not None else []
    return [str(n) for n, k in zip(cons["name"], cons["kind"], strict=True) if str(k) == "reason"]


def methods_paragraph(res: Results) -> str:
    """The methods paragraph, built from the manifest's configuration and the steps that ran.

    Parameters
    ----------
    res : Results
        A loaded results folder (:func:`reports.results.load_results`).

    Returns
    -------
    str
        Plain text with the citations of the methods used.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> from reports.results import load_results
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "manifest.json").write_text(json.dumps({"study": {"name": "s"}, "steps": []}))
    >>> methods_paragraph(load_results(d)).startswith("The instrument operationalises")
    True
    """
    cfg = res.manifest.get("config", {}) or {}
    cleaning = cfg.get("cleaning", {}) or {}
    analysis = cfg.get("analysis", {}) or {}
    parts = [
        "The instrument operationalises the reasons for value co-destruction identified by Järvi, Kähkönen and "
        "Torvinen (2018) and the resource-loss view of Smith (2013)."
    ]
    if res.step("clean").ran:
        parts.append(
            "Careless responding was screened as ordered hurdles (test rows, duplicates, incomplete responses, "
            "attention checks, speeders below "
            f"{cleaning.get('min_duration_ratio', 1 / 3):.2f} of the median duration, long-string responding, "
            f"Mahalanobis distance at p < {cleaning.get('mahalanobis_alpha', 0.001)}), following Meade and Craig "
            "(2012) and Curran (2016); every exclusion is logged with the rule that removed it.")
    if res.step("efa").ran:
        efa = res.json("efa/summary") or {}
        parts.append(f"An exploratory factor analysis ({efa.get('method', 'minres')} extraction, "
                     f"{efa.get('rotation', 'oblimin')} rotation, {efa.get('cor', 'pearson')} correlations) was run "
                     f"on {efa.get('sample', 'the sample')}, with the number of factors checked by parallel "
                     "analysis (Horn, 1965).")
    if res.step("reliability").ran:
        parts.append("Internal consistency is reported as Cronbach's α with Feldt confidence intervals and "
                     "McDonald's (1999) ω total.")
    if res.step("cfa").ran:
        fit = res.json("cfa/fit") or {}
        est = fit.get("estimator", analysis.get("estimator", "ML"))
        missing = fit.get("missing", analysis.get("missing", "listwise"))
        robust = (" with Yuan–Bentler scaled test statistics and robust (sandwich) standard errors "
                  "(Yuan & Bentler, 2000)" if str(est).upper() == "MLR" else "")
        parts.append(f"The measurement model was estimated by confirmatory factor analysis ({est}{robust}; "
                     f"missing data: {missing}) with lavaan's conventions (Rosseel, 2012): marker-variable "
                     "identification, sample covariances with divisor N, and fit measures named as in "
                     "lavaan's fitMeasures.")
    if res.step("invariance").ran:
        dec = res.json("invariance/decisions") or {}
        rule = ("following Cheung and Rensvold (2002) (ΔCFI ≤ −.010)" if dec.get("criteria") == "cheung2002" else
                "following Chen (2007) (ΔCFI ≤ −.010 together with ΔRMSEA ≥ .015 or ΔSRMR ≥ .030 for loadings, "
                "≥ .010 for intercepts)")
        release = ("; constraints were released one at a time, in the group with the largest univariate score test, "
                   "while a step failed these criteria" if dec.get("freed") is not None else "")
        if dec.get("release") == "score":
            release += (f" or while the largest score test was significant at α = {dec.get('alpha', 0.05)} "
                        "(Bonferroni-adjusted for the constraints of the step)")
        parts.append(f"Measurement invariance across {dec.get('group', 'countries')} was tested along the ladder "
                     f"{' → '.join(dec.get('steps') or ['configural', 'metric', 'scalar', 'strict'])} with multi-group "
                     f"CFA ({dec.get('estimator', 'ML')}); steps were judged by the change in fit {rule}, with "
                     "Satorra–Bentler (2001) scaled χ² differences for robust estimation" + release
                     + " (partial invariance; Byrne, Shavelson & Muthén, 1989).")
    if res.step("compare").ran:
        summ = res.json("compare/summary") or {}
        parts.append("Reasons were compared across relationship types, phases and countries on scale scores "
                     "(item means after reverse-coding) with Welch's (1951) ANOVA and Games–Howell post-hoc "
                     f"tests, with {summ.get('correction', 'Holm')} correction across the reasons (Holm, 1979); "
                     "the seed's Table 3 claims were tested as stated hypotheses.")
    parts.append("All computations were run with vcd-toolkit "
                 f"{res.manifest.get('toolkit', {}).get('version', '')}".rstrip() + ".")
    return " ".join(parts)
