"""LISREL-style matrices per group from the parameter table: Λ (p×m), Θ (p×p), Ψ (m×m), B (m×m), ν, α.

Σ = Λ (I−B)⁻¹ Ψ (I−B)⁻ᵀ Λᵀ + Θ and μ = ν + Λ (I−B)⁻¹ α. The mapping rows → cells is built once;
:meth:`Representation.delta` gives the Jacobian of the moments (vech Σ [, μ]) with respect to the
group's free (``unco``) parameters, used for gradients, information matrices and robust corrections.

Examples
--------
>>> from analysis.sem.syntax import parse_model
>>> from analysis.sem.partable import build_partable
>>> rep = Representation(build_partable(parse_model("f =~ x1 + x2 + x3")))
>>> x = np.array([0.8, 0.6, 0.5, 0.5, 0.5, 1.0])
>>> sig, mu = rep.implied(x)[0]
>>> round(float(sig[0, 1]), 3), mu is None
(0.8, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Representation", "vech_index"]


def vech_index(p: int) -> tuple[np.ndarray, np.ndarray]:
    """Row/column indices of the (a ≤ b) elements of a p×p symmetric matrix, in our fixed order.

    Examples
    --------
    >>> [tuple(map(int, t)) for t in zip(*vech_index(2))]
    [(0, 0), (0, 1), (1, 1)]
    """
    a, b = np.triu_indices(p)
    return a, b


@dataclass
class _GroupMap:
    mats: dict[str, np.ndarray]  # fixed template
    cells: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]  # (row, col, position in group's unco list)
    unco: np.ndarray  # 0-based unco indices of this group's free rows (ordered)
    xidx: np.ndarray  # 0-based free (x) index for each of those

    @property
    def distinct(self) -> bool:
        """No two of the group's free rows share a parameter (then blocks scatter by slicing)."""
        d = self.__dict__.get("_distinct")
        if d is None:
            d = len(np.unique(self.xidx)) == len(self.xidx)
            self.__dict__["_distinct"] = d
        return d


class Representation:
    """Matrix representation of a parameter table (built once, evaluated many times)."""

    def __init__(self, pt: pd.DataFrame) -> None:
        self.pt_attrs = dict(pt.attrs)
        pt = pt.copy(deep=False)
        pt.attrs = {}  # pandas deep-copies attrs on every operation on the table
        self.pt = pt
        self.observed = tuple(self.pt_attrs["observed"])
        self.latent = tuple(self.pt_attrs["latent"])
        self.meanstructure = bool(self.pt_attrs["meanstructure"])
        self.ngroups = int(self.pt_attrs["ngroups"])
        self.p, self.m = len(self.observed), len(self.latent)
        self.nx = int(pt["free"].max()) if (pt["free"] > 0).any() else 0
        self.nunco = int(pt["unco"].max()) if (pt["unco"] > 0).any() else 0
        self.has_beta = bool((pt["mat"] == "beta").any())
        self.va, self.vb = vech_index(self.p)
        self.nmom = len(self.va) + (self.p if self.meanstructure else 0)
        # unco -> x map (0-based)
        fr = pt[pt["unco"] > 0]
        self.unco_to_x = np.zeros(self.nunco, dtype=int)
        self.unco_to_x[fr["unco"].to_numpy() - 1] = fr["free"].to_numpy() - 1
        self.arrays = {k: pt[k].to_numpy() for k in ("group", "mat", "row", "col", "free")}
        self.arrays["ustart"] = pt["ustart"].to_numpy(dtype=float)
        self.groups: list[_GroupMap] = []
        p, m = self.p, self.m
        shapes = {"lambda": (p, m), "theta": (p, p), "psi": (m, m), "beta": (m, m), "nu": (p, 1), "alpha": (m, 1)}
        for g in range(1, self.ngroups + 1):
            sub = pt[pt["group"] == g]
            mats = {k: np.zeros(s) for k, s in shapes.items()}
            for r in sub.itertuples():
                if r.unco == 0:
                    mats[r.mat][r.row, r.col] = r.ustart
                    if r.mat in ("theta", "psi"):
                        mats[r.mat][r.col, r.row] = r.ustart
            fsub = sub[sub["unco"] > 0].sort_values("unco")
            cells = {}
            for k in shapes:
                s = fsub[fsub["mat"] == k]
                pos = np.searchsorted(fsub["unco"].to_numpy(), s["unco"].to_numpy())
                cells[k] = (s["row"].to_numpy(int), s["col"].to_numpy(int), pos)
            self.groups.append(_GroupMap(mats, cells, fsub["unco"].to_numpy(int) - 1,
                                         fsub["free"].to_numpy(int) - 1))

    # ------------------------------------------------------------------ evaluation
    def matrices(self, x: np.ndarray, g: int) -> dict[str, np.ndarray]:
        """The filled matrices of group ``g`` (0-based) at parameter vector ``x`` (free numbers).

        Examples
        --------
        >>> from analysis.sem.syntax import parse_model
        >>> from analysis.sem.partable import build_partable
        >>> rep = Representation(build_partable(parse_model("f =~ x1 + x2")))
        >>> rep.matrices(np.array([0.7, 1, 1, 2.0]), 0)["lambda"].ravel().tolist()
        [1.0, 0.7]
        """
        gm = self.groups[g]
        vals = x[gm.xidx]
        out = {}
        for k, tmpl in gm.mats.items():
            mat = tmpl.copy()
            r, c, pos = gm.cells[k]
            if len(r):
                mat[r, c] = vals[pos]
                if k in ("theta", "psi"):
                    mat[c, r] = vals[pos]
            out[k] = mat
        return out

    def _parts(self, mats: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        L, Psi = mats["lambda"], mats["psi"]
        if self.has_beta:
            IB = np.linalg.inv(np.eye(self.m) - mats["beta"])
        else:
            IB = np.eye(self.m)
        Ls = L @ IB
        M = IB @ Psi @ IB.T
        C = L @ M
        sigma = C @ L.T + mats["theta"]
        ea = IB @ mats["alpha"][:, 0]
        mu = mats["nu"][:, 0] + L @ ea
        return dict(IB=IB, Ls=Ls, M=M, C=C, sigma=(sigma + sigma.T) / 2, mu=mu, ea=ea)

    def implied(self, x: np.ndarray) -> list[tuple[np.ndarray, np.ndarray | None]]:
        """Model-implied (Σ, μ) per group (μ is None without mean structure)."""
        out = []
        for g in range(self.ngroups):
            pr = self._parts(self.matrices(x, g))
            out.append((pr["sigma"], pr["mu"] if self.meanstructure else None))
        return out

    def veta(self, x: np.ndarray, g: int) -> np.ndarray:
        """Implied covariance matrix of the latent variables in group ``g``."""
        return self._parts(self.matrices(x, g))["M"]

    def delta(self, x: np.ndarray, g: int) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
        """Σ, μ and Δ = ∂(vech Σ, μ)/∂θ for group ``g``'s free rows (columns in ``unco`` order)."""
        gm = self.groups[g]
        mats = self.matrices(x, g)
        pr = self._parts(mats)
        A, B = self.va, self.vb
        nv = len(A)
        q = len(gm.unco)
        D = np.zeros((self.nmom, q))
        Ls, C, ea = pr["Ls"], pr["C"], pr["ea"]
        # lambda(i, j)
        r, c, pos = gm.cells["lambda"]
        if len(r):
            D[:nv, pos] = (A[:, None] == r[None, :]) * C[B][:, c] + (B[:, None] == r[None, :]) * C[A][:, c]
            if self.meanstructure:
                D[nv + r, pos] = ea[c]
        r, c, pos = gm.cells["beta"]
        if len(r):
            D[:nv, pos] = Ls[A][:, r] * C[B][:, c] + Ls[B][:, r] * C[A][:, c]
            if self.meanstructure:
                D[nv:, pos] = Ls[:, r] * ea[c][None, :]
        r, c, pos = gm.cells["psi"]
        if len(r):
            diag = (r == c)[None, :]
            D[:nv, pos] = Ls[A][:, r] * Ls[B][:, c] + np.where(diag, 0.0, Ls[A][:, c] * Ls[B][:, r])
        r, c, pos = gm.cells["theta"]
        if len(r):
            lo, hi = np.minimum(r, c), np.maximum(r, c)
            D[:nv, pos] = ((A[:, None] == lo[None, :]) & (B[:, None] == hi[None, :])).astype(float)
        if self.meanstructure:
            r, c, pos = gm.cells["nu"]
            if len(r):
                D[nv + r, pos] = 1.0
            r, c, pos = gm.cells["alpha"]
            if len(r):
                D[nv:, pos] = Ls[:, r]
        return pr["sigma"], (pr["mu"] if self.meanstructure else None), D
