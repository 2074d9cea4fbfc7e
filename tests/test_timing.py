"""compare.timing: the per-reason timing matrix and its homogeneity tests, on seeded data (tests/test_compare.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_compare import simulate, synthetic_instrument

from analysis.compare.timing import timing_columns, timing_matrix
from vcd_core.errors import DataError


@pytest.fixture(scope="module")
def inst():
    return synthetic_instrument()


@pytest.fixture(scope="module")
def planted():
    return simulate(), None


def test_timing_columns_from_the_bank_rows(inst):
    assert timing_columns(inst)["inability_to_change"] == "TIM_CHG"


def test_timing_matrix_shares(planted, inst):
    data, _ = planted
    m, t = timing_matrix(data, inst)
    chg = m[m.reason == "inability_to_change"].set_index("phase")
    # P(before | occurred) = 0.5 / 0.9
    assert chg.loc["before", "share"] == pytest.approx(0.5 / 0.9, abs=0.04)
    assert chg.loc["none", "share"] == pytest.approx(0.1, abs=0.03)
    occ = m[m.phase != "none"].groupby("reason")["share"].sum()
    np.testing.assert_allclose(occ, 1.0)
    assert set(m.seed_time) == {"any", "before", "after"}
    across = t[t.test == "chi2_across_reasons"].iloc[0]
    assert across.p_unc < 1e-10 and across.df1 == 7 * 3
    per = t[t.test == "chi2_across_relationship_types"]
    assert len(per) == 8 and (per.p_adj > 0.01).all()  # nothing planted across types


def test_timing_matrix_bad_values(inst):
    d = pd.DataFrame({"TIM_INF": [1, 7], "relationship_type": ["B2C", "B2B"]})
    with pytest.raises(DataError, match=r"row 2, column TIM_INF: timing value 7"):
        timing_matrix(d, inst)
    with pytest.raises(DataError, match="no timing-matrix columns"):
        timing_matrix(pd.DataFrame({"x": [1]}), inst)


def test_chi2_and_cramers_v_match_r():
    """chisq.test(correct = FALSE) and rstatix::cramer_v on a 3 x 4 table (tests/reference/expected/small_samples.R)."""
    import json
    from pathlib import Path

    from analysis.compare.timing import _chi2

    ref = json.loads((Path(__file__).parent / "reference" / "expected" / "small_samples.json").read_text())["chi2"]
    chi2, dof, p, v = _chi2(np.array(ref["table"], float))
    np.testing.assert_allclose([chi2, dof, p, v], [ref["statistic"], ref["df"], ref["p"], ref["cramers_v"]],
                               rtol=1e-10)
    # an empty row or column is dropped before testing (it carries no information)
    padded = np.vstack([np.array(ref["table"], float), np.zeros(4)])
    np.testing.assert_allclose(_chi2(padded), [chi2, dof, p, v], rtol=1e-12)
