"""compare.hypotheses: the seed's Table 3 claims tested on generated data with and without the claimed pattern."""

from __future__ import annotations

import numpy as np
import pytest
from test_compare import simulate, synthetic_instrument

from analysis.compare.hypotheses import NOT_TESTABLE, RI_OMEGA2_MAX, hypotheses_summary, seed_hypotheses, verdict
from instrument.table3 import TABLE3


@pytest.fixture(scope="module")
def inst():
    return synthetic_instrument()


@pytest.fixture(scope="module")
def supportive(inst):
    data = simulate(n=3000, seed=11, theme_effects=True,
                    planted={"inability_to_change": ("phase", "before", 0.6), "blaming": ("phase", "after", 0.6),
                             "absence_of_clear_expectations": ("phase", "before", 0.6),
                             "customer_misbehaviour": ("phase", "after", 0.6)})
    return seed_hypotheses(data, inst)


def test_one_row_per_claim(supportive):
    n_themes = sum(len(r.themes) for r in TABLE3)
    # 8 temporal + 4 phase (before/after reasons) + one per theme
    assert len(supportive) == 8 + 4 + n_themes
    assert supportive["id"].is_unique
    assert list(supportive.columns) == ["id", "claim", "test", "estimate", "p_unc", "p_adj", "verdict", "note", "n"]


def test_claims_supported_when_the_data_follow_table3(supportive):
    bad = supportive[supportive.verdict != "supported"]
    assert bad.empty, bad[["id", "estimate", "p_adj", "note"]]
    chg = supportive.set_index("id").loc["H-T-CHG"]
    # before-share of CHG 0.5/0.9 vs any-time 0.2/0.9: difference ~ 0.33
    assert chg.estimate == pytest.approx(0.3 / 0.9, abs=0.05)
    assert (supportive["p_adj"] >= supportive["p_unc"] - 1e-15).all()


def test_claims_not_supported_without_the_pattern(inst):
    data = simulate(n=3000, seed=12)
    rng = np.random.default_rng(1)
    for r in synthetic_instrument().reasons():  # every reason timed like an any-time reason
        data[f"TIM_{r.code}"] = rng.choice([1, 2, 3, 4, 5], len(data), p=[.2, .3, .2, .2, .1])
    t = seed_hypotheses(data, inst).set_index("id")
    for code in ("CHG", "EXP", "MSB", "BLM"):
        assert t.loc[f"H-T-{code}", "verdict"] == "not supported"
        assert t.loc[f"H-P-{code}", "verdict"] == "not supported"
    specific = t[t.index.str.startswith("H-R-") & ~t.test.str.contains("ANOVA")]
    assert (specific.verdict == "not supported").all()


def test_not_testable_without_timing_or_types(inst):
    data = simulate(n=600, seed=3)
    data = data.drop(columns=[c for c in data.columns if c.startswith("TIM_")] + ["relationship_type"])
    t = seed_hypotheses(data, inst)
    temporal = t[t.id.str.startswith("H-T-")]
    assert (temporal.verdict == NOT_TESTABLE).all()
    assert temporal.note.str.contains("no timing-matrix column").all()
    rel = t[t.id.str.startswith("H-R-")]
    assert (rel.verdict == NOT_TESTABLE).all() and rel.p_adj.isna().all()
    assert t[t.id.str.startswith("H-P-")].verdict.isin(["supported", "not supported"]).all()
    assert "not testable" in hypotheses_summary(t)


# -- the verdict rules at their boundaries --------------------------------------------------------------------------

@pytest.mark.parametrize("estimate,p_adj,expected", [
    (0.2, 0.05 * (1 - 1e-9), "supported"),  # p just below alpha
    (0.2, 0.05, "not supported"),  # p = alpha is not significant
    (0.0, 0.001, "not supported"),  # no difference is not the claimed direction
    (-0.2, 0.001, "not supported"),  # significant, wrong direction
    (np.nan, 0.01, NOT_TESTABLE), (0.2, np.nan, NOT_TESTABLE),
])
def test_verdict_p_rule(estimate, p_adj, expected):
    assert verdict(estimate, p_adj, alpha=0.05) == expected


def test_verdict_direction():
    assert verdict(-0.2, 0.001, direction=-1) == "supported"
    assert verdict(0.2, 0.001, direction=-1) == "not supported"


@pytest.mark.parametrize("omega2,expected", [(RI_OMEGA2_MAX * (1 - 1e-9), "supported"),
                                             (RI_OMEGA2_MAX, "not supported"), (-0.003, "supported"),
                                             (0.05, "not supported")])
def test_verdict_omega2_rule_ignores_p(omega2, expected):
    assert RI_OMEGA2_MAX == 0.01
    assert verdict(omega2, 0.0001, rule="omega2") == expected
    assert verdict(omega2, 0.9, rule="omega2") == expected
