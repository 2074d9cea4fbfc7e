"""analysis.invariance.criteria at every boundary: Chen (2007) and Cheung & Rensvold (2002) count a drop of exactly
.010 in CFI (and a rise of exactly .015 in RMSEA, .030 / .010 in SRMR) as non-invariance; the configural cutoffs
(CFI .90, RMSEA .08, SRMR .08) are acceptable fit. Each test fails if ``<`` replaces ``<=`` (or ``>`` ``>=``)."""

from __future__ import annotations

import pytest

from analysis.invariance.criteria import judge_configural, judge_step

BASE = {"cfi": 0.970, "rmsea": 0.050, "srmr": 0.040}


def cur(d_cfi: float = 0.0, d_rmsea: float = 0.0, d_srmr: float = 0.0, base: dict | None = None) -> dict:
    b = base or BASE
    return {"cfi": b["cfi"] + d_cfi, "rmsea": b["rmsea"] + d_rmsea, "srmr": b["srmr"] + d_srmr}


@pytest.mark.parametrize("prev_cfi", [0.970, 0.950, 0.9])  # .96 − .97 is −0.0099999999999999 in binary
def test_chen_delta_cfi_boundary(prev_cfi):
    base = dict(BASE, cfi=prev_cfi)
    at = {"cfi": round(prev_cfi - 0.010, 3), "rmsea": 0.065, "srmr": 0.040}  # ΔRMSEA .015 exactly
    assert judge_step("metric", base, at, "chen2007")[0] is False
    inside = dict(at, cfi=round(prev_cfi - 0.009, 3))
    assert judge_step("metric", base, inside, "chen2007")[0] is True


def test_chen_delta_rmsea_boundary():
    assert judge_step("scalar", BASE, cur(-0.02, 0.015), "chen2007")[0] is False
    assert judge_step("scalar", BASE, cur(-0.02, 0.014), "chen2007")[0] is True


@pytest.mark.parametrize(("step", "cut"), [("metric", 0.030), ("scalar", 0.010), ("strict", 0.010)])
def test_chen_delta_srmr_boundary(step, cut):
    ok, why = judge_step(step, BASE, cur(-0.02, 0.0, cut), "chen2007")
    assert ok is False and "ΔSRMR" in why
    assert judge_step(step, BASE, cur(-0.02, 0.0, cut - 0.001), "chen2007")[0] is True


def test_chen_needs_cfi_and_another_index():
    assert judge_step("metric", BASE, cur(-0.009, 0.05, 0.05), "chen2007")[0] is True
    assert judge_step("metric", BASE, cur(-0.05, 0.0, 0.0), "chen2007")[0] is True


def test_cheung_delta_cfi_boundary():
    assert judge_step("metric", BASE, {"cfi": 0.960, "rmsea": 0.05, "srmr": 0.04}, "cheung2002") == (
        False, "ΔCFI -0.010 ≤ -0.010")
    assert judge_step("metric", BASE, {"cfi": 0.961, "rmsea": 0.05, "srmr": 0.04}, "cheung2002")[0] is True


@pytest.mark.parametrize(("key", "at", "beyond"), [("cfi", 0.90, 0.899), ("rmsea", 0.08, 0.081),
                                                   ("srmr", 0.08, 0.081)])
def test_configural_boundaries(key, at, beyond):
    good = {"cfi": 0.95, "rmsea": 0.05, "srmr": 0.05}
    assert judge_configural(dict(good, **{key: at}))[0] is True
    assert judge_configural(dict(good, **{key: beyond}))[0] is False
    # computed values carry binary noise: .08 reached as a sum is still acceptable
    assert judge_configural(dict(good, **{key: (at * 10 + 1e-14) / 10}))[0] is True
