"""Correlation matrices for factor analysis (Pearson or polychoric, explicit missing-data handling) and their
sampling adequacy: Kaiser-Meyer-Olkin (psych ``KMO``) and Bartlett's test of sphericity (psych ``cortest.bartlett``).

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"a": [1, 2, 3, 4, None], "b": [2, 1, 4, 3, 5]})
>>> correlation_matrix(df, ["a", "b"])[1:]
(5, 4)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from analysis.data.prepare import numeric_columns
from vcd_core.errors import DataError

__all__ = ["bartlett", "correlation_matrix", "kmo"]


def _numeric_items(data: pd.DataFrame, items: Sequence[str]) -> pd.DataFrame:
    unknown = [c for c in items if c not in data.columns]
    if unknown:
        raise DataError(f"unknown item(s) {', '.join(map(str, unknown))}: not columns of the data")
    if len(set(items)) != len(items):
        dup = sorted({c for c in items if list(items).count(c) > 1})
        raise DataError(f"item(s) listed twice: {', '.join(dup)}")
    x = numeric_columns(data, items)
    return x


def correlation_matrix(data: pd.DataFrame, items: Sequence[str], cor: str = "pearson",
                       missing: str = "pairwise") -> tuple[pd.DataFrame, int, int]:
    """Correlation matrix of ``items`` with explicit missing-data handling.

    Parameters
    ----------
    data : DataFrame
        Responses.
    items : sequence of str
        Columns.
    cor : {"pearson", "polychoric"}
    missing : {"pairwise", "listwise"}
        Pairwise-complete correlations (psych's default) or complete rows only. Nothing is imputed.

    Returns
    -------
    (DataFrame, int, int)
        The matrix, the n used for test statistics (rows, as psych: all rows for pairwise, complete rows for
        listwise) and the smallest pairwise n.

    Raises
    ------
    DataError
        Unknown or non-numeric columns, a constant item, too few rows, a pair never answered together.

    Examples
    --------
    >>> df = pd.DataFrame({"a": [1, 2, 3, 4, None], "b": [2, 1, 4, 3, 5]})
    >>> r, n, n_min = correlation_matrix(df, ["a", "b"])
    >>> round(float(r.loc["a", "b"]), 2), n, n_min
    (0.6, 5, 4)
    """
    if cor not in ("pearson", "polychoric"):
        raise DataError(f"cor must be 'pearson' or 'polychoric', not {cor!r}")
    if missing not in ("pairwise", "listwise"):
        raise DataError(f"missing must be 'pairwise' or 'listwise', not {missing!r}")
    x = _numeric_items(data, items)
    if missing == "listwise":
        x = x.dropna()
    n = int(len(x))
    if n < 3:
        raise DataError(f"only {n} usable row(s) for {len(items)} items ({missing} deletion)")
    sd = x.std()
    const = [str(c) for c in items if not (sd[c] > 0)]
    if const:
        raise DataError(f"item(s) {', '.join(const)} have no variance (constant or empty); remove them")
    obs = x.notna().to_numpy().astype(float)
    pair_n = obs.T @ obs
    if (pair_n < 3).any():
        i, j = np.argwhere(pair_n < 3)[0]
        raise DataError(f"items {items[i]} and {items[j]} are answered together by only {int(pair_n[i, j])} rows")
    if cor == "polychoric":
        from analysis.measure.polychoric import polychoric

        r = polychoric(x, list(items), missing="pairwise").rho
    else:
        r = x.corr()
    r.index = r.columns = [str(c) for c in items]
    return r, n, int(pair_n.min())


def _check_collinear(r: np.ndarray, names: Sequence[str]) -> None:
    vals, vecs = np.linalg.eigh(r)
    if abs(vals[0]) > 1e-8:  # positive definite, or indefinite from pairwise deletion (warned about elsewhere)
        return
    p = len(names)
    off = np.abs(r - np.eye(p))
    i, j = (int(v) for v in np.unravel_index(np.argmax(off), off.shape))
    if off[i, j] > 1 - 1e-8:
        raise DataError(f"items {names[min(i, j)]} and {names[max(i, j)]} are perfectly collinear "
                        f"(r = {r[i, j]:.3f}); drop one of them")
    v = vecs[:, 0]
    involved = [names[k] for k in np.flatnonzero(np.abs(v) > 1e-6).tolist()]
    raise DataError(f"items {', '.join(involved)} are linearly dependent (the correlation matrix is singular); "
                    "drop one of them")


def kmo(r: pd.DataFrame) -> tuple[float, pd.Series]:
    """Kaiser-Meyer-Olkin sampling adequacy, overall and per item (psych ``KMO``).

    Written here: factor-analyzer's ``calculate_kmo`` takes raw data and computes its own correlations, so it
    cannot use a pairwise or polychoric matrix.

    Parameters
    ----------
    r : DataFrame
        Correlation matrix (items as index and columns; invertible).

    Returns
    -------
    (float, Series)
        Overall MSA and the MSA of each item (named ``msa``).

    Examples
    --------
    >>> r = pd.DataFrame([[1, .5, .4], [.5, 1, .3], [.4, .3, 1]], index=list("abc"), columns=list("abc"))
    >>> overall, items = kmo(r)
    >>> round(overall, 3), items.index.tolist()
    (0.628, ['a', 'b', 'c'])
    """
    m = r.to_numpy(float)
    q = np.linalg.inv(m)
    d = 1.0 / np.sqrt(np.diag(q))
    partial = q * np.outer(d, d)
    np.fill_diagonal(partial, 0.0)
    r0 = m.copy()
    np.fill_diagonal(r0, 0.0)
    s_r, s_q = (r0 ** 2), (partial ** 2)
    overall = float(s_r.sum() / (s_r.sum() + s_q.sum()))
    per = s_r.sum(0) / (s_r.sum(0) + s_q.sum(0))
    return overall, pd.Series(per, index=r.index, name="msa")


def bartlett(r: pd.DataFrame, n: int) -> dict[str, float]:
    """Bartlett's test of sphericity (psych ``cortest.bartlett``): χ² = −(n − 1 − (2p + 5)/6) log|R|.

    Written here for the same reason as :func:`kmo` (factor-analyzer's ``calculate_bartlett_sphericity`` takes raw
    data only).

    Parameters
    ----------
    r : DataFrame
        Correlation matrix.
    n : int
        Number of observations.

    Returns
    -------
    dict
        ``chisq`` (NaN when R is not positive definite), ``df`` = p(p − 1)/2 and ``p``.

    Examples
    --------
    >>> r = pd.DataFrame([[1, .5], [.5, 1]])
    >>> {k: round(v, 3) for k, v in bartlett(r, 100).items()}
    {'chisq': 28.049, 'df': 1.0, 'p': 0.0}
    """
    p = r.shape[0]
    sign, logdet = np.linalg.slogdet(r.to_numpy(float))
    chisq = float(-logdet * (n - 1 - (2 * p + 5) / 6)) if sign > 0 else float("nan")
    df = p * (p - 1) / 2
    return {"chisq": chisq, "df": float(df), "p": float(stats.chi2.sf(chisq, df))}
