"""Linear algebra that uses the structure of multi-group information matrices.

A free parameter either belongs to one group (its own block) or is shared by several (equality constraints).
Ordered as [shared | group 1 | group 2 | …], the information matrix is an arrow: the group blocks are coupled only
through the shared parameters. Solves and inverses go through the Schur complement of the block-diagonal part:
Σ_g q_g³ + s³ work instead of (Σ_g q_g + s)³ — for 30 groups with no or few shared parameters two orders of
magnitude less.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> owner = np.array([-1, 0, 0, 1, 1, 1])          # parameter 0 shared, 1-2 in group 0, 3-5 in group 1
>>> B = Blocks(owner, 2)
>>> X = rng.normal(size=(6, 6)); M = X @ X.T + 6 * np.eye(6)
>>> M[np.ix_([1, 2], [3, 4, 5])] = 0; M[np.ix_([3, 4, 5], [1, 2])] = 0
>>> b = rng.normal(size=6)
>>> bool(np.allclose(B.solve(M, b), np.linalg.solve(M, b))), bool(np.allclose(B.inv(M), np.linalg.inv(M)))
(True, True)
"""

from __future__ import annotations

import numpy as np
from scipy import linalg

__all__ = ["Blocks", "blocks_of"]


class Blocks:
    """The arrow structure: ``owner[i]`` = the group (0-based) parameter *i* belongs to, or −1 when shared."""

    def __init__(self, owner: np.ndarray, ngroups: int) -> None:
        owner = np.asarray(owner, dtype=int)
        self.n = len(owner)
        self.shared = np.flatnonzero(owner < 0)
        self.own = [np.flatnonzero(owner == g) for g in range(ngroups)]
        self.useful = ngroups > 1 and len(self.shared) < 0.5 * self.n

    def _parts(self, M: np.ndarray, pd_only: bool = False):
        s = self.shared
        parts = []
        S = M[np.ix_(s, s)].copy()
        for idx in self.own:
            if not len(idx):
                parts.append(None)
                continue
            Dg = M[np.ix_(idx, idx)]
            try:
                fac = ("c", linalg.cho_factor(Dg, lower=True, check_finite=False))
            except linalg.LinAlgError:
                if pd_only:
                    raise
                fac = ("lu", linalg.lu_factor(Dg, check_finite=False))
            Asg = M[np.ix_(s, idx)]
            Y = self._apply(fac, Asg.T) if len(s) else np.zeros((len(idx), 0))
            if len(s):
                S -= Asg @ Y
            parts.append((idx, fac, Y))
        return S, parts

    @staticmethod
    def _apply(fac, rhs: np.ndarray) -> np.ndarray:
        kind, f = fac
        return linalg.cho_solve(f, rhs, check_finite=False) if kind == "c" else linalg.lu_solve(f, rhs,
                                                                                                  check_finite=False)

    def solve(self, M: np.ndarray, b: np.ndarray) -> np.ndarray:
        """``M⁻¹ b`` (raises ``numpy.linalg.LinAlgError`` when singular)."""
        if not self.useful:
            return np.linalg.solve(M, b)
        try:
            S, parts = self._parts(M)
            s = self.shared
            rhs = b[s].copy()
            ys = []
            for pr in parts:
                if pr is None:
                    ys.append(None)
                    continue
                idx, fac, _Y = pr
                y = self._apply(fac, b[idx])
                ys.append(y)
                if len(s):
                    rhs -= M[np.ix_(s, idx)] @ y
            out = np.empty_like(b, dtype=float)
            xs = np.linalg.solve(S, rhs) if len(s) else np.zeros(0)
            out[s] = xs
            for pr, y in zip(parts, ys, strict=True):
                if pr is not None:
                    idx, _fac, Y = pr
                    out[idx] = y - Y @ xs if len(s) else y
            return out
        except linalg.LinAlgError as exc:
            raise np.linalg.LinAlgError(str(exc)) from None

    def inv(self, M: np.ndarray) -> np.ndarray:
        """The full inverse ``M⁻¹`` (dense)."""
        if not self.useful:
            return np.linalg.inv(M)
        try:
            S, parts = self._parts(M)
        except linalg.LinAlgError as exc:
            raise np.linalg.LinAlgError(str(exc)) from None
        s = self.shared
        out = np.zeros_like(M, dtype=float)
        Si = np.linalg.inv(S) if len(s) else np.zeros((0, 0))
        out[np.ix_(s, s)] = Si
        live = [pr for pr in parts if pr is not None]
        for idx, fac, _Y in live:
            out[np.ix_(idx, idx)] = self._apply(fac, np.eye(len(idx)))
        if len(s):
            all_idx = np.concatenate([pr[0] for pr in live])
            Yall = np.vstack([pr[2] for pr in live])          # (n_b, s)
            YS = Yall @ Si
            out[np.ix_(s, all_idx)] = -YS.T
            out[np.ix_(all_idx, s)] = -YS
            out[np.ix_(all_idx, all_idx)] += YS @ Yall.T
        return out

    def is_pd(self, M: np.ndarray) -> bool:
        """Whether the symmetric ``M`` is positive definite (blocks and Schur complement)."""
        if not self.useful:
            try:
                np.linalg.cholesky(M)
                return True
            except np.linalg.LinAlgError:
                return False
        try:
            S, _ = self._parts(M, pd_only=True)
            if len(self.shared):
                np.linalg.cholesky(S)
            return True
        except (linalg.LinAlgError, np.linalg.LinAlgError):
            return False


def blocks_of(rep) -> Blocks:
    """The :class:`Blocks` of a representation's free parameters (cached on it)."""
    cached = getattr(rep, "_blocks", None)
    if cached is not None:
        return cached
    owner = np.full(rep.nx, -2)
    for g, gm in enumerate(rep.groups):
        for i in np.unique(gm.xidx):
            owner[i] = g if owner[i] == -2 else -1
    owner[owner == -2] = -1
    b = Blocks(owner, rep.ngroups)
    rep._blocks = b
    return b
