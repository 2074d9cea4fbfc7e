"""Sufficient statistics of one group (and of a multi-group sample) for normal-theory estimators.

A :class:`GroupStats` holds what ML needs: n, the mean vector and the covariance matrix (divisor N). Under missing
data (FIML) it also holds one :class:`PatternStats` per missing-data pattern (which variables are observed, n,
mean and covariance of those rows — equivalently their sums Σy and cross-products Σyyᵀ) and the saturated (h1)
moments estimated by EM from them. Robust (MLR) corrections need casewise terms: the raw rows are kept behind a
zero-argument callable and fetched only when asked for (:attr:`GroupStats.rows`). A ``weights`` field is reserved
for survey weights (Σw, Σwx, Σwxxᵀ); weighting is not implemented yet.

Examples
--------
>>> import numpy as np
>>> y = np.array([[1.0, 2.0], [2.0, np.nan], [3.0, 5.0], [4.0, 4.0]])
>>> gs = group_stats(y, "all", fiml=True)
>>> gs.n, len(gs.patterns), gs.fiml
(4, 2, True)
>>> bool(np.all(np.isfinite(gs.cov)))
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from analysis.stats.missing import em_saturated

__all__ = ["PatternStats", "GroupStats", "SampleStats", "group_stats", "patterns_of"]

_LOG2PI = float(np.log(2 * np.pi))


@dataclass(frozen=True, eq=False)
class PatternStats:
    """The rows of one group that share a missing-data pattern.

    Attributes
    ----------
    observed : indices of the observed variables (0-based, increasing)
    n : number of rows
    mean, cov : mean and covariance (divisor n) of the observed variables over those rows
    rows : positions of the rows in the group's raw rows (None when the statistics came without rows)

    Examples
    --------
    >>> import numpy as np
    >>> ps = patterns_of(np.array([[1.0, np.nan], [3.0, np.nan]]))[0]
    >>> ps.observed.tolist(), ps.n, ps.sums.tolist(), ps.crossprod.tolist()
    ([0], 2, [4.0], [[10.0]])
    """

    observed: np.ndarray
    n: int
    mean: np.ndarray
    cov: np.ndarray
    rows: np.ndarray | None = None

    @property
    def sums(self) -> np.ndarray:
        """Σ y over the pattern's rows (observed variables)."""
        return self.n * self.mean

    @property
    def crossprod(self) -> np.ndarray:
        """Σ y yᵀ over the pattern's rows (observed variables)."""
        return self.n * (self.cov + np.outer(self.mean, self.mean))

    @classmethod
    def from_sums(cls, observed: np.ndarray, n: int, sums: np.ndarray, crossprod: np.ndarray) -> PatternStats:
        """Build from n, Σy and Σyyᵀ (what a database computes with GROUP BY pattern).

        Parameters
        ----------
        observed : ndarray of int
            Observed variables of the pattern.
        n : int
            Rows in the pattern.
        sums, crossprod : ndarray
            Σy (length |o|) and Σyyᵀ (|o| × |o|).

        Returns
        -------
        PatternStats

        Examples
        --------
        >>> import numpy as np
        >>> ps = PatternStats.from_sums(np.array([0]), 2, np.array([2.0]), np.array([[4.0]]))
        >>> float(ps.mean[0]), float(ps.cov[0, 0])
        (1.0, 1.0)
        """
        mean = np.asarray(sums, float) / n
        cov = np.asarray(crossprod, float) / n - np.outer(mean, mean)
        return cls(np.asarray(observed, int), int(n), mean, (cov + cov.T) / 2)


@dataclass(frozen=True, eq=False)
class GroupStats:
    """Sufficient statistics of one group.

    Attributes
    ----------
    label : group label ("" for a single group)
    n : number of rows used
    mean, cov : sample mean and covariance (divisor N); under FIML the EM estimates of the saturated model
    patterns : missing-data patterns (FIML); empty for complete data
    logl_h1 : log-likelihood of the saturated model
    em_iterations, em_converged : the EM run behind ``mean``/``cov`` under FIML
    rows_source : zero-argument callable returning the n × p raw rows (NaN = missing) for casewise terms
    weights : reserved for survey weights (not implemented; must be None)

    Examples
    --------
    >>> import numpy as np
    >>> gs = GroupStats("A", 3, np.zeros(2), np.eye(2))
    >>> gs.fiml, gs.p
    (False, 2)
    """

    label: str
    n: int
    mean: np.ndarray
    cov: np.ndarray
    patterns: tuple[PatternStats, ...] = ()
    logl_h1: float = 0.0
    em_iterations: int = 0
    em_converged: bool = True
    rows_source: Callable[[], np.ndarray] | None = field(default=None, repr=False)
    weights: None = None

    def __post_init__(self) -> None:
        if self.weights is not None:
            raise NotImplementedError("weighted sufficient statistics are not implemented yet")

    @property
    def fiml(self) -> bool:
        """True when the statistics are per missing-data pattern (FIML)."""
        return bool(self.patterns)

    @property
    def p(self) -> int:
        """Number of variables."""
        return len(self.mean)

    @cached_property
    def rows(self) -> np.ndarray:
        """The raw rows (n × p), fetched on first use; needed only for casewise (robust) terms."""
        if self.rows_source is None:
            raise ValueError(f"group {self.label!r}: casewise terms need the raw rows, which these statistics lack")
        return np.asarray(self.rows_source(), dtype=float)

    @cached_property
    def univariate(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Available-case (n_j, mean_j, variance_j with divisor n_j) per variable, from the patterns under FIML.

        Examples
        --------
        >>> import numpy as np
        >>> n, m, v = group_stats(np.array([[1.0, 2.0], [3.0, np.nan]]), "", fiml=True).univariate
        >>> n.tolist(), m.tolist(), v.tolist()
        ([2.0, 1.0], [2.0, 2.0], [1.0, 0.0])
        """
        p = self.p
        if not self.fiml:
            return np.full(p, float(self.n)), self.mean.copy(), np.diag(self.cov).copy()
        cnt, s1 = np.zeros(p), np.zeros(p)
        for pt in self.patterns:
            cnt[pt.observed] += pt.n
            s1[pt.observed] += pt.n * pt.mean
        mean = s1 / cnt
        ss = np.zeros(p)
        for pt in self.patterns:
            o = pt.observed
            ss[o] += pt.n * (np.diag(pt.cov) + (pt.mean - mean[o]) ** 2)
        return cnt, mean, ss / cnt


@dataclass(frozen=True, eq=False)
class SampleStats:
    """The sufficient statistics of a (multi-group) sample for one set of variables.

    Attributes
    ----------
    variables : the variable names, in the order of the statistics
    groups : one :class:`GroupStats` per group, in model order
    group_var : the grouping column (None for one group)
    missing : "listwise" or "fiml"
    warnings : rows dropped while computing the statistics

    Examples
    --------
    >>> import numpy as np
    >>> ss = SampleStats(("a", "b"), (group_stats(np.eye(3)[:, :2] + [[0, 1]]),))
    >>> ss.labels, ss.ntotal
    (('',), 3)
    """

    variables: tuple[str, ...]
    groups: tuple[GroupStats, ...]
    group_var: str | None = None
    missing: str = "listwise"
    warnings: tuple[str, ...] = ()

    @property
    def labels(self) -> tuple[str, ...]:
        """Group labels in model order."""
        return tuple(g.label for g in self.groups)

    @property
    def ntotal(self) -> int:
        """Rows used over all groups."""
        return sum(g.n for g in self.groups)


def patterns_of(Y: np.ndarray) -> list[PatternStats]:
    """Pattern statistics of an n × p array with NaN for missing cells (complete pattern first).

    Parameters
    ----------
    Y : ndarray
        Rows of one group.

    Returns
    -------
    list of PatternStats

    Examples
    --------
    >>> import numpy as np
    >>> [(p.observed.tolist(), p.n) for p in patterns_of(np.array([[1.0, np.nan], [2.0, 3.0], [4.0, 5.0]]))]
    [([0, 1], 2), ([0], 1)]
    """
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
        out.append(PatternStats(obs, len(rows), mean, Dc.T @ Dc / len(rows), rows))
    return out


def group_stats(Y: np.ndarray, label: str = "", *, fiml: bool = False, keep_rows: bool = True) -> GroupStats:
    """Sufficient statistics of one group from an n × p array (NaN = missing, only allowed with ``fiml``).

    Parameters
    ----------
    Y : ndarray
        The group's rows.
    label : str
        Group label.
    fiml : bool
        Summarise by missing-data pattern and estimate the saturated moments by EM.
    keep_rows : bool
        Keep the rows for casewise (robust) terms.

    Returns
    -------
    GroupStats

    Examples
    --------
    >>> import numpy as np
    >>> gs = group_stats(np.array([[1.0, 2.0], [3.0, 2.0], [2.0, 5.0]]))
    >>> gs.mean.tolist(), round(float(gs.cov[0, 0]), 4)
    ([2.0, 3.0], 0.6667)
    """
    Y = np.asarray(Y, dtype=float)
    n, p = Y.shape
    source = (lambda: Y) if keep_rows else None
    if not fiml:
        mean = Y.mean(axis=0)
        Dc = Y - mean
        S = Dc.T @ Dc / n
        S = (S + S.T) / 2
        sign, logdet = np.linalg.slogdet(S)
        logl = -n / 2 * (p * _LOG2PI + logdet + p) if sign > 0 else -np.inf
        return GroupStats(label, n, mean, S, (), float(logl), rows_source=source)
    pats = patterns_of(Y)
    mean, S, logl, it, ok = em_saturated(pats, p)
    return GroupStats(label, n, mean, S, tuple(pats), logl, it, ok, rows_source=source)
