"""How many factors to retain: parallel analysis (as psych ``fa.parallel``) and Velicer's MAP (as psych ``VSS``).

Parallel analysis compares the eigenvalues of the observed correlation matrix, with one-factor minres
communalities on its diagonal (psych's "principal factor" eigenvalues), to those of correlation matrices of random
normal data of the same size (``n_iter`` replications, seeded): the suggested number of factors is the number of
leading observed eigenvalues above the 95th percentile of the simulated ones (psych ``fa.parallel(fa="fa")``,
``quant=.95``). Component eigenvalues (``fa="pc"``) and the resampled-data means (each column bootstrapped on its
own) are reported too. Random numbers differ from R's, so simulated values differ from psych's in the third
decimal; the observed values match exactly.

Velicer's minimum average partial: after removing the first m principal components, the average squared partial
correlation; the suggestion is the m with the smallest value (psych ``VSS(...)$map``, m = 1 … 8 by default).

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(3)
>>> f = rng.standard_normal((500, 2))
>>> x = np.hstack([f[:, [0]] + rng.standard_normal((500, 3)), f[:, [1]] + rng.standard_normal((500, 3))])
>>> r = np.corrcoef(x.T)
>>> parallel_analysis(r, n_obs=500, n_iter=10, seed=1).n_factors
2
>>> int(velicer_map(r).idxmin())
2
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize

__all__ = ["ParallelResult", "parallel_analysis", "velicer_map", "factor_eigenvalues", "smc"]


def smc(r: np.ndarray) -> np.ndarray:
    """Squared multiple correlations 1 - 1/diag(R⁻¹) (pseudo-inverse, clipped to [0, 1]) as psych ``smc``.

    Parameters
    ----------
    r : ndarray
        Correlation matrix.

    Returns
    -------
    ndarray
        One squared multiple correlation per variable.

    Examples
    --------
    >>> smc(np.array([[1.0, 0.5], [0.5, 1.0]])).round(2).tolist()
    [0.25, 0.25]
    """
    inv = np.linalg.pinv(r)
    out = 1.0 - 1.0 / np.diag(inv)
    return np.clip(out, 0.0, 1.0)


def _minres_1f(r: np.ndarray) -> np.ndarray:
    """One-factor minres loadings (psych ``fa(r, 1, fm="minres")``: L-BFGS-B from SMC start)."""
    p = r.shape[0]
    start = np.diag(r) - smc(r)
    low = np.tril_indices(p, -1)

    def fn(psi: np.ndarray) -> tuple[float, np.ndarray]:
        s = r.copy()
        s[np.diag_indices(p)] = 1.0 - psi
        vals, vecs = np.linalg.eigh(s)
        lam, v = max(vals[-1], 100 * np.finfo(float).eps), vecs[:, -1]
        load = v * np.sqrt(lam)
        resid = s - np.outer(load, load)
        f = float((resid[low] ** 2).sum())
        # psych FAgr.minres: diag(L L' + Psi - S) with L from eigen(S - diag(Psi))
        sstar = r - np.diag(psi)
        vals2, vecs2 = np.linalg.eigh(sstar)
        l2 = vecs2[:, -1] * np.sqrt(max(vals2[-1], 0.0))
        g = l2 * l2 + psi - np.diag(r)
        return f, g

    res = minimize(fn, start, jac=True, method="L-BFGS-B", bounds=[(0.005, 1.0)] * p,
                   options={"ftol": 1e-14, "gtol": 1e-10, "maxiter": 1000})
    s = r.copy()
    s[np.diag_indices(p)] = 1.0 - res.x
    vals, vecs = np.linalg.eigh(s)
    return vecs[:, -1] * np.sqrt(max(vals[-1], 0.0))


def factor_eigenvalues(r: np.ndarray) -> np.ndarray:
    """Eigenvalues (descending) of R with one-factor minres communalities on the diagonal (psych's fa values).

    Parameters
    ----------
    r : ndarray
        Correlation matrix.

    Returns
    -------
    ndarray
        The eigenvalues, largest first.

    Examples
    --------
    >>> factor_eigenvalues(np.eye(3)).shape
    (3,)
    """
    load = _minres_1f(r)
    s = r.copy()
    s[np.diag_indices(r.shape[0])] = load * load
    return np.sort(np.linalg.eigvalsh(s))[::-1]


@dataclass(frozen=True)
class ParallelResult:
    """Parallel analysis.

    Attributes
    ----------
    n_factors : int
        Suggested number of factors (observed factor eigenvalues above the simulated 95th percentile).
    n_components : int
        Same for principal components.
    table : DataFrame
        ``component, observed, factor_observed, parallel, parallel_mean, component_parallel, resampled_mean``:
        observed eigenvalues of R; observed factor eigenvalues; the simulated 95th percentile and mean of factor
        eigenvalues; the simulated 95th percentile of component eigenvalues; the mean factor eigenvalues of
        resampled data (NaN without raw data).
    n_iter, seed, n_obs : int
    """

    n_factors: int
    n_components: int
    table: pd.DataFrame
    n_iter: int
    seed: int
    n_obs: int

    def summary(self) -> str:
        """One line."""
        return (f"Parallel analysis ({self.n_iter} simulated data sets, n = {self.n_obs}, seed {self.seed}): "
                f"{self.n_factors} factors, {self.n_components} components")


def _leading_above(observed: np.ndarray, threshold: np.ndarray) -> int:
    above = observed > threshold
    return int(len(above) if above.all() else np.argmin(above))


def _pairwise_corr(x: np.ndarray) -> np.ndarray:
    if not np.isnan(x).any():
        return np.corrcoef(x, rowvar=False)
    return pd.DataFrame(x).corr().to_numpy()


def parallel_analysis(
    r: np.ndarray,
    n_obs: int,
    data: np.ndarray | None = None,
    n_iter: int = 20,
    seed: int = 1,
    quantile: float = 0.95,
    progress: bool = False,
) -> ParallelResult:
    """Parallel analysis as psych ``fa.parallel(x, fa="fa")`` (simulated normal data; resampling if ``data``).

    Parameters
    ----------
    r : ndarray
        The observed correlation matrix (p × p).
    n_obs : int
        Rows of each simulated data set (psych: the number of rows of the data).
    data : ndarray, optional
        Raw data (n × p, NaN = missing) for the resampled comparison (pairwise correlations).
    n_iter : int
        Number of simulated (and resampled) data sets.
    seed : int
        Seed of numpy's PCG64 generator.
    quantile : float
        Percentile of the simulated eigenvalues the observed ones must exceed.
    progress : bool
        Show a progress bar on stderr.

    Returns
    -------
    ParallelResult

    Examples
    --------
    >>> res = parallel_analysis(np.eye(4), n_obs=200, n_iter=5)
    >>> res.n_factors, res.table.columns[0]
    (0, 'component')
    """
    from threadpoolctl import threadpool_limits

    p = r.shape[0]
    rng = np.random.default_rng(seed)
    sim_fa = np.empty((n_iter, p))
    sim_pc = np.empty((n_iter, p))
    res_fa = np.full((n_iter, p), np.nan)
    bar = None
    if progress:
        from rich.console import Console
        from rich.progress import Progress

        bar = Progress(console=Console(stderr=True), transient=True)
        task = bar.add_task("parallel analysis", total=n_iter)
        bar.start()
    try:
        with threadpool_limits(1):
            observed = np.sort(np.linalg.eigvalsh(r))[::-1]
            fa_obs = factor_eigenvalues(r)
            for it in range(n_iter):
                z = rng.standard_normal((n_obs, p))
                c = np.asarray(np.corrcoef(z, rowvar=False))
                sim_pc[it] = np.sort(np.linalg.eigvalsh(c))[::-1]
                sim_fa[it] = factor_eigenvalues(c)
                if data is not None:
                    idx = rng.integers(0, data.shape[0], size=data.shape)
                    boot = np.take_along_axis(data, idx, axis=0)
                    cb = _pairwise_corr(boot)
                    if not np.isnan(cb).any():
                        res_fa[it] = factor_eigenvalues(cb)
                if bar is not None:
                    bar.update(task, advance=1)
    finally:
        if bar is not None:
            bar.stop()
    q_fa = np.quantile(sim_fa, quantile, axis=0)
    q_pc = np.quantile(sim_pc, quantile, axis=0)
    table = pd.DataFrame({
        "component": np.arange(1, p + 1),
        "observed": observed,
        "factor_observed": fa_obs,
        "parallel": q_fa,
        "parallel_mean": sim_fa.mean(0),
        "component_parallel": q_pc,
        "resampled_mean": np.nanmean(res_fa, 0) if data is not None and not np.isnan(res_fa).all()
        else np.full(p, np.nan),
    })
    return ParallelResult(
        n_factors=_leading_above(fa_obs, q_fa),
        n_components=_leading_above(observed, q_pc),
        table=table,
        n_iter=n_iter,
        seed=seed,
        n_obs=int(n_obs),
    )


def velicer_map(r: np.ndarray, max_factors: int = 8) -> pd.Series:
    """Velicer's MAP: average squared partial correlation after removing m = 1 … components (psych ``VSS``).

    Parameters
    ----------
    r : ndarray
        Correlation matrix.
    max_factors : int
        Largest m (capped at p − 1).

    Returns
    -------
    Series
        Indexed by m; the suggested number of factors is ``idxmin()``.

    Examples
    --------
    >>> velicer_map(np.eye(3) * 0.5 + 0.5, max_factors=2).index.tolist()
    [1, 2]
    """
    p = r.shape[0]
    vals, vecs = np.linalg.eigh(r)
    order = np.argsort(vals)[::-1]
    vals, vecs = np.clip(vals[order], 0.0, None), vecs[:, order]
    comp = vecs * np.sqrt(vals)
    out = {}
    for m in range(1, min(max_factors, p - 1) + 1):
        c = r - comp[:, :m] @ comp[:, :m].T
        d = 1.0 / np.sqrt(np.diag(c))
        rs = c * np.outer(d, d)
        np.fill_diagonal(rs, 0.0)
        out[m] = float((rs * rs).sum() / (p * (p - 1)))
    return pd.Series(out, name="map")
