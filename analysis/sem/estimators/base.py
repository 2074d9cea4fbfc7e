"""The estimator interface: what a fit function plugs into the engine.

An estimator is bound to a :class:`~analysis.sem.matrices.Representation` and the groups' sufficient statistics
(:class:`~analysis.stats.GroupStats`). It implements, per group and in the space of the moments (Σ, μ):

* ``group_fmin`` — its share of the objective ``fmin = Σ_g (N_g/N) F_g``,
* ``moment_gradient_matrix`` — (G, g_μ) with dF_g = ½ tr(G dΣ) + g_μᵀ dμ,
* ``group_information`` — the expected information block of the group's free rows,
* ``observed_information`` — the Hessian of ``fmin`` in parameter space,
* ``baseline_logl`` / ``group_logl`` and ``test`` — the test statistics (and any robust correction),
* ``covariance`` — the covariance matrix of the estimates (A⁻¹/N, or a sandwich for robust estimators).

The base class turns these into the parameter-space objective, gradient and information that the optimiser and
the standard errors use (through the rank-two derivatives of :mod:`analysis.sem.derivatives`, no Jacobian needed).
Units follow lavaan: information matrices are per observation (divide the inverse by N).

Examples
--------
>>> from analysis.sem.estimators import estimator_class
>>> estimator_class("MLR", "fiml").__name__
'FIMLREstimator'
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from analysis.stats import GroupStats

from ..blocks import ArrowInverse, blocks_of
from ..derivatives import gradient_block
from ..matrices import Representation

__all__ = ["Estimator", "ParamCovariance", "Tests", "inv_pd"]


def inv_pd(S: np.ndarray) -> tuple[np.ndarray, float] | None:
    """(S⁻¹, log|S|) through the Cholesky factor, or None when S is not positive definite.

    Examples
    --------
    >>> import numpy as np
    >>> V, ld = inv_pd(np.diag([2.0, 4.0]))
    >>> V.diagonal().round(12).tolist(), round(ld, 6)
    ([0.5, 0.25], 2.079442)
    """
    try:
        c = np.linalg.cholesky(S)
    except np.linalg.LinAlgError:
        return None
    ci = np.linalg.inv(c)
    return ci.T @ ci, 2.0 * float(np.sum(np.log(np.diag(c))))


class ParamCovariance:
    """Covariance matrix of the free parameters, A⁻¹/N (``B`` None) or the sandwich A⁻¹BA⁻¹/N, from a factored
    A⁻¹: the diagonal (standard errors) is cheap, the full matrix is formed on the first :meth:`full` call.

    Examples
    --------
    >>> import numpy as np
    >>> from analysis.sem.blocks import ArrowInverse, Blocks
    >>> cov = ParamCovariance(ArrowInverse(Blocks(np.array([0, 0]), 1), np.diag([2.0, 4.0])), None, 10)
    >>> cov.diag().tolist(), float(cov.full()[1, 1])
    ([0.05, 0.025], 0.025)
    """

    def __init__(self, inverse: ArrowInverse | None, B: np.ndarray | None, ntotal: int, n: int | None = None) -> None:
        self.inverse, self.B, self.ntotal = inverse, B, ntotal
        self.n = n if n is not None else (inverse.n if inverse is not None else 0)
        self._full: np.ndarray | None = None

    @property
    def available(self) -> bool:
        """False when the information was singular (every entry NaN)."""
        return self.inverse is not None

    def diag(self) -> np.ndarray:
        """Variances of the estimates."""
        if self.inverse is None:
            return np.full(self.n, np.nan)
        d = self.inverse.diag() if self.B is None else self.inverse.sandwich(self.B, diagonal=True)
        return d / self.ntotal

    def full(self) -> np.ndarray:
        """The full covariance matrix (n_x × n_x), cached."""
        if self._full is None:
            if self.inverse is None:
                self._full = np.full((self.n, self.n), np.nan)
            elif self.B is None:
                self._full = self.inverse.full() / self.ntotal
            else:
                self._full = self.inverse.sandwich(self.B) / self.ntotal
        return self._full


@dataclass(frozen=True)
class Tests:
    """Test statistics of a fit: the χ² and log-likelihoods, the baseline χ², and the optional scaled (robust)
    test and robust-index inputs that :func:`analysis.sem.fit.fit_measures` takes."""

    chisq: float
    logl: float
    logl_h1: float
    baseline_chisq: float
    scaled: dict[str, float] | None = None
    robust: dict[str, float] | None = None
    warnings: tuple[str, ...] = field(default=())


class Estimator(ABC):
    """Base of the estimator plug-ins (see the module notes); ``name``/``missing`` are what ``cfa()`` selects by."""

    name: ClassVar[str] = ""
    missing: ClassVar[str] = "listwise"
    #: information the standard errors use when the caller does not say (``None``: the caller's choice is ignored
    #: and :meth:`se_information` decides)
    default_information: ClassVar[str] = "expected"

    def __init__(self, rep: Representation, groups: Sequence[GroupStats], **options: Any) -> None:
        self.rep = rep
        self.groups: tuple[GroupStats, ...] = tuple(groups)
        self.options = dict(options)
        self.ntotal = sum(d.n for d in self.groups)
        self.w = np.array([d.n / self.ntotal for d in self.groups])
        self.mvech = np.where(rep.va == rep.vb, 0.5, 1.0)

    def rebind(self, rep: Representation) -> Estimator:
        """The same estimator (statistics, options) for another representation of the same variables and groups."""
        return type(self)(rep, self.groups, **self.options)

    # ------------------------------------------------------------- what a plug-in implements
    @abstractmethod
    def group_fmin(self, g: int, sigma: np.ndarray, mu: np.ndarray | None) -> float:
        """Group ``g``'s fit function F_g at (Σ, μ) (``inf`` when not admissible)."""

    @abstractmethod
    def group_logl(self, g: int, sigma: np.ndarray, mu: np.ndarray | None) -> float:
        """Log-likelihood of group ``g`` at (Σ, μ)."""

    @abstractmethod
    def moment_gradient_matrix(self, g: int, sigma: np.ndarray, mu: np.ndarray | None
                               ) -> tuple[np.ndarray, np.ndarray | None]:
        """(G, g_μ) with dF_g = ½ tr(G dΣ) + g_μᵀ dμ."""

    @abstractmethod
    def group_information(self, g: int, x: np.ndarray) -> np.ndarray:
        """Expected information of group ``g``'s free rows (``unco`` order), per observation of the group."""

    @abstractmethod
    def observed_information(self, x: np.ndarray) -> np.ndarray:
        """Hessian of ``fmin`` in ``x`` space."""

    @abstractmethod
    def baseline_logl(self) -> float:
        """Log-likelihood of the independence (baseline) model at its estimates."""

    # ------------------------------------------------------------- moment space helpers
    def moment_gradient(self, g: int, sigma: np.ndarray, mu: np.ndarray | None) -> np.ndarray:
        """∂F_g/∂(vech Σ, μ) (off-diagonal elements once)."""
        G, gmu = self.moment_gradient_matrix(g, sigma, mu)
        gv = G[self.rep.va, self.rep.vb] * self.mvech
        if not self.rep.meanstructure:
            return gv
        return np.concatenate([gv, np.zeros(self.rep.p) if gmu is None else gmu])

    # ------------------------------------------------------------- totals in x space
    def _scatter(self, out: np.ndarray, g: int, vals: np.ndarray) -> None:
        gm = self.rep.groups[g]
        if gm.distinct:
            out[gm.xidx] += vals
        else:
            np.add.at(out, gm.xidx, vals)

    def objective(self, x: np.ndarray) -> float:
        """``fmin`` at the free-parameter vector ``x``."""
        tot = 0.0
        for g, (sig, mu) in enumerate(self.rep.implied(x)):
            f = self.group_fmin(g, sig, mu)
            if not np.isfinite(f):
                return np.inf
            tot += self.w[g] * f
        return float(tot)

    def group_gradient(self, g: int, x: np.ndarray) -> np.ndarray:
        """∂F_g/∂θ over group ``g``'s free rows (``unco`` order)."""
        rep = self.rep
        pr = rep._parts(rep.matrices(x, g))
        G, gmu = self.moment_gradient_matrix(g, pr["sigma"], pr["mu"] if rep.meanstructure else None)
        return gradient_block(rep, x, g, G, gmu, pr)

    def gradient(self, x: np.ndarray) -> np.ndarray:
        """Analytic gradient of ``fmin`` with respect to ``x``."""
        out = np.zeros(self.rep.nx)
        for g in range(self.rep.ngroups):
            self._scatter(out, g, self.w[g] * self.group_gradient(g, x))
        return out

    def unco_blocks(self, x: np.ndarray) -> list[np.ndarray]:
        """Per group the expected information of its own free rows (``unco`` order), weighted by N_g/N."""
        return [self.w[g] * self.group_information(g, x) for g in range(self.rep.ngroups)]

    def expected_information(self, x: np.ndarray) -> np.ndarray:
        """Expected information (per observation) in ``x`` space."""
        nx = self.rep.nx
        I = np.zeros((nx, nx))
        for g, blk in enumerate(self.unco_blocks(x)):
            gm = self.rep.groups[g]
            if gm.distinct:
                I[np.ix_(gm.xidx, gm.xidx)] += blk
            else:
                np.add.at(I, (gm.xidx[:, None], gm.xidx[None, :]), blk)
        return I

    def se_information(self, x: np.ndarray, kind: str | None) -> tuple[np.ndarray, str]:
        """The information matrix the standard errors use and its kind (``kind`` None: the default)."""
        kind = kind or self.default_information
        return (self.observed_information(x) if kind == "observed" else self.expected_information(x)), kind

    def covariance(self, x: np.ndarray, A: np.ndarray) -> ParamCovariance:
        """A⁻¹/N (raises ``numpy.linalg.LinAlgError`` when A is singular)."""
        return ParamCovariance(ArrowInverse(blocks_of(self.rep), A), None, self.ntotal)

    # ------------------------------------------------------------- tests
    def logl(self, x: np.ndarray) -> float:
        """Log-likelihood of the model at ``x``."""
        return float(sum(self.group_logl(g, s, m) for g, (s, m) in enumerate(self.rep.implied(x))))

    def test(self, x: np.ndarray, A: np.ndarray, cov: ParamCovariance, df: int, base_df: int) -> Tests:
        """Likelihood-ratio χ² against the saturated model and the baseline χ² (robust estimators add the scaled
        test and the robust-index inputs)."""
        logl = self.logl(x)
        logl_h1 = float(sum(d.logl_h1 for d in self.groups))
        return Tests(chisq=max(2 * (logl_h1 - logl), 0.0), logl=logl, logl_h1=logl_h1,
                     baseline_chisq=2 * (logl_h1 - self.baseline_logl()))
