"""The result of an invariance analysis: the ladder, released parameters, latent means and variances against the
reference group, per construct × group comparability of observed means, and the ``invariance/`` results files.

Examples
--------
>>> from analysis.sem import parse_model
>>> pm = parse_model("F =~ a + b + c")
>>> comparability(pm, ["A", "B"], "scalar", pd.DataFrame(columns=["step", "param", "construct", "group"]),
...               pd.DataFrame(columns=["group", "n", "reason"])).to_dict("records")[1]
{'construct': 'F', 'group': 'B', 'level': 'scalar', 'means_comparable': True}
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["InvarianceResult", "comparability", "latent_means", "latent_variances", "write_results"]

_LM_COLUMNS = ["construct", "group", "est", "se", "z", "pvalue", "ci_low", "ci_high", "std_diff", "model"]
_LV_COLUMNS = ["construct", "group", "est", "se", "reference_est", "diff", "diff_se", "z", "pvalue", "ratio", "model"]


@dataclass(frozen=True)
class InvarianceResult:
    """Measurement invariance across groups (see :func:`analysis.invariance.ladder.run_invariance`).

    Attributes
    ----------
    ladder : one row per step: fit (robust CFI/TLI/RMSEA under MLR), differences to the last accepted step,
        ``n_freed``, ``decision`` (supported / supported (partial) / not supported / not tested) and ``reason``
    freed : parameters released by ``partial``: step, param, construct, group, x2 (score test), pvalue
    latent_means, latent_variances : each group against the reference group
    comparability : construct × group: level and whether observed means may be compared
    excluded_groups : groups left out (too few respondents) with the reason
    highest : highest supported step ("none" when even the configural model fails)
    """

    group: str
    groups: tuple[str, ...]
    reference: str
    estimator: str
    missing: str
    criteria: str
    steps: tuple[str, ...]
    highest: str
    partial: bool
    ladder: pd.DataFrame
    freed: pd.DataFrame
    latent_means: pd.DataFrame
    latent_variances: pd.DataFrame
    comparability: pd.DataFrame
    excluded_groups: pd.DataFrame
    lrt: pd.DataFrame
    nobs: tuple[int, ...]
    model: str
    release: str = "fit"
    alpha: float = 0.05
    warnings: tuple[str, ...] = ()
    fits: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def decisions(self) -> dict[str, Any]:
        """The ``decisions.json`` content."""
        return {"group": self.group, "groups": list(self.groups), "reference": self.reference,
                "criteria": self.criteria, "release": self.release, "alpha": self.alpha,
                "estimator": self.estimator, "missing": self.missing,
                "steps": list(self.steps), "highest": self.highest, "partial": self.partial,
                "nobs": list(self.nobs),
                "freed": [{k: r[k] for k in ("step", "param", "construct", "group", "why")} | {"x2": _num(r["x2"])}
                          for r in self.freed.to_dict("records")],
                "excluded_groups": [{"group": r["group"], "n": int(r["n"]), "reason": r["reason"]}
                                    for r in self.excluded_groups.to_dict("records")],
                "warnings": list(self.warnings)}

    def to_dict(self) -> dict[str, Any]:
        """Everything as JSON-ready values (NaN → None)."""
        def recs(df: pd.DataFrame) -> list[dict[str, Any]]:
            return [{k: _num(v) for k, v in r.items()} for r in df.to_dict("records")]

        return self.decisions() | {"ladder": recs(self.ladder), "latent_means": recs(self.latent_means),
                                   "latent_variances": recs(self.latent_variances),
                                   "comparability": recs(self.comparability), "lrt": recs(self.lrt)}

    def summary(self) -> str:
        """A readable report: ladder, released parameters, latent means."""
        est = f"{self.estimator}{' (robust CFI/TLI/RMSEA, scaled Δχ²)' if self.estimator == 'MLR' else ''}"
        lines = [f"Measurement invariance across {self.group}: {len(self.groups)} groups "
                 f"(reference {self.reference}; n = {', '.join(map(str, self.nobs))})",
                 f"Estimator {est}, missing {self.missing}, criteria {self.criteria}", ""]
        cols = ["step", "chisq", "df", "cfi", "tli", "rmsea", "srmr", "delta_chisq", "delta_df", "delta_pvalue",
                "delta_cfi", "delta_rmsea", "delta_srmr", "n_freed", "decision"]
        lines.append(self.ladder[cols].to_string(index=False, float_format=lambda v: f"{v:.3f}",
                                                 na_rep=""))
        lines += ["", f"Highest supported level: {self.highest}" + (" (partial)" if self.partial else "")]
        if not self.freed.empty:
            lines += ["", "Released (partial invariance):",
                      self.freed.to_string(index=False, float_format=lambda v: f"{v:.3f}")]
        if not self.excluded_groups.empty:
            lines += ["", "Groups left out:", self.excluded_groups.to_string(index=False)]
        if not self.latent_means.empty:
            lm = self.latent_means[["construct", "group", "est", "se", "z", "pvalue", "std_diff"]]
            lines += ["", f"Latent means against {self.reference} ({self.latent_means['model'].iloc[0]} model"
                      + (", partial" if self.partial else "") + "):",
                      lm.to_string(index=False, float_format=lambda v: f"{v:.3f}")]
        if not self.latent_variances.empty:
            lv = self.latent_variances[["construct", "group", "est", "reference_est", "diff", "diff_se", "pvalue",
                                        "ratio"]]
            lines += ["", f"Latent variances against {self.reference}:",
                      lv.to_string(index=False, float_format=lambda v: f"{v:.3f}")]
        if self.warnings:
            lines += ["", "Warnings:"] + [f"  - {w}" for w in self.warnings]
        return "\n".join(lines)


def _num(v: Any) -> Any:
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if not math.isfinite(float(v)) else float(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


def latent_means(res: Any, pm: Any, reference: str, model: str = "") -> pd.DataFrame:
    """Latent means of every group against the reference group (fixed at 0 there) from a model with equal
    intercepts; ``std_diff`` = mean / √(reference latent variance). Empty when ``res`` is None.

    Examples
    --------
    >>> latent_means(None, None, "A").columns.tolist()[:4]
    ['construct', 'group', 'est', 'se']
    """
    if res is None:
        return pd.DataFrame(columns=_LM_COLUMNS)
    p = res.params
    lat = list(pm.latent)
    var = p[(p.op == "~~") & (p.lhs == p.rhs) & p.lhs.isin(lat) & (p.group == reference)].set_index("lhs")["est"]
    m = p[(p.op == "~1") & p.lhs.isin(lat) & (p.group != reference)]
    z = stats.norm.ppf(0.975)
    out = pd.DataFrame({"construct": m["lhs"].to_numpy(), "group": m["group"].to_numpy(),
                        "est": m["est"].to_numpy(float), "se": m["se"].to_numpy(float),
                        "z": m["z"].to_numpy(float), "pvalue": m["pvalue"].to_numpy(float)})
    out["ci_low"] = out["est"] - z * out["se"]
    out["ci_high"] = out["est"] + z * out["se"]
    sd = np.sqrt(np.clip(out["construct"].map(var).to_numpy(float), 1e-300, None))
    out["std_diff"] = out["est"] / sd
    out["model"] = model or "highest supported"
    order = {c: i for i, c in enumerate(lat)}
    out = out.sort_values(["construct", "group"], key=lambda s: s.map(order) if s.name == "construct" else
                          s.map({g: i for i, g in enumerate(res.groups)}), kind="stable")
    return out[_LM_COLUMNS].reset_index(drop=True)


def latent_variances(res: Any, pm: Any, reference: str, model: str = "") -> pd.DataFrame:
    """Latent variances of every group against the reference group's, from a model with equal loadings: the
    difference with its delta-method SE (from the estimates' covariance matrix), z, p and the ratio.

    Examples
    --------
    >>> latent_variances(None, None, "A").columns.tolist()[:6]
    ['construct', 'group', 'est', 'se', 'reference_est', 'diff']
    """
    if res is None:
        return pd.DataFrame(columns=_LV_COLUMNS)
    p = res.params
    lat = list(pm.latent)
    v = p[(p.op == "~~") & (p.lhs == p.rhs) & p.lhs.isin(lat)]
    ref = v[v.group == reference].set_index("lhs")
    others = v[v.group != reference]
    out = pd.DataFrame({"construct": others["lhs"].to_numpy(), "group": others["group"].to_numpy(),
                        "est": others["est"].to_numpy(float), "se": others["se"].to_numpy(float)})
    out["reference_est"] = out["construct"].map(ref["est"]).to_numpy(float)
    out["diff"] = out["est"] - out["reference_est"]
    V = res.vcov
    fg = others["free"].to_numpy(int) - 1
    fr = out["construct"].map(ref["free"]).to_numpy(int) - 1
    var = np.full(len(out), np.nan)
    for i, (a, b) in enumerate(zip(fg, fr, strict=True)):
        if a < 0 and b < 0:
            continue
        va = V[a, a] if a >= 0 else 0.0
        vb = V[b, b] if b >= 0 else 0.0
        cab = V[a, b] if a >= 0 and b >= 0 else 0.0
        var[i] = va + vb - 2 * cab
    out["diff_se"] = np.sqrt(np.clip(var, 0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        out["z"] = out["diff"] / out["diff_se"]
    out["pvalue"] = 2 * stats.norm.sf(np.abs(out["z"]))
    out["ratio"] = out["est"] / out["reference_est"]
    out["model"] = model or "highest supported"
    order = {c: i for i, c in enumerate(lat)}
    gorder = {g: i for i, g in enumerate(res.groups)}
    out = out.assign(_c=out["construct"].map(order), _g=out["group"].map(gorder)).sort_values(["_c", "_g"])
    return out[_LV_COLUMNS].reset_index(drop=True)


def comparability(pm: Any, groups: list[str], highest: str, freed: pd.DataFrame,
                  excluded: pd.DataFrame) -> pd.DataFrame:
    """Whether each construct's observed means may be compared for each group.

    Comparable when the highest supported level is scalar or strict and none of the construct's loadings or
    intercepts was released in that group (a parameter released in the reference group makes the construct
    non-comparable there). Excluded groups are listed with level ``excluded``.
    """
    rows = []
    bad = set()
    for r in freed.itertuples():
        if " =~ " in r.param or r.param.endswith("~1"):
            for c in str(r.construct).split("+"):
                bad.add((c, str(r.group)))
    level_ok = highest in ("scalar", "strict")
    for c in pm.latent:
        for g in groups:
            released = (c, g) in bad
            level = f"partial {highest}" if released and highest != "none" else highest
            rows.append({"construct": c, "group": g, "level": level, "means_comparable": level_ok and not released})
        for g in excluded["group"]:
            rows.append({"construct": c, "group": str(g), "level": "excluded", "means_comparable": False})
    return pd.DataFrame(rows, columns=["construct", "group", "level", "means_comparable"])


def write_results(res: InvarianceResult, folder: str | Path) -> list[str]:
    """Write the ``invariance/`` files of a results folder (README, "The results folder"); returns file names.

    ``ladder.csv``, ``decisions.json``, ``latent_means.csv``, ``latent_variances.csv``, ``comparability.csv``,
    ``freed.csv``, ``lrt.csv``, ``excluded_groups.csv``. Floats with 10 significant digits (reproducible files).

    Examples
    --------
    >>> import tempfile
    >>> from analysis.invariance import run_invariance
    >>> rng = np.random.default_rng(5)
    >>> y = rng.normal(size=(400, 1)) * [1, .8, .7, .6] + rng.normal(scale=.6, size=(400, 4))
    >>> df = pd.DataFrame(y, columns=["a", "b", "c", "d"]).assign(g=np.repeat(["A", "B"], 200))
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     write_results(run_invariance(df, "F =~ a + b + c + d", "g"), tmp)[:3]
    ['comparability.csv', 'decisions.json', 'excluded_groups.csv']
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    tables = {"ladder.csv": res.ladder, "latent_means.csv": res.latent_means,
              "latent_variances.csv": res.latent_variances, "comparability.csv": res.comparability,
              "freed.csv": res.freed, "lrt.csv": res.lrt, "excluded_groups.csv": res.excluded_groups}
    for name, df in tables.items():
        df.to_csv(out / name, index=False, float_format="%.10g")
    dec = json.loads(json.dumps(res.decisions(), default=_num), parse_float=lambda s: float(f"{float(s):.10g}"))
    (out / "decisions.json").write_text(json.dumps(dec, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return sorted([*tables, "decisions.json"])
