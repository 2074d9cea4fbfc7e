"""Model-implied thresholds and polychoric correlations of a factor model for ordered items, with derivatives.

Latent responses y* = ν + Λη + ε, Cov(η) = Ψ, E(η) = α, Cov(ε) = Θ; item i answers category c when
τ_{i,c-1} < y*_i ≤ τ_{i,c}. With Σ = ΛΨΛ' + Θ and scale factors D (lavaan's ``delta``), lavaan 0.6.14 fits

    thresholds  t = D_i (τ − ν_i − (Λα)_i)        correlations  P_ij = D_i D_j Σ_ij  (i ≠ j)

* ``parameterization="delta"``: D is a parameter vector (fixed to 1 in a single group) and the residual
  variances are not parameters — ``θ_ii = 1/D_i² − (ΛΨΛ')_ii`` (lavaan's ``setResidualElements``), so the
  diagonal of Θ plays no part in t and P.
* ``parameterization="theta"``: Θ's diagonal is a parameter (fixed to 1 in a single group) and
  ``D_i = Σ_ii^{-1/2}`` (lavaan's ``setDeltaElements``).

:func:`implied_jacobian` gives ∂σ/∂(matrix element) for σ = (t, P below the diagonal column by column) — the
order of lavaan's ``WLS.obs`` — with every element of Λ, Ψ, Θ, τ, ν, α and D treated as a separate argument; a
symmetric parameter (ψ_rs = ψ_sr) sums its two columns. An estimator maps its free parameters onto elements.

Examples
--------
>>> import numpy as np
>>> m = OrdinalMatrices(lam=np.array([[0.8], [0.6], [0.7]]), psi=np.eye(1), tau=np.array([0.0, -0.5, 0.5]),
...                     th_item=np.array([0, 1, 2]))
>>> imp = implied(m)
>>> float(round(imp.cor[1, 0], 2)), imp.thresholds.tolist()
(0.48, [0.0, -0.5, 0.5])
>>> implied_jacobian(m)["lam"].shape
(6, 3)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from vcd_core.errors import EstimationError

__all__ = ["OrdinalMatrices", "OrdinalImplied", "implied", "implied_vector", "implied_jacobian"]


@dataclass(frozen=True)
class OrdinalMatrices:
    """One group's model matrices (see the module docstring).

    Attributes
    ----------
    lam : ndarray
        p × m loadings Λ.
    psi : ndarray
        m × m factor covariance Ψ.
    tau : ndarray
        Model thresholds, item by item.
    th_item : ndarray
        Item (0-based) of every threshold.
    nu, alpha : ndarray, optional
        Latent-response intercepts (p) and factor means (m); default 0.
    delta : ndarray, optional
        Scale factors D (delta parameterisation); default 1.
    theta : ndarray, optional
        p × p residual covariances; theta parameterisation: its diagonal too (default identity). In the delta
        parameterisation only the off-diagonal elements are used.
    parameterization : {"delta", "theta"}
    """

    lam: np.ndarray
    psi: np.ndarray
    tau: np.ndarray
    th_item: np.ndarray
    nu: np.ndarray | None = None
    alpha: np.ndarray | None = None
    delta: np.ndarray | None = None
    theta: np.ndarray | None = None
    parameterization: str = "delta"

    def __post_init__(self) -> None:
        if self.parameterization not in ("delta", "theta"):
            raise EstimationError(f"parameterization must be 'delta' or 'theta', not {self.parameterization!r}")

    @property
    def p(self) -> int:
        """Number of items."""
        return int(self.lam.shape[0])

    @property
    def m(self) -> int:
        """Number of factors."""
        return int(self.lam.shape[1])

    def parts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """ν, α, Θ (theta: with its diagonal; delta: off-diagonal only) and D-free Σ = ΛΨΛ' + Θ."""
        p, m = self.p, self.m
        nu = np.zeros(p) if self.nu is None else np.asarray(self.nu, float)
        alpha = np.zeros(m) if self.alpha is None else np.asarray(self.alpha, float)
        if self.theta is None:
            theta = np.eye(p) if self.parameterization == "theta" else np.zeros((p, p))
        else:
            theta = np.array(self.theta, float)
            if self.parameterization == "delta":
                np.fill_diagonal(theta, 0.0)
        sigma = self.lam @ self.psi @ self.lam.T + theta
        return nu, alpha, theta, sigma


@dataclass(frozen=True)
class OrdinalImplied:
    """Model-implied thresholds and correlations of one group."""

    thresholds: np.ndarray
    cor: np.ndarray
    scale: np.ndarray = field(repr=False)  # D
    residual_var: np.ndarray = field(repr=False)  # θ_ii (delta: computed; theta: the parameter)


def _scale(mats: OrdinalMatrices, sigma: np.ndarray) -> np.ndarray:
    if mats.parameterization == "delta":
        return np.ones(mats.p) if mats.delta is None else np.asarray(mats.delta, float)
    d = np.diag(sigma)
    if np.any(d <= 0):
        raise EstimationError("a latent-response variance is not positive (theta parameterisation)")
    return 1.0 / np.sqrt(d)


def implied(mats: OrdinalMatrices) -> OrdinalImplied:
    """Implied thresholds (t) and correlation matrix (P, unit diagonal) of one group.

    Parameters
    ----------
    mats : OrdinalMatrices

    Returns
    -------
    OrdinalImplied

    Examples
    --------
    >>> m = OrdinalMatrices(lam=np.array([[1.0], [1.0]]), psi=np.eye(1), tau=np.array([1.0, 1.0]),
    ...                     th_item=np.array([0, 1]), parameterization="theta")
    >>> implied(m).thresholds.round(4).tolist()
    [0.7071, 0.7071]
    """
    nu, alpha, theta, sigma = mats.parts()
    d = _scale(mats, sigma)
    cor = d[:, None] * sigma * d[None, :]
    np.fill_diagonal(cor, 1.0)
    it = np.asarray(mats.th_item, dtype=np.int64)
    mu = nu + mats.lam @ alpha
    th = d[it] * (np.asarray(mats.tau, float) - mu[it])
    if mats.parameterization == "delta":
        resid = 1.0 / d**2 - np.diag(mats.lam @ mats.psi @ mats.lam.T)
    else:
        resid = np.diag(theta).copy()
    return OrdinalImplied(thresholds=th, cor=cor, scale=d, residual_var=resid)


def implied_vector(mats: OrdinalMatrices) -> np.ndarray:
    """σ = (thresholds, correlations below the diagonal column by column): lavaan's ``WLS.obs`` order.

    Examples
    --------
    >>> m = OrdinalMatrices(lam=np.array([[0.5], [0.5], [0.5]]), psi=np.eye(1), tau=np.zeros(3),
    ...                     th_item=np.arange(3))
    >>> implied_vector(m).tolist()
    [0.0, 0.0, 0.0, 0.25, 0.25, 0.25]
    """
    imp = implied(mats)
    cols, rows = np.triu_indices(mats.p, 1)
    return np.concatenate([imp.thresholds, imp.cor[rows, cols]])


def _sigma_derivs(lam: np.ndarray, psi: np.ndarray) -> dict[str, np.ndarray]:
    """∂Σ_ij/∂element for Λ (p, p, p·m), Ψ (p, p, m·m) and Θ (p, p, p·p), elements row-major."""
    p, m = lam.shape
    eye = np.eye(p)
    b = psi @ lam.T  # m × p
    # ∂Σ_ij/∂Λ_ar = δ_ia (ΨΛ')_rj + δ_ja (ΨΛ')_ri
    d_lam = np.einsum("ia,rj->ijar", eye, b) + np.einsum("ja,ri->ijar", eye, b)
    d_psi = np.einsum("ir,js->ijrs", lam, lam)
    d_theta = np.einsum("ia,jb->ijab", eye, eye)
    return {"lam": d_lam.reshape(p, p, p * m), "psi": d_psi.reshape(p, p, m * m),
            "theta": d_theta.reshape(p, p, p * p)}


def implied_jacobian(mats: OrdinalMatrices) -> dict[str, np.ndarray]:
    """∂σ/∂(matrix element) for every matrix of the model, σ in :func:`implied_vector`'s order.

    Parameters
    ----------
    mats : OrdinalMatrices

    Returns
    -------
    dict
        ``lam`` (nσ × p·m, Λ row-major), ``psi`` (nσ × m·m), ``theta`` (nσ × p·p; delta: zero on the diagonal),
        ``tau`` (nσ × nth), ``nu`` (nσ × p), ``alpha`` (nσ × m), ``delta`` (nσ × p; theta: zero).

    Examples
    --------
    >>> m = OrdinalMatrices(lam=np.array([[0.8], [0.6]]), psi=np.eye(1), tau=np.array([0.3, 0.1]),
    ...                     th_item=np.array([0, 1]))
    >>> implied_jacobian(m)["psi"].ravel().round(2).tolist()
    [0.0, 0.0, 0.48]
    """
    p, m = mats.p, mats.m
    nu, alpha, theta, sigma = mats.parts()
    d = _scale(mats, sigma)
    it = np.asarray(mats.th_item, dtype=np.int64)
    nth = len(it)
    cols, rows = np.triu_indices(p, 1)
    mu = nu + mats.lam @ alpha
    base = np.asarray(mats.tau, float) - mu[it]  # τ − ν − Λα per threshold
    ds = _sigma_derivs(mats.lam, mats.psi)
    if mats.parameterization == "delta":  # residual variances are not parameters: only Θ's off-diagonal counts
        ds["theta"][:, :, np.eye(p, dtype=bool).ravel()] = 0.0
    out: dict[str, np.ndarray] = {}
    # ∂μ_i/∂Λ_ar = δ_ia α_r  → threshold part −D_i ∂μ_i
    d_mu_lam = np.einsum("ia,r->iar", np.eye(p), alpha).reshape(p, p * m)
    for key, dsig in ds.items():
        dcor = d[rows, None] * d[cols, None] * dsig[rows, cols]
        dth = np.zeros((nth, dsig.shape[2]))
        if key == "lam":
            dth = -d[it, None] * d_mu_lam[it]
        if mats.parameterization == "theta":
            # ∂D_i/∂x = −½ D_i³ ∂Σ_ii/∂x
            dd = -0.5 * (d**3)[:, None] * dsig[np.arange(p), np.arange(p)]
            dcor = dcor + sigma[rows, cols, None] * (dd[rows] * d[cols, None] + d[rows, None] * dd[cols])
            dth = dth + dd[it] * base[:, None]
        out[key] = np.concatenate([dth, dcor])
    out["tau"] = np.concatenate([np.diag(d[it]), np.zeros((len(rows), nth))])
    d_nu = np.zeros((nth, p))
    d_nu[np.arange(nth), it] = -d[it]
    out["nu"] = np.concatenate([d_nu, np.zeros((len(rows), p))])
    out["alpha"] = np.concatenate([-d[it, None] * mats.lam[it], np.zeros((len(rows), m))])
    if mats.parameterization == "delta":
        d_th_d = np.zeros((nth, p))
        d_th_d[np.arange(nth), it] = base
        d_cor_d = np.zeros((len(rows), p))
        d_cor_d[np.arange(len(rows)), rows] = d[cols] * sigma[rows, cols]
        d_cor_d[np.arange(len(rows)), cols] += d[rows] * sigma[rows, cols]
        out["delta"] = np.concatenate([d_th_d, d_cor_d])
    else:
        out["delta"] = np.zeros((nth + len(rows), p))
    return out
