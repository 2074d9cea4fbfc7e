"""DWLS / WLSMV math on sufficient statistics (thresholds + polychorics, their Γ and the DWLS weights).

Per group g: observed ``s_g`` (lavaan's ``WLS.obs``), implied ``σ_g(θ)``, diagonal weights ``w_g = 1/diag(Γ_g)``,
Jacobian ``Δ_g = ∂σ_g/∂θ'`` over the free parameters θ (equality constraints already folded in), ``n_g`` rows,
``f_g = n_g / N``. As lavaan 0.6.14 (``estimator = "WLSMV"``: DWLS, ``se = "robust.sem"``,
``test = "scaled.shifted"``, ``mimic = "lavaan"``):

* ``fmin = ½ Σ_g ((n_g − 1)/N) (s_g − σ_g)' W_g (s_g − σ_g)`` and ``chisq = 2 N fmin`` — lavaan's
  ``lav_model_objective`` multiplies a DWLS group's discrepancy by (n_g − 1)/n_g, so ``chisq_g = (n_g − 1) F_g``;
* expected information ``E = Σ_g f_g Δ_g' W_g Δ_g``; robust covariance
  ``E⁻¹ (Σ_g f_g Δ_g' W_g Γ_g W_g Δ_g) E⁻¹ / (N − G)`` (``lav_model_nvcov_robust_sem``; lavaan divides by
  N − G for every estimator but ML);
* Satorra–Bentler traces with ``U = V − VΔE⁻¹Δ'V``, ``V = ⊕ f_g W_g``, ``Γ = ⊕ Γ_g / f_g``
  (``lav_test_satorra_bentler_trace_original``), then the scaled-shifted statistic ``T·a + b`` with
  ``a = √(df / tr((UΓ)²))``, ``b = df − a·tr(UΓ)``; lavaan reports ``chisq.scaling.factor = 1/a`` and
  ``shift.parameter = b``.

The traces are formed group by group (never the block-diagonal U, which for 60 groups would not fit in memory):
``tr(UΓ) = Σ tr(W_gΓ_g) − tr(E⁻¹M)`` and
``tr((UΓ)²) = Σ tr((W_gΓ_g)²) − 2 tr(E⁻¹ Σ f_g Δ_g'W_gΓ_gW_gΓ_gW_gΔ_g) + tr((E⁻¹M)²)``,
``M = Σ f_g Δ_g'W_gΓ_gW_gΔ_g``. Columns of Δ_g that are zero (parameters of other groups) are dropped first.

Examples
--------
>>> import numpy as np
>>> s, sig, w = [np.array([0.5, 0.2])], [np.array([0.4, 0.2])], [np.array([2.0, 4.0])]
>>> round(dwls_fmin(s, sig, w, [101]), 6)
0.009901
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from vcd_core.errors import EstimationError

__all__ = ["ScaledShifted", "dwls_fmin", "dwls_gradient", "dwls_information", "robust_vcov", "scaled_shifted",
           "sandwich_meat"]

Arrays = Sequence[np.ndarray]


def _fractions(nobs: Sequence[int]) -> np.ndarray:
    n = np.asarray(nobs, float)
    return n / n.sum()


def _objective_weights(nobs: Sequence[int]) -> np.ndarray:
    n = np.asarray(nobs, float)
    return (n - 1.0) / n.sum()


def dwls_fmin(obs: Arrays, implied: Arrays, weights: Arrays, nobs: Sequence[int]) -> float:
    """lavaan's DWLS ``fmin``: ½ Σ_g ((n_g − 1)/N) Σ_k w_gk (s_gk − σ_gk)².

    Parameters
    ----------
    obs, implied, weights : sequence of ndarray
        Per group: observed statistics, implied statistics, DWLS weights.
    nobs : sequence of int
        Rows per group.

    Returns
    -------
    float
        fmin (``chisq = 2 N fmin``).

    Examples
    --------
    >>> round(dwls_fmin([np.array([1.0])], [np.array([0.0])], [np.array([2.0])], [10]), 3)
    0.9
    """
    f = _objective_weights(nobs)
    return float(0.5 * sum(fg * np.sum(w * (s - sg) ** 2) for fg, s, sg, w in zip(f, obs, implied, weights,
                                                                                  strict=True)))


def dwls_gradient(obs: Arrays, implied: Arrays, weights: Arrays, nobs: Sequence[int], jacobians: Arrays
                  ) -> np.ndarray:
    """∂fmin/∂θ = −Σ_g ((n_g − 1)/N) Δ_g' W_g (s_g − σ_g).

    Parameters
    ----------
    obs, implied, weights : sequence of ndarray
        As :func:`dwls_fmin`.
    nobs : sequence of int
        Rows per group.
    jacobians : sequence of ndarray
        Δ_g (nσ_g × k) per group.

    Returns
    -------
    ndarray
        (k,) gradient.

    Examples
    --------
    >>> dwls_gradient([np.array([1.0])], [np.array([0.0])], [np.array([2.0])], [10], [np.array([[1.0]])])
    array([-1.8])
    """
    f = _objective_weights(nobs)
    return -sum(fg * (d.T @ (w * (s - sg))) for fg, s, sg, w, d in zip(f, obs, implied, weights, jacobians,
                                                                         strict=True))


def dwls_information(jacobians: Arrays, weights: Arrays, nobs: Sequence[int]) -> np.ndarray:
    """Expected information E = Σ_g f_g Δ_g' W_g Δ_g (lavaan's ``information = "expected"`` for DWLS).

    Examples
    --------
    >>> dwls_information([np.array([[1.0], [2.0]])], [np.array([1.0, 0.5])], [5])
    array([[3.]])
    """
    f = _fractions(nobs)
    return sum(fg * (d.T @ (w[:, None] * d)) for fg, d, w in zip(f, jacobians, weights, strict=True))


def _used(d: np.ndarray) -> np.ndarray:
    return np.flatnonzero(np.any(d != 0, axis=0))


def sandwich_meat(jacobians: Arrays, weights: Arrays, gammas: Arrays, nobs: Sequence[int]) -> np.ndarray:
    """M = Σ_g f_g Δ_g' W_g Γ_g W_g Δ_g.

    Examples
    --------
    >>> sandwich_meat([np.array([[1.0]])], [np.array([2.0])], [np.array([[0.5]])], [3])
    array([[2.]])
    """
    f = _fractions(nobs)
    k = jacobians[0].shape[1]
    meat = np.zeros((k, k))
    for fg, d, w, gam in zip(f, jacobians, weights, gammas, strict=True):
        u = _used(d)
        wd = w[:, None] * d[:, u]
        meat[np.ix_(u, u)] += fg * (wd.T @ gam @ wd)
    return meat


def _invert(info: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.inv(info)
    except np.linalg.LinAlgError as exc:
        raise EstimationError("the information matrix is singular: the model is not identified") from exc


def robust_vcov(jacobians: Arrays, weights: Arrays, gammas: Arrays, nobs: Sequence[int]
                ) -> tuple[np.ndarray, np.ndarray]:
    """Robust (sandwich) covariance of the DWLS estimates (lavaan's ``se = "robust.sem"``).

    Parameters
    ----------
    jacobians, weights, gammas : sequence of ndarray
        Δ_g, w_g and Γ_g (NACOV) per group.
    nobs : sequence of int
        Rows per group.

    Returns
    -------
    vcov : ndarray
        E⁻¹ M E⁻¹ / (N − G); standard errors are the square roots of its diagonal.
    e_inv : ndarray
        E⁻¹ (reused by :func:`scaled_shifted`).

    Examples
    --------
    >>> v, _ = robust_vcov([np.array([[1.0]])], [np.array([2.0])], [np.array([[0.5]])], [101])
    >>> float(v[0, 0])
    0.005
    """
    e_inv = _invert(dwls_information(jacobians, weights, nobs))
    meat = sandwich_meat(jacobians, weights, gammas, nobs)
    return e_inv @ meat @ e_inv / float(np.sum(nobs) - len(nobs)), e_inv


@dataclass(frozen=True)
class ScaledShifted:
    """lavaan's ``scaled.shifted`` test (``lavInspect(fit, "test")$scaled.shifted``)."""

    chisq: float
    df: int
    chisq_scaled: float
    scaling_factor: float  # 1/a
    shift_parameter: float  # b
    trace_ugamma: float
    trace_ugamma2: float
    stat_group: tuple[float, ...]  # scaled per-group statistics (T_g·a + f_g·b)


def scaled_shifted(chisq_group: Sequence[float], df: int, jacobians: Arrays, weights: Arrays, gammas: Arrays,
                   nobs: Sequence[int], e_inv: np.ndarray | None = None) -> ScaledShifted:
    """Mean-and-variance adjusted (scaled-shifted) χ² of a DWLS fit, as lavaan 0.6.14.

    Parameters
    ----------
    chisq_group : sequence of float
        Unscaled χ² per group (``(n_g − 1) (s_g − σ_g)' W_g (s_g − σ_g)``).
    df : int
        Degrees of freedom.
    jacobians, weights, gammas : sequence of ndarray
        Δ_g, w_g, Γ_g per group.
    nobs : sequence of int
        Rows per group.
    e_inv : ndarray, optional
        Inverse expected information (computed if not given).

    Returns
    -------
    ScaledShifted

    Examples
    --------
    >>> d = [np.array([[1.0], [0.0], [0.0]])]
    >>> t = scaled_shifted([5.0], 2, d, [np.ones(3)], [np.diag([1.0, 2.0, 3.0])], [50])
    >>> round(t.trace_ugamma, 6), round(t.trace_ugamma2, 6)
    (5.0, 13.0)
    """
    f = _fractions(nobs)
    if e_inv is None:
        e_inv = _invert(dwls_information(jacobians, weights, nobs))
    k = e_inv.shape[0]
    tr_wg = tr_wg2 = 0.0
    meat = np.zeros((k, k))
    meat2 = np.zeros((k, k))
    for fg, d, w, gam in zip(f, jacobians, weights, gammas, strict=True):
        wg = w[:, None] * gam  # W Γ
        tr_wg += float(np.trace(wg))
        tr_wg2 += float(np.sum(wg * wg.T))
        u = _used(d)
        wd = w[:, None] * d[:, u]
        gwd = gam @ wd  # Γ W Δ
        meat[np.ix_(u, u)] += fg * (wd.T @ gwd)
        meat2[np.ix_(u, u)] += fg * (gwd.T @ (w[:, None] * gwd))
    em = e_inv @ meat
    trace1 = tr_wg - float(np.trace(em))
    trace2 = tr_wg2 - 2.0 * float(np.sum(e_inv * meat2)) + float(np.sum(em * em.T))
    chisq = float(np.sum(chisq_group))
    if df <= 0:
        return ScaledShifted(chisq, df, chisq, float("nan"), float("nan"), trace1, trace2,
                             tuple(float(c) for c in chisq_group))
    a = np.sqrt(df / trace2)
    shift = df - a * trace1
    return ScaledShifted(chisq=chisq, df=df, chisq_scaled=float(chisq * a + shift), scaling_factor=float(1.0 / a),
                         shift_parameter=float(shift), trace_ugamma=trace1, trace_ugamma2=trace2,
                         stat_group=tuple(float(c * a + fg * shift) for c, fg in zip(chisq_group, f, strict=True)))
