"""Exploratory factor analysis at psych ``fa()`` parity, wrapping factor-analyzer 0.5.1.

factor-analyzer does the minres and ML extraction and the rotations; around it we fix what it gets wrong or
hides: the correlation matrix (Pearson or polychoric) is built here with missing data handled explicitly
(``pairwise`` — psych's default — or ``listwise``, recorded in the result; factor-analyzer's silent median
imputation is never used); the factor correlations Φ are recovered from the rotation (``Φ = (MᵀM)⁻¹`` for
``L = L₀M``) and permuted and reflected with the loadings; communalities are ``diag(ΛΦΛᵀ)`` (= the unrotated
``diag(L₀L₀ᵀ)``), not the row sums of squared pattern loadings; factors are reflected to positive column sums and
ordered by ``diag(ΦΛᵀΛ)`` as psych does. ``principal`` is principal-axis factoring as psych ``fm="pa"`` (SMC
start, iterated until the communalities change by < .001, at most 50 times).

Rotations: ``oblimin`` (GPArotation ``oblimin``, γ = 0, no normalisation — psych's default), ``promax`` (Kaiser
row normalisation, varimax, power 4: psych ``rotate="promax"``), ``geomin`` (oblique, δ = .01: GPArotation
``geominQ``), ``varimax`` (Kaiser-normalised, ``stats::varimax``), ``none``.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> f = rng.standard_normal((400, 2))
>>> x = np.hstack([f[:, [0]] + rng.standard_normal((400, 3)), f[:, [1]] + rng.standard_normal((400, 3))])
>>> df = pd.DataFrame(x, columns=["a1", "a2", "a3", "b1", "b2", "b3"])
>>> res = run_efa(df, list(df.columns), n_factors=2)
>>> res.loadings.columns.tolist()
['item', 'F1', 'F2', 'h2', 'primary_factor', 'primary_loading', 'flag']
>>> sorted(res.loadings.groupby("primary_factor")["item"].apply(list).tolist())
[['a1', 'a2', 'a3'], ['b1', 'b2', 'b3']]
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.measure.correlation import _check_collinear, bartlett, correlation_matrix, kmo
from analysis.measure.retention import ParallelResult, parallel_analysis, smc, velicer_map
from vcd_core.errors import DataError, EstimationError

__all__ = ["EfaResult", "run_efa", "correlation_matrix", "kmo", "bartlett", "efa_from_correlation",
           "suggest_reduction", "FLAG_PRIMARY", "FLAG_CROSS", "FLAG_H2", "HEYWOOD_H2"]

METHODS = ("minres", "ml", "principal")
ROTATIONS = ("oblimin", "promax", "geomin", "varimax", "none")
OBLIQUE = ("oblimin", "promax", "geomin")
#: loading-table flags: primary loading below, secondary loading above, communality below
FLAG_PRIMARY, FLAG_CROSS, FLAG_H2 = 0.40, 0.30, 0.20
#: a communality at or above this is reported as a Heywood case
HEYWOOD_H2 = 0.995


# ---------------------------------------------------------------------------------------------------------------
# extraction and rotation


def _principal_axis(r: np.ndarray, k: int, min_err: float = 0.001, max_iter: int = 50) -> np.ndarray:
    """psych fm="pa": iterated principal axes from SMC communalities."""
    m = r.copy()
    np.fill_diagonal(m, smc(r))
    comm = np.trace(m)
    load = np.zeros((r.shape[0], k))
    for _ in range(max_iter):
        vals, vecs = np.linalg.eigh(m)
        order = np.argsort(vals)[::-1][:k]
        load = vecs[:, order] * np.sqrt(np.clip(vals[order], 0.0, None))
        new = (load ** 2).sum(1)
        comm1 = new.sum()
        np.fill_diagonal(m, new)
        err = abs(comm - comm1)
        comm = comm1
        if err < min_err:
            break
    return load


def _extract(r: np.ndarray, k: int, method: str) -> tuple[np.ndarray, bool]:
    if method == "principal":
        return _principal_axis(r, k), True
    from factor_analyzer import FactorAnalyzer

    fa = FactorAnalyzer(n_factors=k, rotation=None, method=method, is_corr_matrix=True, use_smc=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fa.fit(r)
    converged = not any("converge" in str(w.message) for w in caught)
    return np.asarray(fa.loadings_, float), converged


def _rotate(load0: np.ndarray, rotation: str) -> tuple[np.ndarray, np.ndarray]:
    k = load0.shape[1]
    if rotation == "none" or k == 1:
        return load0.copy(), np.eye(k)
    from factor_analyzer import Rotator

    if rotation == "geomin":
        rot = Rotator(method="geomin_obl", delta=0.01, max_iter=1000, tol=1e-5)
    elif rotation == "oblimin":
        rot = Rotator(method="oblimin", gamma=0, max_iter=1000, tol=1e-5)
    else:
        rot = Rotator(method=rotation, normalize=True, power=4, max_iter=1000, tol=1e-5)
    load = np.asarray(rot.fit_transform(load0), float)
    if rotation not in OBLIQUE:
        return load, np.eye(k)
    # L = L0 M  =>  Phi = (M'M)^-1, whatever the rotation's parametrisation
    m = np.linalg.lstsq(load0, load, rcond=None)[0]
    phi = np.linalg.inv(m.T @ m)
    d = np.sqrt(np.diag(phi))
    return load, phi / np.outer(d, d)


def _sign_and_order(load: np.ndarray, phi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    signs = np.sign(load.sum(0))
    signs[signs == 0] = 1.0
    load = load * signs
    phi = phi * np.outer(signs, signs)
    ss = np.diag(phi @ load.T @ load)
    order = np.argsort(-ss, kind="stable")
    return load[:, order], phi[np.ix_(order, order)]


# ---------------------------------------------------------------------------------------------------------------
# result


@dataclass(frozen=True)
class EfaResult:
    """An exploratory factor analysis.

    Attributes
    ----------
    loadings : DataFrame
        ``item, F1 … Fk, h2, primary_factor, primary_loading, flag`` — pattern loadings; ``flag`` lists
        ``low_primary`` (|primary| < .40), ``cross_loading`` (another |loading| > .30), ``low_h2`` (h² < .20),
        separated by ``;`` (empty when none).
    phi : DataFrame
        Factor correlations (identity for orthogonal rotations), rows and columns ``F1 … Fk``.
    eigenvalues : DataFrame
        ``component, observed`` (eigenvalues of R) and, after parallel analysis, ``factor_observed, parallel,
        parallel_mean, component_parallel, resampled_mean``.
    variance : DataFrame
        ``factor, ss_loadings, proportion_var, cumulative_var`` (SS loadings = diag(ΦΛᵀΛ)).
    structure : DataFrame
        Structure matrix ΛΦ.
    kmo : float
    kmo_items : Series
    bartlett : dict
        ``chisq, df, p``.
    correlation : DataFrame
        The correlation matrix analysed.
    n : int
        Rows used for test statistics; ``n_min_pairwise`` the smallest pairwise n.
    """

    loadings: pd.DataFrame
    phi: pd.DataFrame
    eigenvalues: pd.DataFrame
    variance: pd.DataFrame
    structure: pd.DataFrame
    kmo: float
    kmo_items: pd.Series
    bartlett: dict[str, float]
    correlation: pd.DataFrame = field(repr=False)
    n: int
    n_min_pairwise: int
    n_factors: int
    method: str
    rotation: str
    cor: str
    missing: str
    converged: bool
    parallel: ParallelResult | None = None
    map: pd.Series | None = None
    warnings: tuple[str, ...] = ()

    @property
    def factors(self) -> list[str]:
        """Factor column names ``F1 … Fk``."""
        return [f"F{j + 1}" for j in range(self.n_factors)]

    @property
    def h2(self) -> pd.Series:
        """Communalities indexed by item."""
        return self.loadings.set_index("item")["h2"]

    def summary(self) -> str:
        """Text summary: sample, adequacy, retention, variance, loadings with flags."""
        b = self.bartlett
        lines = [
            f"EFA: {len(self.loadings)} items, {self.n_factors} factors, {self.method} + {self.rotation}, "
            f"{self.cor} correlations, {self.missing} deletion, n = {self.n}"
            + (f" (smallest pairwise n {self.n_min_pairwise})" if self.missing == "pairwise" else ""),
            f"KMO = {self.kmo:.3f}; Bartlett chi2({b['df']:.0f}) = {b['chisq']:.2f}, p = {b['p']:.3g}",
        ]
        if self.parallel is not None:
            lines.append(self.parallel.summary())
        if self.map is not None:
            lines.append(f"Velicer's MAP: {int(self.map.idxmin())} factors (min {self.map.min():.4f})")
        var = self.variance.set_index("factor")
        lines.append("SS loadings: " + ", ".join(f"{f} {var.loc[f, 'ss_loadings']:.2f}" for f in self.factors)
                     + f"; cumulative variance {var['cumulative_var'].iloc[-1]:.3f}")
        lines.append(self.loadings.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        if self.n_factors > 1 and self.rotation in OBLIQUE:
            lines.append("Factor correlations:")
            lines.append(self.phi.to_string(float_format=lambda v: f"{v:.3f}"))
        lines.extend(f"warning: {w}" for w in self.warnings)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dictionary."""

        def recs(df: pd.DataFrame) -> list[dict[str, Any]]:
            out = df.to_dict("records")
            for row in out:
                for key, v in row.items():
                    if isinstance(v, float) and not math.isfinite(v):
                        row[key] = None
                    elif hasattr(v, "item"):
                        row[key] = v.item()
            return out

        return {
            "n": self.n, "n_min_pairwise": self.n_min_pairwise, "n_factors": self.n_factors,
            "method": self.method, "rotation": self.rotation, "cor": self.cor, "missing": self.missing,
            "converged": self.converged, "kmo": self.kmo, "kmo_items": {k: float(v) for k, v in self.kmo_items.items()},
            "bartlett": self.bartlett, "loadings": recs(self.loadings),
            "phi": recs(self.phi.reset_index(names="factor")), "variance": recs(self.variance),
            "eigenvalues": recs(self.eigenvalues),
            "parallel": None if self.parallel is None else {
                "n_factors": self.parallel.n_factors, "n_components": self.parallel.n_components,
                "n_iter": self.parallel.n_iter, "seed": self.parallel.seed},
            "map": None if self.map is None else {"n_factors": int(self.map.idxmin()),
                                                   "values": {str(k): v for k, v in self.map.items()}},
            "warnings": list(self.warnings),
        }


def _loading_table(names: Sequence[str], load: np.ndarray, h2: np.ndarray) -> pd.DataFrame:
    k = load.shape[1]
    cols = [f"F{j + 1}" for j in range(k)]
    df = pd.DataFrame(load, columns=cols)
    df.insert(0, "item", list(names))
    df["h2"] = h2
    a = np.abs(load)
    prim = a.argmax(1)
    df["primary_factor"] = [cols[j] for j in prim]
    df["primary_loading"] = load[np.arange(len(names)), prim]
    second = np.sort(a, 1)[:, -2] if k > 1 else np.zeros(len(names))
    flags = []
    for i in range(len(names)):
        f = []
        if a[i, prim[i]] < FLAG_PRIMARY:
            f.append("low_primary")
        if second[i] > FLAG_CROSS:
            f.append("cross_loading")
        if h2[i] < FLAG_H2:
            f.append("low_h2")
        flags.append(";".join(f))
    df["flag"] = flags
    return df


def _heywood(names: Sequence[str], h2: np.ndarray) -> str:
    """The Heywood-case warning (communality ≥ :data:`HEYWOOD_H2`), or "" when there is none."""
    hit = [names[i] for i in np.flatnonzero(h2 >= HEYWOOD_H2).tolist()]
    return f"Heywood case: communality ≥ .995 for {', '.join(hit)}" if hit else ""


def efa_from_correlation(r: pd.DataFrame, n_factors: int, n: int, method: str = "minres",
                         rotation: str = "oblimin") -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray, bool, list[str]]:
    """Extract and rotate from a correlation matrix: (loadings table, Φ, unrotated loadings, converged, warnings).

    Parameters
    ----------
    r : DataFrame
        Correlation matrix (items as index and columns).
    n_factors : int
        Number of factors (at most what (p − k)² ≥ p + k allows).
    n : int
        Number of observations.
    method : {"minres", "ml", "principal"}
        Extraction.
    rotation : {"oblimin", "promax", "geomin", "varimax", "none"}
        Rotation.

    Returns
    -------
    (DataFrame, DataFrame, ndarray, bool, list of str)
        The loading table (``item, F1 … Fk, h2, primary_factor, primary_loading, flag``), Φ, the unrotated
        loadings, whether the extraction converged, and warnings (non-convergence, Heywood cases).

    Examples
    --------
    >>> r = pd.DataFrame(np.eye(4) * .5 + .5, index=list("abcd"), columns=list("abcd"))
    >>> tab, phi, l0, ok, w = efa_from_correlation(r, 1, 100)
    >>> tab["h2"].round(2).tolist()
    [0.5, 0.5, 0.5, 0.5]
    """
    if method not in METHODS:
        raise EstimationError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    if rotation not in ROTATIONS:
        raise EstimationError(f"rotation must be one of {', '.join(ROTATIONS)}, not {rotation!r}")
    names = [str(c) for c in r.index]
    m = r.to_numpy(float)
    p = len(names)
    if n_factors < 1:
        raise EstimationError(f"the number of factors must be at least 1, not {n_factors}")
    dof = ((p - n_factors) ** 2 - (p + n_factors)) / 2
    if n_factors >= p or dof < 0:
        k_max = max(k for k in range(1, p + 1) if ((p - k) ** 2 - (p + k)) >= 0) if p >= 3 else 0
        raise EstimationError(f"{n_factors} factors cannot be identified from {p} items (degrees of freedom "
                              f"{dof:g}); at most {k_max} factor(s)")
    _check_collinear(m, names)
    load0, converged = _extract(m, n_factors, method)
    load0 = load0 * np.where(load0.sum(0) < 0, -1.0, 1.0)
    load, phi = _rotate(load0, rotation)
    load, phi = _sign_and_order(load, phi)
    h2 = np.diag(load @ phi @ load.T)
    warn = []
    if not converged:
        warn.append(f"{method} extraction did not converge")
    heywood = _heywood(names, h2)
    if heywood:
        warn.append(heywood)
    cols = [f"F{j + 1}" for j in range(n_factors)]
    return _loading_table(names, load, h2), pd.DataFrame(phi, index=cols, columns=cols), load0, converged, warn


def run_efa(
    data: pd.DataFrame,
    items: Sequence[str],
    n_factors: int | None = None,
    method: str = "minres",
    rotation: str = "oblimin",
    cor: str = "pearson",
    missing: str = "pairwise",
    parallel: bool = False,
    seed: int = 1,
    n_iter: int = 20,
    progress: bool = False,
) -> EfaResult:
    """Exploratory factor analysis of ``items`` (psych ``fa`` parity), with retention checks.

    Parameters
    ----------
    data : DataFrame
        Responses (items as numeric columns; NaN = missing).
    items : sequence of str
        Items to analyse (reverse-keyed items are analysed as they are, as psych does).
    n_factors : int, optional
        Number of factors; if omitted, parallel analysis decides (``parallel`` is then implied).
    method : {"minres", "ml", "principal"}
    rotation : {"oblimin", "promax", "geomin", "varimax", "none"}
    cor : {"pearson", "polychoric"}
    missing : {"pairwise", "listwise"}
    parallel : bool
        Run parallel analysis (and Velicer's MAP).
    seed, n_iter : int
        Parallel analysis: seed and number of simulated data sets.
    progress : bool
        Progress bar (stderr) during parallel analysis.

    Returns
    -------
    EfaResult

    Raises
    ------
    DataError
        Unknown/non-numeric/constant items, collinear items, too few rows.
    EstimationError
        More factors than the items can identify; unknown method or rotation.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> f = rng.standard_normal((300, 1))
    >>> df = pd.DataFrame(f + rng.standard_normal((300, 4)), columns=list("abcd"))
    >>> res = run_efa(df, list("abcd"), parallel=True, n_iter=5)
    >>> res.n_factors, bool(res.loadings["flag"].eq("").all())
    (1, True)
    """
    items = [str(c) for c in items]
    if len(items) < 3:
        raise DataError(f"EFA needs at least 3 items, got {len(items)}")
    r, n, n_min = correlation_matrix(data, items, cor=cor, missing=missing)
    _check_collinear(r.to_numpy(float), items)
    par = None
    vmap = None
    if parallel or n_factors is None:
        raw = data[items].apply(pd.to_numeric, errors="coerce")
        if missing == "listwise":
            raw = raw.dropna()
        raw_arr = raw.to_numpy(float) if cor == "pearson" else None
        par = parallel_analysis(r.to_numpy(float), n_obs=n, data=raw_arr, n_iter=n_iter, seed=seed,
                                progress=progress)
        vmap = velicer_map(r.to_numpy(float))
        if n_factors is None:
            n_factors = max(par.n_factors, 1)
    table, phi, _, converged, warn = efa_from_correlation(r, n_factors, n, method=method, rotation=rotation)
    overall, per = kmo(r)
    bart = bartlett(r, n)
    vals = np.sort(np.linalg.eigvalsh(r.to_numpy(float)))[::-1]
    if vals[-1] < -1e-8:
        warn.append(f"the {missing} correlation matrix is not positive definite (smallest eigenvalue "
                    f"{vals[-1]:.3g}); Bartlett's test is undefined — consider --missing listwise")
    eig = pd.DataFrame({"component": np.arange(1, len(items) + 1), "observed": vals})
    if par is not None:
        eig = par.table
    load = table[[f"F{j + 1}" for j in range(n_factors)]].to_numpy()
    ph = phi.to_numpy()
    ss = np.diag(ph @ load.T @ load)
    variance = pd.DataFrame({"factor": phi.columns, "ss_loadings": ss, "proportion_var": ss / len(items),
                             "cumulative_var": np.cumsum(ss / len(items))})
    structure = pd.DataFrame(load @ ph, index=items, columns=phi.columns)
    return EfaResult(
        loadings=table, phi=phi, eigenvalues=eig, variance=variance, structure=structure, kmo=overall,
        kmo_items=per, bartlett=bart, correlation=r, n=n, n_min_pairwise=n_min, n_factors=int(n_factors),
        method=method, rotation=rotation, cor=cor, missing=missing, converged=converged, parallel=par,
        map=vmap, warnings=tuple(warn),
    )


def suggest_reduction(result: EfaResult, constructs: Mapping[str, str]) -> pd.DataFrame:
    """Item-reduction suggestions per construct (reason), each with its reason.

    An item is suggested for removal when its primary loading is below .40, when it cross-loads (> .30), when
    its communality is below .20, or when it loads primarily on a factor other than the one most of its
    construct's items load on.

    Parameters
    ----------
    result : EfaResult
    constructs : mapping item -> construct name

    Returns
    -------
    DataFrame
        ``construct, item, factor, primary_loading, h2, suggestion, reason`` — ``suggestion`` is ``keep`` or
        ``consider dropping``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> f = rng.standard_normal((300, 1))
    >>> df = pd.DataFrame(f + rng.standard_normal((300, 4)), columns=list("abcd"))
    >>> res = run_efa(df, list("abcd"), n_factors=1)
    >>> suggest_reduction(res, dict.fromkeys("abcd", "X"))["suggestion"].unique().tolist()
    ['keep']
    """
    tab = result.loadings.copy()
    tab["construct"] = [constructs.get(i, "") for i in tab["item"]]
    modal = tab.groupby("construct")["primary_factor"].agg(lambda s: s.value_counts().index[0])
    rows = []
    for r in tab.itertuples(index=False):
        why = []
        flags = r.flag.split(";") if r.flag else []
        if "low_primary" in flags:
            why.append(f"primary loading {r.primary_loading:.2f} < {FLAG_PRIMARY:.2f}")
        if "cross_loading" in flags:
            row = tab.loc[tab["item"] == r.item, result.factors].abs().iloc[0]
            second = row.drop(r.primary_factor).idxmax()
            why.append(f"cross-loads {row[second]:.2f} on {second}")
        if "low_h2" in flags:
            why.append(f"communality {r.h2:.2f} < {FLAG_H2:.2f}")
        if r.construct and r.primary_factor != modal[r.construct]:
            why.append(f"loads on {r.primary_factor}, its construct on {modal[r.construct]}")
        rows.append({"construct": r.construct, "item": r.item, "factor": r.primary_factor,
                     "primary_loading": r.primary_loading, "h2": r.h2,
                     "suggestion": "consider dropping" if why else "keep", "reason": "; ".join(why)})
    return pd.DataFrame(rows)
