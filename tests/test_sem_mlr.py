"""analysis.sem MLR: Yuan-Bentler (Mplus) scaled test, robust fit indices and sandwich SEs vs lavaan 0.6.14."""

from __future__ import annotations

from sem_reference import by_key, hs39, load_json, rel

from analysis.sem import cfa

SCALED = ["chisq_scaled", "chisq_scaling_factor", "baseline_chisq_scaled", "cfi_scaled", "tli_scaled",
          "cfi_robust", "tli_robust", "rmsea_scaled", "rmsea_robust", "rmsea_ci_lower_robust",
          "rmsea_ci_upper_robust", "rmsea_ci_lower_scaled", "rmsea_ci_upper_scaled", "scaling_factor_h1",
          "scaling_factor_h0"]


def test_hs39_mlr():
    ref = load_json("hs39_cfa_mlr.json")
    res = cfa(ref["model_syntax"], hs39(), estimator="MLR")
    fm = ref["fit_measures_all"]
    assert rel(res.fit["chisq"], fm["chisq"]) < 1e-6
    for k in SCALED:
        assert rel(res.fit[k], fm[k.replace("_", ".")]) < 1e-4, k
    P = by_key(res.params.to_dict("records"))
    for key, r in by_key(ref["parameter_estimates"]).items():
        assert abs(P[key]["est"] - r["est"]) < 1e-5
        if r["se"] > 0:
            assert rel(P[key]["se"], r["se"]) < 1e-4, key
    for key, r in by_key(ref["standardized_solution"]).items():
        if r["se"]:
            assert rel(P[key]["std_all_se"], r["se"]) < 1e-4, key
    assert "Scaling correction factor" in res.summary()
