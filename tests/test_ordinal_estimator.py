"""DWLS / WLSMV math (analysis.sem.ordinal_model, estimator_dwls, ordinal_fit) against lavaan 0.6.14.

The bfi five-factor CFA (25 six-point items, listwise n 2436; pairwise n 2800; by gender) is fitted here with a
small self-contained simple-structure parameterisation (marker loadings, free Ψ, free thresholds) and
``scipy.optimize.least_squares`` on the DWLS residuals — no engine involved — then compared with lavaan:
χ² / scaled χ² / scaling factor / shift 1e-6 relative, estimates 1e-5, robust SEs 1e-4, fit measures 1e-6.
The estimates are compared with lavaan run to the optimum (``cfa_*_tight``, BFGS reltol 1e-16; lavaan's
default nlminb stops ~1e-6 short); the default-run headline (bfi_cfa.json, issue 15) is checked too.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import least_squares

from analysis.sem.estimator_dwls import dwls_fmin, dwls_gradient, robust_vcov, scaled_shifted
from analysis.sem.ordinal_fit import OrdinalFitInput, wlsmv_fit_measures
from analysis.sem.ordinal_model import OrdinalMatrices, implied, implied_jacobian, implied_vector
from analysis.stats.ordinal import ordinal_stats
from vcd_core.errors import EstimationError

REF = Path(__file__).parent / "reference"
SAMPLE = json.loads((REF / "ordinal" / "bfi_ordinal_samplestats.json").read_text())
SHARED = json.loads((REF / "ordinal" / "bfi_ordinal_shared.json").read_text())
ITEMS = SAMPLE["items"]
FACTORS = ["agree", "consc", "extra", "neuro", "open"]


class SimpleCFA:
    """θ = (non-marker loadings, vech Ψ, thresholds) of one group; items i*5..i*5+4 load on factor i."""

    def __init__(self, nth_per_item: list[int], parameterization: str, p: int = 25, m: int = 5):
        self.p, self.m, self.par = p, m, parameterization
        self.fac = np.arange(p) // (p // m)
        self.free_lam = [i for i in range(p) if i % (p // m) != 0]
        self.psi_idx = [(r, s) for s in range(m) for r in range(s, m)]  # lavaan order: by column
        self.th_item = np.repeat(np.arange(p), nth_per_item)
        self.nl, self.npsi, self.nth = len(self.free_lam), len(self.psi_idx), len(self.th_item)

    def matrices(self, x: np.ndarray) -> OrdinalMatrices:
        lam = np.zeros((self.p, self.m))
        lam[np.arange(self.p), self.fac] = 1.0
        lam[self.free_lam, self.fac[self.free_lam]] = x[:self.nl]
        psi = np.zeros((self.m, self.m))
        for v, (r, s) in zip(x[self.nl:self.nl + self.npsi], self.psi_idx, strict=True):
            psi[r, s] = psi[s, r] = v
        return OrdinalMatrices(lam=lam, psi=psi, tau=x[self.nl + self.npsi:], th_item=self.th_item,
                               parameterization=self.par)

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        j = implied_jacobian(self.matrices(x))
        cols = [j["lam"][:, i * self.m + self.fac[i]] for i in self.free_lam]
        cols += [j["psi"][:, r * self.m + s] + (j["psi"][:, s * self.m + r] if r != s else 0.0)
                 for r, s in self.psi_idx]
        return np.column_stack(cols + [j["tau"]])

    def start(self, th: np.ndarray, cor: np.ndarray) -> np.ndarray:
        """ψ_ff = 0.5 and λ_i = r(marker, i)/0.5: the implied marker correlations equal the sample's."""
        marker = np.array([i - i % (self.p // self.m) for i in self.free_lam])
        lam0 = cor[marker, self.free_lam] / 0.5
        psi0 = [0.5 if r == s else 0.0 for r, s in self.psi_idx]
        return np.concatenate([lam0, psi0, th])

    def labels(self) -> list[tuple[str, str, str]]:
        lab = [(FACTORS[self.fac[i]], "=~", ITEMS[i]) for i in self.free_lam]
        lab += [(FACTORS[r], "~~", FACTORS[s]) if r == s else (FACTORS[s], "~~", FACTORS[r]) for r, s in self.psi_idx]
        counts: dict[int, int] = {}
        for it in self.th_item:
            counts[it] = counts.get(it, 0) + 1
            lab.append((ITEMS[it], "|", f"t{counts[it]}"))
        return lab


def fit(stats, parameterization: str):
    groups = stats.groups
    nth = [len(c) - 1 for c in stats.categories.values()]
    models = [SimpleCFA(nth, parameterization) for _ in groups]
    model = models[0]
    k1 = model.nl + model.npsi + model.nth
    nobs = [g.n for g in groups]
    ng = len(groups)

    def split(x):  # configural multi-group: every group its own θ
        return [x[g * k1:(g + 1) * k1] for g in range(ng)]

    def full_jac(x):
        out = []
        for g, xg in enumerate(split(x)):
            d = np.zeros((len(groups[g].wls_obs), ng * k1))
            d[:, g * k1:(g + 1) * k1] = model.jacobian(xg)
            out.append(d)
        return out

    scale = [np.sqrt((n - 1) * g.wls_v) for n, g in zip(nobs, groups, strict=True)]

    def resid(x):
        try:
            return np.concatenate([sc * (g.wls_obs - implied_vector(model.matrices(xg)))
                                   for sc, g, xg in zip(scale, groups, split(x), strict=True)])
        except EstimationError:  # a trial step left the admissible region (theta: a variance ≤ 0)
            return np.full(sum(len(g.wls_obs) for g in groups), 1e6)

    def jac(x):
        return np.concatenate([-sc[:, None] * d for sc, d in zip(scale, full_jac(x), strict=True)])

    x0 = np.concatenate([model.start(g.wls_obs[:model.nth], g.polychoric.to_numpy()) for g in groups])
    sol = least_squares(resid, x0, jac=jac, method="lm", xtol=1e-15, ftol=1e-15, gtol=1e-15, max_nfev=500)
    x = sol.x
    sig = [implied_vector(model.matrices(xg)) for xg in split(x)]
    obs = [g.wls_obs for g in groups]
    w = [g.wls_v for g in groups]
    gam = [g.nacov for g in groups]
    jacs = full_jac(x)
    vcov, e_inv = robust_vcov(jacs, w, gam, nobs)
    df = sum(len(s) for s in obs) - len(x)
    p = model.p
    fi = OrdinalFitInput(obs=obs, implied=sig, weights=w, gammas=gam, jacobians=jacs, nobs=nobs,
                         n_th=[model.nth] * ng, cor_obs=[g.polychoric.to_numpy() for g in groups],
                         cor_implied=[implied(model.matrices(xg)).cor for xg in split(x)], df=df, e_inv=e_inv)
    assert len(ITEMS) == p
    return {"x": x, "se": np.sqrt(np.diag(vcov)), "labels": model.labels(), "k1": k1, "fit": wlsmv_fit_measures(fi),
            "fmin": dwls_fmin(obs, sig, w, nobs), "grad": dwls_gradient(obs, sig, w, nobs, jacs),
            "test": scaled_shifted([(n - 1) * np.sum(wg * (s - sg) ** 2) for n, s, sg, wg in zip(nobs, obs, sig, w,
                                                                                           strict=True)],
                                   df, jacs, w, gam, nobs, e_inv)}


@pytest.fixture(scope="module")
def bfi():
    return pd.read_csv(REF / "data" / "bfi.csv")


@pytest.fixture(scope="module")
def fits(bfi):
    lw = ordinal_stats(bfi, ITEMS)
    return {"delta": fit(lw, "delta"), "theta": fit(lw, "theta"),
            "pairwise": fit(ordinal_stats(bfi, ITEMS, missing="pairwise"), "delta"),
            "gender": fit(ordinal_stats(bfi, ITEMS, group="gender"), "delta")}


def estimates(res, ref_pe, group: int = 0):
    pe = pd.DataFrame(ref_pe)
    if "group" in pe:
        pe = pe[pe["group"] == group + 1]
    key = {(r.lhs, r.op, r.rhs): (r.est, r.se) for r in pe.itertuples()}
    est = np.array([key[lab][0] for lab in res["labels"]])
    se = np.array([key[lab][1] for lab in res["labels"]])
    sl = slice(group * res["k1"], (group + 1) * res["k1"])
    return res["x"][sl], est, res["se"][sl], se


FIT_KEYS = ["chisq", "chisq.scaled", "chisq.scaling.factor", "baseline.chisq", "baseline.chisq.scaled",
            "baseline.chisq.scaling.factor", "cfi", "tli", "cfi.scaled", "tli.scaled", "cfi.robust", "tli.robust",
            "rmsea", "rmsea.scaled", "rmsea.robust", "srmr", "wrmr", "fmin"]


@pytest.mark.parametrize("case,ref", [("delta", "cfa_delta_tight"), ("theta", "cfa_theta_tight")])
def test_bfi_wlsmv_cfa_matches_lavaan(fits, case, ref):
    res, r = fits[case], SAMPLE[ref]
    assert np.abs(res["grad"]).max() < 1e-6  # at the DWLS optimum (fmin is of order 1)
    mine, est, myse, se = estimates(res, r["parameter_estimates"])
    np.testing.assert_allclose(mine, est, rtol=0, atol=1e-5)
    np.testing.assert_allclose(myse, se, rtol=0, atol=1e-4)
    ss = r["test"]["scaled.shifted"]
    assert res["test"].shift_parameter == pytest.approx(ss["shift.parameter"], rel=1e-6)
    assert res["test"].trace_ugamma == pytest.approx(ss["trace.UGamma"], rel=1e-6)
    assert res["test"].trace_ugamma2 == pytest.approx(ss["trace.UGamma2"], rel=1e-6)
    for k in FIT_KEYS:
        assert res["fit"][k] == pytest.approx(r["fit"][k], rel=1e-6), k


def test_bfi_wlsmv_headline_issue15(fits):
    """bfi_cfa.json (lavaan's default optimiser): χ² 6055.940, scaled 6049.275 — within 1e-6 relative."""
    h = SHARED["cfa_WLSMV"]["headline"]
    f = fits["delta"]["fit"]
    for k in ("chisq", "chisq.scaled", "chisq.scaling.factor", "cfi.scaled", "tli.scaled", "rmsea.scaled",
              "cfi.robust", "rmsea.robust", "srmr", "wrmr", "baseline.chisq", "baseline.chisq.scaled"):
        assert f[k] == pytest.approx(h[k], rel=1e-6), k
    assert f["shift.parameter"] == pytest.approx(SHARED["cfa_WLSMV"]["test_details"]["scaled.shifted"]
                                                 ["shift.parameter"], rel=1e-6)
    assert abs(f["chisq"] - 6055.940) < 6e-4 and abs(f["chisq.scaled"] - 6049.275) < 6e-4


def test_bfi_thresholds_and_estimates_default_run(fits):
    """Against bfi_cfa.json's estimates (default nlminb, ≤ 1e-5 from the optimum) and thresholds."""
    mine, est, myse, se = estimates(fits["delta"], SHARED["cfa_WLSMV"]["parameter_estimates"])
    np.testing.assert_allclose(mine, est, rtol=0, atol=1e-5)
    np.testing.assert_allclose(myse, se, rtol=0, atol=1e-4)


@pytest.mark.parametrize("case,ref", [("pairwise", "cfa_pairwise_tight"), ("gender", "cfa_gender_configural_tight")])
def test_pairwise_and_multigroup_configural(fits, case, ref):
    res, r = fits[case], SAMPLE[ref]
    ng = 2 if case == "gender" else 1
    for g in range(ng):
        mine, est, myse, se = estimates(res, r["parameter_estimates"], g)
        np.testing.assert_allclose(mine, est, rtol=0, atol=1e-5)
        np.testing.assert_allclose(myse, se, rtol=0, atol=1e-4)
    for k in ("chisq", "chisq.scaled", "chisq.scaling.factor", "cfi.scaled", "rmsea.scaled", "cfi.robust",
              "rmsea.robust", "srmr", "wrmr"):
        assert res["fit"][k] == pytest.approx(r["fit"][k], rel=1e-6), k
