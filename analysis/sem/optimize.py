"""The optimiser: Fisher scoring with back-tracking and Levenberg-Marquardt damping, Newton steps with the
observed information near the optimum, and scipy's L-BFGS-B when scoring stalls. It works through the estimator
interface only (objective, gradient, expected and observed information).

Examples
--------
>>> import numpy as np
>>> from analysis.stats import group_stats
>>> from analysis.sem.syntax import parse_model
>>> from analysis.sem.partable import build_partable
>>> from analysis.sem.matrices import Representation
>>> from analysis.sem.estimators import MLEstimator
>>> from analysis.sem.start import start_values
>>> y = np.random.default_rng(1).normal(size=(400, 1)) @ [[1.0, 0.8, 0.6]]
>>> y = y + np.random.default_rng(2).normal(size=(400, 3))
>>> rep = Representation(build_partable(parse_model("f =~ a + b + c")))
>>> est = MLEstimator(rep, [group_stats(y)])
>>> x, ok, it, msg = optimize(est, start_values(rep, est.groups))
>>> ok, msg
(True, 'converged')
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize

from .blocks import blocks_of
from .estimators.base import Estimator
from .hessian import supported

__all__ = ["optimize", "NEWTON_BELOW"]

#: Newton steps (analytic observed information) once the largest gradient element is below this
NEWTON_BELOW = 1e-4


def _admissible(est: Estimator, x: np.ndarray) -> np.ndarray:
    """Inflate residual variances until the objective is finite."""
    pt = est.rep.pt
    x = x.copy()
    for _ in range(30):
        if np.isfinite(est.objective(x)):
            break
        for r in pt[(pt["free"] > 0) & (pt["mat"] == "theta") & (pt["row"] == pt["col"])].itertuples():
            x[r.free - 1] = abs(x[r.free - 1]) * 2 + 0.1
    return x


def _lbfgs(est: Estimator, x: np.ndarray, it: int) -> tuple[np.ndarray, bool, int, str]:
    def fg(z: np.ndarray) -> tuple[float, np.ndarray]:
        val = est.objective(z)
        if not np.isfinite(val):
            return 1e10, np.zeros_like(z)
        return val, est.gradient(z)

    res = minimize(fg, x, jac=True, method="L-BFGS-B", options=dict(maxiter=5000, ftol=1e-15, gtol=1e-10))
    xr = res.x if np.isfinite(est.objective(res.x)) else x
    gr = est.gradient(xr) if np.isfinite(est.objective(xr)) else np.full(len(x), np.inf)
    ok = bool(np.max(np.abs(gr)) < 1e-6)
    return xr, ok, it + int(res.nit), "converged (L-BFGS-B)" if ok else f"did not converge: {res.message}"


def optimize(est: Estimator, x0: np.ndarray, max_iter: int = 500, tol: float = 1e-10
             ) -> tuple[np.ndarray, bool, int, str]:
    """Minimise ``est.objective`` from ``x0``.

    Parameters
    ----------
    est : Estimator
        The bound estimator.
    x0 : ndarray
        Start values (made admissible when the objective is not finite there).
    max_iter, tol : int, float
        Scoring iterations and the gradient tolerance (largest element).

    Returns
    -------
    tuple
        ``(x, converged, iterations, message)``.
    """
    x = x0.copy()
    f = est.objective(x)
    if not np.isfinite(f):
        x = _admissible(est, x)
        f = est.objective(x)
    it = 0
    lam = 0.0  # Levenberg-Marquardt damping, raised when the line search struggles
    fiml = est.missing == "fiml"
    newton = supported(est.rep)
    blocks = blocks_of(est.rep)
    I, t_prev = None, 0.0
    for it in range(1, max_iter + 1):  # noqa: B007
        g = est.gradient(x)
        if np.max(np.abs(g)) < tol:
            return x, True, it, "converged"
        # near the optimum: Newton steps with the analytic observed information (quadratic convergence);
        # elsewhere Fisher scoring. FIML information is costly: reuse it while full steps succeed.
        if newton and lam == 0.0 and np.max(np.abs(g)) < NEWTON_BELOW:
            I = est.observed_information(x)
        elif not fiml or I is None or t_prev < 1.0 or it % 4 == 0:
            I = est.expected_information(x)
        M = I.copy()
        di = np.arange(len(x))
        M[di, di] += lam * (np.diag(I) + 1e-12) + 1e-12
        try:
            step = -blocks.solve(M, g)
        except np.linalg.LinAlgError:
            step = -g
        if not np.all(np.isfinite(step)) or g @ step >= 0:
            step = -g
        t = 1.0
        while t > 1e-10:
            xn = x + t * step
            fn = est.objective(xn)
            if np.isfinite(fn) and fn <= f + 1e-4 * t * (g @ step):
                break
            t *= 0.5
        else:
            break
        t_prev = t
        lam = max(lam / 10, 0.0) if t == 1.0 else (lam * 10 if lam > 0 else 1e-3) if t < 0.1 else lam
        if lam < 1e-8:
            lam = 0.0
        if abs(f - fn) < 1e-16 * max(1.0, abs(f)) and np.max(np.abs(xn - x)) < 1e-12:
            x, f = xn, fn
            g = est.gradient(x)
            return x, bool(np.max(np.abs(g)) < 1e-6), it, "converged (no further progress)"
        x, f = xn, fn
    return _lbfgs(est, x, it)
