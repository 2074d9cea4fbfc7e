"""Normal-theory ML (lavaan ``likelihood="normal"``) on sufficient statistics, complete data or FIML by
missing-data pattern: objective, analytic gradient, expected information, Fisher-scoring optimiser,
numerical observed information and casewise scores.

Units follow lavaan: ``fmin = Σ_g (N_g/N) F_g / 2`` (so χ² = 2·N·fmin for complete data) and information
matrices are per observation (divide the inverse by N for the covariance of the estimates).

Examples
--------
>>> import numpy as np
>>> from analysis.sem.syntax import parse_model
>>> from analysis.sem.partable import build_partable
>>> from analysis.sem.matrices import Representation
>>> from analysis.sem.samplestats import GroupData
>>> rng = np.random.default_rng(1)
>>> f = rng.normal(size=(500, 1)); y = f @ [[1.0, 0.8, 0.6]] + rng.normal(size=(500, 3))
>>> rep = Representation(build_partable(parse_model("f =~ y1 + y2 + y3")))
>>> est = MLEstimator(rep, [GroupData.from_array(y, "all")])
>>> x, ok, it, msg = est.optimize(est.start_values())
>>> ok, bool(np.max(np.abs(est.gradient(x))) < 1e-8)
(True, True)
"""

from __future__ import annotations

import numpy as np

from .fiml_sums import KRON_MAX_P, fiml_observed_information, hessian_from_sums, pattern_sums
from .matrices import Representation
from .samplestats import GroupData

__all__ = ["MLEstimator"]

_LOG2PI = float(np.log(2 * np.pi))

#: Newton steps (analytic observed information) once the largest gradient element is below this
NEWTON_BELOW = 1e-4


def _inv_pd(S: np.ndarray) -> tuple[np.ndarray, float] | None:
    try:
        c = np.linalg.cholesky(S)
    except np.linalg.LinAlgError:
        return None
    ci = np.linalg.inv(c)
    return ci.T @ ci, 2.0 * float(np.sum(np.log(np.diag(c))))


class MLEstimator:
    """ML fit function for a :class:`Representation` and per-group :class:`GroupData`."""

    def __init__(self, rep: Representation, data: list[GroupData]) -> None:
        self.rep = rep
        self.data = data
        self.ntotal = sum(d.n for d in data)
        self.w = np.array([d.n / self.ntotal for d in data])
        p = rep.p
        self.mvech = np.where(rep.va == rep.vb, 0.5, 1.0)
        pos = np.zeros((p, p), dtype=int)
        pos[rep.va, rep.vb] = np.arange(len(rep.va))
        pos[rep.vb, rep.va] = np.arange(len(rep.va))
        self.vpos = pos
        self._logdetS = []
        for d in data:
            sign, ld = np.linalg.slogdet(d.S)
            self._logdetS.append(ld if sign > 0 else np.nan)

    # ------------------------------------------------------------- per-group pieces
    def _mu_used(self, g: int, mu: np.ndarray | None) -> np.ndarray:
        return self.data[g].mean if mu is None else mu

    def group_fmin(self, g: int, sigma: np.ndarray, mu: np.ndarray | None) -> float:
        """``F_g / 2`` (complete data, 0 at the saturated fit) or ``-logl_g/N_g`` up to a constant (FIML)."""
        d = self.data[g]
        if not d.fiml:
            r = _inv_pd(sigma)
            if r is None:
                return np.inf
            V, logdet = r
            val = logdet + np.sum(V * d.S) - self._logdetS[g] - self.rep.p
            if mu is not None:
                dm = d.mean - mu
                val += dm @ V @ dm
            return 0.5 * val
        tot = 0.0
        for pt in d.patterns:
            o = pt.obs
            r = _inv_pd(sigma[np.ix_(o, o)])
            if r is None:
                return np.inf
            V, logdet = r
            dm = pt.mean - mu[o]
            tot += pt.n * (logdet + np.sum(V * pt.S) + dm @ V @ dm)
        return 0.5 * tot / d.n

    def group_logl(self, g: int, sigma: np.ndarray, mu: np.ndarray | None) -> float:
        """Log-likelihood of group ``g`` at (Σ, μ)."""
        d = self.data[g]
        f = self.group_fmin(g, sigma, mu)
        if not d.fiml:
            return float(-d.n * f - d.n / 2 * (self.rep.p * _LOG2PI + self._logdetS[g] + self.rep.p))
        const = sum(pt.n * len(pt.obs) for pt in d.patterns) * _LOG2PI / 2
        return float(-d.n * f - const)

    def moment_gradient(self, g: int, sigma: np.ndarray, mu: np.ndarray | None) -> np.ndarray:
        """∂ fmin_g / ∂(vech Σ, μ)."""
        d = self.data[g]
        rep = self.rep
        p = rep.p
        if not d.fiml:
            V = _inv_pd(sigma)[0]
            dm = np.zeros(p) if mu is None else d.mean - mu
            G = V - V @ (d.S + np.outer(dm, dm)) @ V
            gmu = -V @ dm
        else:
            G = np.zeros((p, p))
            gmu = np.zeros(p)
            for pt in d.patterns:
                o = pt.obs
                V = _inv_pd(sigma[np.ix_(o, o)])[0]
                dm = pt.mean - mu[o]
                G[np.ix_(o, o)] += pt.n / d.n * (V - V @ (pt.S + np.outer(dm, dm)) @ V)
                gmu[o] -= pt.n / d.n * (V @ dm)
        gv = G[rep.va, rep.vb] * self.mvech
        return np.concatenate([gv, gmu]) if rep.meanstructure else gv

    def _w_block(self, V: np.ndarray, a: np.ndarray, b: np.ndarray, m: np.ndarray) -> np.ndarray:
        W = V[np.ix_(a, a)] * V[np.ix_(b, b)] + V[np.ix_(a, b)] * V[np.ix_(b, a)]
        return W * m[:, None] * m[None, :]

    @staticmethod
    def _t_block(X: np.ndarray, Y: np.ndarray, I: np.ndarray, J: np.ndarray, m: np.ndarray) -> np.ndarray:
        """T[(ij),(kl)] = tr(E_ij X E_kl Y) for symmetric X, Y over vech pairs (i ≤ j), weights m (½ on diagonal)."""
        T = (X[np.ix_(J, I)] * Y[np.ix_(J, I)].T + X[np.ix_(J, J)] * Y[np.ix_(I, I)].T
             + X[np.ix_(I, I)] * Y[np.ix_(J, J)].T + X[np.ix_(I, J)] * Y[np.ix_(I, J)].T)
        return T * m[:, None] * m[None, :]

    def moment_hessian(self, g: int, sigma: np.ndarray, mu: np.ndarray | None) -> np.ndarray:
        """Observed Hessian of fmin_g with respect to (vech Σ, μ), analytic, summed over the missing-data
        patterns under FIML."""
        rep = self.rep
        d = self.data[g]
        nv = len(rep.va)
        p = rep.p
        if d.fiml and p <= KRON_MAX_P:
            return hessian_from_sums(rep, pattern_sums(d, rep.p, sigma, mu, hessian=True))
        H = np.zeros((rep.nmom, rep.nmom))
        pats = d.patterns if d.fiml else [None]
        for pt in pats:
            if pt is None:
                o, n, mean, S = np.arange(rep.p), d.n, d.mean, d.S
            else:
                o, n, mean, S = pt.obs, pt.n, pt.mean, pt.S
            V = _inv_pd(sigma[np.ix_(o, o)])[0]
            dm = mean - mu[o] if mu is not None else np.zeros(len(o))
            W = V @ (S + np.outer(dm, dm)) @ V
            sa, sb = np.triu_indices(len(o))
            m = np.where(sa == sb, 0.5, 1.0)
            TVW = self._t_block(V, W, sa, sb, m)
            Hs = 0.5 * n / d.n * (TVW + TVW.T - self._t_block(V, V, sa, sb, m))
            full = self.vpos[o[sa], o[sb]]
            H[np.ix_(full, full)] += Hs
            if rep.meanstructure:
                z = V @ dm
                Hm = n / d.n * (V[:, sa] * z[sb][None, :] + V[:, sb] * z[sa][None, :]) * m[None, :]
                H[np.ix_(nv + o, full)] += Hm
                H[np.ix_(full, nv + o)] += Hm.T
                H[np.ix_(nv + o, nv + o)] += n / d.n * V
        return H

    def moment_information_complete(self, S: np.ndarray, mean: np.ndarray | None) -> np.ndarray:
        """Complete-data expected information of (vech Σ, μ) at Σ = S (ignores the group's missing data)."""
        rep = self.rep
        nv = len(rep.va)
        V = _inv_pd(S)[0]
        W = np.zeros((rep.nmom, rep.nmom))
        W[:nv, :nv] = self._w_block(V, rep.va, rep.vb, self.mvech)
        if rep.meanstructure:
            W[nv:, nv:] = V
        return W

    def moment_information(self, g: int, sigma: np.ndarray, mu: np.ndarray | None) -> np.ndarray:
        """Expected information of (vech Σ, μ) per observation (pattern-weighted for FIML)."""
        d = self.data[g]
        rep = self.rep
        nv = len(rep.va)
        if not d.fiml:
            V = _inv_pd(sigma)[0]
            W = np.zeros((rep.nmom, rep.nmom))
            W[:nv, :nv] = self._w_block(V, rep.va, rep.vb, self.mvech)
            if rep.meanstructure:
                W[nv:, nv:] = V
            return W
        W = np.zeros((rep.nmom, rep.nmom))
        if rep.p <= KRON_MAX_P:
            ps = pattern_sums(d, rep.p, sigma, mu, hessian=False)
            K, p, I, J = ps["KVV"], rep.p, rep.va[:, None], rep.vb[:, None]
            W[:nv, :nv] = (K[I * p + I.T, J * p + J.T] + K[I * p + J.T, J * p + I.T]) * np.outer(self.mvech, self.mvech)
            if rep.meanstructure:
                W[nv:, nv:] = ps["V"]
            return W
        for pt in d.patterns:
            o = pt.obs
            V = _inv_pd(sigma[np.ix_(o, o)])[0]
            sa, sb = np.triu_indices(len(o))
            full = self.vpos[o[sa], o[sb]]
            m = np.where(sa == sb, 0.5, 1.0)
            W[np.ix_(full, full)] += pt.n / d.n * self._w_block(V, sa, sb, m)
            if rep.meanstructure:
                W[np.ix_(nv + o, nv + o)] += pt.n / d.n * V
        return W

    # ------------------------------------------------------------- totals in x space
    def objective(self, x: np.ndarray) -> float:
        """``fmin`` at free-parameter vector ``x``."""
        tot = 0.0
        for g, (sig, mu) in enumerate(self.rep.implied(x)):
            f = self.group_fmin(g, sig, mu)
            if not np.isfinite(f):
                return np.inf
            tot += self.w[g] * f
        return float(tot)

    def gradient(self, x: np.ndarray) -> np.ndarray:
        """Analytic gradient of ``fmin`` with respect to ``x``."""
        out = np.zeros(self.rep.nx)
        for g in range(self.rep.ngroups):
            sig, mu, D = self.rep.delta(x, g)
            gm = self.moment_gradient(g, sig, mu)
            if self.rep.groups[g].distinct:
                out[self.rep.groups[g].xidx] += self.w[g] * (D.T @ gm)
            else:
                np.add.at(out, self.rep.groups[g].xidx, self.w[g] * (D.T @ gm))
        return out

    def _fiml_info(self, g: int, sigma: np.ndarray, mu: np.ndarray, D: np.ndarray) -> np.ndarray:
        """Σ_patterns (n_p/N_g) [½ tr(V dΣ_k V dΣ_l) + dμ_kᵀ V dμ_l] without forming the moment-space W."""
        rep = self.rep
        if rep.p <= KRON_MAX_P:
            return D.T @ self.moment_information(g, sigma, mu) @ D
        d = self.data[g]
        nv = len(rep.va)
        q = D.shape[1]
        dS = np.zeros((q, rep.p, rep.p))
        dS[:, rep.va, rep.vb] = D[:nv].T
        dS[:, rep.vb, rep.va] = D[:nv].T
        out = np.zeros((q, q))
        for pt in d.patterns:
            o = pt.obs
            V = _inv_pd(sigma[np.ix_(o, o)])[0]
            A = (V @ dS[:, o][:, :, o]).reshape(q, -1)  # rows: vec(V dΣ_k)
            At = (dS[:, o][:, :, o] @ V).reshape(q, -1)  # vec((dΣ_k V)) = vec((V dΣ_k)ᵀ)
            info = 0.5 * (A @ At.T)
            if rep.meanstructure:
                Dm = D[nv + o]
                info += Dm.T @ V @ Dm
            out += pt.n / d.n * info
        return out

    def unco_blocks(self, x: np.ndarray, kind: str = "expected") -> list[np.ndarray]:
        """Per group the information of its own free rows (``unco`` order), weighted by N_g/N."""
        out = []
        for g in range(self.rep.ngroups):
            sig, mu, D = self.rep.delta(x, g)
            if self.data[g].fiml:
                out.append(self.w[g] * self._fiml_info(g, sig, mu, D))
            else:
                out.append(self.w[g] * self._complete_info(sig, D))
        return out

    def _complete_info(self, sigma: np.ndarray, D: np.ndarray) -> np.ndarray:
        """½ tr(V dΣ_k V dΣ_l) + dμ_kᵀ V dμ_l = Δᵀ W Δ without forming the moment-space W (p⁴ entries)."""
        rep = self.rep
        nv = len(rep.va)
        q = D.shape[1]
        dS = np.zeros((q, rep.p, rep.p))
        dS[:, rep.va, rep.vb] = D[:nv].T
        dS[:, rep.vb, rep.va] = D[:nv].T
        V = _inv_pd(sigma)[0]
        A3 = V @ dS
        A = A3.reshape(q, -1)
        At = np.swapaxes(A3, 1, 2).reshape(q, -1)  # dΣ_k V = (V dΣ_k)ᵀ
        info = 0.5 * (A @ At.T)
        if rep.meanstructure:
            Dm = D[nv:]
            info += Dm.T @ V @ Dm
        return info

    def expected_information(self, x: np.ndarray) -> np.ndarray:
        """Expected information (per observation) in ``x`` space."""
        I = np.zeros((self.rep.nx, self.rep.nx))
        for g, blk in enumerate(self.unco_blocks(x)):
            idx = self.rep.groups[g].xidx
            if self.rep.groups[g].distinct:
                I[np.ix_(idx, idx)] += blk
            else:
                np.add.at(I, (idx[:, None], idx[None, :]), blk)
        return I

    def observed_information(self, x: np.ndarray) -> np.ndarray:
        """Hessian of ``fmin``: central differences of the analytic gradient (complete data), or under FIML
        Δᵀ H_m Δ (analytic moment Hessian) + the curvature of the moments (differences of Δ(θ)ᵀ g_m)."""
        rep = self.rep
        from . import hessian

        if all(d.fiml for d in self.data) and hessian.supported(rep) and rep.p <= KRON_MAX_P:
            return fiml_observed_information(self, x)
        if any(d.fiml for d in self.data):
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
        return hessian.numeric_information(self, x)

    # ------------------------------------------------------------- optimiser
    def start_values(self) -> np.ndarray:
        """Simple start values: one-factor loadings per factor, half the variances as residuals."""
        rep = self.rep
        pt = rep.pt
        x = np.full(rep.nx, np.nan)
        for g in range(rep.ngroups):
            d = self.data[g]
            S = d.S
            sub = pt[(pt["group"] == g + 1) & (pt["free"] > 0)]
            lam = {}
            psi = {}
            for j, lv in enumerate(rep.latent):
                rows = pt[(pt["group"] == g + 1) & (pt["op"] == "=~") & (pt["lhs"] == lv)]
                idx = rows["row"].to_numpy(int)
                if len(idx) == 0:
                    continue
                sd = np.sqrt(np.diag(S)[idx])
                R = S[np.ix_(idx, idx)] / np.outer(sd, sd)
                vals, vecs = np.linalg.eigh(R)
                v = vecs[:, -1] * np.sqrt(max(vals[-1] - 1, 0.1) / max(len(idx) - 1, 1) * len(idx) / len(idx))
                if v.sum() < 0:
                    v = -v
                load = v * sd
                marker = rows.iloc[0]
                if marker["free"] == 0 and marker["ustart"] != 0:
                    scale = load[0] / marker["ustart"]
                    psi[j] = scale**2
                    load = load / scale
                else:
                    psi[j] = 1.0
                for r, val in zip(rows["row"], load, strict=True):
                    lam[(r, j)] = val
            for r in sub.itertuples():
                if not np.isnan(x[r.free - 1]):
                    continue
                if r.start is not None and not (isinstance(r.start, float) and np.isnan(r.start)):
                    v = float(r.start)
                elif r.mat == "lambda":
                    v = lam.get((r.row, r.col), 0.7)
                elif r.mat == "theta":
                    v = 0.5 * S[r.row, r.row] if r.row == r.col else 0.0
                elif r.mat == "psi":
                    v = psi.get(r.row, 0.05) if r.row == r.col else 0.0
                elif r.mat == "nu":
                    v = d.mean[r.row]
                else:
                    v = 0.0
                x[r.free - 1] = v
        return np.nan_to_num(x)

    def optimize(self, x0: np.ndarray, max_iter: int = 500,
                 tol: float = 1e-10) -> tuple[np.ndarray, bool, int, str]:
        """Fisher scoring with back-tracking; falls back to scipy's L-BFGS-B if scoring stalls."""
        x = x0.copy()
        f = self.objective(x)
        if not np.isfinite(f):
            # make the start admissible by inflating residual variances
            x = self._admissible(x)
            f = self.objective(x)
        it = 0
        lam = 0.0  # Levenberg-Marquardt damping, raised when the line search struggles
        from . import hessian
        from .blocks import blocks_of

        fiml = any(d.fiml for d in self.data)
        newton = hessian.supported(self.rep)
        fast_fiml = newton and all(d.fiml for d in self.data) and self.rep.p <= KRON_MAX_P
        I, t_prev = None, 0.0
        for it in range(1, max_iter + 1):  # noqa: B007
            g = self.gradient(x)
            if np.max(np.abs(g)) < tol:
                return x, True, it, "converged"
            # near the optimum: Newton steps with the analytic observed information (quadratic convergence);
            # elsewhere Fisher scoring. FIML information is costly: reuse it while full steps succeed.
            if newton and lam == 0.0 and np.max(np.abs(g)) < NEWTON_BELOW:
                I = (fiml_observed_information(self, x) if fast_fiml
                     else hessian.observed_information(self.rep, self, x))
            elif not fiml or I is None or t_prev < 1.0 or it % 4 == 0:
                I = self.expected_information(x)
            M = I.copy()
            di = np.arange(len(x))
            M[di, di] += lam * (np.diag(I) + 1e-12) + 1e-12
            try:
                step = -blocks_of(self.rep).solve(M, g)
            except np.linalg.LinAlgError:
                step = -g
            if not np.all(np.isfinite(step)) or g @ step >= 0:
                step = -g
            t = 1.0
            while t > 1e-10:
                xn = x + t * step
                fn = self.objective(xn)
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
                g = self.gradient(x)
                return x, bool(np.max(np.abs(g)) < 1e-6), it, "converged (no further progress)"
            x, f = xn, fn
        from scipy.optimize import minimize

        def fg(z: np.ndarray) -> tuple[float, np.ndarray]:
            val = self.objective(z)
            if not np.isfinite(val):
                return 1e10, np.zeros_like(z)
            return val, self.gradient(z)

        res = minimize(fg, x, jac=True, method="L-BFGS-B", options=dict(maxiter=5000, ftol=1e-15, gtol=1e-10))
        xr = res.x if np.isfinite(self.objective(res.x)) else x
        gr = self.gradient(xr) if np.isfinite(self.objective(xr)) else np.full(len(x), np.inf)
        ok = bool(np.max(np.abs(gr)) < 1e-6)
        return xr, ok, it + int(res.nit), "converged (L-BFGS-B)" if ok else f"did not converge: {res.message}"

    def _admissible(self, x: np.ndarray) -> np.ndarray:
        rep = self.rep
        pt = rep.pt
        x = x.copy()
        for _ in range(30):
            if np.isfinite(self.objective(x)):
                break
            for r in pt[(pt["free"] > 0) & (pt["mat"] == "theta") & (pt["row"] == pt["col"])].itertuples():
                x[r.free - 1] = abs(x[r.free - 1]) * 2 + 0.1
        return x

    # ------------------------------------------------------------- casewise
    def casewise_moment_scores(self, g: int, sigma: np.ndarray, mu: np.ndarray | None) -> np.ndarray:
        """Per-case ∂logl_i/∂(vech Σ, μ) (n_g × nmom)."""
        d = self.data[g]
        rep = self.rep
        nv = len(rep.va)
        out = np.zeros((d.n, rep.nmom))
        mu_u = self._mu_used(g, mu)
        if not d.fiml:
            V = _inv_pd(sigma)[0]
            Z = (d.Y - mu_u) @ V
            out[:, :nv] = (Z[:, rep.va] * Z[:, rep.vb] - V[rep.va, rep.vb]) * self.mvech
            if rep.meanstructure:
                out[:, nv:] = Z
            return out
        for pt in d.patterns:
            o, rows = pt.obs, pt.rows
            V = _inv_pd(sigma[np.ix_(o, o)])[0]
            Z = (d.Y[np.ix_(rows, o)] - mu_u[o]) @ V
            sa, sb = np.triu_indices(len(o))
            m = np.where(sa == sb, 0.5, 1.0)
            full = self.vpos[o[sa], o[sb]]
            out[np.ix_(rows, full)] = (Z[:, sa] * Z[:, sb] - V[sa, sb]) * m
            if rep.meanstructure:
                out[np.ix_(rows, nv + o)] = Z
        return out

    def casewise_param_scores(self, x: np.ndarray, g: int) -> np.ndarray:
        """Per-case ∂logl_i/∂θ for group ``g``'s free rows (``unco`` order); n_g × q.

        Complete data: computed per parameter type from Z = (Y − μ)Σ⁻¹ without the n×p* moment matrix
        (s_k = tr(G_i ∂Σ/∂θ_k) + z_iᵀ ∂μ/∂θ_k with G_i = ½(z_i z_iᵀ − Σ⁻¹)).
        """
        rep = self.rep
        d = self.data[g]
        if d.fiml:
            sig, mu, D = rep.delta(x, g)
            return self.casewise_moment_scores(g, sig, mu) @ D
        gm = rep.groups[g]
        pr = rep._parts(rep.matrices(x, g))
        sig = pr["sigma"]
        mu = pr["mu"] if rep.meanstructure else d.mean
        V = _inv_pd(sig)[0]
        Z = (d.Y - mu) @ V
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
