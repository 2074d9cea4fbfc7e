"""Convergent and discriminant validity: HTMT (semTools), AVE, composite reliability, Fornell–Larcker.

- **HTMT** as ``semTools::htmt`` (0.5.6): from the item correlations (Pearson, listwise over the model's items, or
  polychoric); by default absolute correlations and geometric means (``htmt2=TRUE``); ``htmt2=False`` is the
  classic arithmetic-mean ratio of Henseler, Ringle & Sarstedt (2015). Pairs above .85 (strict) and .90 (liberal)
  are flagged.
- **AVE** as ``semTools::AVE`` (default ``obs.var=TRUE``): Σλ²ψ / Σ var(item), item variances from the sample
  covariance matrix (divisor N, lavaan's).
- **Composite reliability** as ``semTools::compRelSEM`` (default ``obs.var=TRUE``): (Σλ)²ψ / 1ᵀS1. With
  negative loadings the sum partially cancels: reverse-code reverse-keyed items before the CFA.
- **Fornell–Larcker**: √AVE on the diagonal, latent correlations off it; a construct passes when its √AVE
  exceeds the absolute value of each of its correlations.

AVE, CR and Fornell–Larcker come from a CFA fitted with :func:`analysis.sem.cfa` (ML, listwise) or from a given
parameter table with columns ``lhs, op, rhs, est``.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> f = rng.multivariate_normal([0, 0], [[1, .3], [.3, 1]], size=500)
>>> df = pd.DataFrame(np.hstack([f[:, [0]] + rng.standard_normal((500, 3)), f[:, [1]] + rng.standard_normal((500, 3))]),
...                   columns=["a1", "a2", "a3", "b1", "b2", "b3"])
>>> m = htmt(df, {"A": ["a1", "a2", "a3"], "B": ["b1", "b2", "b3"]})
>>> round(float(m.loc["A", "B"]), 1)
0.3
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.data.prepare import numeric_columns
from analysis.measure.reliability import composite_reliability
from analysis.sem import cfa
from vcd_core.errors import DataError, EstimationError, ModelSyntaxError

__all__ = ["htmt", "htmt_pairs", "model_constructs", "measures_from_params", "ValidityResult", "validity",
           "HTMT_STRICT", "HTMT_LIBERAL"]

HTMT_STRICT, HTMT_LIBERAL = 0.85, 0.90


def model_constructs(syntax: str) -> dict[str, list[str]]:
    """The measurement part (``f =~ a + b + c``) of a lavaan model as construct -> items.

    Modifiers (``1*a``, ``NA*a``, ``lab*a``) are dropped; other lines are ignored.

    Parameters
    ----------
    syntax : str
        lavaan model syntax (lines or ``;``-separated statements; ``#`` comments).

    Returns
    -------
    dict
        Factor -> list of indicators, in order of appearance.

    Raises
    ------
    ModelSyntaxError
        An invalid factor or indicator name (with its line), or no measurement line at all.

    Examples
    --------
    >>> model_constructs("agree =~ A1 + A2 + A3\\nconsc =~ 1*C1 + C2 + C3  # comment")
    {'agree': ['A1', 'A2', 'A3'], 'consc': ['C1', 'C2', 'C3']}
    """
    out: dict[str, list[str]] = {}
    for lineno, raw in enumerate(re.split(r"[\n;]", syntax), start=1):
        line = raw.split("#", 1)[0].strip()
        if "=~" not in line:
            continue
        lhs, rhs = line.split("=~", 1)
        lhs = lhs.strip()
        if not re.fullmatch(r"[A-Za-z_.][\w.]*", lhs):
            raise ModelSyntaxError(f"line {lineno}: {lhs!r} is not a valid factor name")
        items = []
        for term in rhs.split("+"):
            term = term.strip().split("*")[-1].strip()
            if not re.fullmatch(r"[A-Za-z_.][\w.]*", term):
                raise ModelSyntaxError(f"line {lineno}: {term!r} is not a valid indicator name")
            items.append(term)
        out.setdefault(lhs, []).extend(items)
    if not out:
        raise ModelSyntaxError("the model has no measurement line (factor =~ item + item …)")
    return out


def _correlations(data: pd.DataFrame, items: list[str], cor: str, missing: str) -> pd.DataFrame:
    unknown = [c for c in items if c not in data.columns]
    if unknown:
        raise DataError(f"unknown item(s) {', '.join(unknown)} (not columns of the data)")
    x = numeric_columns(data, items)
    if missing == "listwise":
        x = x.dropna()
    elif missing != "pairwise":
        raise DataError(f"missing must be 'listwise' or 'pairwise', not {missing!r}")
    if len(x) < 3:
        raise DataError(f"only {len(x)} usable row(s) for the HTMT ({missing} deletion)")
    const = [c for c in items if not (x[c].std() > 0)]
    if const:
        raise DataError(f"item(s) {', '.join(const)} have no variance (constant or empty)")
    if cor == "polychoric":
        from analysis.measure.polychoric import polychoric

        return polychoric(x, items, missing="pairwise").rho
    if cor != "pearson":
        raise DataError(f"cor must be 'pearson' or 'polychoric', not {cor!r}")
    return x.corr()


def htmt(data: pd.DataFrame | None, constructs: Mapping[str, Sequence[str]], correlation: pd.DataFrame | None = None,
         htmt2: bool = True, absolute: bool = True, cor: str = "pearson", missing: str = "listwise") -> pd.DataFrame:
    """Heterotrait–monotrait ratio matrix as ``semTools::htmt``.

    Parameters
    ----------
    data : DataFrame or None
        Responses (not needed when ``correlation`` is given).
    constructs : mapping construct -> items
    correlation : DataFrame, optional
        Item correlation matrix to use instead of the data.
    htmt2 : bool
        Geometric means (semTools' default, HTMT2); False = arithmetic means (classic HTMT).
    absolute : bool
        Use absolute correlations (forced for ``htmt2``, as semTools does).
    cor : {"pearson", "polychoric"}
    missing : {"listwise", "pairwise"}
        semTools' default is listwise over all the model's items.

    Returns
    -------
    DataFrame
        constructs × constructs, 1 on the diagonal.

    Examples
    --------
    >>> r = pd.DataFrame(np.full((4, 4), .5) + np.eye(4) * .5, index=list("abcd"), columns=list("abcd"))
    >>> htmt(None, {"X": ["a", "b"], "Y": ["c", "d"]}, correlation=r).round(2).values.tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """
    names = list(constructs)
    items = [i for c in names for i in constructs[c]]
    if len(set(items)) != len(items):
        raise DataError("an item belongs to more than one construct; HTMT needs disjoint item sets")
    if correlation is None:
        if data is None:
            raise DataError("htmt needs data or a correlation matrix")
        r = _correlations(data, items, cor, missing)
    else:
        unknown = [i for i in items if i not in correlation.columns]
        if unknown:
            raise DataError(f"unknown item(s) {', '.join(unknown)} (not in the correlation matrix)")
        r = correlation.loc[items, items]
    m = r.to_numpy(float)
    if absolute or htmt2:
        m = np.abs(m)
    m = m.copy()
    np.fill_diagonal(m, np.nan)
    pos = {i: k for k, i in enumerate(items)}
    idx = {c: [pos[i] for i in constructs[c]] for c in names}

    def avg(a: list[int], b: list[int]) -> float:
        block = m[np.ix_(a, b)]
        vals = block[~np.isnan(block)]
        if vals.size == 0:
            return float("nan")
        if htmt2:
            with np.errstate(divide="ignore"):
                return float(np.exp(np.log(vals).mean()))
        return float(vals.mean())

    mono = {c: avg(idx[c], idx[c]) for c in names}
    out = np.ones((len(names), len(names)))
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            if i != j:
                out[i, j] = avg(idx[a], idx[b]) / np.sqrt(mono[a] * mono[b])
    return pd.DataFrame(out, index=names, columns=names)


def htmt_pairs(matrix: pd.DataFrame, strict: float = HTMT_STRICT, liberal: float = HTMT_LIBERAL) -> pd.DataFrame:
    """Long table of construct pairs with HTMT flags: ``construct_a, construct_b, htmt, above_085, above_090``.

    Parameters
    ----------
    matrix : DataFrame
        An HTMT matrix (:func:`htmt`).
    strict, liberal : float
        Thresholds; a pair is flagged when its HTMT is strictly above.

    Returns
    -------
    DataFrame
        One row per pair (upper triangle).

    Examples
    --------
    >>> m = pd.DataFrame([[1, .88], [.88, 1]], index=["X", "Y"], columns=["X", "Y"])
    >>> htmt_pairs(m)[["htmt", "above_085", "above_090"]].values.tolist()
    [[0.88, True, False]]
    """
    rows = []
    names = list(matrix.index)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            v = float(matrix.loc[a, b])
            rows.append({"construct_a": a, "construct_b": b, "htmt": v, "above_085": bool(v > strict),
                         "above_090": bool(v > liberal)})
    return pd.DataFrame(rows, columns=["construct_a", "construct_b", "htmt", "above_085", "above_090"])


def measures_from_params(params: pd.DataFrame, sample_cov: pd.DataFrame,
                         constructs: Mapping[str, Sequence[str]] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """AVE, composite reliability and the Fornell–Larcker table from CFA estimates (single group).

    Parameters
    ----------
    params : DataFrame
        Columns ``lhs, op, rhs, est`` (lavaan parameterEstimates / :attr:`CfaResult.params`).
    sample_cov : DataFrame
        Sample covariance of the items (divisor N), items as index and columns.
    constructs : mapping, optional
        Construct -> items (default: from the ``=~`` rows).

    Returns
    -------
    (measures, fornell_larcker) : DataFrames
        ``construct, n_items, ave, sqrt_ave, cr, max_abs_r, fornell_larcker_ok`` and a constructs × constructs
        matrix with √AVE on the diagonal and latent correlations off it.

    Examples
    --------
    >>> p = pd.DataFrame({"lhs": ["f", "f", "f", "f"], "op": ["=~", "=~", "=~", "~~"], "rhs": ["a", "b", "c", "f"],
    ...                   "est": [1.0, 1.0, 1.0, 0.5]})
    >>> s = pd.DataFrame(np.full((3, 3), .5) + np.eye(3) * .5, index=list("abc"), columns=list("abc"))
    >>> m, fl = measures_from_params(p, s)
    >>> m[["ave", "cr"]].round(3).values.tolist()
    [[0.5, 0.75]]
    """
    load = params[params["op"] == "=~"]
    if constructs is None:
        found: dict[str, list[str]] = {}
        for r in load.itertuples(index=False):
            found.setdefault(str(r.lhs), []).append(str(r.rhs))
        constructs = found
    names = list(constructs)
    cov = params[params["op"] == "~~"]

    def psi(a: str, b: str) -> float:
        hit = cov[((cov["lhs"] == a) & (cov["rhs"] == b)) | ((cov["lhs"] == b) & (cov["rhs"] == a))]
        return float(hit["est"].iloc[0]) if len(hit) else float("nan")

    rows = []
    for c in names:
        items = list(constructs[c])
        lam = np.array([float(load[(load["lhs"] == c) & (load["rhs"] == i)]["est"].iloc[0]) for i in items])
        ps = psi(c, c)
        if not np.isfinite(ps):
            raise EstimationError(f"no variance estimate for factor {c}")
        s = sample_cov.loc[items, items].to_numpy(float)
        ave_c = float((lam ** 2 * ps).sum() / np.trace(s))
        rows.append({"construct": c, "n_items": len(items), "ave": ave_c, "sqrt_ave": float(np.sqrt(ave_c)),
                     "cr": composite_reliability(lam.tolist(), ps, sample_cov=s)})
    meas = pd.DataFrame(rows)
    k = len(names)
    fl = np.eye(k)
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            if i != j:
                fl[i, j] = psi(a, b) / np.sqrt(psi(a, a) * psi(b, b))
    off = np.abs(fl - np.diag(np.diag(fl)))
    meas["max_abs_r"] = off.max(1) if k > 1 else np.nan
    meas["fornell_larcker_ok"] = meas["sqrt_ave"] > meas["max_abs_r"] if k > 1 else True
    np.fill_diagonal(fl, meas["sqrt_ave"].to_numpy())
    return meas, pd.DataFrame(fl, index=names, columns=names)


@dataclass(frozen=True)
class ValidityResult:
    """Convergent and discriminant validity of a measurement model.

    Attributes
    ----------
    htmt : DataFrame
        HTMT matrix; ``htmt_pairs`` the flagged long table.
    measures : DataFrame or None
        ``construct, n_items, ave, sqrt_ave, cr, max_abs_r, fornell_larcker_ok`` (None without a CFA).
    fornell_larcker : DataFrame or None
    n : int
        Rows used (listwise over the model's items).
    notes : tuple of str
    """

    htmt: pd.DataFrame
    htmt_pairs: pd.DataFrame
    measures: pd.DataFrame | None
    fornell_larcker: pd.DataFrame | None
    n: int
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        """Text summary."""
        fmt = {"float_format": lambda v: f"{v:.3f}"}
        lines = [f"Discriminant validity (n = {self.n}, listwise)", "HTMT (flags: > .85 strict, > .90 liberal):",
                 self.htmt.to_string(**fmt)]
        flagged = self.htmt_pairs[self.htmt_pairs["above_085"]]
        for r in flagged.itertuples(index=False):
            lines.append(f"  {r.construct_a} / {r.construct_b}: HTMT {r.htmt:.3f} > "
                         f"{HTMT_LIBERAL if r.above_090 else HTMT_STRICT:.2f}")
        if self.measures is not None and self.fornell_larcker is not None:
            lines += ["AVE and composite reliability:", self.measures.to_string(index=False, **fmt),
                      "Fornell-Larcker (sqrt AVE on the diagonal):", self.fornell_larcker.to_string(**fmt)]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dictionary."""
        return {
            "n": self.n,
            "htmt": {a: {b: float(v) for b, v in row.items()} for a, row in self.htmt.iterrows()},
            "htmt_pairs": self.htmt_pairs.to_dict("records"),
            "measures": None if self.measures is None else [
                {k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
                for r in self.measures.to_dict("records")],
            "fornell_larcker": None if self.fornell_larcker is None else {
                a: {b: float(v) for b, v in row.items()} for a, row in self.fornell_larcker.iterrows()},
            "notes": list(self.notes),
        }


def _mixed_sign_notes(params: pd.DataFrame, constructs: Mapping[str, Sequence[str]]) -> list[str]:
    """A note per construct whose loadings have both signs: CR sums signed loadings (semTools does the same), so
    it is meaningless until those items are reverse-coded; AVE (squared loadings) and HTMT (|r|) are not affected.

    Examples
    --------
    >>> p = pd.DataFrame({"lhs": ["f"] * 3, "op": ["=~"] * 3, "rhs": ["a", "b", "c"], "est": [1.0, -0.8, 0.9]})
    >>> print(_mixed_sign_notes(p, {"f": ["a", "b", "c"]})[0][:44])
    f: loadings of both signs (b opposite to a):
    """
    load = params[params["op"] == "=~"]
    out = []
    for c, items in constructs.items():
        est = {r.rhs: float(r.est) for r in load[load["lhs"] == c].itertuples(index=False)}
        signs = {i: np.sign(est[i]) for i in items if i in est and est[i] != 0}
        if not signs or len(set(signs.values())) < 2:
            continue
        first = next(iter(signs))
        opposite = [i for i, v in signs.items() if v != signs[first]]
        out.append(f"{c}: loadings of both signs ({', '.join(opposite)} opposite to {first}): composite "
                   "reliability sums signed loadings - reverse-code those items first (AVE and HTMT are not "
                   "affected)")
    return out


def validity(data: pd.DataFrame, model: str | Mapping[str, Sequence[str]], cfa_result: Any | None = None,
             use_cfa: bool = True, htmt2: bool = True, cor: str = "pearson") -> ValidityResult:
    """HTMT, and (from a CFA) AVE, composite reliability and Fornell–Larcker for a measurement model.

    Parameters
    ----------
    data : DataFrame
        Responses (reverse-keyed items already recoded).
    model : str or mapping
        lavaan syntax (``f =~ a + b + c``) or construct -> items.
    cfa_result : CfaResult, optional
        A fitted single-group CFA of this model; fitted here with :func:`analysis.sem.cfa` (ML, listwise) if
        omitted and ``use_cfa``.
    use_cfa : bool
        Compute the CFA-based measures.
    htmt2 : bool
        Geometric-mean HTMT (semTools' default).
    cor : {"pearson", "polychoric"}
        Correlations for the HTMT.

    Returns
    -------
    ValidityResult

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> f = rng.standard_normal((300, 2))
    >>> df = pd.DataFrame(np.hstack([f[:, [0]] + rng.standard_normal((300, 3)),
    ...                              f[:, [1]] + rng.standard_normal((300, 3))]), columns=list("abcdef"))
    >>> res = validity(df, "X =~ a + b + c\\nY =~ d + e + f", use_cfa=False)
    >>> bool(res.htmt_pairs["above_085"].any())
    False
    """
    constructs = model_constructs(model) if isinstance(model, str) else {k: list(v) for k, v in model.items()}
    items = [i for c in constructs for i in constructs[c]]
    unknown = [i for i in items if i not in data.columns]
    if unknown:
        raise DataError(f"unknown item(s) {', '.join(unknown)} (not columns of the data)")
    x = data[items].apply(pd.to_numeric, errors="coerce").dropna()
    h = htmt(data, constructs, htmt2=htmt2, cor=cor, missing="listwise")
    notes: list[str] = []
    measures = fl = None
    if use_cfa:
        if cfa_result is None:
            syntax = model if isinstance(model, str) else "\n".join(
                f"{c} =~ {' + '.join(v)}" for c, v in constructs.items())
            cfa_result = cfa(syntax, data[items], estimator="ML", missing="listwise")
        if not getattr(cfa_result, "converged", True):
            notes.append("the CFA did not converge; AVE/CR are not trustworthy")
        notes.extend(f"CFA: {w}" for w in getattr(cfa_result, "warnings", ()))
        params = cfa_result.params
        if "group" in params.columns and params["group"].astype(str).nunique() > 1:
            raise EstimationError("validity measures need a single-group CFA")
        measures, fl = measures_from_params(params, x.cov(ddof=0), constructs)
        notes.extend(_mixed_sign_notes(params, constructs))
        bad = measures.loc[~measures["fornell_larcker_ok"], "construct"].tolist()
        if bad:
            notes.append(f"Fornell-Larcker not met for {', '.join(bad)}")
    return ValidityResult(htmt=h, htmt_pairs=htmt_pairs(h), measures=measures, fornell_larcker=fl, n=int(len(x)),
                          notes=tuple(notes))
