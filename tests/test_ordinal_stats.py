"""Ordinal sample statistics (analysis.stats.ordinal) against lavaan 0.6.14.

References (tests/reference/ordinal/): ``bfi_ordinal_samplestats.json`` made by the R script next to it
(thresholds, polychorics, WLS.obs, NACOV, DWLS weights; listwise, pairwise, by gender) and
``bfi_ordinal_shared.json`` (copied from the shared reference set: lavCor polychorics and thresholds with pairwise
and listwise missing, category counts by gender).

Tolerances: thresholds 1e-10 (both are qnorm of the same proportions); polychorics 1e-6 (lavaan's nlminb stops
within ~4e-8 of the root we solve to 1e-13); NACOV and the DWLS weights 1e-6 relative (the ρ differences
propagate: observed ≤ 1e-7).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.data.simulate import SimulationSpec, simulate
from analysis.stats.ordinal import ordinal_stats, pair_index
from instrument.validate import load_bank
from vcd_core.errors import DataError

REF = Path(__file__).parent / "reference"
SAMPLE = json.loads((REF / "ordinal" / "bfi_ordinal_samplestats.json").read_text())
SHARED = json.loads((REF / "ordinal" / "bfi_ordinal_shared.json").read_text())
ITEMS = SAMPLE["items"]


@pytest.fixture(scope="module")
def bfi() -> pd.DataFrame:
    return pd.read_csv(REF / "data" / "bfi.csv")


@pytest.fixture(scope="module")
def computed(bfi):
    return {
        "listwise": ordinal_stats(bfi, ITEMS, missing="listwise"),
        "pairwise": ordinal_stats(bfi, ITEMS, missing="pairwise"),
        "by_gender": ordinal_stats(bfi, ITEMS, group="gender", missing="listwise"),
    }


@pytest.mark.parametrize("case", ["listwise", "pairwise", "by_gender"])
def test_samplestats_match_lavaan(computed, case):
    st = computed[case]
    ref = SAMPLE[case]
    assert len(st.groups) == len(ref["groups"])
    if case == "by_gender":
        assert [g.label for g in st.groups] == ref["group_labels"]
        assert [g.n for g in st.groups] == ref["n"]
    else:
        assert st.groups[0].n == ref["n"]
    for g, rg in zip(st.groups, ref["groups"], strict=True):
        assert list(g.thresholds["name"]) == rg["th_names"]
        wo = np.array(rg["wls_obs"])
        nth = len(rg["th"])
        assert len(g.wls_obs) == len(wo)
        np.testing.assert_allclose(g.wls_obs[:nth], wo[:nth], rtol=0, atol=1e-10)
        np.testing.assert_allclose(g.wls_obs[nth:], wo[nth:], rtol=0, atol=1e-6)
        np.testing.assert_allclose(g.polychoric.to_numpy(), np.array(rg["cor"]), rtol=0, atol=1e-6)
        np.testing.assert_allclose(np.diag(g.nacov), rg["nacov_diag"], rtol=1e-6)
        np.testing.assert_allclose(g.wls_v, rg["wls_v_diag"], rtol=1e-6)
        idx = np.array(rg["nacov_sub_index"]) - 1
        sub = np.array(rg["nacov_sub"])
        # every element (thresholds × thresholds, × correlations, correlations × correlations), relative to the
        # matrix's scale so that near-zero covariances are judged by the same yardstick
        np.testing.assert_allclose(g.nacov[np.ix_(idx, idx)], sub, rtol=0, atol=1e-6 * np.abs(sub).max())
        big = np.abs(sub) > 1e-3 * np.abs(sub).max()
        np.testing.assert_allclose(g.nacov[np.ix_(idx, idx)][big], sub[big], rtol=1e-6)


@pytest.mark.parametrize("case", ["pairwise", "listwise"])
def test_polychorics_match_lavcor(computed, case):
    ref = SHARED[f"lavCor_{case}"]
    st = computed[case]
    g = st.groups[0]
    assert g.n == ref["n"]
    assert ref["polychoric"]["rownames"] == ITEMS
    np.testing.assert_allclose(g.polychoric.to_numpy(), np.array(ref["polychoric"]["values"]), rtol=0, atol=1e-6)
    th = dict(zip(g.thresholds["name"], g.thresholds["value"], strict=True))
    assert set(th) == set(ref["thresholds"])
    for name, v in ref["thresholds"].items():
        assert th[name] == pytest.approx(v, abs=1e-10)


def test_category_counts_by_gender(computed):
    st = computed["by_gender"]
    for row in SHARED["category_counts_gender"]:
        g = st.groups[st_index(st, str(row["group"]))]
        cc = g.category_counts[g.category_counts["item"] == row["item"]]
        assert cc["count"].tolist() == [row[f"n_cat{k}"] for k in range(1, 7)]
    assert [g.label for g in st.groups] == SHARED["group_order"]


def st_index(st, label: str) -> int:
    return [g.label for g in st.groups].index(label)


def test_wls_obs_order_and_names(computed):
    st = computed["listwise"]
    names = st.obs_names
    assert names[:2] == ["A1|t1", "A1|t2"] and names[125:127] == ["A2~~A1", "A3~~A1"]
    il, jl = pair_index(len(ITEMS))
    g = st.groups[0]
    np.testing.assert_array_equal(g.wls_obs[125:], g.polychoric.to_numpy()[il, jl])
    assert len(st.th_item) == 125 and st.th_item[5] == 1
    assert st.n_raw == 2800 and st.ntotal + st.n_excluded == st.n_raw
    assert "N = 2436" in st.summary()


def test_weights_only_equal_full_diagonal(bfi):
    items = ITEMS[:6]
    full = ordinal_stats(bfi, items, group="gender").groups[1]
    diag = ordinal_stats(bfi, items, group="gender", nacov=False).groups[1]
    assert diag.nacov is None
    np.testing.assert_allclose(diag.wls_v, full.wls_v, rtol=1e-12)


# ---------------------------------------------------------------- empty categories on a generated study
@pytest.fixture(scope="module")
def study() -> pd.DataFrame:
    sim = simulate(load_bank(), SimulationSpec(countries=("FI", "SE", "EE"), n_per_country=300, seed=11))
    d = sim.data
    # EE becomes a small country (60 respondents) that never answers 1 on INF02
    small = d[d["country"] == "EE"].head(60).copy()
    small.loc[small["INF02"] == 1, "INF02"] = 2
    return pd.concat([d[d["country"] != "EE"], small], ignore_index=True)


STUDY_ITEMS = ["INF01", "INF02", "INF03", "INF04"]


def test_empty_category_stops_with_item_group_category(study):
    with pytest.raises(DataError) as err:
        ordinal_stats(study, STUDY_ITEMS, group="country", missing="pairwise")
    msg = str(err.value)
    assert "\n" not in msg
    assert "INF02" in msg and "group EE" in msg and "category 1 " in msg
    assert "empty_categories='collapse'" in msg


def test_empty_category_collapsed_in_every_group(study):
    st = ordinal_stats(study, STUDY_ITEMS, group="country", missing="pairwise", empty_categories="collapse")
    assert st.collapsed.to_dict("records") == [
        {"item": "INF02", "category": "1", "merged_into": "2", "groups": "EE"}]
    assert st.categories["INF02"] == ("1+2", "3", "4", "5", "6", "7")
    assert st.categories["INF01"] == tuple(str(k) for k in range(1, 8))
    for g in st.groups:
        th = g.thresholds[g.thresholds["item"] == "INF02"]
        assert len(th) == 5 and th.iloc[0]["below"] == "1+2"
        assert np.all(np.diff(th["value"]) > 0) and np.isfinite(th["value"]).all()
        sub = study[study["country"] == g.label]["INF02"]
        counts = g.category_counts[g.category_counts["item"] == "INF02"]["count"].tolist()
        assert counts[0] == int(sub.isin([1, 2]).sum()) and sum(counts) == int(sub.notna().sum())
        assert (counts[0] > 0) and np.all(np.isfinite(g.nacov))
    assert [g.label for g in st.groups] == ["FI", "SE", "EE"]
    assert "merged: INF02 category 1 into 2" in st.summary()


def test_declared_scale_points_count_as_categories(study):
    # with the bank's 7 scale points declared, a point nobody used anywhere is empty too
    d = study.copy()
    d.loc[d["INF03"] == 7, "INF03"] = 6
    items = ["INF01", "INF03"]
    with pytest.raises(DataError, match="column INF03: group FI: category 7 is empty"):
        ordinal_stats(d, items, group="country", categories=range(1, 8), missing="pairwise")
    assert ordinal_stats(d, items, group="country", missing="pairwise").categories["INF03"][-1] == "6"
    st = ordinal_stats(d, STUDY_ITEMS, group="country", categories=range(1, 8), empty_categories="collapse",
                       missing="pairwise")
    assert st.categories["INF03"][-1] == "6+7"


# ---------------------------------------------------------------- bad input
def test_bad_input_messages(study):
    d = study[STUDY_ITEMS + ["country"]].copy()
    d.loc[3, "INF01"] = 2.5
    with pytest.raises(DataError, match=r"row 4, column INF01: value 2.5 is not a category"):
        ordinal_stats(d, STUDY_ITEMS, group="country")
    d = study[STUDY_ITEMS + ["country"]].copy()
    d.loc[5, "country"] = None
    with pytest.raises(DataError, match=r"row 6, column country: group is missing"):
        ordinal_stats(d, STUDY_ITEMS, group="country")
    with pytest.raises(DataError, match="unknown column"):
        ordinal_stats(study, ["INF01", "NOPE"])
    with pytest.raises(DataError, match="continuous items next to ordered"):
        ordinal_stats(study, STUDY_ITEMS, ordered=["INF01", "INF02"])
    with pytest.raises(DataError, match="missing must be"):
        ordinal_stats(study, STUDY_ITEMS, missing="ml")
    with pytest.raises(DataError, match=r"value 9 is not one of the categories"):
        ordinal_stats(study.assign(INF01=study["INF01"].replace(7, 9)), STUDY_ITEMS, categories=range(1, 8))


def test_listwise_counts_rows(study):
    st = ordinal_stats(study, STUDY_ITEMS, group="country", missing="listwise", empty_categories="collapse")
    complete = study[STUDY_ITEMS].notna().all(axis=1)
    assert st.ntotal == int(complete.sum()) and st.n_excluded == int((~complete).sum())
    assert st.n_raw == len(study)
