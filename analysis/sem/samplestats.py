"""Sample statistics per group: complete data (mean, S with divisor N) or missing-data patterns with the
saturated (h1) model fitted by EM for FIML.

Examples
--------
>>> import numpy as np
>>> y = np.array([[1.0, 2.0], [2.0, np.nan], [3.0, 5.0], [4.0, 4.0]])
>>> gd = GroupData.from_array(y, "all", fiml=True)
>>> gd.n, len(gd.patterns)
(4, 2)
>>> bool(np.all(np.isfinite(gd.S)))
True
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["GroupData", "Pattern", "em_saturated"]

_LOG2PI = float(np.log(2 * np.pi))


@dataclass
class Pattern:
    """Rows sharing one missing-data pattern."""

    obs: np.ndarray  # indices of observed variables
    rows: np.ndarray  # row indices into the group's data
    n: int
    mean: np.ndarray
    S: np.ndarray  # divisor n


@dataclass
class GroupData:
    """One group's data and sufficient statistics."""

    label: str
    Y: np.ndarray
    n: int
    mean: np.ndarray
    S: np.ndarray
    fiml: bool = False
    patterns: list[Pattern] = field(default_factory=list)
    logl_h1: float = 0.0
    em_iterations: int = 0
    em_converged: bool = True

    @classmethod
    def from_array(cls, Y: np.ndarray, label: str, fiml: bool = False) -> GroupData:
        """Build from an n×p array (NaN = missing, only allowed with ``fiml``)."""
        Y = np.asarray(Y, dtype=float)
        n, p = Y.shape
        if not fiml:
            mean = Y.mean(axis=0)
            Dc = Y - mean
            S = Dc.T @ Dc / n
            S = (S + S.T) / 2
            sign, logdet = np.linalg.slogdet(S)
            logl = -n / 2 * (p * _LOG2PI + logdet + p) if sign > 0 else -np.inf
            return cls(label, Y, n, mean, S, False, [], float(logl))
        pats = _patterns(Y)
        mean, S, logl, it, ok = em_saturated(pats, p)
        return cls(label, Y, n, mean, S, True, pats, logl, it, ok)


def _patterns(Y: np.ndarray) -> list[Pattern]:
    miss = np.isnan(Y)
    keys, inverse = np.unique(miss, axis=0, return_inverse=True)
    inverse = np.asarray(inverse).ravel()
    out = []
    order = np.argsort(keys.sum(axis=1), kind="stable")  # complete pattern first
    for k in order:
        rows = np.flatnonzero(inverse == k)
        obs = np.flatnonzero(~keys[k])
        Yo = Y[np.ix_(rows, obs)]
        mean = Yo.mean(axis=0)
        Dc = Yo - mean
        out.append(Pattern(obs, rows, len(rows), mean, Dc.T @ Dc / len(rows)))
    return out


def pattern_logl(patterns: list[Pattern], mu: np.ndarray, sigma: np.ndarray) -> float:
    """Normal log-likelihood of the data summarised by patterns, at (μ, Σ)."""
    total = 0.0
    for pat in patterns:
        o = pat.obs
        so = sigma[np.ix_(o, o)]
        sign, logdet = np.linalg.slogdet(so)
        if sign <= 0:
            return -np.inf
        d = pat.mean - mu[o]
        vi = np.linalg.inv(so)
        total += -pat.n / 2 * (len(o) * _LOG2PI + logdet + np.sum(vi * (pat.S + np.outer(d, d))))
    return float(total)


def em_saturated(patterns: list[Pattern], p: int, tol: float = 1e-11,
                 max_iter: int = 20000) -> tuple[np.ndarray, np.ndarray, float, int, bool]:
    """EM estimates of the saturated mean and covariance under missing data (MAR).

    Returns ``(mean, sigma, logl, iterations, converged)``.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([[1.0, 2.0], [2.0, 3.0], [3.0, 5.0], [4.0, np.nan]])
    >>> mu, sig, ll, it, ok = em_saturated(_patterns(y), 2)
    >>> ok, round(float(mu[0]), 3)
    (True, 2.5)
    """
    n = sum(pt.n for pt in patterns)
    # start: available-case means, diagonal variances
    s1 = np.zeros(p)
    cnt = np.zeros(p)
    s2 = np.zeros(p)
    for pt in patterns:
        s1[pt.obs] += pt.n * pt.mean
        s2[pt.obs] += pt.n * (np.diag(pt.S) + pt.mean**2)
        cnt[pt.obs] += pt.n
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
        o = pt.obs
        sum_y = pt.n * pt.mean
        sum_yy = pt.n * (pt.S + np.outer(pt.mean, pt.mean))
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
