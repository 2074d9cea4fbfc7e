"""Normal-theory maximum likelihood on complete data (lavaan ``estimator="ML"``, ``missing="listwise"``).

F_g = log|Σ| + tr(SΣ⁻¹) − log|S| − p + (m − μ)ᵀΣ⁻¹(m − μ) from the group's mean m and covariance S (divisor N);
``fmin = Σ_g (N_g/N) F_g / 2`` so that χ² = 2·N·fmin. Expected information ½ tr(VΣ_kVΣ_l) + μ_kᵀVμ_l and the
analytic observed information come from the rank-two derivatives (:mod:`analysis.sem.derivatives`); casewise
scores (for robust corrections) from the rows, fetched only then.

Examples
--------
>>> import numpy as np
>>> from analysis.stats import group_stats
>>> from analysis.sem.syntax import parse_model
>>> from analysis.sem.partable import build_partable
>>> from analysis.sem.matrices import Representation
>>> from analysis.sem.optimize import optimize
>>> from analysis.sem.start import start_values
>>> rng = np.random.default_rng(1)
>>> f = rng.normal(size=(500, 1)); y = f @ [[1.0, 0.8, 0.6]] + rng.normal(size=(500, 3))
>>> rep = Representation(build_partable(parse_model("f =~ y1 + y2 + y3")))
>>> est = MLEstimator(rep, [group_stats(y, "all")])
>>> x, ok, it, msg = optimize(est, start_values(rep, est.groups))
>>> ok, bool(np.max(np.abs(est.gradient(x))) < 1e-8)
(True, True)
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from analysis.stats import GroupStats

from .. import hessian
from ..derivatives import expected_block
from ..matrices import Representation
from ..moments import moment_hessian_pieces, vech_positions, w_block
from .base import Estimator, inv_pd

__all__ = ["MLEstimator", "NormalTheory"]

_LOG2PI = float(np.log(2 * np.pi))


class NormalTheory(Estimator):
    """Shared by complete-data ML and FIML: moment-space information, Hessian and casewise scores (what the
    robust corrections of :mod:`analysis.sem.robust` use)."""

    @abstractmethod
    def moment_information(self, g: int, sigma: np.ndarray, mu: np.ndarray | None) -> np.ndarray:
        """Expected information of (vech Σ, μ) per observation of group ``g``."""

    @abstractmethod
    def moment_hessian(self, g: int, sigma: np.ndarray, mu: np.ndarray | None) -> np.ndarray:
        """Observed Hessian of F_g/2 with respect to (vech Σ, μ)."""

    @abstractmethod
    def casewise_moment_scores(self, g: int, sigma: np.ndarray, mu: np.ndarray | None) -> np.ndarray:
        """Per-case ∂logl_i/∂(vech Σ, μ) (n_g × nmom)."""

    @abstractmethod
    def casewise_param_scores(self, x: np.ndarray, g: int) -> np.ndarray:
        """Per-case ∂logl_i/∂θ for group ``g``'s free rows (``unco`` order); n_g × q."""

    def moment_information_complete(self, S: np.ndarray, mean: np.ndarray | None) -> np.ndarray:
        """Complete-data expected information of (vech Σ, μ) at Σ = S (ignores the group's missing data)."""
        rep = self.rep
        nv = len(rep.va)
        V = inv_pd(S)[0]  # type: ignore[index]
        W = np.zeros((rep.nmom, rep.nmom))
        W[:nv, :nv] = w_block(V, rep.va, rep.vb, self.mvech)
        if rep.meanstructure:
            W[nv:, nv:] = V
        return W


class MLEstimator(NormalTheory):
    """Complete-data normal ML for a :class:`Representation` and per-group :class:`GroupStats`."""

    name: ClassVar[str] = "ML"
    missing: ClassVar[str] = "listwise"
    default_information: ClassVar[str] = "expected"

    def __init__(self, rep: Representation, groups: Sequence[GroupStats], **options: Any) -> None:
        super().__init__(rep, groups, **options)
        self._logdetS = []
        for d in self.groups:
            sign, ld = np.linalg.slogdet(d.cov)
            self._logdetS.append(ld if sign > 0 else np.nan)

    def group_fmin(self, g: int, sigma: np.ndarray, mu: np.ndarray | None) -> float:
        """``F_g / 2`` (0 at the saturated fit)."""
        d = self.groups[g]
        r = inv_pd(sigma)
        if r is None:
            return np.inf
        V, logdet = r
        val = logdet + np.sum(V * d.cov) - self._logdetS[g] - self.rep.p
        if mu is not None:
            dm = d.mean - mu
            val += dm @ V @ dm
        return 0.5 * val

    def group_logl(self, g: int, sigma: np.ndarray, mu: np.ndarray | None) -> float:
        """Log-likelihood of group ``g`` at (Σ, μ)."""
        d = self.groups[g]
        f = self.group_fmin(g, sigma, mu)
        return float(-d.n * f - d.n / 2 * (self.rep.p * _LOG2PI + self._logdetS[g] + self.rep.p))

    def moment_gradient_matrix(self, g: int, sigma: np.ndarray, mu: np.ndarray | None
                               ) -> tuple[np.ndarray, np.ndarray | None]:
        """G = V − V(S + ddᵀ)V and g_μ = −V d (d = m − μ)."""
        d = self.groups[g]
        V = inv_pd(sigma)[0]  # type: ignore[index]
        dm = np.zeros(self.rep.p) if mu is None else d.mean - mu
        return V - V @ (d.cov + np.outer(dm, dm)) @ V, -V @ dm

    def moment_information(self, g: int, sigma: np.ndarray, mu: np.ndarray | None) -> np.ndarray:
        """Expected information of (vech Σ, μ) per observation."""
        return self.moment_information_complete(sigma, mu)

    def moment_hessian(self, g: int, sigma: np.ndarray, mu: np.ndarray | None) -> np.ndarray:
        """Observed Hessian of F_g/2 with respect to (vech Σ, μ) (μ = m without a mean structure)."""
        d = self.groups[g]
        rep = self.rep
        vpos = vech_positions(rep.p, rep.va, rep.vb)
        return moment_hessian_pieces(rep.nmom, len(rep.va), rep.meanstructure, vpos,
                                     [(np.arange(rep.p), 1.0, d.mean, d.cov)], sigma, d.mean if mu is None else mu)

    def group_information(self, g: int, x: np.ndarray) -> np.ndarray:
        """½ tr(V Σ_k V Σ_l) + μ_kᵀ V μ_l over the group's free rows (rank-two form, no Jacobian)."""
        pr = self.rep._parts(self.rep.matrices(x, g))
        return expected_block(self.rep, x, g, inv_pd(pr["sigma"])[0], None, pr)  # type: ignore[index]

    def observed_information(self, x: np.ndarray) -> np.ndarray:
        """Analytic Hessian of ``fmin`` (CFA), central differences of the gradient with regressions."""
        if hessian.supported(self.rep):
            return hessian.observed_information(self.rep, self, x)
        return hessian.numeric_information(self, x)

    def baseline_logl(self) -> float:
        """Independence model: diagonal Σ = diag(S) (and μ = m)."""
        p = self.rep.p
        return float(sum(-d.n / 2 * (p * _LOG2PI + np.sum(np.log(np.diag(d.cov))) + p) for d in self.groups))

    # ------------------------------------------------------------- casewise (robust corrections)
    def casewise_moment_scores(self, g: int, sigma: np.ndarray, mu: np.ndarray | None) -> np.ndarray:
        """Per-case ∂logl_i/∂(vech Σ, μ) (n_g × nmom)."""
        d = self.groups[g]
        rep = self.rep
        nv = len(rep.va)
        out = np.zeros((d.n, rep.nmom))
        mu_u = d.mean if mu is None else mu
        V = inv_pd(sigma)[0]  # type: ignore[index]
        Z = (d.rows - mu_u) @ V
        out[:, :nv] = (Z[:, rep.va] * Z[:, rep.vb] - V[rep.va, rep.vb]) * self.mvech
        if rep.meanstructure:
            out[:, nv:] = Z
        return out

    def casewise_param_scores(self, x: np.ndarray, g: int) -> np.ndarray:
        """Per-case ∂logl_i/∂θ for group ``g``'s free rows (``unco`` order); n_g × q.

        Computed per parameter type from Z = (Y − μ)Σ⁻¹ without the n×p* moment matrix
        (s_k = tr(G_i ∂Σ/∂θ_k) + z_iᵀ ∂μ/∂θ_k with G_i = ½(z_i z_iᵀ − Σ⁻¹)).
        """
        rep = self.rep
        d = self.groups[g]
        gm = rep.groups[g]
        pr = rep._parts(rep.matrices(x, g))
        mu = pr["mu"] if rep.meanstructure else d.mean
        V = inv_pd(pr["sigma"])[0]  # type: ignore[index]
        Z = (d.rows - mu) @ V
        Ls, C, ea = pr["Ls"], pr["C"], pr["ea"]
        ZC, ZL = Z @ C, Z @ Ls
        VC, VL = V @ C, V @ Ls
        out = np.zeros((d.n, len(gm.unco)))
        r, c, pos = gm.cells["lambda"]
        if len(r):
            out[:, pos] = Z[:, r] * ZC[:, c] - VC[r, c]
            if rep.meanstructure:
                out[:, pos] += Z[:, r] * ea[c]
        r, c, pos = gm.cells["beta"]
        if len(r):
            out[:, pos] = ZL[:, r] * ZC[:, c] - (Ls.T @ VC)[r, c]
            if rep.meanstructure:
                out[:, pos] += ZL[:, r] * ea[c]
        r, c, pos = gm.cells["psi"]
        if len(r):
            LVL = Ls.T @ VL
            half = np.where(r == c, 0.5, 1.0)
            out[:, pos] = (ZL[:, r] * ZL[:, c] - LVL[r, c]) * half
        r, c, pos = gm.cells["theta"]
        if len(r):
            half = np.where(r == c, 0.5, 1.0)
            out[:, pos] = (Z[:, r] * Z[:, c] - V[r, c]) * half
        if rep.meanstructure:
            r, c, pos = gm.cells["nu"]
            if len(r):
                out[:, pos] = Z[:, r]
            r, c, pos = gm.cells["alpha"]
            if len(r):
                out[:, pos] = ZL[:, r]
        return out
