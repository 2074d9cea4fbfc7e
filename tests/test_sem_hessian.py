"""analysis.sem.hessian: the analytic observed information equals the numerical Hessian of fmin (complete data,
groups with and without equality constraints, std.lv, FIML), and MLR/FIML SEs still match lavaan."""

from __future__ import annotations

import numpy as np
import pytest
from sem_reference import hs39

from analysis.sem import cfa
from analysis.sem.hessian import numeric_information, observed_information, supported

MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


def _with_blanks():
    d = hs39().copy()
    rng = np.random.default_rng(1)
    X = d[["x1", "x5", "x9"]].to_numpy().copy()
    X[rng.random(X.shape) < 0.1] = np.nan
    d[["x1", "x5", "x9"]] = X
    return d


@pytest.mark.parametrize("kw", [
    {}, {"meanstructure": True}, {"group": "school"}, {"group": "school", "group_equal": ("loadings", "intercepts")},
    {"group": "school", "std_lv": True, "group_equal": ("loadings",)},
    {"group": "school", "group_equal": ("loadings", "intercepts"), "group_partial": [("x3 ~1", "Grant-White")]},
    {"missing": "fiml"}, {"missing": "fiml", "group": "school", "group_equal": ("loadings", "intercepts")},
])
def test_analytic_equals_numeric(kw):
    data = _with_blanks() if kw.get("missing") else hs39()
    res = cfa(MODEL, data, **kw)
    eng = res.engine
    assert supported(eng.rep)
    Ha = observed_information(eng.rep, eng.estimator, eng.x)
    Hn = numeric_information(eng.estimator, eng.x)
    assert np.abs(Ha - Hn).max() < 1e-7 * max(1.0, np.abs(Hn).max())


def test_regressions_fall_back_to_numeric():
    res = cfa(MODEL + "\nspeed ~ visual", hs39(), estimator="MLR")
    assert not supported(res.engine.rep) and res.converged and np.isfinite(res.params["se"]).all()


def test_information_option_checked_and_text_columns_name_the_row():
    import pandas as pd

    from vcd_core.errors import DataError, EstimationError

    with pytest.raises(EstimationError, match="information must be 'expected' or 'observed'"):
        cfa(MODEL, hs39(), information="obsreved")
    d = hs39().astype({"x2": str})
    d.loc[4, "x2"] = "n/a"
    d["x2"] = d["x2"].astype(pd.StringDtype())
    with pytest.raises(DataError, match=r"row 5.*x2|x2.*row 5"):
        cfa(MODEL, d)


def test_fiml_observed_information_routes_to_pattern_sums():
    res = cfa(MODEL, _with_blanks(), missing="fiml", estimator="MLR")
    Hn = numeric_information(res.engine.estimator, res.engine.x)
    assert np.abs(res.engine.information - Hn).max() < 1e-6 * max(1.0, np.abs(Hn).max())
