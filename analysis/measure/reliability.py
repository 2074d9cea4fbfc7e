"""Scale reliability at psych parity: α (raw, standardised, Feldt CI), item statistics, ω total and ω hierarchical.

- **α** as psych ``alpha``: raw α from the item covariance matrix, standardised α from the correlation matrix,
  α-if-item-deleted (raw and standardised), item-rest correlation ``r_drop`` (item with the sum of the other items,
  from the covariances), the Feldt 95 % CI (``psych::alpha.ci``; F quantiles with n − 1 and (n − 1)(k − 1) df).
  Missing data: ``pairwise`` covariances (psych's default; n = rows answering at least one item of the scale) or
  ``listwise``. Nothing is imputed.
- **ω** as ``psych::omega``: minres factors of the correlation matrix, varimax, then oblimin (GPArotation), a
  Schmid–Leiman transformation with the general factor from a one-factor minres of Φ (three or more factors) or
  √|φ₁₂| (two factors, psych's ``option="equal"``); items are reflected on the general factor; ω_t =
  (V_t − Σu²)/V_t, ω_h = (Σg)²/V_t with V_t the sum of the (reflected) correlation matrix. With one factor ω_t is
  the usual one-factor omega and ω_h is not meaningful.
- **Composite reliability** from a CFA (semTools ``compRelSEM``, default ``obs.var=TRUE``): (Σλ)²ψ / 1ᵀS1 with S
  the ML (divisor N) sample covariance of the factor's items; ``obs_var=False`` uses the model-implied variance.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> f = rng.standard_normal(500)
>>> df = pd.DataFrame({f"q{i}": np.round(3 + f + rng.standard_normal(500)) for i in range(1, 5)})
>>> scales, items = scale_reliability(df, {"Q": ["q1", "q2", "q3", "q4"]})
>>> scales.columns.tolist()
['construct', 'n_items', 'n', 'alpha', 'alpha_std', 'alpha_ci_low', 'alpha_ci_high', 'omega_total']
>>> round(float(scales["alpha"].iloc[0]), 2)
0.8
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analysis.data.prepare import numeric_columns
from vcd_core.errors import DataError, EstimationError

__all__ = ["AlphaResult", "OmegaResult", "alpha", "omega", "scale_reliability", "parse_scale", "reverse_code",
           "composite_reliability"]


def parse_scale(spec: str) -> tuple[str, list[str], list[str]]:
    """Parse ``NAME=-A1,A2,…`` into (name, items, reverse-keyed items); a leading ``-`` marks reverse keying.

    Parameters
    ----------
    spec : str
        ``NAME=ITEM1,-ITEM2,…`` (spaces allowed).

    Returns
    -------
    (str, list of str, list of str)
        The scale name, all items (without the ``-``) and the reverse-keyed items.

    Examples
    --------
    >>> parse_scale("agree=-A1,A2, A3")
    ('agree', ['A1', 'A2', 'A3'], ['A1'])
    """
    if "=" not in spec:
        raise DataError(f"scale {spec!r} must look like NAME=ITEM1,-ITEM2,…")
    name, rest = spec.split("=", 1)
    name = name.strip()
    toks = [t.strip() for t in rest.split(",") if t.strip()]
    if not name or not toks:
        raise DataError(f"scale {spec!r} must look like NAME=ITEM1,-ITEM2,…")
    items = [t.lstrip("-").strip() for t in toks]
    rev = [t.lstrip("-").strip() for t in toks if t.startswith("-")]
    return name, items, rev


def _numeric(data: pd.DataFrame, items: Sequence[str], scale: str | None = None) -> pd.DataFrame:
    unknown = [c for c in items if c not in data.columns]
    if unknown:
        where = f" in scale {scale}" if scale else ""
        raise DataError(f"unknown item(s){where}: {', '.join(unknown)} (not columns of the data)")
    if len(set(items)) != len(items):
        raise DataError(f"an item is listed twice{' in scale ' + scale if scale else ''}")
    x = numeric_columns(data, items)
    return x


def reverse_code(x: pd.DataFrame, reverse: Sequence[str], scale_range: tuple[float, float] | None = None
                 ) -> pd.DataFrame:
    """Recode reverse-keyed columns as (min + max) − x; min/max from ``scale_range`` or the observed items.

    Parameters
    ----------
    x : DataFrame
        Numeric item columns.
    reverse : sequence of str
        Columns to recode.
    scale_range : (float, float), optional
        The response scale's minimum and maximum.

    Returns
    -------
    DataFrame
        A copy with the reverse-keyed columns recoded (``x`` itself when there are none).

    Examples
    --------
    >>> reverse_code(pd.DataFrame({"a": [1, 6], "b": [2, 3]}), ["a"])["a"].tolist()
    [6.0, 1.0]
    """
    if not reverse:
        return x
    lo, hi = scale_range if scale_range is not None else (np.nanmin(x.to_numpy(float)), np.nanmax(x.to_numpy(float)))
    x = x.copy()
    for c in reverse:
        x[c] = lo + hi - x[c]
    return x


def _alpha_1(c: np.ndarray) -> tuple[float, float]:
    k = c.shape[0]
    raw = (1 - np.trace(c) / c.sum()) * k / (k - 1)
    d = 1 / np.sqrt(np.diag(c))
    r = c * np.outer(d, d)
    std = (1 - k / r.sum()) * k / (k - 1)
    return float(raw), float(std)


@dataclass(frozen=True)
class AlphaResult:
    """Cronbach's α of one scale.

    Attributes
    ----------
    alpha, alpha_std : float
        Raw (covariances) and standardised (correlations) α.
    ci_low, ci_high : float
        Feldt 95 % CI of raw α.
    average_r : float
        Mean inter-item correlation.
    n : int
        Rows (pairwise: answering at least one item; listwise: complete).
    items : DataFrame
        ``item, n, mean, sd, r_drop, alpha_if_deleted, alpha_std_if_deleted``.
    """

    alpha: float
    alpha_std: float
    ci_low: float
    ci_high: float
    average_r: float
    n: int
    n_items: int
    missing: str
    items: pd.DataFrame

    def summary(self) -> str:
        """Text summary."""
        return (f"alpha = {self.alpha:.3f} [{self.ci_low:.3f}, {self.ci_high:.3f}] (Feldt 95 % CI), standardised "
                f"{self.alpha_std:.3f}, mean r {self.average_r:.3f}; {self.n_items} items, n = {self.n} "
                f"({self.missing})\n" + self.items.to_string(index=False, float_format=lambda v: f"{v:.3f}"))


def alpha(data: pd.DataFrame, items: Sequence[str], reverse: Sequence[str] = (), missing: str = "pairwise",
          scale_range: tuple[float, float] | None = None, level: float = 0.95) -> AlphaResult:
    """Cronbach's α as psych ``alpha`` (keys given, ``check.keys=FALSE``).

    Written here: ``pingouin.cronbach_alpha`` gives the same raw α but rounds its Feldt CI to three decimals and
    has no standardised α, α-if-deleted or item-rest correlation; all of them come from one covariance matrix.

    Parameters
    ----------
    data : DataFrame
    items : sequence of str
    reverse : sequence of str
        Reverse-keyed items (recoded (min + max) − x first).
    missing : {"pairwise", "listwise"}
    scale_range : (min, max), optional
        Response scale for reverse coding (default: observed min and max of the items).
    level : float
        Confidence level of the Feldt interval.

    Returns
    -------
    AlphaResult

    Raises
    ------
    DataError
        Unknown or non-numeric items, fewer than two items, a constant item, fewer than 3 rows.

    Examples
    --------
    >>> df = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 5, 4], "c": [1, 3, 3, 4, 5]})
    >>> round(alpha(df, ["a", "b", "c"]).alpha, 3)
    0.945
    """
    if missing not in ("pairwise", "listwise"):
        raise DataError(f"missing must be 'pairwise' or 'listwise', not {missing!r}")
    items = [str(i) for i in items]
    bad_rev = [r for r in reverse if r not in items]
    if bad_rev:
        raise DataError(f"reverse-keyed item(s) {', '.join(bad_rev)} are not among the scale's items")
    if len(items) < 2:
        raise DataError(f"alpha needs at least two items, got {len(items)}")
    x = reverse_code(_numeric(data, items), list(reverse), scale_range)
    x = x.dropna() if missing == "listwise" else x[x.notna().any(axis=1)]
    n = int(len(x))
    if n < 3:
        raise DataError(f"only {n} usable row(s) for alpha ({missing} deletion)")
    sd = x.std()
    const = [c for c in items if not (sd[c] > 0)]
    if const:
        raise DataError(f"item(s) {', '.join(const)} have no variance (constant or empty)")
    c = x.cov().to_numpy()
    if np.isnan(c).any():
        i, j = np.argwhere(np.isnan(c))[0]
        raise DataError(f"items {items[i]} and {items[j]} are never answered together")
    k = len(items)
    raw, std = _alpha_1(c)
    d = 1 / np.sqrt(np.diag(c))
    r = c * np.outer(d, d)
    avr = float((r.sum() - k) / (k * (k - 1)))
    q = 1 - level
    df1, df2 = n - 1, (n - 1) * (k - 1)
    lo = 1 - (1 - raw) * stats.f.ppf(1 - q / 2, df1, df2)
    hi = 1 - (1 - raw) * stats.f.ppf(q / 2, df1, df2)
    rows = []
    for i, it in enumerate(items):
        keep = [j for j in range(k) if j != i]
        sub = c[np.ix_(keep, keep)]
        if k > 2:
            a_raw, a_std = _alpha_1(sub)
        else:  # psych: the other item's covariance ratio / correlation
            a_raw, a_std = float(c[0, 1] / c[keep[0], keep[0]]), float(r[0, 1])
        r_drop = (c[:, i].sum() - c[i, i]) / np.sqrt(c[i, i] * sub.sum())
        rows.append({"item": it, "n": int(x[it].notna().sum()), "mean": float(x[it].mean()),
                     "sd": float(x[it].std()), "r_drop": float(r_drop), "alpha_if_deleted": a_raw,
                     "alpha_std_if_deleted": a_std})
    return AlphaResult(alpha=raw, alpha_std=std, ci_low=float(lo), ci_high=float(hi), average_r=avr, n=n,
                       n_items=k, missing=missing, items=pd.DataFrame(rows))


@dataclass(frozen=True)
class OmegaResult:
    """McDonald's ω as psych ``omega``.

    Attributes
    ----------
    omega_total, omega_h : float
        ω total and ω hierarchical (general factor).
    alpha : float
        Standardised α of the (reflected) correlation matrix.
    n_factors : int
    loadings : DataFrame
        Schmid–Leiman solution ``item, g, F1* … Fk*, h2, u2`` (items reflected on g get a trailing ``-``).
    """

    omega_total: float
    omega_h: float
    alpha: float
    n_factors: int
    loadings: pd.DataFrame

    def summary(self) -> str:
        """Text summary."""
        note = " (omega_h is not meaningful with one factor)" if self.n_factors == 1 else ""
        return (f"omega_total = {self.omega_total:.3f}, omega_h = {self.omega_h:.3f}, alpha = {self.alpha:.3f}; "
                f"{self.n_factors} group factor(s){note}\n"
                + self.loadings.to_string(index=False, float_format=lambda v: f"{v:.3f}"))


def _minres(r: np.ndarray, k: int) -> np.ndarray:
    from analysis.measure.efa import _extract

    load, _ = _extract(r, k, "minres")
    return load * np.where(load.sum(0) < 0, -1.0, 1.0)


def omega(data: pd.DataFrame | None, items: Sequence[str] | None = None, n_factors: int = 3,
          reverse: Sequence[str] = (), missing: str = "pairwise", correlation: pd.DataFrame | None = None
          ) -> OmegaResult:
    """ω total and ω hierarchical as ``psych::omega(x, nfactors)`` (Schmid–Leiman of minres + oblimin).

    Parameters
    ----------
    data : DataFrame or None
        Responses (ignored when ``correlation`` is given).
    items : sequence of str
    n_factors : int
        Number of group factors (psych's default 3; 1 gives the one-factor ω_t).
    reverse : sequence of str
        Reverse-keyed items (reflection does not change ω; kept for symmetry with :func:`alpha`).
    missing : {"pairwise", "listwise"}
    correlation : DataFrame, optional
        Use this correlation matrix (e.g. polychoric) instead of the data's Pearson correlations.

    Returns
    -------
    OmegaResult

    Examples
    --------
    >>> rng = np.random.default_rng(2)
    >>> f = rng.standard_normal(400)
    >>> df = pd.DataFrame({f"q{i}": f + rng.standard_normal(400) for i in range(4)})
    >>> round(omega(df, list(df.columns), n_factors=1).omega_total, 2)
    0.79
    """
    from analysis.measure.efa import _rotate, _sign_and_order

    if correlation is not None:
        r = correlation.to_numpy(float)
        names = [str(c) for c in correlation.columns]
    else:
        if items is None:
            raise DataError("omega needs the items")
        names = [str(i) for i in items]
        x = reverse_code(_numeric(data, names), list(reverse))
        if missing == "listwise":
            x = x.dropna()
        if (x.std() > 0).sum() < len(names):
            const = [c for c in names if not (x[c].std() > 0)]
            raise DataError(f"item(s) {', '.join(const)} have no variance (constant or empty)")
        r = x.corr().to_numpy()
    p = len(names)
    if n_factors < 1 or ((p - n_factors) ** 2 - (p + n_factors)) < 0:
        raise EstimationError(f"omega with {n_factors} factors cannot be identified from {p} items")
    if n_factors == 1:
        orth = _minres(r, 1)
        fload, gload = orth, np.array([1.0])
    else:
        load0 = _minres(r, n_factors)
        orth, _ = _rotate(load0, "varimax")
        orth, _ = _sign_and_order(orth, np.eye(n_factors))
        fload, phi = _rotate(orth, "oblimin")
        if n_factors > 2:
            gload = _minres(phi, 1)[:, 0]
        else:
            g = np.sqrt(abs(phi[0, 1]))
            gload = np.array([g, np.sign(phi[0, 1]) * g])
    g = fload @ gload
    h2 = (orth ** 2).sum(1)
    u2 = np.diag(r) - h2
    uniq2 = np.clip(fload ** 2 - (fload * gload) ** 2, 0.0, None)
    sm = np.sign(fload) * np.sqrt(uniq2)
    key = np.where(g < 0, -1.0, 1.0)
    m = r * np.outer(key, key)
    g = g * key
    sm = sm * key[:, None]
    vt = m.sum()
    om_t = (vt - u2.sum()) / vt
    om_h = g.sum() ** 2 / vt
    a_std = ((vt - np.trace(m)) / vt) * p / (p - 1)
    tab = pd.DataFrame({"item": [n + ("-" if s < 0 else "") for n, s in zip(names, key, strict=True)], "g": g})
    if n_factors > 1:
        for j in range(n_factors):
            tab[f"F{j + 1}*"] = sm[:, j]
    tab["h2"] = h2
    tab["u2"] = u2
    return OmegaResult(omega_total=float(om_t), omega_h=float(om_h), alpha=float(a_std), n_factors=n_factors,
                       loadings=tab)


def scale_reliability(data: pd.DataFrame, scales: Mapping[str, Sequence[str]],
                      reverse: Sequence[str] = (), missing: str = "pairwise",
                      scale_range: tuple[float, float] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """α, Feldt CI and one-factor ω_t per scale, and item statistics — the results-folder tables.

    Parameters
    ----------
    data : DataFrame
        Responses (reverse-keyed items either already recoded, or named in ``reverse`` or with a leading ``-``).
    scales : mapping construct -> items
        Items may carry a leading ``-`` to mark reverse keying.
    reverse : sequence of str
        More reverse-keyed items.
    missing : {"pairwise", "listwise"}
    scale_range : (min, max), optional
        Response scale for reverse coding.

    Returns
    -------
    (scales, items) : DataFrames
        ``construct, n_items, n, alpha, alpha_std, alpha_ci_low, alpha_ci_high, omega_total`` and
        ``construct, item, r_drop, alpha_if_deleted``.

    Examples
    --------
    >>> df = pd.DataFrame({"a": [1, 2, 3, 4, 5, 2], "b": [2, 2, 3, 5, 4, 1], "c": [5, 3, 3, 2, 1, 4]})
    >>> s, i = scale_reliability(df, {"S": ["a", "b", "-c"]})
    >>> i.columns.tolist()
    ['construct', 'item', 'r_drop', 'alpha_if_deleted']
    """
    srows, irows = [], []
    for name, spec in scales.items():
        toks = [str(t).strip() for t in spec]
        items = [t.lstrip("-") for t in toks]
        rev = [t.lstrip("-") for t in toks if t.startswith("-")] + [r for r in reverse if r in items]
        unknown = [i for i in items if i not in data.columns]
        if unknown:
            raise DataError(f"scale {name}: unknown item(s) {', '.join(unknown)} (not columns of the data)")
        a = alpha(data, items, reverse=rev, missing=missing, scale_range=scale_range)
        om = (omega(data, items, n_factors=1, reverse=rev, missing=missing).omega_total
              if len(items) >= 3 else float("nan"))
        srows.append({"construct": name, "n_items": len(items), "n": a.n, "alpha": a.alpha,
                      "alpha_std": a.alpha_std, "alpha_ci_low": a.ci_low, "alpha_ci_high": a.ci_high,
                      "omega_total": om})
        for row in a.items.itertuples(index=False):
            irows.append({"construct": name, "item": row.item, "r_drop": row.r_drop,
                          "alpha_if_deleted": row.alpha_if_deleted})
    return pd.DataFrame(srows), pd.DataFrame(irows, columns=["construct", "item", "r_drop", "alpha_if_deleted"])


def composite_reliability(loadings: Sequence[float], psi: float, sample_cov: np.ndarray | None = None,
                          theta: np.ndarray | None = None) -> float:
    """Composite reliability (ω) of one factor from CFA estimates, as semTools ``compRelSEM``.

    Parameters
    ----------
    loadings : sequence of float
        Unstandardised loadings λ of the factor's items.
    psi : float
        Factor variance.
    sample_cov : ndarray, optional
        Sample covariance (divisor N) of the items: ``obs.var=TRUE`` (semTools' default), (Σλ)²ψ / 1ᵀS1.
    theta : ndarray, optional
        Residual (co)variances (vector or matrix): used when ``sample_cov`` is None, (Σλ)²ψ / ((Σλ)²ψ + 1ᵀΘ1).

    Returns
    -------
    float
        The composite reliability ω.

    Examples
    --------
    >>> round(composite_reliability([1, 1, 1], 0.5, theta=np.array([0.5, 0.5, 0.5])), 3)
    0.75
    """
    lam = np.asarray(loadings, float)
    num = lam.sum() ** 2 * psi
    if sample_cov is not None:
        return float(num / np.asarray(sample_cov, float).sum())
    if theta is None:
        raise EstimationError("composite reliability needs the sample covariance or the residual variances")
    th = np.asarray(theta, float)
    return float(num / (num + (th.sum() if th.ndim == 2 else th.sum())))
