"""analysis.sem.Model and the engine pieces behind it: built once and refitted (other data, estimator, statistics),
lavaan's dotted argument names, the public EngineState, estimator plug-ins, the rank-two information against the
Jacobian form, and the factored arrow inverse against dense algebra."""

from __future__ import annotations

import numpy as np
import pytest
from sem_reference import hs39, load_json, rel

from analysis.sem import CfaResult, Fit, Model, cfa
from analysis.sem.blocks import ArrowInverse, blocks_of
from analysis.sem.derivatives import expected_block
from analysis.sem.estimators import ESTIMATORS, MLREstimator, estimator_class
from analysis.stats import sample_stats
from vcd_core.errors import EstimationError

HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


def test_model_is_built_once_and_refitted():
    m = Model(HS, group_equal=("loadings",))
    a = m.fit(hs39(), group="school")
    rep = a.engine.rep
    b = m.fit(hs39(), group="school", estimator="MLR")
    assert b.engine.rep is rep and a.fit["chisq"] == pytest.approx(b.fit["chisq"], abs=1e-9)
    assert isinstance(b.engine.estimator, MLREstimator) and Fit is CfaResult
    # other data (a bootstrap-like resample), same representation
    c = m.fit(hs39().sample(frac=1.0, replace=True, random_state=1), group="school")
    assert c.engine.rep is rep and c.fit["chisq"] != a.fit["chisq"]
    # same numbers as the cfa() wrapper
    ref = cfa(HS, hs39(), group="school", group_equal=("loadings",))
    assert a.fit["chisq"] == ref.fit["chisq"] and a.params["se"].equals(ref.params["se"])


def test_fit_on_sufficient_statistics_equals_fit_on_data():
    ss = sample_stats(hs39(), Model(HS).observed, group="school", missing="listwise")
    m = Model(HS, group_equal=("loadings", "intercepts"))
    a, b = m.fit(ss), m.fit(hs39(), group="school")
    assert a.fit == b.fit and a.params.equals(b.params)
    with pytest.raises(Exception, match="not for the model's observed variables"):
        Model("f =~ x1 + x2 + x3").fit(ss)


def test_lavaan_dotted_names():
    a = cfa(HS, hs39(), group="school", group_equal=("loadings",), std_lv=True)
    b = cfa(HS, hs39(), group="school", **{"group.equal": ("loadings",), "std.lv": True})
    c = Model(HS, **{"group.equal": ("loadings",), "std.lv": True}).fit(hs39(), group="school")
    assert a.fit["chisq"] == b.fit["chisq"] == c.fit["chisq"]
    with pytest.raises(TypeError, match="unexpected argument 'group.equl'"):
        cfa(HS, hs39(), **{"group.equl": ("loadings",)})


def test_estimator_table_and_errors():
    assert set(ESTIMATORS) == {("ML", "listwise"), ("ML", "fiml"), ("MLR", "listwise"), ("MLR", "fiml")}
    with pytest.raises(EstimationError, match="unknown estimator 'WLS'"):
        estimator_class("WLS", "listwise")
    with pytest.raises(EstimationError, match="unknown estimator"):
        cfa(HS, hs39(), estimator="GLS")


def test_engine_state_and_vcov_are_public():
    ref = load_json("hs39_cfa_ml.json")
    res = cfa(ref["model_syntax"], hs39(), estimator="MLR")
    eng = res.engine
    assert eng.information_kind == "observed" and eng.first_order is not None
    V = res.vcov
    free = res.params[res.params["free"] > 0]
    assert np.allclose(np.sqrt(np.diag(V))[free["free"] - 1], free["se"], rtol=1e-12)
    Ai = np.linalg.inv(eng.information)
    dense = Ai @ eng.first_order @ Ai / sum(res.nobs)
    assert np.abs(V - dense).max() < 1e-12 * np.abs(dense).max()
    assert np.array_equal(res.coef, eng.x) and eng.expected_information.shape == V.shape


def test_rank_two_information_equals_the_jacobian_form():
    res = cfa(HS + "\nvisual ~~ 0*speed\nx1 ~~ x4", hs39(), group="school", meanstructure=True)
    rep, x = res.engine.rep, res.engine.x
    nv = len(rep.va)
    for g in range(rep.ngroups):
        sig, mu, D = rep.delta(x, g)
        V = np.linalg.inv(sig)
        mv = np.where(rep.va == rep.vb, 0.5, 1.0)
        W = np.zeros((rep.nmom, rep.nmom))
        a, b = rep.va, rep.vb
        W[:nv, :nv] = (V[np.ix_(a, a)] * V[np.ix_(b, b)] + V[np.ix_(a, b)] * V[np.ix_(b, a)]) * np.outer(mv, mv)
        W[nv:, nv:] = V
        assert np.abs(expected_block(rep, x, g, V) - D.T @ W @ D).max() < 1e-12


@pytest.mark.parametrize("equal", [(), ("loadings",), ("loadings", "intercepts")])
def test_arrow_inverse_equals_dense(equal):
    res = cfa(HS, hs39(), group="school", group_equal=equal, estimator="MLR")
    A, B = res.engine.information, res.engine.first_order
    ai = ArrowInverse(blocks_of(res.engine.rep), A)
    Ai = np.linalg.inv(A)
    scale = np.abs(Ai).max()
    assert np.abs(ai.full() - Ai).max() < 1e-11 * scale and np.abs(ai.diag() - np.diag(Ai)).max() < 1e-11 * scale
    X = Ai @ B @ Ai
    assert np.abs(ai.sandwich(B) - X).max() < 1e-10 * np.abs(X).max()
    assert np.abs(ai.sandwich(B, diagonal=True) - np.diag(X)).max() < 1e-10 * np.abs(X).max()
    assert rel(ai.trace(B), float(np.trace(Ai @ B))) < 1e-12
    b = np.arange(len(A), dtype=float)
    assert np.abs(ai.solve(b) - Ai @ b).max() < 1e-10 * np.abs(Ai @ b).max()


def test_singular_information_is_reported_without_standard_errors():
    """Two two-indicator factors whose sample covariance is exactly zero: the loadings are not identified."""
    rng = np.random.default_rng(1)
    f = rng.normal(size=(500, 2))
    a = f[:, [0]] * [1, .8] + rng.normal(size=(500, 2))
    b = f[:, [1]] * [1, .7] + rng.normal(size=(500, 2))
    a, b = a - a.mean(0), b - b.mean(0)
    b = b - a @ np.linalg.lstsq(a, b, rcond=None)[0]
    import pandas as pd

    res = cfa("F =~ a + b\nG =~ c + d", pd.DataFrame(np.hstack([a, b]), columns=list("abcd")))
    assert res.converged and not res.engine.covariance.available
    assert res.warnings == ("the information matrix is singular: the model may not be identified; no standard errors",)
    assert res.params.loc[res.params["free"] > 0, "se"].isna().all() and np.isnan(res.vcov).all()
