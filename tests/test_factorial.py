"""Parity of analysis.compare.factorial with car::Anova (Type II/III) and lme4::lmer.

References: tests/reference/expected/bfi_group_tests.json (two_way_anova; see test_group_tests.py for provenance)
and tests/reference/expected/bfi_mixed_education.json, made by bfi_mixed_education.R next to it (R 4.2.2, lme4 1.1.31).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.compare.factorial import anova_twoway, mixed_random_intercept
from vcd_core.errors import DataError

REF = Path(__file__).parent / "reference"
TOL = 1e-8  # closed-form sums of squares and F; achieved ~1e-12 relative


@pytest.fixture(scope="module")
def bfi():
    d = pd.read_csv(REF / "data" / "bfi.csv")
    d["agree"] = pd.concat([7 - d.A1, d.A2, d.A3, d.A4, d.A5], axis=1).mean(axis=1, skipna=True)
    d = d[d.education.notna() & d.agree.notna()].copy()
    d["edu"] = d.education.astype(int).astype(str)
    d["gender_f"] = d.gender.astype(str)
    return d


@pytest.mark.parametrize("typ,key", [(2, "type_II"), (3, "type_III_sum_contrasts")])
def test_two_way_anova(bfi, typ, key):
    ref = json.loads((REF / "expected" / "bfi_group_tests.json").read_text())
    exp = pd.DataFrame(ref["two_way_anova"][key]["table"])
    got = anova_twoway(bfi, "agree", "gender_f", "edu", typ=typ)
    assert got["term"].tolist() == [t.replace("_f", "").replace("gender", "gender_f").replace("education", "edu")
                                     for t in exp["term"]]
    np.testing.assert_allclose(got["ss"], exp["Sum Sq"], atol=TOL, rtol=1e-9)
    np.testing.assert_allclose(got["df"], exp["Df"])
    np.testing.assert_allclose(got["statistic"], exp["F value"].astype(float), atol=TOL, rtol=1e-9)
    np.testing.assert_allclose(got["p_unc"], exp["Pr(>F)"].astype(float), atol=TOL)
    np.testing.assert_allclose(got["partial_eta2"], exp["partial_eta_sq"].astype(float), atol=TOL)


def test_two_way_type2_with_an_empty_cell_matches_car():
    """car::Anova compares models of the rank the data allow (tests/reference/expected/small_samples.R)."""
    ref = json.loads((REF / "expected" / "small_samples.json").read_text())["twoway_empty_cell"]
    got = anova_twoway(pd.DataFrame(ref["data"]), "y", "a", "b", typ=2)
    assert got["term"].tolist() == ["a", "b", "a:b", "Residuals"]
    np.testing.assert_allclose(got["df"], ref["df"])  # interaction df 3: one cell is empty
    np.testing.assert_allclose(got["ss"], ref["ss"], rtol=1e-10)
    np.testing.assert_allclose(got["statistic"][:3], ref["F"][:3], rtol=1e-10)
    np.testing.assert_allclose(got["p_unc"][:3], ref["p"][:3], rtol=1e-10)


@pytest.mark.parametrize("typ", [2, 3])
def test_two_way_agrees_with_statsmodels_on_a_complete_design(bfi, typ):
    from statsmodels.formula.api import ols
    from statsmodels.stats.anova import anova_lm

    d = pd.DataFrame({"y": bfi["agree"], "a": bfi["gender_f"], "b": bfi["edu"]})
    formula = "y ~ C(a) * C(b)" if typ == 2 else "y ~ C(a, Sum) * C(b, Sum)"
    sm = anova_lm(ols(formula, d).fit(), typ=typ)
    got = anova_twoway(d, "y", "a", "b", typ=typ)
    np.testing.assert_allclose(got["ss"], sm["sum_sq"], rtol=1e-10)
    np.testing.assert_allclose(got["df"], sm["df"])


def test_type3_needs_every_cell():
    d = pd.DataFrame({"y": [1.0, 2, 3, 4, 5, 6, 7], "a": list("xxxyyyy"), "b": list("pqpppqq")})
    d = d[~((d.a == "x") & (d.b == "q"))]
    with pytest.raises(DataError, match="empty: x×q"):
        anova_twoway(d, "y", "a", "b", typ=3)


def test_mixed_matches_lme4(bfi):
    exp = json.loads((REF / "expected" / "bfi_mixed_education.json").read_text())
    got = mixed_random_intercept(bfi, "agree", group="edu", fixed=("gender_f",))
    assert got["converged"] and not got["boundary"]
    assert got["n"] == exp["meta"]["n"]
    assert got["var_group"] == pytest.approx(exp["var_group"], abs=1e-6)
    assert got["var_residual"] == pytest.approx(exp["var_residual"], abs=1e-6)
    assert got["reml_loglik"] == pytest.approx(exp["reml_loglik"], abs=1e-4)
    assert got["lrt_chisq"] == pytest.approx(exp["lrt_chisq"], abs=1e-4)
    assert got["lrt_p"] == pytest.approx(exp["lrt_p_chibar"], abs=1e-6)
    fe = pd.DataFrame(exp["fixed"])
    np.testing.assert_allclose(got["fixed"]["estimate"], fe["estimate"], atol=1e-6)
    np.testing.assert_allclose(got["fixed"]["se"], fe["se"], atol=1e-6)


def test_mixed_agrees_with_statsmodels_robust_optimiser(bfi):
    from statsmodels.regression.mixed_linear_model import MixedLM

    x = np.column_stack([np.ones(len(bfi)), (bfi["gender_f"] == "2").to_numpy(float)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sm = MixedLM(bfi["agree"].to_numpy(), x, groups=bfi["edu"].to_numpy()).fit(reml=True, method=["nm", "lbfgs"])
    got = mixed_random_intercept(bfi, "agree", group="edu", fixed=("gender_f",))
    assert got["var_group"] == pytest.approx(float(np.asarray(sm.cov_re)[0, 0]), abs=1e-4)
    assert got["reml_loglik"] >= sm.llf - 1e-9  # ours is at least as good an optimum


def test_mixed_boundary_is_reported():
    rng = np.random.default_rng(3)
    d = pd.DataFrame({"y": rng.normal(size=300), "g": np.repeat(list("abcdef"), 50)})
    d["y"] -= d.groupby("g")["y"].transform("mean")  # no between-group variation at all
    got = mixed_random_intercept(d, "y", group="g")
    assert got["boundary"] and got["var_group"] == 0 and got["lrt_p"] == 1.0
    assert "boundary" in got["warnings"][0]


def test_mixed_needs_three_groups():
    d = pd.DataFrame({"y": [1.0, 2, 3, 4], "g": list("aabb")})
    with pytest.raises(DataError, match="at least three groups"):
        mixed_random_intercept(d, "y", group="g")
