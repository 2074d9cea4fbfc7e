"""Careless indices: hand-computed small cases, and parity with R careless 1.2.2 / psych 2.2.9.

Reference values: tests/reference/careless/careless_reference.json, made by careless_reference.R (next to it)
from small1.csv, small2.csv and careless's own careless_dataset (200 x 50).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.data.careless import (
    evenodd,
    irv,
    longstring,
    mahalanobis,
    mahalanobis_cut,
    pairwise_cov,
    psychsyn,
    psychsyn_pairs,
    row_corr,
)
from vcd_core.errors import DataError

REF = Path(__file__).parent / "reference" / "careless"
FACTORS = {"small1": [3, 3, 2], "small2": [4, 4], "careless_dataset": [10] * 5}


def _ref():
    return json.loads((REF / "careless_reference.json").read_text())


def _data(name):
    return pd.read_csv(REF / f"{name}.csv")


def _arr(v):
    return np.array([np.nan if x is None else x for x in v], float)


# ---- hand-computed cases ------------------------------------------------------------------------------------
def test_longstring_by_hand():
    x = np.array([[1, 1, 2, 2, 2, 3],      # runs 2,3,1 -> max 3, mean 2
                  [5, 5, 5, 5, 5, 5],      # one run of 6
                  [4, np.nan, np.nan, 4, 4, 1]])  # NA is a run of its own: 1,1,1,2,1 -> max 2, mean 6/5
    mx, avg = longstring(x)
    assert mx.tolist() == [3, 6, 2]
    np.testing.assert_allclose(avg, [2.0, 6.0, 1.2])


def test_irv_by_hand():
    x = np.array([[1, 3, 5, np.nan], [2, 2, 2, 2], [7, np.nan, np.nan, np.nan]])
    np.testing.assert_allclose(irv(x), [2.0, 0.0, np.nan])  # sd(1,3,5) = 2


def test_pairwise_cov_by_hand():
    x = np.array([[1, 2], [2, np.nan], [3, 5], [4, 4]], float)
    c, n = pairwise_cov(x)
    # x1 all 4 rows: var 5/3; x2 rows 1,3,4: var 7/3; cov over rows 1,3,4: (25+4+4)/9 / 2 = 11/6
    np.testing.assert_allclose(c, [[5 / 3, 11 / 6], [11 / 6, 7 / 3]])
    assert n.tolist() == [[4, 3], [3, 3]]


def test_mahalanobis_by_hand_two_items():
    x = np.array([[1, 2], [2, 1], [3, 4], [4, 3]], float)
    # S = [[5/3, 1], [1, 5/3]]; row 1 deviation (-1.5, -0.5): d' S^-1 d = (5/3*2.5 - 2*0.75)/(25/9 - 1) = 1.5
    d2 = mahalanobis(x)
    assert d2[0] == pytest.approx(1.5)
    assert d2.sum() == pytest.approx(2 * (4 - 1))  # sum of D2 = (n-1) * p for complete data
    assert mahalanobis_cut(2, 0.999) == pytest.approx(13.815510558, rel=1e-9)


def test_mahalanobis_missing_and_too_few():
    x = np.array([[1, 2], [2, 1], [3, 4], [4, 3], [np.nan, np.nan], [2, np.nan]], float)
    d2 = mahalanobis(x)
    assert np.isnan(d2[4]) and np.isfinite(d2[5])
    with pytest.raises(DataError, match="singular"):
        mahalanobis(np.array([[1, 2, 3], [2, 3, 4]], float))


def test_evenodd_by_hand():
    # factors of 2 items: odd = item 1, even = item 2 of each factor
    x = np.array([[1, 2, 3, 4, 5, 6],    # odd 1,3,5 even 2,4,6: r = 1 -> SB 1 -> -1
                  [1, 7, 2, 6, 4, 4]], float)  # odd 1,2,4 even 7,6,4: r = -1 -> SB -inf -> -1 -> +1
    np.testing.assert_allclose(evenodd(x, [2, 2, 2]), [-1.0, 1.0])
    # r = 0.5 -> SB 2/3 -> -2/3
    y = np.array([[1, 1, 2, 3, 3, 2, 4, 4]], float)  # odd 1,2,3,4  even 1,3,2,4: r = 0.8 -> SB 16/18
    np.testing.assert_allclose(evenodd(y, [2, 2, 2, 2]), [-(2 * 0.8) / 1.8])
    with pytest.raises(DataError, match="two factors"):
        evenodd(x, [6])


def test_row_corr_and_psychsyn_by_hand():
    np.testing.assert_allclose(row_corr(np.array([[1., 2, 3]]), np.array([[1., 2, 4]])), [0.9819805060619657])
    x = np.array([[1, 1, 5], [2, 2, 3], [3, 4, 1], [4, 4, 2]], float)
    assert psychsyn_pairs(x) == [(1, 0)]
    with pytest.raises(DataError, match="no psychometric synonyms"):
        psychsyn(x, critval=0.99)


# ---- parity with R careless ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["small1", "small2", "careless_dataset"])
def test_parity_with_r_careless(name):
    ref = _ref()[name]
    df = _data(name)
    x = df.to_numpy(float)
    mx, avg = longstring(x)
    np.testing.assert_array_equal(mx, ref["longstr"])
    np.testing.assert_allclose(avg, ref["avgstr"], rtol=1e-12)
    np.testing.assert_allclose(irv(x), _arr(ref["irv"]), rtol=1e-12)
    np.testing.assert_allclose(mahalanobis(x), _arr(ref["d_sq"]), rtol=1e-9)
    np.testing.assert_allclose(evenodd(x, FACTORS[name]), _arr(ref["evenodd"]), rtol=1e-9, atol=1e-12)
    cols = df.columns.tolist()
    pairs = psychsyn_pairs(x, 0.60)
    assert [[cols[i], cols[j]] for i, j in pairs] == ref["pairs"]
    syn, npairs = psychsyn(x, 0.60, pairs=pairs)
    np.testing.assert_array_equal(npairs, [p["numPairs"] for p in ref["psychsyn"]])
    np.testing.assert_allclose(syn, _arr([p.get("cor") for p in ref["psychsyn"]]), rtol=1e-9, atol=1e-12)
    if isinstance(ref["psychant"], str):
        with pytest.raises(DataError, match="no psychometric antonyms"):
            psychsyn(x, 0.60, anto=True)
    else:
        ant, n_ant = psychsyn(x, 0.60, anto=True)
        np.testing.assert_allclose(ant, _arr([p.get("cor") for p in ref["psychant"]]), rtol=1e-9, atol=1e-12)
    assert mahalanobis_cut(x.shape[1], 0.999) == pytest.approx(ref["cut_999"], rel=1e-12)
