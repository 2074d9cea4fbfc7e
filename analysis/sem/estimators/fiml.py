"""Full-information ML under missing data (lavaan ``missing="ml"``): the normal likelihood summed over the
missing-data patterns of each group, from the pattern statistics (n, mean, covariance of the observed variables).

``fmin_g = Σ_patterns (n_p/N_g) [log|Σ_oo| + tr(S_p Σ_oo⁻¹) + (m_p − μ_o)ᵀ Σ_oo⁻¹ (m_p − μ_o)] / 2`` (the
log-likelihood up to a constant). Information matrices up to :data:`~analysis.sem.fiml_sums.KRON_MAX_P` variables
are pattern sums through one p²×p² product (:mod:`analysis.sem.fiml_sums`); above that, per pattern, the rank-two
forms of :mod:`analysis.sem.derivatives`. ``kron_max_p`` (an estimator option) moves the switch.

Examples
--------
>>> import numpy as np
>>> from analysis.stats import group_stats
>>> from analysis.sem.syntax import parse_model
>>> from analysis.sem.partable import build_partable
>>> from analysis.sem.matrices import Representation
>>> y = np.random.default_rng(3).normal(size=(200, 1)) * [1, .8, .7] + np.random.default_rng(4).normal(
...     size=(200, 3)); y[::5, 2] = np.nan
>>> rep = Representation(build_partable(parse_model("f =~ a + b + c"), meanstructure=True))
>>> gs = [group_stats(y, fiml=True)]
>>> x = np.array([.8, .7, 1., 1., 1., 1., 0., 0., 0.])
>>> a, b = FIMLEstimator(rep, gs), FIMLEstimator(rep, gs, kron_max_p=0)
>>> bool(np.allclose(a.expected_information(x), b.expected_information(x)))
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any, ClassVar

import numpy as np

from analysis.stats import GroupStats

from .. import hessian
from ..derivatives import expected_block
from ..fiml_robust import fiml_corrected
from ..fiml_sums import KRON_MAX_P, fiml_observed_information, hessian_from_sums, pattern_sums
from ..matrices import Representation
from ..moments import moment_hessian_pieces, vech_positions, w_block
from ..patterns import inverses, pattern_batches
from .base import ParamCovariance, Tests, inv_pd
from .ml import NormalTheory

__all__ = ["FIMLEstimator", "fiml_robust_indices"]

_LOG2PI = float(np.log(2 * np.pi))


def _rows_of(Y: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """Rows of Y whose observed set is exactly ``observed`` (statistics that came without row positions)."""
    mask = np.zeros(Y.shape[1], bool)
    mask[observed] = True
    return np.flatnonzero((~np.isnan(Y) == mask).all(axis=1))


def fiml_robust_indices(est: FIMLEstimator, x: np.ndarray, t: Tests, version: str, df: int, base_df: int) -> Tests:
    """``t`` with lavaan's FIML-corrected robust CFI/TLI/RMSEA inputs (a warning when they cannot be computed)."""
    if df <= 0:
        return t
    try:
        return replace(t, robust=fiml_corrected(est, x, version, df, base_df))
    except np.linalg.LinAlgError:
        return replace(t, warnings=t.warnings + (
            "robust CFI/TLI/RMSEA (FIML correction) could not be computed: singular information",))


class FIMLEstimator(NormalTheory):
    """Normal ML under missing data by pattern (option ``kron_max_p``: pattern sums up to that many variables)."""

    name: ClassVar[str] = "ML"
    missing: ClassVar[str] = "fiml"
    default_information: ClassVar[str] = "observed"

    def __init__(self, rep: Representation, groups: Sequence[GroupStats], **options: Any) -> None:
        super().__init__(rep, groups, **options)
        self.kron_max_p = int(options.get("kron_max_p", KRON_MAX_P))
        self.vpos = vech_positions(rep.p, rep.va, rep.vb)

    @property
    def kron(self) -> bool:
        """Whether information matrices go through the p²×p² pattern sums."""
        return self.rep.p <= self.kron_max_p

    def group_fmin(self, g: int, sigma: np.ndarray, mu: np.ndarray | None) -> float:
        """``-logl_g/N_g`` up to a constant."""
        d = self.groups[g]
        mu_u = d.mean if mu is None else mu
        batches = pattern_batches(d)
        inv = inverses(batches, sigma)
        if inv is None:
            return np.inf
        tot = 0.0
        for b, (V, logdet) in zip(batches, inv, strict=True):
            dm = b.mean - mu_u[b.O]
            quad = np.einsum("ki,kij,kj->k", dm, V, dm)
            tot += float(b.n @ (logdet + np.einsum("kij,kij->k", V, b.cov) + quad))
        return 0.5 * tot / d.n

    def group_logl(self, g: int, sigma: np.ndarray, mu: np.ndarray | None) -> float:
        """Log-likelihood of group ``g`` at (Σ, μ)."""
        d = self.groups[g]
        const = sum(pt.n * len(pt.observed) for pt in d.patterns) * _LOG2PI / 2
        return float(-d.n * self.group_fmin(g, sigma, mu) - const)

    def moment_gradient_matrix(self, g: int, sigma: np.ndarray, mu: np.ndarray | None
                               ) -> tuple[np.ndarray, np.ndarray | None]:
        """Pattern-weighted G = Σ (n_p/N)(V − V(S_p + ddᵀ)V) and g_μ = −Σ (n_p/N) V d, embedded."""
        d = self.groups[g]
        p = self.rep.p
        mu_u = d.mean if mu is None else mu
        G = np.zeros((p, p))
        gmu = np.zeros(p)
        batches = pattern_batches(d)
        inv = inverses(batches, sigma)
        if inv is None:
            raise np.linalg.LinAlgError("a pattern's implied covariance matrix is not positive definite")
        for b, (V, _ld) in zip(batches, inv, strict=True):
            dm = b.mean - mu_u[b.O]
            Q = b.cov + dm[:, :, None] * dm[:, None, :]
            blk = b.w[:, None, None] * (V - V @ Q @ V)
            np.add.at(G, (b.O[:, :, None], b.O[:, None, :]), blk)
            np.add.at(gmu, b.O, -b.w[:, None] * np.einsum("kij,kj->ki", V, dm))
        return G, gmu

    def moment_hessian(self, g: int, sigma: np.ndarray, mu: np.ndarray | None) -> np.ndarray:
        """Observed Hessian of fmin_g with respect to (vech Σ, μ), analytic, summed over the patterns."""
        rep = self.rep
        d = self.groups[g]
        mu_u = d.mean if mu is None else mu
        if self.kron:
            return hessian_from_sums(rep, pattern_sums(d, rep.p, sigma, mu_u, hessian=True))
        pieces = [(pt.observed, pt.n / d.n, pt.mean, pt.cov) for pt in d.patterns]
        return moment_hessian_pieces(rep.nmom, len(rep.va), rep.meanstructure, self.vpos, pieces, sigma, mu_u)

    def moment_information(self, g: int, sigma: np.ndarray, mu: np.ndarray | None) -> np.ndarray:
        """Expected information of (vech Σ, μ) per observation, pattern-weighted."""
        d = self.groups[g]
        rep = self.rep
        nv = len(rep.va)
        W = np.zeros((rep.nmom, rep.nmom))
        if self.kron:
            ps = pattern_sums(d, rep.p, sigma, d.mean if mu is None else mu, hessian=False)
            K, p, I, J = ps["KVV"], rep.p, rep.va[:, None], rep.vb[:, None]
            W[:nv, :nv] = (K[I * p + I.T, J * p + J.T] + K[I * p + J.T, J * p + I.T]) * np.outer(self.mvech, self.mvech)
            if rep.meanstructure:
                W[nv:, nv:] = ps["V"]
            return W
        for pt in d.patterns:
            o = pt.observed
            V = inv_pd(sigma[np.ix_(o, o)])[0]  # type: ignore[index]
            sa, sb = np.triu_indices(len(o))
            full = self.vpos[o[sa], o[sb]]
            m = np.where(sa == sb, 0.5, 1.0)
            W[np.ix_(full, full)] += pt.n / d.n * w_block(V, sa, sb, m)
            if rep.meanstructure:
                W[np.ix_(nv + o, nv + o)] += pt.n / d.n * V
        return W

    def group_information(self, g: int, x: np.ndarray) -> np.ndarray:
        """Σ_patterns (n_p/N_g) [½ tr(V ∂Σ_k V ∂Σ_l) + ∂μ_kᵀ V ∂μ_l] over the group's free rows."""
        rep = self.rep
        if self.kron:
            sig, mu, D = rep.delta(x, g)
            return D.T @ self.moment_information(g, sig, mu) @ D
        d = self.groups[g]
        pr = rep._parts(rep.matrices(x, g))
        sig = pr["sigma"]
        out = np.zeros((len(rep.groups[g].unco),) * 2)
        for pt in d.patterns:
            o = pt.observed
            V = inv_pd(sig[np.ix_(o, o)])[0]  # type: ignore[index]
            out += pt.n / d.n * expected_block(rep, x, g, V, o, pr)
        return out

    def observed_information(self, x: np.ndarray) -> np.ndarray:
        """Hessian of ``fmin``: analytic for CFA models (pattern sums or per pattern); with regressions
        Δᵀ H_m Δ (analytic moment Hessian) + the curvature of the moments (differences of Δ(θ)ᵀ g_m)."""
        rep = self.rep
        if hessian.supported(rep):
            return fiml_observed_information(self, x) if self.kron else hessian.observed_information(rep, self, x)
        n = len(x)
        H = np.zeros((n, n))
        gms = []
        for g in range(rep.ngroups):
            sig, mu, D = rep.delta(x, g)
            gms.append(self.moment_gradient(g, sig, mu))
            blk = self.w[g] * (D.T @ self.moment_hessian(g, sig, mu) @ D)
            idx = rep.groups[g].xidx
            np.add.at(H, (idx[:, None], idx[None, :]), blk)

        def dg(z: np.ndarray) -> np.ndarray:
            out = np.zeros(n)
            for g in range(rep.ngroups):
                np.add.at(out, rep.groups[g].xidx, self.w[g] * (rep.delta(z, g)[2].T @ gms[g]))
            return out

        for k in range(n):
            h = 1e-5 * max(1.0, abs(x[k]))
            e = np.zeros(n)
            e[k] = h
            H[:, k] += (dg(x + e) - dg(x - e)) / (2 * h)
        return (H + H.T) / 2

    def baseline_logl(self) -> float:
        """Independence model at its FIML estimates: available-case means and variances per variable."""
        tot = 0.0
        for d in self.groups:
            cnt, _mean, var = d.univariate
            tot += float(np.sum(-cnt / 2 * (_LOG2PI + np.log(var) + 1)))
        return tot

    def test(self, x: np.ndarray, A: np.ndarray, cov: ParamCovariance, df: int, base_df: int) -> Tests:
        """ML tests plus lavaan's FIML-C (V6) robust-index inputs."""
        return fiml_robust_indices(self, x, super().test(x, A, cov, df, base_df), "V6", df, base_df)

    def casewise_moment_scores(self, g: int, sigma: np.ndarray, mu: np.ndarray | None) -> np.ndarray:
        """Per-case ∂logl_i/∂(vech Σ, μ) (n_g × nmom); a case's unobserved moments get 0."""
        d = self.groups[g]
        rep = self.rep
        nv = len(rep.va)
        out = np.zeros((d.n, rep.nmom))
        mu_u = d.mean if mu is None else mu
        Y = d.rows
        for pt in d.patterns:
            o = pt.observed
            rows = pt.rows if pt.rows is not None else _rows_of(Y, o)
            V = inv_pd(sigma[np.ix_(o, o)])[0]  # type: ignore[index]
            Z = (Y[np.ix_(rows, o)] - mu_u[o]) @ V
            sa, sb = np.triu_indices(len(o))
            m = np.where(sa == sb, 0.5, 1.0)
            full = self.vpos[o[sa], o[sb]]
            out[np.ix_(rows, full)] = (Z[:, sa] * Z[:, sb] - V[sa, sb]) * m
            if rep.meanstructure:
                out[np.ix_(rows, nv + o)] = Z
        return out

    def casewise_param_scores(self, x: np.ndarray, g: int) -> np.ndarray:
        """Per-case ∂logl_i/∂θ for group ``g``'s free rows (``unco`` order); n_g × q."""
        sig, mu, D = self.rep.delta(x, g)
        return self.casewise_moment_scores(g, sig, mu) @ D
