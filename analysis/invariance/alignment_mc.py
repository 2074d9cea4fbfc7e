"""Monte Carlo trustworthiness check of an alignment solution (Asparouhov & Muthén 2014, section 5).

Data are simulated from the aligned solution — in group g the factor is N(alpha_g, psi_g^2) and item j is
``nu~_gj + lambda~_gj eta + e`` with the *aligned* (group-specific, non-invariance included) loadings and
intercepts and the configural residual variances; equivalently the configural model with factor N(0, 1). Each
replication fits the configural model per group, re-aligns with the same settings and compares the estimated with
the true (generating) means and SDs: the correlation of true and estimated means over groups (A&M ask for > .98
before trusting a ranking), bias, RMSE, and the coverage of the delta-method intervals. Replications without a
usable optimum (drift) are counted, not dropped silently.

The configural model of a replication is separable by group (nothing is shared), so it is fitted here by a batched
one-factor ML estimator (Fisher scoring on the sample covariance with divisor n, intercepts = sample means,
expected-information covariance of the estimates — what ``analysis.sem.cfa(..., std_lv=True)`` gives for this model,
checked in ``tests/test_alignment_mc.py``): a 30-group replication takes milliseconds instead of a full multi-group
fit.

Examples
--------
>>> import numpy as np
>>> from analysis.invariance.alignment import align
>>> rng = np.random.default_rng(2)
>>> G, I = 8, 5
>>> lam = rng.uniform(.6, .9, (G, I)) * rng.uniform(.8, 1.2, (G, 1))
>>> nu = rng.normal(0, .2, (1, I)) + rng.normal(0, .3, (G, 1)) * lam
>>> res = align(lam, nu, np.full(G, 400), vcov=np.tile(np.eye(2 * I) * 1e-3, (G, 1, 1)))
>>> mc = monte_carlo(res, np.full((G, I), .5), reps=20, seed=1)
>>> mc.reps_ok, bool(mc.summary_table().loc["mean", "corr"] > .9)
(20, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats
from threadpoolctl import threadpool_limits

from analysis.invariance.alignment import AlignmentDriftError, AlignmentResult, align
from vcd_core.errors import EstimationError

__all__ = ["MonteCarloResult", "fit_one_factor", "monte_carlo"]


def _design(lam: np.ndarray) -> np.ndarray:
    """dSigma/d(lambda_1..p, theta_1..p), shape (G, 2p, p, p)."""
    G, p = lam.shape
    D = np.zeros((G, 2 * p, p, p))
    for j in range(p):
        D[:, j, j, :] += lam
        D[:, j, :, j] += lam
        D[:, p + j, j, j] = 1.0
    return D


def fit_one_factor(means: np.ndarray, covs: np.ndarray, n: np.ndarray, maxiter: int = 200,
                   tol: float = 1e-10) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """ML one-factor model (factor variance 1, mean 0) in every group at once, by Fisher scoring.

    Parameters
    ----------
    means, covs : arrays (G, p) and (G, p, p)
        Sample means and covariances with divisor n (lavaan's ``likelihood = "normal"``).
    n : array (G,)
        Group sizes.
    maxiter, tol :
        Iteration limit and convergence criterion (max absolute step).

    Returns
    -------
    lam, nu, theta : arrays (G, p)
        Loadings (sign: positive sum), intercepts (= sample means) and residual variances.
    vcov : array (G, 2p, 2p)
        Covariance of (loadings, intercepts) per group from the expected information.
    converged : array (G,) of bool

    Examples
    --------
    >>> S = np.array([[[1.0, .48, .42], [.48, 1.0, .56], [.42, .56, 1.0]]])
    >>> lam, nu, th, V, ok = fit_one_factor(np.zeros((1, 3)), S, np.array([500]))
    >>> np.round(lam, 3).tolist(), bool(ok[0])
    ([[0.6, 0.8, 0.7]], True)
    """
    G, p = means.shape
    ev, evec = np.linalg.eigh(covs)
    lam = evec[:, :, -1] * np.sqrt(np.clip(ev[:, -1:] - np.mean(ev[:, :-1], axis=1, keepdims=True), 1e-4, None))
    theta = np.clip(np.diagonal(covs, axis1=1, axis2=2) - lam**2, 0.05 * np.diagonal(covs, axis1=1, axis2=2), None)
    x = np.concatenate([lam, theta], axis=1)
    ok = np.zeros(G, bool)
    idx = np.arange(p)
    for _ in range(maxiter):
        lam, theta = x[:, :p], x[:, p:]
        Sig = lam[:, :, None] * lam[:, None, :]
        Sig[:, idx, idx] += theta
        P = np.linalg.inv(Sig)
        M = P - P @ covs @ P
        D = _design(lam)
        A = P[:, None] @ D
        info = 0.5 * np.einsum("gaij,gbji->gab", A, A)
        score = -0.5 * np.einsum("gij,gaji->ga", M, D)
        step = np.linalg.solve(info, score[:, :, None])[:, :, 0]
        x = x + step
        ok = np.abs(step).max(axis=1) < tol
        if ok.all():
            break
    lam, theta = x[:, :p], x[:, p:]
    sign = np.where(lam.sum(axis=1) < 0, -1.0, 1.0)[:, None]
    lam = lam * sign
    Sig = lam[:, :, None] * lam[:, None, :]
    Sig[:, idx, idx] += theta
    P = np.linalg.inv(Sig)
    A = P[:, None] @ _design(lam)
    info = 0.5 * np.einsum("gaij,gbji->gab", A, A)
    V = np.zeros((G, 2 * p, 2 * p))
    V[:, :p, :p] = np.linalg.inv(info)[:, :p, :p] / n[:, None, None]
    V[:, p:, p:] = Sig / n[:, None, None]
    return lam, means.copy(), theta, V, ok


@dataclass(frozen=True)
class MonteCarloResult:
    """The Monte Carlo check: per-replication figures (``reps``: rep, ok, corr_mean, corr_sd) and per-group
    figures (``groups``: group, then for the means ``true_mean mean_est bias_mean rmse_mean coverage_mean
    empirical_se_mean`` (SD of the estimates over replications: a parametric bootstrap SE) ``avg_se_mean`` (mean
    delta-method SE), and the same for the SDs)."""

    reps_total: int
    reps_ok: int
    level: float
    reps: pd.DataFrame = field(repr=False)
    groups: pd.DataFrame = field(repr=False)

    def summary_table(self) -> pd.DataFrame:
        """Rows ``mean``, ``sd``: average correlation of true and estimated values over groups, average |bias|,
        average RMSE, average coverage (the fixed reference parameters excluded)."""
        g = self.groups
        rows = {}
        for k in ("mean", "sd"):
            free = g[g[f"rmse_{k}"] > 0]
            rows[k] = {"corr": float(self.reps.loc[self.reps["ok"], f"corr_{k}"].mean()),
                       "abs_bias": float(free[f"bias_{k}"].abs().mean()),
                       "rmse": float(free[f"rmse_{k}"].mean()),
                       "coverage": float(free[f"coverage_{k}"].mean())}
        return pd.DataFrame(rows).T

    def summary(self) -> str:
        """Text: replications used, correlations, bias, RMSE, coverage."""
        t = self.summary_table()
        lines = [f"Monte Carlo check: {self.reps_ok} of {self.reps_total} replications aligned "
                 f"({self.reps_total - self.reps_ok} without a usable optimum)",
                 f"  {'':5} {'corr':>7} {'|bias|':>8} {'rmse':>8} {'cover':>7}"]
        for k, r in t.iterrows():
            lines.append(f"  {k:5} {r['corr']:7.4f} {r['abs_bias']:8.4f} {r['rmse']:8.4f} {r['coverage']:7.3f}")
        lines.append(f"  (coverage of {self.level:.0%} delta-method intervals; A&M: trust the ranking when the "
                     "correlation of means is above .98)")
        return "\n".join(lines)


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    if np.std(a) == 0 or np.std(b) == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def monte_carlo(result: AlignmentResult, residual_variances: np.ndarray, n: np.ndarray | None = None,
                reps: int = 200, seed: int = 1, level: float = 0.95) -> MonteCarloResult:
    """Simulate from an alignment solution, refit the configural model, re-align, compare with the truth.

    Parameters
    ----------
    result : AlignmentResult
        The solution to check (its settings are reused: identification, reference, loss, optimizer).
    residual_variances : array (G, I)
        Configural residual variances of the items.
    n : array (G,), optional
        Group sizes to simulate (default: the result's ``n``).
    reps, seed, level :
        Replications, random seed, interval level for coverage.

    Returns
    -------
    MonteCarloResult

    Examples
    --------
    >>> monte_carlo.__name__
    'monte_carlo'
    """
    G, I = result.lambda_config.shape
    nn = np.asarray(n if n is not None else result.n, float)
    if nn is None or nn.shape != (G,):
        raise EstimationError("monte_carlo needs the group sizes (n)")
    th = np.asarray(residual_variances, float)
    if th.shape != (G, I) or np.any(th <= 0):
        raise EstimationError(f"residual variances must be a positive ({G}, {I}) array")
    if np.isnan(result.lambda_config).any():
        raise EstimationError("monte_carlo needs every item in every group")
    lam, nu = result.lambda_config, result.nu_config
    Sig = lam[:, :, None] * lam[:, None, :] + th[:, :, None] * np.eye(I)
    chol = np.linalg.cholesky(Sig)
    rng = np.random.default_rng(seed)
    z = stats.norm.ppf(0.5 + level / 2)
    ni = nn.astype(int)
    est = np.full((reps, 2, G), np.nan)
    se = np.full((reps, 2, G), np.nan)
    kw = dict(fixed=result.fixed, reference=result.reference, align_scale=result.align_scale,
              align_pow=result.align_pow, eps=result.eps, optimizer=result.optimizer)
    with threadpool_limits(1):
        for r in range(reps):
            means = np.empty((G, I))
            covs = np.empty((G, I, I))
            for g in range(G):
                y = nu[g] + rng.standard_normal((ni[g], I)) @ chol[g].T
                means[g] = y.mean(axis=0)
                d = y - means[g]
                covs[g] = d.T @ d / ni[g]
            lh, vh, _, V, _ = fit_one_factor(means, covs, nn)
            try:
                a = align(lh, vh, nn, wgt=None, vcov=V, **kw)  # type: ignore[arg-type]
            except AlignmentDriftError:
                continue
            est[r] = a.mean, a.sd
            se[r] = a.se_mean, a.se_sd
    truth = np.stack([result.mean, result.sd])
    ok = np.isfinite(est[:, 0, 0])
    if ok.sum() < 2:
        raise AlignmentDriftError(f"Monte Carlo check: {int((~ok).sum())} of {reps} replications have no usable "
                                  "alignment optimum (the solution is not reproducible; try FREE)")
    reps_df = pd.DataFrame({"rep": np.arange(1, reps + 1), "ok": ok,
                            "corr_mean": [_corr(truth[0], e[0]) if o else np.nan for e, o in zip(est, ok, strict=True)],
                            "corr_sd": [_corr(truth[1], e[1]) if o else np.nan for e, o in zip(est, ok, strict=True)]})
    cols: dict[str, object] = {"group": list(result.groups)}
    for k, name in ((0, "mean"), (1, "sd")):
        e, s = est[ok, k], se[ok, k]
        cols[f"true_{name}"] = truth[k]
        cols[f"{name}_est"] = e.mean(axis=0)
        cols[f"bias_{name}"] = e.mean(axis=0) - truth[k]
        cols[f"rmse_{name}"] = np.sqrt(((e - truth[k]) ** 2).mean(axis=0))
        cols[f"coverage_{name}"] = (np.abs(e - truth[k]) <= z * s + 1e-12).mean(axis=0)
        cols[f"empirical_se_{name}"] = e.std(axis=0, ddof=1)
        cols[f"avg_se_{name}"] = s.mean(axis=0)
    return MonteCarloResult(reps_total=reps, reps_ok=int(ok.sum()), level=level, reps=reps_df,
                            groups=pd.DataFrame(cols))
