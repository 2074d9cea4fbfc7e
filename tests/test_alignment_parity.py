"""Parity of analysis.invariance.alignment with sirt 4.3-21 ``invariance.alignment`` (tests/reference/alignment).

Tolerances (issue 16): aligned means and SDs 1e-4, function value 1e-6 relative — or a better optimum than sirt's,
shown. Two optimisers are checked: ``"sirt"`` (sirt's own L-BFGS-B route, reproduces it to ~1e-7) and the default
``"newton"`` (a more precise minimum: never a higher loss than sirt's; where the means/SDs differ by more than 1e-4
the difference is shown to be sirt's early stop — one Newton step from sirt's published point lands on ours).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from analysis.invariance.alignment import AlignmentDriftError, align
from analysis.invariance.alignment_loss import LossSpec, loss_derivatives, loss_value
from analysis.invariance.alignment_optim import identification

REF = json.loads((Path(__file__).parent / "reference" / "alignment" / "bfi_alignment.json").read_text())
SCALES = ("neuroticism", "agreeableness")
RUNS = [(sc, rn) for sc in SCALES for rn in REF["scales"][sc]["runs"]]
USABLE = [(sc, rn) for sc, rn in RUNS if not REF["scales"][sc]["runs"][rn]["degenerate"]]
DEGENERATE = [(sc, rn) for sc, rn in RUNS if REF["scales"][sc]["runs"][rn]["degenerate"]]
FIXED_USABLE = [(sc, rn) for sc, rn in USABLE if REF["scales"][sc]["runs"][rn]["fixed"]]


def _inputs(sc: str):
    s = REF["scales"][sc]
    lam = np.array(s["input"]["lambda"]["values"])
    nu = np.array(s["input"]["nu"]["values"])
    n = np.array([s["N"][g] for g in s["groups"]])
    return lam, nu, n, s["groups"], s["items"]


def _run(sc: str, rn: str, optimizer: str):
    lam, nu, n, groups, items = _inputs(sc)
    r = REF["scales"][sc]["runs"][rn]
    return align(lam, nu, n, groups=groups, items=items, fixed=r["fixed"], align_scale=r["args"]["align.scale"],
                 align_pow=r["args"]["align.pow"], optimizer=optimizer), r


def _mat(block) -> np.ndarray:
    return np.array(block["values"], dtype=float)


@pytest.mark.parametrize("sc,rn", USABLE)
def test_sirt_route_reproduces_sirt(sc, rn):
    res, r = _run(sc, rn, "sirt")
    assert np.abs(res.mean - r["pars"]["alpha0"]).max() < 1e-6
    assert np.abs(res.sd - r["pars"]["psi0"]).max() < 1e-6
    # optim$value is the optimised loss (for FREE sirt's reported fopt uses another formula, see below)
    assert res.fopt == pytest.approx(r["optim"]["value"], rel=1e-9)
    assert np.abs(res.lambda_aligned - _mat(r["lambda.aligned"])).max() < 1e-6


@pytest.mark.parametrize("sc,rn", USABLE)
def test_newton_is_a_better_optimum(sc, rn):
    res, r = _run(sc, rn, "newton")
    sirt_value = r["optim"]["value"]
    assert res.fopt <= sirt_value * (1 + 1e-12)
    assert res.fopt == pytest.approx(sirt_value, rel=1e-5)
    da = np.abs(res.mean - r["pars"]["alpha0"]).max()
    dp = np.abs(res.sd - r["pars"]["psi0"]).max()
    if max(da, dp) <= 1e-4:
        return
    # larger than the tolerance: show that sirt stopped short of the minimum we found
    lam, nu, n, _, _ = _inputs(sc)
    w = np.sqrt(n)[:, None] * np.ones_like(lam)
    w = w / w.sum(axis=0)
    G = len(n)
    T = identification(G, r["fixed"], 0)
    spec = LossSpec(tuple(r["args"]["align.scale"]), tuple(r["args"]["align.pow"]), 1e-3)
    a0, s0 = np.array(r["pars"]["alpha0"]), np.log(r["pars"]["psi0"])
    z = np.linalg.lstsq(T, np.r_[a0, s0], rcond=None)[0]
    for _ in range(3):  # Newton steps from sirt's published point
        d = loss_derivatives(*np.split(T @ z, 2), lam, nu, w, spec)
        z = z - np.linalg.solve(T.T @ d.hess @ T, T.T @ d.grad)
    a1, s1 = np.split(T @ z, 2)
    assert np.abs(a1 - res.mean).max() < 1e-6 and np.abs(np.exp(s1) - res.sd).max() < 1e-6
    assert loss_value(a0, s0, lam, nu, w, spec) > res.fopt


@pytest.mark.parametrize("optimizer", ["newton", "sirt"])
@pytest.mark.parametrize("sc,rn", DEGENERATE)
def test_drifting_fixed_problem_is_refused(sc, rn, optimizer):
    with pytest.raises(AlignmentDriftError, match="no usable interior minimum.*drift"):
        _run(sc, rn, optimizer)


def test_agreeableness_free_instead_of_drifting_fixed():
    lam, nu, n, groups, items = _inputs("agreeableness")
    with pytest.raises(AlignmentDriftError, match="FREE"):
        align(lam, nu, n, groups=groups, items=items)
    res = align(lam, nu, n, groups=groups, items=items, fixed=False)
    r = REF["scales"]["agreeableness"]["runs"]["sirt_defaults_fixedFALSE_numderiv"]
    assert np.abs(res.sd - r["pars"]["psi0"]).max() < 1e-4
    assert np.prod(res.sd) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("sc,rn", FIXED_USABLE)
@pytest.mark.parametrize("optimizer,tol", [("sirt", 1e-6), ("newton", 5e-4)])
def test_fixed_summaries(sc, rn, optimizer, tol):
    res, r = _run(sc, rn, optimizer)
    assert res.fopt == pytest.approx(r["fopt"], rel=1e-6 if optimizer == "sirt" else 1e-5)
    assert np.abs(res.nu_aligned - _mat(r["nu.aligned"])).max() < tol * 5
    es = res.es_invariance()
    assert np.abs(es.to_numpy() - _mat(r["es.invariance"])).max() < tol
    ip = res.itempars()
    assert np.abs(ip.to_numpy() - _mat(r["itempars.aligned"])).max() < tol * 5


@pytest.mark.parametrize("sc,rn", FIXED_USABLE)
def test_constraints_as_sirt(sc, rn):
    res, r = _run(sc, rn, "sirt")
    con = r["constraints"]
    for c, key in zip(res.constraints(con["lambda"]["parm_tol"], con["nu"]["parm_tol"]), ("lambda", "nu"),
                      strict=True):
        ref = con[key]
        assert c.n_total == ref["N_total"] and c.n_parm_all == ref["N_parm_all"]
        assert c.prop_noninvariance == pytest.approx(ref["prop_noninvariance"])
        assert c.n_unique_items.tolist() == list(ref["N_unique_parm_items"].values())
        assert c.n_unique_groups.tolist() == list(ref["N_unique_parm_groups"].values())
        assert np.allclose(c.joint, list(ref["parm_joint"].values()), atol=1e-7)
        assert np.allclose(c.est, _mat(ref["parm_est"]), atol=1e-7)
        assert c.iterations == ref["iter"]


def test_invariance_table_matches_constraints():
    res, r = _run("neuroticism", "sirt_defaults", "newton")
    t = res.invariance()
    lam_bad = t[(t.param == "loading") & ~t.invariant]
    ref = r["constraints"]["lambda"]["N_unique_parm_items"]
    assert lam_bad.groupby("item").size().reindex(list(ref), fill_value=0).tolist() == list(ref.values())
    assert "(edu1_g1)" in res.summary()


@pytest.mark.parametrize("sc,rn", [(sc, rn) for sc, rn in USABLE if not REF["scales"][sc]["runs"][rn]["fixed"]])
def test_free_loadings_summaries_and_the_sirt_quirk(sc, rn):
    res, r = _run(sc, rn, "sirt")
    es = res.es_invariance()
    ref = _mat(r["es.invariance"])
    assert np.abs(es["loadings"].to_numpy() - ref[:, 0]).max() < 1e-6
    # sirt's FREE fopt / nu.aligned use nu - alpha * lambda (its reparam branch); reproduce that to explain it
    lam, nu, n, _, _ = _inputs(sc)
    nu_quirk = nu - res.mean[:, None] * lam
    assert np.abs(nu_quirk - _mat(r["nu.aligned"])).max() < 1e-6
    w = np.sqrt(n)[:, None] * np.ones_like(lam)
    w = w / w.sum(axis=0)
    spec = LossSpec(tuple(r["args"]["align.scale"]), tuple(r["args"]["align.pow"]), 1e-3)
    # loss of (lambda / psi, nu - alpha lambda): aligned intercepts from alpha' = alpha * psi
    quirk = loss_value(res.mean * res.sd, np.log(res.sd), lam, nu, w, spec)
    assert quirk == pytest.approx(r["fopt"], rel=1e-6)
    assert res.fopt == pytest.approx(r["optim"]["value"], rel=1e-9)
