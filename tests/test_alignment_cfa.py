"""Alignment from the configural CFA engine: extraction, checks, bfi through the engine, delta-method SEs vs a
parametric bootstrap (the Monte Carlo check simulates from the estimated solution, refits and realigns)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.invariance.alignment import align
from analysis.invariance.alignment_cfa import align_data, align_fit, configural_inputs
from analysis.invariance.alignment_mc import fit_one_factor, monte_carlo
from analysis.invariance.alignment_se import theta_blocks
from analysis.sem import cfa
from vcd_core.errors import EstimationError

HERE = Path(__file__).parent
REF = json.loads((HERE / "reference" / "alignment" / "bfi_alignment.json").read_text())


@pytest.fixture(scope="module")
def bfi() -> pd.DataFrame:
    d = pd.read_csv(HERE / "reference" / "data" / "bfi.csv")
    d = d[d["education"].notna()].copy()
    d["A1r"] = 7 - d["A1"]
    d["grp"] = [f"edu{int(e)}_g{int(g)}" for e, g in zip(d["education"], d["gender"], strict=True)]
    return d


def _study(G=6, I=4, n=500, seed=3, planted=()):
    rng = np.random.default_rng(seed)
    lam0 = np.linspace(.8, .55, I)
    nu0 = np.linspace(-.2, .3, I)
    alpha = np.r_[0, rng.normal(0, .4, G - 1)]
    psi = np.r_[1, rng.uniform(.75, 1.3, G - 1)]
    parts = []
    for g in range(G):
        lam, nu = lam0.copy(), nu0.copy()
        for kind, i, gg, v in planted:
            if gg == g:
                (lam if kind == "loading" else nu)[i] += v
        eta = alpha[g] + psi[g] * rng.standard_normal((n, 1))
        y = nu + eta * lam + rng.standard_normal((n, I)) * .6
        parts.append(pd.DataFrame(y, columns=[f"y{i + 1}" for i in range(I)]).assign(g=f"G{g + 1}"))
    model = "F =~ " + " + ".join(f"y{i + 1}" for i in range(I))
    return model, pd.concat(parts, ignore_index=True), alpha, psi


def test_engine_inputs_match_lavaan_and_alignment_matches_sirt(bfi):
    s = REF["scales"]["neuroticism"]
    fit = align_data(s["model"], bfi, "grp", group_order=s["groups"])
    ci = configural_inputs(fit.configural, "neuro")
    assert np.abs(ci.lam - np.array(s["input"]["lambda"]["values"])).max() < 1e-4  # lavaan's own convergence
    assert np.abs(ci.nu - np.array(s["input"]["nu"]["values"])).max() < 1e-8
    assert ci.n.tolist() == [s["N"][g] for g in s["groups"]]
    r = fit.result("neuro")
    ref = s["runs"]["sirt_defaults"]["pars"]
    assert np.abs(r.mean - ref["alpha0"]).max() < 5e-4 and np.abs(r.sd - ref["psi0"]).max() < 5e-4
    assert np.isfinite(r.se_mean[1:]).all() and r.se_mean[0] == 0 and r.se_sd[0] == 0
    recs = fit.to_records()
    assert len(recs) == 10 and set(recs[0]) == {"factor", "group", "n", "mean", "sd", "se_mean", "se_sd"}


def test_drifting_factor_is_listed_as_failed_not_returned(bfi):
    s = REF["scales"]["agreeableness"]
    fit = align_data(s["model"], bfi, "grp", group_order=s["groups"])
    assert not fit.results and "agree" in fit.failed and "drift" in fit.failed["agree"]
    with pytest.raises(EstimationError, match="drift"):
        fit.result("agree")
    assert "FAILED" in fit.summary()
    free = align_data(s["model"], bfi, "grp", group_order=s["groups"], fixed=False)
    assert np.prod(free.result("agree").sd) == pytest.approx(1.0)


def test_configural_checks():
    model, data, _, _ = _study(G=3, I=4, n=200)
    with pytest.raises(EstimationError, match="variance 1 and mean 0"):
        configural_inputs(cfa(model, data, group="g"), "F")          # marker identification
    with pytest.raises(EstimationError, match="equal across groups|variance 1"):
        configural_inputs(cfa(model, data, group="g", std_lv=True, group_equal=["loadings"]), "F")
    with pytest.raises(EstimationError, match="multi-group"):
        configural_inputs(cfa(model, data, std_lv=True), "F")
    with pytest.raises(EstimationError, match="not in the model"):
        configural_inputs(cfa(model, data, group="g", std_lv=True), "G")
    _, data6, _, _ = _study(G=3, I=6, n=300)
    with pytest.raises(EstimationError, match="simple structure: item y4"):
        align_data("F =~ y1 + y2 + y3 + y4\nH =~ y4 + y5 + y6", data6, "g")


def test_two_factors_aligned_separately():
    rng = np.random.default_rng(8)
    parts = []
    for g, (m1, m2) in enumerate([(0, 0), (.5, -.4), (-.3, .6), (.2, .2)]):
        f = rng.multivariate_normal([m1, m2], [[1, .4], [.4, 1]], 600)
        y = np.c_[f[:, [0]] * [.8, .7, .6], f[:, [1]] * [.7, .8, .6]] + rng.normal(scale=.6, size=(600, 6))
        parts.append(pd.DataFrame(y, columns=["a1", "a2", "a3", "b1", "b2", "b3"]).assign(g=f"C{g}"))
    fit = align_data("A =~ a1 + a2 + a3\nB =~ b1 + b2 + b3", pd.concat(parts), "g", fixed=False)
    p = fit.pars
    assert p["factor"].unique().tolist() == ["A", "B"]
    a = fit.result("A").mean - fit.result("A").mean[0]
    b = fit.result("B").mean - fit.result("B").mean[0]
    assert np.abs(a - [0, .5, -.3, .2]).max() < .15 and np.abs(b - [0, -.4, .6, .2]).max() < .15


def test_batched_configural_fitter_equals_the_engine():
    model, data, _, _ = _study(G=5, I=4, n=300, seed=5)
    fit = cfa(model, data, group="g", std_lv=True)
    ci = configural_inputs(fit, "F")
    items = list(ci.items)
    X = [data.loc[data["g"] == g, items].to_numpy() for g in ci.groups]
    means = np.array([x.mean(axis=0) for x in X])
    covs = np.array([np.cov(x.T, ddof=0) for x in X])
    lam, nu, _, V, ok = fit_one_factor(means, covs, ci.n)
    assert ok.all()
    assert np.abs(lam - ci.lam).max() < 1e-7 and np.abs(nu - ci.nu).max() < 1e-10
    assert np.abs(V - theta_blocks(ci.vcov, 5, 4)).max() < 1e-8


@pytest.mark.parametrize("fixed", [True, False])
def test_delta_se_against_parametric_bootstrap(fixed):
    model, data, _, _ = _study(G=8, I=5, n=600, seed=11, planted=[("intercept", 2, 3, .6), ("loading", 1, 5, -.4)])
    fit = cfa(model, data, group="g", std_lv=True, std_se=False)
    res = align_fit(fit, fixed=fixed).result("F")
    p = fit.params
    th = np.array([[p[(p.op == "~~") & (p.lhs == i) & (p.rhs == i) & (p.group == g)]["est"].iloc[0]
                    for i in res.items] for g in res.groups])
    mc = monte_carlo(res, th, reps=150, seed=2)
    assert mc.reps_ok == 150
    g = mc.groups
    free = g[g["avg_se_mean"] > 0]
    ratio = free["avg_se_mean"] / free["empirical_se_mean"]
    assert 0.85 < ratio.mean() < 1.15 and ratio.between(0.65, 1.5).all()
    free_sd = g[g["avg_se_sd"] > 0]
    ratio_sd = free_sd["avg_se_sd"] / free_sd["empirical_se_sd"]
    assert 0.85 < ratio_sd.mean() < 1.15
    t = mc.summary_table()
    assert 0.9 <= t.loc["mean", "coverage"] <= 0.99 and t.loc["mean", "corr"] > .95
    # the delta SEs from the engine's covariance are those of the batched fitter's (same information)
    assert np.allclose(res.se_mean, align(res.lambda_config, res.nu_config, res.n, fixed=fixed,
                                          vcov=theta_blocks(configural_inputs(fit, "F").vcov, 8, 5)).se_mean)


def test_ranking_with_intervals():
    model, data, alpha, _ = _study(G=6, I=5, n=800, seed=4)
    res = align_data(model, data, "g", fixed=True).result("F")
    rk = res.ranking()
    assert rk["rank"].tolist() == list(range(1, 7))
    assert rk["group"].tolist() == [f"G{k + 1}" for k in np.argsort(-alpha)]
    assert (rk["ci_low"] <= rk["mean"]).all() and (rk["rank_low"] <= rk["rank"]).all()
    assert (rk["rank"] <= rk["rank_high"]).all()
