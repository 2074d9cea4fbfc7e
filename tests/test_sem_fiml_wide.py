"""analysis.sem FIML above KRON_MAX_P variables: the 70 provider items of the bank (12 constructs) with missing cells
take the per-pattern path (rank-two information per pattern, moment Hessian per pattern); it must equal the
pattern-sum path (forced with the estimator option ``kron_max_p``) and central differences of the gradient."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.data.simulate import SimulationSpec, simulate
from analysis.sem import Model, model_from_instrument
from analysis.sem.estimators import FIMLEstimator
from analysis.sem.fiml_robust import fiml_corrected
from analysis.sem.fiml_sums import KRON_MAX_P
from instrument.validate import load_bank


def _close(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).max() / max(1.0, np.abs(b).max()))


@pytest.fixture(scope="module")
def wide():
    inst = load_bank()
    spec = SimulationSpec(countries=("FI",), n_per_country=400, seed=3, careless_share=0.0, duplicate_share=0.0,
                          missing_respondents=0.04)
    data = simulate(inst, spec).data
    model = Model(model_from_instrument(inst, "provider", constructs=[c.code for c in inst.constructs]))
    return model, data, model.fit(data, missing="fiml")


def test_the_bank_takes_the_wide_path(wide):
    model, data, res = wide
    est = res.engine.estimator
    assert len(model.observed) == 70 > KRON_MAX_P and isinstance(est, FIMLEstimator) and not est.kron
    assert res.converged and len(est.groups[0].patterns) > 5
    assert np.abs(est.gradient(res.engine.x)).max() < 1e-8
    assert np.isfinite(res.params["se"]).all() and 0 < res.fit["cfi_robust"] <= 1


def test_wide_path_equals_pattern_sums(wide):
    _model, _data, res = wide
    wide_est, x = res.engine.estimator, res.engine.x
    sums = FIMLEstimator(wide_est.rep, wide_est.groups, kron_max_p=70)
    assert sums.kron
    assert abs(wide_est.objective(x) - sums.objective(x)) < 1e-12
    assert _close(wide_est.gradient(x), sums.gradient(x)) < 1e-12
    assert _close(wide_est.expected_information(x), sums.expected_information(x)) < 1e-11
    A = wide_est.observed_information(x)
    assert _close(A, sums.observed_information(x)) < 1e-11
    assert _close(A, res.engine.information) < 1e-14
    d = wide_est.groups[0]
    sig, mu = wide_est.rep.implied(x)[0]
    assert _close(wide_est.moment_information(0, sig, mu), sums.moment_information(0, sig, mu)) < 1e-11
    assert _close(wide_est.moment_hessian(0, d.cov, d.mean), sums.moment_hessian(0, d.cov, d.mean)) < 1e-11
    df = int(res.fit["df"])
    a, b = fiml_corrected(wide_est, x, "V6", df, 70 * 69 // 2), fiml_corrected(sums, x, "V6", df, 70 * 69 // 2)
    assert all(abs(a[k] - b[k]) < 1e-9 * max(1.0, abs(b[k])) for k in a)


def test_wide_observed_information_equals_central_differences(wide):
    _model, _data, res = wide
    est, x = res.engine.estimator, res.engine.x
    A = res.engine.information
    rng = np.random.default_rng(0)
    for k in rng.choice(len(x), size=8, replace=False):
        h = 1e-5 * max(1.0, abs(x[k]))
        e = np.zeros(len(x))
        e[k] = h
        col = (est.gradient(x + e) - est.gradient(x - e)) / (2 * h)
        assert np.abs(A[:, k] - col).max() < 1e-7 * max(1.0, np.abs(A).max()), k
