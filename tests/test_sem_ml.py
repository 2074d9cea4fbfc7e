"""analysis.sem ML: parity with lavaan 0.6.14 (hs39_cfa_ml.json, bfi_cfa.json) and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sem_reference import bfi, by_key, hs39, load_json, rel

from analysis.sem import cfa
from vcd_core.errors import DataError, EstimationError, ModelSyntaxError, VcdError

ABS_FIT = ["cfi", "tli", "rmsea", "rmsea_ci_lower", "rmsea_ci_upper", "srmr", "logl", "aic", "bic"]


def _check_fit(fit: dict, ref: dict) -> None:
    assert fit["npar"] == ref["npar"] and fit["df"] == ref["df"] and fit["ntotal"] == ref["ntotal"]
    assert rel(fit["chisq"], ref["chisq"]) < 1e-6
    assert rel(fit["baseline_chisq"], ref["baseline.chisq"]) < 1e-6
    for k in ABS_FIT:
        assert abs(fit[k] - ref[k.replace("_", ".")]) < 1e-6, k


@pytest.fixture(scope="module")
def hs_ml():
    ref = load_json("hs39_cfa_ml.json")
    return cfa(ref["model_syntax"], hs39()), ref


def test_hs39_fit(hs_ml):
    res, ref = hs_ml
    assert res.converged and res.warnings == ()
    _check_fit(res.fit, ref["fit_measures_all"])
    assert abs(res.fit["rmsea_pvalue"] - ref["headline"]["rmsea.pvalue"]) < 1e-6
    assert abs(res.fit["unrestricted_logl"] - ref["headline"]["unrestricted.logl"]) < 1e-6
    fm = ref["fit_measures_all"]
    assert abs(res.fit["pvalue"] - fm["pvalue"]) < 1e-9 and res.fit["baseline_df"] == fm["baseline.df"]
    names = ("npar chisq df pvalue baseline_chisq baseline_df cfi tli rmsea rmsea_ci_lower rmsea_ci_upper "
             "rmsea_pvalue srmr logl aic bic ntotal").split()
    assert set(names) <= set(res.fit)


def test_hs39_estimates_se_std(hs_ml):
    res, ref = hs_ml
    P = by_key(res.params.to_dict("records"))
    for key, r in by_key(ref["parameter_estimates"]).items():
        assert abs(P[key]["est"] - r["est"]) < 1e-5, key
        if r["se"] > 0:
            assert rel(P[key]["se"], r["se"]) < 1e-4, key
        assert abs(P[key]["std_lv"] - r["std.lv"]) < 1e-5, key
        assert abs(P[key]["std_all"] - r["std.all"]) < 1e-5, key
    for key, r in by_key(ref["standardized_solution"]).items():
        if r["se"]:
            assert rel(P[key]["std_all_se"], r["se"]) < 1e-4, key


def test_hs39_modification_indices(hs_ml):
    res, ref = hs_ml
    mi = res.modindices()
    top = ref["modindices_top10"]
    assert list(zip(mi.lhs[:10], mi.op[:10], mi.rhs[:10], strict=True)) == [(r["lhs"], r["op"], r["rhs"]) for r in top]
    for ours, r in zip(mi.head(10).itertuples(), top, strict=True):
        assert abs(ours.mi - r["mi"]) < 1e-3
        assert abs(ours.epc - r["epc"]) < 1e-4
        assert abs(ours.sepc_all - r["sepc.all"]) < 1e-4
    assert len(mi) == len(ref["modindices_all_sorted"])


def test_hs39_std_lv_same_fit():
    ref = load_json("hs39_cfa_ml.json")
    res = cfa(ref["model_syntax"], hs39(), std_lv=True)
    assert rel(res.fit["chisq"], ref["headline"]["chisq"]) < 1e-6
    P = by_key(res.params.to_dict("records"))
    for key, r in by_key(ref["parameter_estimates"]).items():
        if key[1] == "=~":
            assert abs(P[key]["est"] - r["std.lv"]) < 1e-5


def test_bfi_listwise_tight():
    """Against lavaan pushed to the optimum (BFGS, reltol 1e-16; tests/reference/expected/bfi_cfa_tight.R): the
    issue's tolerances hold — estimates < 1e-5, SEs < 1e-4 relative, chi-square < 1e-6 relative."""
    ref = load_json("bfi_cfa_tight.json")
    assert ref["meta"]["converged"]
    res = cfa(ref["model_syntax"], bfi())
    assert rel(res.fit["chisq"], ref["fit"]["chisq"]) < 1e-9 and res.fit["df"] == ref["fit"]["df"]
    for k in ("logl", "cfi", "tli", "rmsea", "srmr"):
        assert abs(res.fit[k] - ref["fit"][k]) < 1e-6, k
    P = by_key(res.params.to_dict("records"))
    for key, r in by_key(ref["parameter_estimates"]).items():
        assert abs(P[key]["est"] - r["est"]) < 1e-5, key
        if r["se"] > 0:
            assert rel(P[key]["se"], r["se"]) < 1e-4, key


def test_bfi_listwise():
    ref = load_json("bfi_cfa.json")
    d = bfi()
    res = cfa(ref["model_syntax"], d)
    assert res.nobs == (2436,)
    assert any("dropped (listwise)" in w for w in res.warnings)
    _check_fit(res.fit, ref["ML"]["headline"])
    P = by_key(res.params.to_dict("records"))
    # lavaan's nlminb stops up to 2.5e-5 short of the optimum on bfi: our chi-square is *lower* than lavaan's
    # (by 4.4e-7; lavaan's estimates plugged into our fit function give lavaan's chi-square to 1e-11), and lavaan
    # nlminb cannot be pushed further (tighter rel.tol ends in "false convergence"). Hence 3e-5 for these
    # estimates against lavaan's defaults; test_bfi_listwise_tight checks 1e-5 against lavaan run to the optimum.
    assert res.fit["chisq"] <= ref["ML"]["headline"]["chisq"] + 1e-9
    for key, r in by_key(ref["ML"]["parameter_estimates"]).items():
        assert abs(P[key]["est"] - r["est"]) < 3e-5, key
        if r["se"] > 0:
            assert rel(P[key]["se"], r["se"]) < 1e-4, key


def test_summary_and_dict(hs_ml):
    res, _ = hs_ml
    text = res.summary()
    assert "Comparative Fit Index (CFI)" in text and "visual =~" in text and "85.306" in text
    d = res.to_dict()
    assert d["converged"] is True and d["fit"]["df"] == 24
    assert {"lhs", "op", "rhs", "group", "est", "se", "z", "pvalue", "std_all"} <= set(d["params"][0])


# ------------------------------------------------------------------ bad input
def test_bad_input_errors():
    d = hs39()
    with pytest.raises(ModelSyntaxError, match="line 1, column"):
        cfa("visual =~ x1 + + x2", d)
    with pytest.raises(DataError, match="not in the data: y1, y2"):
        cfa("f =~ x1 + y1 + y2", d)
    bad = d.copy()
    bad["x2"] = bad["x2"].astype(object)
    bad.loc[7, "x2"] = "n/a"
    with pytest.raises(DataError, match="row 8, column x2: non-numeric value 'n/a'"):
        cfa("f =~ x1 + x2 + x3", bad)
    with pytest.raises(DataError, match="need more rows than variables"):
        cfa("f =~ x1 + x2 + x3 + x4", d.head(4))
    sing = d.copy()
    sing["x10"] = sing["x1"] + sing["x2"]
    with pytest.raises(EstimationError, match="singular"):
        cfa("f =~ x1 + x2 + x10", sing)
    with pytest.raises(EstimationError, match="not identified"):
        cfa("f =~ x1 + x2\nx1 ~~ x2", d)
    for err in (DataError, EstimationError, ModelSyntaxError):
        assert issubclass(err, VcdError)


def test_heywood_is_a_warning_not_an_error():
    rng = np.random.default_rng(11)
    R = np.array([[1, .6, .6], [.6, 1, .3], [.6, .3, 1]])  # implies a loading of ~1.1 for a
    y = rng.multivariate_normal(np.zeros(3), R, size=300)
    res = cfa("f =~ a + b + c", pd.DataFrame(y, columns=list("abc")))
    assert res.converged
    assert "Heywood case: negative residual variance of a" in res.warnings
    assert any("standardized loading f =~ a" in w for w in res.warnings)
    assert "Heywood" in res.summary()


def test_observed_information_ses():
    """information="observed": SEs and std.all SEs as lavaan's (sem_information.R)."""
    ref = load_json("sem_information.json")["hs39_ml_observed"]
    res = cfa(ref["model_syntax"], hs39(), information="observed")
    P = by_key(res.params.to_dict("records"))
    exp = by_key(cfa(ref["model_syntax"], hs39()).params.to_dict("records"))
    gap = 0.0
    for key, r in by_key(ref["params"]).items():
        assert abs(P[key]["est"] - r["est"]) < 1e-5, key
        if r["se"] > 0:
            assert rel(P[key]["se"], r["se"]) < 1e-4, key
            gap = max(gap, rel(P[key]["se"], exp[key]["se"]))
        if r["std.all.se"]:
            assert rel(P[key]["std_all_se"], r["std.all.se"]) < 1e-4, key
    assert gap > 1e-2  # the option changes the SEs (expected vs observed differ by > 1 % somewhere)


def test_non_positive_definite_psi_is_reported():
    rng = np.random.default_rng(0)  # one-factor data fitted with two factors: their correlation is estimated > 1
    y = rng.normal(size=(200, 1)) @ np.full((1, 6), 0.7) + rng.normal(size=(200, 6)) * 0.7
    res = cfa("f1 =~ a + b + c\nf2 =~ d + e + g", pd.DataFrame(y, columns=list("abcdeg")))
    assert res.converged
    assert res.warnings == ("the latent covariance matrix (psi) is not positive definite",)
    r = res.params[(res.params["lhs"] == "f1") & (res.params["op"] == "~~") & (res.params["rhs"] == "f2")]
    assert float(r["std_all"].iloc[0]) > 1
    assert "psi) is not positive definite" in res.summary()


def test_non_convergence_is_reported_not_raised(monkeypatch):
    from analysis.sem import engine
    from analysis.sem.optimize import optimize as real

    def stalled(est, x0, max_iter=500, tol=1e-10):
        x, _, it, _ = real(est, x0, max_iter=2)  # two scoring steps, then give up
        return x, False, it, "did not converge: iteration limit"

    monkeypatch.setattr(engine, "optimize", stalled)
    ref = load_json("hs39_cfa_ml.json")
    res = cfa(ref["model_syntax"], hs39())
    assert res.converged is False and res.to_dict()["converged"] is False
    assert any("did not converge" in w and "not trustworthy" in w for w in res.warnings)
    assert "did NOT converge" in res.summary()
