"""Careless-responding indices, vectorised, with the formulas and conventions of R ``careless`` 1.2.2.

Every function takes a respondents × items array (``NaN`` = missing) and returns one value per respondent.
Sources read: ryentes/careless ``R/longstring.R irv.R mahad.R evenodd.R psychsyn.R`` (commit 0a84caf) and
``psych::outlier`` 2.2.9 (which ``careless::mahad`` calls). Conventions kept:

- :func:`longstring` — R's ``rle`` per row: a missing cell is a run of its own (``NA`` never equals anything).
- :func:`irv` — ``sd(x, na.rm = TRUE)`` per row (divisor n − 1; ``NaN`` with fewer than 2 answers).
- :func:`mahalanobis` — ``psych::outlier``: pairwise-complete covariance (divisor n − 1), columns centred on
  their available means, and for a row with missing cells the terms of the missing items are dropped (the
  missing deviations count as 0). Rows with no answer get ``NaN``. :func:`mahalanobis_cut` is careless's flag
  (``D² > qchisq(confidence, df = number of items)``).
- :func:`evenodd` — per factor (consecutive blocks of ``factors`` items) the means of the even- and
  odd-positioned items (``na.rm``); the within-person correlation across factors (pairwise complete);
  Spearman–Brown 2r/(1 + r), values below −1 set to −1; **negated** as since careless 1.2.0 (higher = more
  careless). ``NaN`` when fewer than two complete factors or zero variance.
- :func:`psychsyn` — item pairs with sample correlation > ``critval`` (``anto=True``: < −critval; pairwise
  correlations, lower triangle in R's column-major order), the within-person correlation of the pairs' first
  and second items over the complete pairs, ``NaN`` with fewer than 3 complete pairs. R's ``resample_na=TRUE``
  reshuffles pairs at random when the correlation is undefined; we do not (deterministic; equals R's
  ``resample_na = FALSE``).

Examples
--------
>>> import numpy as np
>>> x = np.array([[1, 1, 1, 2, 2], [1, 2, 3, 4, 5], [3, np.nan, 3, 3, 3]])
>>> mx, avg = longstring(x)
>>> mx.tolist(), avg.round(3).tolist()
([3, 1, 3], [2.5, 1.0, 1.667])
>>> irv(x).round(3)
array([0.548, 1.581, 0.   ])
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import stats

from vcd_core.errors import DataError

__all__ = ["evenodd", "irv", "longstring", "mahalanobis", "mahalanobis_cut", "pairwise_cov", "psychsyn",
           "psychsyn_pairs", "row_corr"]


def _as2d(x: np.ndarray) -> np.ndarray:
    a = np.asarray(x, dtype=float)
    if a.ndim != 2:
        raise DataError(f"expected a respondents x items array, got {a.ndim} dimension(s)")
    return a


def longstring(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Longest and mean run of identical consecutive answers per row (``careless::longstring(x, avg=TRUE)``).

    Examples
    --------
    >>> longstring(np.array([[4, 4, 4, 4], [1, np.nan, np.nan, 1]]))
    (array([4, 1]), array([4., 1.]))
    """
    a = _as2d(x)
    n, k = a.shape
    if k == 0:
        return np.zeros(n, int), np.full(n, np.nan)
    with np.errstate(invalid="ignore"):
        same = a[:, 1:] == a[:, :-1]  # NaN == anything is False: a missing cell is its own run
    breaks = ~same
    run_id = np.zeros((n, k), dtype=np.int64)
    np.cumsum(breaks, axis=1, out=run_id[:, 1:])
    lengths = np.bincount((run_id + np.arange(n)[:, None] * k).ravel(), minlength=n * k).reshape(n, k)
    n_runs = run_id[:, -1] + 1
    return lengths.max(axis=1), k / n_runs


def irv(x: np.ndarray) -> np.ndarray:
    """Intra-individual response variability: the row SD over answered items (divisor n − 1).

    Examples
    --------
    >>> irv(np.array([[1, 2, 3], [5, np.nan, np.nan]]))
    array([ 1., nan])
    """
    a = _as2d(x)
    m = ~np.isnan(a)
    cnt = m.sum(axis=1)
    a0 = np.where(m, a, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = a0.sum(axis=1) / cnt
        ss = (np.where(m, a - mean[:, None], 0.0) ** 2).sum(axis=1)
        out = np.sqrt(ss / (cnt - 1))
    out[cnt < 2] = np.nan
    return out


def pairwise_cov(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """R's ``cov(x, use = "pairwise")``: each entry from the rows where both items are answered (divisor n − 1).

    Returns the covariance matrix and the pairwise counts.

    Examples
    --------
    >>> c, n = pairwise_cov(np.array([[1, 2], [2, np.nan], [3, 5], [4, 4]]))
    >>> c.round(4).tolist(), n.tolist()
    ([[1.6667, 1.8333], [1.8333, 2.3333]], [[4, 3], [3, 3]])
    """
    a = _as2d(x)
    m = (~np.isnan(a)).astype(float)
    a0 = np.where(m > 0, a, 0.0)
    nij = m.T @ m
    sx = a0.T @ m          # [i, j] = sum of item i over rows where j is answered (and i)
    sxy = a0.T @ a0
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = (sxy - sx * sx.T / nij) / (nij - 1)
    # diagonal: plain variances of each item
    return cov, nij.astype(int)


def mahalanobis(x: np.ndarray) -> np.ndarray:
    """Mahalanobis D² of every row from the column means (``psych::outlier`` / ``careless::mahad``).

    Raises
    ------
    DataError
        When the covariance matrix cannot be inverted (fewer respondents than items, constant items, items
        never answered together).

    Examples
    --------
    >>> x = np.array([[1., 2], [2, 1], [3, 4], [4, 3]])
    >>> mahalanobis(x).round(6).tolist()  # sums to (n - 1) * p for complete data
    [1.5, 1.5, 1.5, 1.5]
    """
    a = _as2d(x)
    n, k = a.shape
    cov, nij = pairwise_cov(a)
    if not np.isfinite(cov).all() or (nij < 2).any():
        raise DataError("Mahalanobis D² needs every pair of items answered together by at least 2 respondents")
    try:
        inv = np.linalg.inv(cov)
        if np.linalg.cond(cov) > 1e12:
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        raise DataError(f"the item covariance matrix is singular ({n} respondents, {k} items)") from None
    mean = np.nanmean(np.where(np.isnan(a).all(axis=0), 0.0, a), axis=0) if n else np.zeros(k)
    dev = a - mean
    answered = ~np.isnan(dev)
    dev0 = np.where(answered, dev, 0.0)
    d2 = np.einsum("ij,ij->i", dev0 @ inv, dev0)
    d2[~answered.any(axis=1)] = np.nan
    return d2


def mahalanobis_cut(n_items: int, confidence: float = 0.99) -> float:
    """careless's cut-off for D²: ``qchisq(confidence, df = n_items)``.

    Examples
    --------
    >>> round(mahalanobis_cut(10, 0.999), 3)
    29.588
    """
    return float(stats.chi2.ppf(confidence, n_items))


def row_corr(a: np.ndarray, b: np.ndarray, min_n: int = 2) -> np.ndarray:
    """Pearson correlation of ``a[i]`` with ``b[i]`` for every row over the columns where both are present.

    ``NaN`` with fewer than ``min_n`` complete columns or zero variance (R: ``NA`` with a warning).

    Examples
    --------
    >>> row_corr(np.array([[1., 2, 3], [1, 1, 1]]), np.array([[2., 4, 7], [1, 2, 3]])).round(4)
    array([0.9934,    nan])
    """
    a, b = _as2d(a), _as2d(b)
    m = ~np.isnan(a) & ~np.isnan(b)
    cnt = m.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ma = np.where(m, a, 0).sum(axis=1) / cnt
        mb = np.where(m, b, 0).sum(axis=1) / cnt
        da = np.where(m, a - ma[:, None], 0.0)
        db = np.where(m, b - mb[:, None], 0.0)
        sab, saa, sbb = (da * db).sum(axis=1), (da * da).sum(axis=1), (db * db).sum(axis=1)
        r = sab / np.sqrt(saa * sbb)
    tol = 1e-12 * np.maximum(1.0, np.nanmax(np.abs(np.where(m, a, 0)), axis=1, initial=0.0)) ** 2
    r[(cnt < min_n) | (saa <= tol) | (sbb <= tol)] = np.nan
    return np.clip(r, -1.0, 1.0)


def evenodd(x: np.ndarray, factors: list[int] | tuple[int, ...]) -> np.ndarray:
    """Even-odd consistency (careless ≥ 1.2.0 sign: higher = more careless).

    Parameters
    ----------
    x : array
        Items in factor order (reverse-keyed items already recoded).
    factors : sequence of int
        Number of items of each factor, consecutive columns of ``x``.

    Examples
    --------
    >>> x = np.array([[1, 2, 4, 5, 6, 7], [1, 7, 2, 6, 4, 4]], float)
    >>> evenodd(x, [2, 2, 2]).round(6).tolist()
    [-1.0, 1.0]
    """
    a = _as2d(x)
    if len(factors) < 2:
        raise DataError("even-odd consistency needs at least two factors")
    if sum(factors) > a.shape[1]:
        raise DataError(f"the factors hold {sum(factors)} items but x has {a.shape[1]} columns")
    n = a.shape[0]
    even = np.full((n, len(factors)), np.nan)
    odd = np.full((n, len(factors)), np.nan)
    start = 0
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # mean of an all-missing block -> NaN
        for j, k in enumerate(factors):
            block = a[:, start:start + k]
            even[:, j] = np.nanmean(block[:, 1::2], axis=1) if k > 1 else np.nan
            odd[:, j] = np.nanmean(block[:, 0::2], axis=1)
            start += k
    r = row_corr(even, odd)
    with np.errstate(divide="ignore", invalid="ignore"):
        sb = 2 * r / (1 + r)
    sb[r == -1] = -1.0
    sb = np.where(np.isnan(sb), np.nan, np.maximum(sb, -1.0))
    return 0 - sb


def psychsyn_pairs(x: np.ndarray, critval: float = 0.60, anto: bool = False) -> list[tuple[int, int]]:
    """Item pairs (i, j), i > j, in R's order, whose pairwise-complete correlation exceeds ``critval``
    (``anto=True``: below −critval).

    Examples
    --------
    >>> x = np.array([[1, 1, 5], [2, 2, 3], [3, 4, 1], [4, 4, 2]], float)
    >>> psychsyn_pairs(x), psychsyn_pairs(x, anto=True)
    ([(1, 0)], [(2, 0), (2, 1)])
    """
    a = _as2d(x)
    cov, _ = pairwise_cov(a)
    # R: cor(x, use = "pairwise") standardises each entry with the pairwise SDs
    m = (~np.isnan(a)).astype(float)
    a0 = np.where(m > 0, a, 0.0)
    nij = m.T @ m
    sx, sxx = a0.T @ m, (a0 * a0).T @ m
    with np.errstate(invalid="ignore", divide="ignore"):
        var_i = (sxx - sx * sx / nij) / (nij - 1)  # var of item i over rows where j answered
        cor = cov / np.sqrt(var_i * var_i.T)
    crit = abs(critval)
    k = a.shape[1]
    out = []
    for j in range(k):  # column-major over the lower triangle, as.table order
        for i in range(j + 1, k):
            c = cor[i, j]
            if np.isfinite(c) and ((c < -crit) if anto else (c > crit)):
                out.append((i, j))
    return out


def psychsyn(x: np.ndarray, critval: float = 0.60, anto: bool = False,
             pairs: list[tuple[int, int]] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Psychometric synonyms (or antonyms): within-person correlation over highly correlated item pairs.

    Returns the index and the number of complete pairs per row. ``NaN`` with fewer than 3 complete pairs.

    Raises
    ------
    DataError
        No pair passes ``critval`` (R stops with "No Psychometric Synonyms found.").

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> f = rng.normal(size=(200, 2)) * 1.5                 # two factors, three items each
    >>> x = np.round(4 + np.repeat(f, 3, axis=1) + rng.normal(scale=.4, size=(200, 6)))
    >>> val, npairs = psychsyn(x)
    >>> int(npairs[0]), bool(np.nanmean(val) > 0.5)
    (6, True)
    """
    a = _as2d(x)
    if pairs is None:
        pairs = psychsyn_pairs(a, critval, anto)
    if not pairs:
        raise DataError(f"no psychometric {'antonyms' if anto else 'synonyms'} found (no item pair with "
                        f"r {'<' if anto else '>'} {'-' if anto else ''}{abs(critval)})")
    first = a[:, [p[0] for p in pairs]]
    second = a[:, [p[1] for p in pairs]]
    complete = (~np.isnan(first) & ~np.isnan(second)).sum(axis=1)
    r = row_corr(first, second, min_n=3)
    r[complete <= 2] = np.nan
    return r, complete
