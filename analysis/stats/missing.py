"""The saturated (h1) model under missing data: EM estimates of the mean vector and covariance matrix from
missing-data pattern statistics (MAR), and the normal log-likelihood of pattern-summarised data.

Both work on :class:`~analysis.stats.moments.PatternStats` only (n, mean, covariance per pattern), never on rows.

Examples
--------
>>> import numpy as np
>>> from analysis.stats.moments import patterns_of
>>> y = np.array([[1.0, 2.0], [2.0, 3.0], [3.0, 5.0], [4.0, np.nan]])
>>> mu, sig, ll, it, ok = em_saturated(patterns_of(y), 2)
>>> ok, round(float(mu[0]), 3)
(True, 2.5)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np


class PatternLike(Protocol):
    """What the EM needs of a pattern (:class:`analysis.stats.moments.PatternStats`)."""

    @property
    def observed(self) -> np.ndarray: ...

    @property
    def n(self) -> int: ...

    @property
    def mean(self) -> np.ndarray: ...

    @property
    def cov(self) -> np.ndarray: ...

__all__ = ["em_saturated", "pattern_logl"]

_LOG2PI = float(np.log(2 * np.pi))


def pattern_logl(patterns: Sequence[PatternLike], mu: np.ndarray, sigma: np.ndarray) -> float:
    """Normal log-likelihood of the data summarised by ``patterns`` at (μ, Σ).

    Parameters
    ----------
    patterns : sequence of PatternStats
        One entry per missing-data pattern.
    mu, sigma : ndarray
        Mean vector (p) and covariance matrix (p × p) over all variables.

    Returns
    -------
    float
        ``-inf`` when a pattern's Σ_oo is not positive definite.

    Examples
    --------
    >>> import numpy as np
    >>> from analysis.stats.moments import patterns_of
    >>> round(pattern_logl(patterns_of(np.array([[0.0], [2.0]])), np.array([1.0]), np.eye(1)), 4)
    -2.8379
    """
    total = 0.0
    for pat in patterns:
        o = pat.observed
        so = sigma[np.ix_(o, o)]
        sign, logdet = np.linalg.slogdet(so)
        if sign <= 0:
            return -np.inf
        d = pat.mean - mu[o]
        vi = np.linalg.inv(so)
        total += -pat.n / 2 * (len(o) * _LOG2PI + logdet + np.sum(vi * (pat.cov + np.outer(d, d))))
    return float(total)


def em_saturated(patterns: Sequence[PatternLike], p: int, tol: float = 1e-11,
                 max_iter: int = 20000) -> tuple[np.ndarray, np.ndarray, float, int, bool]:
    """EM estimates of the saturated mean and covariance under missing data (MAR).

    Parameters
    ----------
    patterns : sequence of PatternStats
        The missing-data patterns of one group.
    p : int
        Number of variables.
    tol, max_iter :
        Stop when no mean or covariance element moves by more than ``tol``, or after ``max_iter`` iterations.

    Returns
    -------
    tuple
        ``(mean, sigma, logl, iterations, converged)``.

    Examples
    --------
    >>> import numpy as np
    >>> from analysis.stats.moments import patterns_of
    >>> y = np.array([[1.0, 2.0], [2.0, 3.0], [3.0, 5.0], [4.0, np.nan]])
    >>> _, sig, _, _, ok = em_saturated(patterns_of(y), 2)
    >>> ok, round(float(sig[0, 0]), 4)
    (True, 1.25)
    """
    n = sum(pt.n for pt in patterns)
    # start: available-case means, diagonal variances
    s1 = np.zeros(p)
    cnt = np.zeros(p)
    s2 = np.zeros(p)
    for pt in patterns:
        s1[pt.observed] += pt.n * pt.mean
        s2[pt.observed] += pt.n * (np.diag(pt.cov) + pt.mean**2)
        cnt[pt.observed] += pt.n
    mu = s1 / np.maximum(cnt, 1)
    sigma = np.diag(np.maximum(s2 / np.maximum(cnt, 1) - mu**2, 1e-6))
    converged = False
    it = 0
    # per-pattern constants outside the iterations; complete patterns contribute fixed sums
    T1_fixed = np.zeros(p)
    T2_fixed = np.zeros((p, p))
    incomplete = []
    allv = np.arange(p)
    for pt in patterns:
        o = pt.observed
        sum_y = pt.n * pt.mean
        sum_yy = pt.n * (pt.cov + np.outer(pt.mean, pt.mean))
        T1_fixed[o] += sum_y
        T2_fixed[np.ix_(o, o)] += sum_yy
        if len(o) < p:
            incomplete.append((o, np.setdiff1d(allv, o), pt.n, sum_y, sum_yy))
    for it in range(1, max_iter + 1):  # noqa: B007
        T1 = T1_fixed.copy()
        T2 = T2_fixed.copy()
        for o, m, npt, sum_y, sum_yy in incomplete:
            soo = sigma[np.ix_(o, o)]
            smo = sigma[np.ix_(m, o)]
            Bm = np.linalg.solve(soo, smo.T).T  # m×o regression weights
            cm = mu[m] - Bm @ mu[o]
            C = sigma[np.ix_(m, m)] - Bm @ smo.T
            ey_m = npt * cm + Bm @ sum_y
            T1[m] += ey_m
            cross = np.outer(sum_y, cm) + sum_yy @ Bm.T  # o×m
            T2[np.ix_(o, m)] += cross
            T2[np.ix_(m, o)] += cross.T
            By = Bm @ sum_y
            T2[np.ix_(m, m)] += (npt * (np.outer(cm, cm) + C) + np.outer(By, cm) + np.outer(cm, By)
                                 + Bm @ sum_yy @ Bm.T)
        mu_new = T1 / n
        sig_new = T2 / n - np.outer(mu_new, mu_new)
        sig_new = (sig_new + sig_new.T) / 2
        delta = max(np.max(np.abs(mu_new - mu)), np.max(np.abs(sig_new - sigma)))
        mu, sigma = mu_new, sig_new
        if delta < tol:
            converged = True
            break
    return mu, sigma, pattern_logl(patterns, mu, sigma), it, converged
