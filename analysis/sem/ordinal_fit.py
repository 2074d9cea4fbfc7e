"""Fit measures of a WLSMV (DWLS, scaled-shifted) fit as lavaan 0.6.14's ``fitMeasures`` names them.

* ``baseline``: the independence model (thresholds free per group, correlations 0), fitted by DWLS: its χ² is
  ``Σ_g (n_g − 1) Σ w r²`` and it gets the same scaled-shifted test (``baseline.chisq.scaled``).
* ``cfi``/``tli`` (+ ``.scaled`` from the scaled statistics) as ``lav_fit_cfi`` / ``lav_fit_tli``;
  ``rmsea``/``rmsea.scaled`` with N − G (lavaan's ``lav_utils_get_ntotal`` for a non-ML estimator) and × √G.
* ``cfi.robust``, ``tli.robust``, ``rmsea.robust``: lavaan's ``lav_fit_catml_dwls`` — the normal-theory ML
  discrepancy between the sample polychoric matrix R and the implied correlations P at the DWLS estimates
  (``XX3 = Σ N_g (log|P| − log|R| + tr(RP⁻¹) − p)``), its correction
  ``ĉ = tr(A'VAΓ)/df`` (V the ML weight matrix of the correlations at P, ``A = I − Δ E⁻¹ Δ'W`` on the correlation
  rows), the baseline ``−Σ N_g log|R_g|`` with ``ĉ₀ = tr(Γ_ρ)/df₀``; NaN when an R is not positive definite
  (as lavaan's ``check.pd``). The traces are formed per group.
* ``srmr``: Bentler's on the correlations (``p(p+1)/2`` elements with the zero diagonal), weighted by n_g/N;
  ``wrmr = sqrt(chisq / length(WLS.obs of group 1))``.

Examples
--------
>>> round(cfi(100.0, 10, 1000.0, 20), 6), round(tli(100.0, 10, 1000.0, 20), 6)
(0.908163, 0.816327)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from analysis.sem.estimator_dwls import ScaledShifted, scaled_shifted

__all__ = ["OrdinalFitInput", "cfi", "tli", "rmsea", "wlsmv_fit_measures", "baseline_test", "catml_robust"]


def cfi(x2: float, df: float, x2_null: float, df_null: float, c_hat: float = 1.0, c_hat_null: float = 1.0
        ) -> float:
    """lavaan's ``lav_fit_cfi`` (robust when both ĉ differ from 1).

    Examples
    --------
    >>> cfi(5.0, 10, 100.0, 20)
    1.0
    """
    vals = (x2, df, x2_null, df_null, c_hat, c_hat_null)
    if any(not np.isfinite(v) for v in vals):
        return float("nan")
    if df > 0 and c_hat != 1 and c_hat_null != 1:
        t1 = max(x2 - c_hat * df, 0.0)
        t2 = max(x2 - c_hat * df, x2_null - c_hat_null * df_null, 0.0)
    else:
        t1 = max(x2 - df, 0.0)
        t2 = max(x2 - df, x2_null - df_null, 0.0)
    if np.isclose(t1, 0.0, rtol=0, atol=1.5e-8) and np.isclose(t2, 0.0, rtol=0, atol=1.5e-8):
        return 1.0
    return 1.0 - t1 / t2


def tli(x2: float, df: float, x2_null: float, df_null: float, c_hat: float = 1.0, c_hat_null: float = 1.0
        ) -> float:
    """lavaan's ``lav_fit_tli`` (``1 − (X2 − ĉ df) df₀ / ((X2₀ − ĉ₀ df₀) df)``).

    Examples
    --------
    >>> tli(5.0, 10, 100.0, 20) > 1
    True
    """
    vals = (x2, df, x2_null, df_null, c_hat, c_hat_null)
    if any(not np.isfinite(v) for v in vals):
        return float("nan")
    if df > 0 and c_hat != 1 and c_hat_null != 1:
        t1 = (x2 - c_hat * df) * df_null
        t2 = (x2_null - c_hat_null * df_null) * df
    else:
        t1 = (x2 - df) * df_null
        t2 = (x2_null - df_null) * df
    if df > 0 and abs(t2) > 0:
        return 1.0 - t1 / t2
    return 1.0


def rmsea(x2: float, df: float, n: float, groups: int = 1, c_hat: float = 1.0) -> float:
    """lavaan's ``lav_fit_rmsea``: ``sqrt(max(X2/N/df − ĉ/N, 0)) · sqrt(G)`` (0 when df = 0).

    Examples
    --------
    >>> round(rmsea(6055.94048542919, 265, 2435), 6)
    0.094733
    """
    if not (np.isfinite(x2) and np.isfinite(c_hat)):
        return float("nan")
    if df <= 0:
        return 0.0
    return float(np.sqrt(max(x2 / n / df - c_hat / n, 0.0)) * np.sqrt(groups))


@dataclass(frozen=True)
class OrdinalFitInput:
    """What the WLSMV fit measures need, per group (lists) and overall.

    ``obs``/``implied``: s_g and σ_g (thresholds then correlations); ``weights``: DWLS weights; ``gammas``: Γ_g;
    ``jacobians``: Δ_g over the free parameters; ``nobs``: n_g; ``n_th``: number of threshold elements of s_g;
    ``cor_obs``/``cor_implied``: R_g and P_g (p × p); ``df``: model df; ``df_cor``: df of the correlation-only
    (catML) model — total correlations minus free parameters that are not thresholds, intercepts or means
    (default ``df``); ``e_inv``: inverse expected information.
    """

    obs: Sequence[np.ndarray]
    implied: Sequence[np.ndarray]
    weights: Sequence[np.ndarray]
    gammas: Sequence[np.ndarray]
    jacobians: Sequence[np.ndarray]
    nobs: Sequence[int]
    n_th: Sequence[int]
    cor_obs: Sequence[np.ndarray]
    cor_implied: Sequence[np.ndarray]
    df: int
    e_inv: np.ndarray
    df_cor: int | None = None


def baseline_test(obs: Sequence[np.ndarray], weights: Sequence[np.ndarray], gammas: Sequence[np.ndarray],
                  nobs: Sequence[int], n_th: Sequence[int]) -> ScaledShifted:
    """The DWLS independence model (free thresholds per group, zero correlations) and its scaled-shifted test.

    Examples
    --------
    >>> t = baseline_test([np.array([0.1, 0.3])], [np.array([10.0, 20.0])], [np.diag([0.1, 0.05])], [100], [1])
    >>> round(t.chisq, 6), t.df
    (178.2, 1)
    """
    k = int(sum(n_th))
    jac, chisq, df = [], [], 0
    start = 0
    for s, w, n, nt in zip(obs, weights, nobs, n_th, strict=True):
        d = np.zeros((len(s), k))
        d[np.arange(nt), start + np.arange(nt)] = 1.0
        start += nt
        jac.append(d)
        chisq.append(float((n - 1) * np.sum(w[nt:] * s[nt:] ** 2)))
        df += len(s) - nt
    return scaled_shifted(chisq, df, jac, weights, gammas, nobs)


def _ml_pair_weights(pinv: np.ndarray) -> np.ndarray:
    """0.5 D_c'(P⁻¹⊗P⁻¹)D_c on the correlations: element (ij, kl) = P⁻¹_ik P⁻¹_jl + P⁻¹_il P⁻¹_jk."""
    p = pinv.shape[0]
    cols, rows = np.triu_indices(p, 1)
    return pinv[np.ix_(rows, rows)] * pinv[np.ix_(cols, cols)] + pinv[np.ix_(rows, cols)] * pinv[np.ix_(cols, rows)]


def catml_robust(fi: OrdinalFitInput) -> dict[str, float]:
    """lavaan's ``lav_fit_catml_dwls``: XX3, df3, ĉ3, XX3.null, df3.null, ĉ3.null (NaN if an R is not PD).

    Examples
    --------
    >>> r = np.array([[1.0, 0.3], [0.3, 1.0]])
    >>> fi = OrdinalFitInput([np.array([0.0, 0.3])], [np.array([0.0, 0.3])], [np.ones(2)], [np.eye(2)],
    ...                      [np.array([[1.0, 0.0], [0.0, 1.0]])], [100], [1], [r], [r], df=0, e_inv=np.eye(2))
    >>> round(catml_robust(fi)["XX3"], 12)
    0.0
    """
    nan = float("nan")
    keys = ("XX3", "df3", "c_hat3", "XX3_null", "df3_null", "c_hat3_null")
    f = np.asarray(fi.nobs, float) / float(np.sum(fi.nobs))
    for r in fi.cor_obs:
        if np.linalg.eigvalsh(r).min() < np.sqrt(np.finfo(float).eps):
            return dict.fromkeys(keys, nan)
    k = fi.e_inv.shape[0]
    xx3 = xx3_null = tr_vg = tr_g = 0.0
    m_r = np.zeros((k, k))  # Σ f Δr'WΓWΔr
    m_wgv = np.zeros((k, k))  # Σ f Δr'WΓV*Δr
    m_v = np.zeros((k, k))  # Σ f Δr'V*Δr
    df_null = 0
    for fg, n, nt, r, pm, w, gam, d in zip(f, fi.nobs, fi.n_th, fi.cor_obs, fi.cor_implied, fi.weights,
                                           fi.gammas, fi.jacobians, strict=True):
        p = r.shape[0]
        pinv = np.linalg.inv(pm)
        xx3 += n * (np.linalg.slogdet(pm)[1] - np.linalg.slogdet(r)[1] + np.sum(r * pinv) - p)
        xx3_null += n * (-np.linalg.slogdet(r)[1])
        df_null += p * (p - 1) // 2
        vstar = _ml_pair_weights(pinv)
        gr = gam[nt:, nt:]
        wr = w[nt:]
        tr_vg += float(np.sum(vstar * gr))
        tr_g += float(np.trace(gr)) / fg
        u = np.flatnonzero(np.any(d[nt:] != 0, axis=0))
        dr = d[nt:, u]
        wd = wr[:, None] * dr
        gwd = gr @ wd
        m_r[np.ix_(u, u)] += fg * (wd.T @ gwd)
        m_wgv[np.ix_(u, u)] += fg * (gwd.T @ (vstar @ dr))
        m_v[np.ix_(u, u)] += fg * (dr.T @ vstar @ dr)
    e = fi.e_inv
    ks = tr_vg - 2.0 * float(np.sum(e * m_wgv.T)) + float(np.sum((e @ m_r @ e) * m_v.T))
    df3 = fi.df if fi.df_cor is None else fi.df_cor
    return {"XX3": float(xx3), "df3": float(df3), "c_hat3": ks / df3 if df3 > 0 else nan,
            "XX3_null": float(xx3_null), "df3_null": float(df_null), "c_hat3_null": tr_g / df_null}


def wlsmv_fit_measures(fi: OrdinalFitInput) -> dict[str, float]:
    """lavaan-named fit measures of a WLSMV fit (see the module docstring).

    Parameters
    ----------
    fi : OrdinalFitInput

    Returns
    -------
    dict
        ``fmin, chisq, df, chisq.scaled, df.scaled, chisq.scaling.factor, shift.parameter, baseline.chisq,
        baseline.df, baseline.chisq.scaled, baseline.chisq.scaling.factor, cfi, tli, cfi.scaled, tli.scaled,
        cfi.robust, tli.robust, rmsea, rmsea.scaled, rmsea.robust, srmr, wrmr``.

    Examples
    --------
    >>> r = np.array([[1.0, 0.3], [0.3, 1.0]])
    >>> fi = OrdinalFitInput([np.array([0.0, 0.0, 0.3])], [np.array([0.0, 0.0, 0.2])], [np.ones(3)],
    ...                      [np.eye(3)], [np.eye(3)[:, :2]], [100], [2], [r], [r], df=1, e_inv=np.eye(2))
    >>> round(wlsmv_fit_measures(fi)["chisq"], 6)
    0.99
    """
    f = np.asarray(fi.nobs, float) / float(np.sum(fi.nobs))
    ntot = float(np.sum(fi.nobs))
    groups = len(fi.nobs)
    chisq_g = [float((n - 1) * np.sum(w * (s - sg) ** 2))
               for n, s, sg, w in zip(fi.nobs, fi.obs, fi.implied, fi.weights, strict=True)]
    test = scaled_shifted(chisq_g, fi.df, fi.jacobians, fi.weights, fi.gammas, fi.nobs, fi.e_inv)
    base = baseline_test(fi.obs, fi.weights, fi.gammas, fi.nobs, fi.n_th)
    rob = catml_robust(fi)
    n_rmsea = ntot - groups
    srmr = 0.0
    for fg, r, pm in zip(f, fi.cor_obs, fi.cor_implied, strict=True):
        p = r.shape[0]
        res = (r - pm)[np.tril_indices(p, -1)]
        srmr += fg * float(np.sqrt(np.sum(res**2) / (p * (p + 1) / 2)))
    x2, df, x2s = test.chisq, fi.df, test.chisq_scaled
    out = {
        "fmin": x2 / (2.0 * ntot), "chisq": x2, "df": float(df), "chisq.scaled": x2s, "df.scaled": float(df),
        "chisq.scaling.factor": test.scaling_factor, "shift.parameter": test.shift_parameter,
        "baseline.chisq": base.chisq, "baseline.df": float(base.df), "baseline.chisq.scaled": base.chisq_scaled,
        "baseline.chisq.scaling.factor": base.scaling_factor,
        "cfi": cfi(x2, df, base.chisq, base.df), "tli": tli(x2, df, base.chisq, base.df),
        "cfi.scaled": cfi(x2s, df, base.chisq_scaled, base.df), "tli.scaled": tli(x2s, df, base.chisq_scaled, base.df),
        "cfi.robust": cfi(rob["XX3"], df, rob["XX3_null"], base.df, rob["c_hat3"], rob["c_hat3_null"]),
        "tli.robust": tli(rob["XX3"], df, rob["XX3_null"], base.df, rob["c_hat3"], rob["c_hat3_null"]),
        "rmsea": rmsea(x2, df, n_rmsea, groups), "rmsea.scaled": rmsea(x2s, df, n_rmsea, groups),
        "rmsea.robust": rmsea(rob["XX3"], rob["df3"], n_rmsea, groups, rob["c_hat3"]),
        "srmr": srmr, "wrmr": float(np.sqrt(x2 / len(fi.obs[0]))),
    }
    return out
