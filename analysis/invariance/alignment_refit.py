"""Align → refit: the non-invariant parameters that alignment finds become ``group_partial`` releases of a scalar
multi-group CFA, which is fitted and compared with the full scalar model and with the invariance ladder's partial
model (the same engine and parameter table: ``cfa(..., group_equal=["loadings", "intercepts"],
group_partial=[("F =~ x3", "DE"), ("x3 ~1", "DE"), ...])``).

Identification is the ladder's (marker: first loading 1 in every group; the reference group's latent mean 0)
unless alignment releases a marker loading, which marker identification cannot release — then the factor
variance is fixed to 1 in the reference group instead (``std_lv``; free elsewhere once loadings are equal), an
equivalent parameterisation with the same fit for the same releases. Latent means and SDs of the refit are
reported relative to the reference group (mean 0, SD 1), next to the aligned ones rescaled the same way.

Examples
--------
>>> releases_text([("loading", "x2", "B"), ("intercept", "x3", "C")], {"x2": "F", "x3": "F"})
[('F =~ x2', 'B'), ('x3 ~1', 'C')]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.invariance.alignment_cfa import AlignmentFit, factor_items
from analysis.sem import CfaResult, cfa, parse_model
from analysis.sem.syntax import ParsedModel
from vcd_core.errors import EstimationError

__all__ = ["RefitResult", "refit_partial", "releases_text"]

_FIT_COLUMNS = ["npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "aic", "bic"]


def releases_text(noninvariant: Sequence[tuple[str, str, str]], owner: dict[str, str]) -> list[tuple[str, str]]:
    """``(param, item, group)`` triples as ``group_partial`` releases ``("F =~ item", group)`` / ``("item ~1", group)``.

    Parameters
    ----------
    noninvariant : sequence of (param, item, group)
        ``param`` ``"loading"`` or ``"intercept"``.
    owner : dict item -> factor

    Returns
    -------
    list of (text, group)

    Examples
    --------
    >>> releases_text([("intercept", "y1", "G2")], {"y1": "F"})
    [('y1 ~1', 'G2')]
    """
    out = []
    for param, item, group in noninvariant:
        text = f"{owner[item]} =~ {item}" if param == "loading" else f"{item} ~1"
        out.append((text, str(group)))
    return out


def _check_identified(rel: list[tuple[str, str]], items_of: dict[str, list[str]], groups: Sequence[str]) -> None:
    for f, items in items_of.items():
        classes = (("loadings", {f"{f} =~ {i}" for i in items}), ("intercepts", {f"{i} ~1" for i in items}))
        for g in groups:
            for kind, texts in classes:
                if texts <= {t for t, gg in rel if gg == g}:
                    raise EstimationError(f"alignment finds every {kind[:-1]} of {f} non-invariant in group {g}: a "
                                          "partial-invariance model cannot identify its latent "
                                          f"{'variance' if kind == 'loadings' else 'mean'}; loosen the tolerance")


def _latent(fit: CfaResult, factors: Sequence[str], reference: str) -> pd.DataFrame:
    p = fit.params
    rows = []
    for f in factors:
        var = p[(p.op == "~~") & (p.lhs == f) & (p.rhs == f)].set_index("group")["est"]
        mean = p[(p.op == "~1") & (p.lhs == f)].set_index("group")["est"]
        sd_ref = float(np.sqrt(var[reference]))
        for g in fit.groups:
            rows.append({"factor": f, "group": g, "refit_mean": (mean[g] - mean[reference]) / sd_ref,
                         "refit_sd": float(np.sqrt(var[g])) / sd_ref})
    return pd.DataFrame(rows)


def _fit_row(name: str, fit: CfaResult, n_released: int) -> dict[str, Any]:
    row: dict[str, Any] = {"model": name, "n_released": n_released}
    row.update({k: fit.fit.get(k, np.nan) for k in _FIT_COLUMNS})
    return row


@dataclass(frozen=True)
class RefitResult:
    """The align → refit comparison.

    Attributes
    ----------
    releases : the ``group_partial`` releases derived from alignment
    fit : the refitted partial scalar model; scalar : the full scalar model
    comparison : one row per model (full scalar, alignment partial, ladder partial if run): fit measures and the
        number of released parameters
    means : factor × group: refit mean/SD and aligned mean/SD, both relative to the reference group
    ladder_releases : the ladder's releases (``(text, group)``), when it was run
    """

    releases: tuple[tuple[str, str], ...]
    fit: CfaResult = field(repr=False)
    scalar: CfaResult = field(repr=False)
    comparison: pd.DataFrame = field(repr=False)
    means: pd.DataFrame = field(repr=False)
    ladder_releases: tuple[tuple[str, str], ...] | None = None
    identification: str = "marker"

    def overlap(self) -> dict[str, list[tuple[str, str]]]:
        """Releases found by both methods, by alignment only, by the ladder only (empty without the ladder)."""
        a, lad = set(self.releases), set(self.ladder_releases or ())
        return {"both": sorted(a & lad), "alignment_only": sorted(a - lad), "ladder_only": sorted(lad - a)}

    def summary(self) -> str:
        """Text: releases, the fit comparison, the overlap with the ladder."""
        lines = [f"Align -> refit: {len(self.releases)} parameter(s) released ({self.identification} identification)"]
        lines += [f"  {t} in {g}" for t, g in self.releases]
        lines.append("")
        lines.append(self.comparison.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
        if self.ladder_releases is not None:
            ov = self.overlap()
            lines.append(f"\nreleased by both: {len(ov['both'])}; alignment only: {len(ov['alignment_only'])}; "
                         f"ladder only: {len(ov['ladder_only'])}")
        return "\n".join(lines)


def refit_partial(data: pd.DataFrame, model: str | ParsedModel, group: str, alignment: AlignmentFit, *,
                  lambda_tol: float = 0.2, nu_tol: float = 0.4, estimator: str = "ML", missing: str = "listwise",
                  ladder: bool = False, max_free: int = 10) -> RefitResult:
    """Release what alignment finds non-invariant, refit the scalar model, compare.

    Parameters
    ----------
    data, model, group :
        As for :func:`analysis.sem.cfa`; the groups and their order are the alignment's.
    alignment : AlignmentFit
        From :func:`analysis.invariance.alignment_cfa.align_fit` / ``align_data`` on the same data and model.
    lambda_tol, nu_tol :
        Tolerances that make an aligned parameter non-invariant (:meth:`AlignmentResult.invariance`).
    estimator, missing :
        For the refits.
    ladder : bool
        Also run the invariance ladder with partial releases (``run_invariance(..., partial=True)``) and compare.
    max_free : int
        The ladder's ``max_free``.

    Returns
    -------
    RefitResult

    Examples
    --------
    >>> refit_partial.__name__
    'refit_partial'
    """
    pm = parse_model(model) if isinstance(model, str) else model
    if alignment.failed:
        raise EstimationError("cannot refit: alignment failed for " + ", ".join(alignment.failed))
    groups = list(alignment.configural.groups)
    reference = groups[alignment.results[0].reference]
    order = [reference] + [g for g in groups if g != reference]
    items_of = factor_items(alignment.configural.params)
    owner = {i: f for f, items in items_of.items() for i in items}
    rel: list[tuple[str, str]] = []
    for r in alignment.results:
        rel += releases_text(r.noninvariant(lambda_tol, nu_tol), owner)
    _check_identified(rel, items_of, groups)
    markers = {f"{f} =~ {items[0]}" for f, items in items_of.items()}
    std_lv = any(t in markers for t, _ in rel)
    sub = data[data[group].astype(str).isin(groups)].copy()
    sub[group] = sub[group].astype(str)
    kw: dict[str, Any] = dict(group=group, group_order=order, estimator=estimator, missing=missing, std_lv=std_lv,
                              std_se=False)
    scalar = cfa(pm, sub, group_equal=["loadings", "intercepts"], **kw)
    part = cfa(pm, sub, group_equal=["loadings", "intercepts"], group_partial=rel, start=scalar, **kw)
    rows = [_fit_row("scalar", scalar, 0), _fit_row("alignment partial", part, len(rel))]
    lad_rel = None
    if ladder:
        from analysis.invariance.ladder import run_invariance

        inv = run_invariance(sub, pm, group, estimator=estimator, missing=missing, partial=True, max_free=max_free,
                             steps=("configural", "metric", "scalar"), reference=reference, group_order=order,
                             stop_on_failure=False)
        lad_rel = tuple((str(r.param), str(r.group)) for r in inv.freed.itertuples())
        if "scalar" in inv.fits:
            rows.append(_fit_row("ladder partial", inv.fits["scalar"], len(lad_rel)))
    means = _latent(part, list(items_of), reference)
    al = []
    for r in alignment.results:
        ref = r.reference
        for g, lab in enumerate(r.groups):
            al.append({"factor": r.factor, "group": lab, "aligned_mean": (r.mean[g] - r.mean[ref]) / r.sd[ref],
                       "aligned_sd": r.sd[g] / r.sd[ref]})
    means = means.merge(pd.DataFrame(al), on=["factor", "group"], how="left")
    return RefitResult(releases=tuple(rel), fit=part, scalar=scalar, comparison=pd.DataFrame(rows), means=means,
                       ladder_releases=lad_rel, identification="std_lv" if std_lv else "marker")
