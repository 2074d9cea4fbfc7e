"""SPSS .sav → ResponseSet: Qualtrics-style variable names, value labels checked against the bank, user-missing
-99 kept as seen-but-unanswered, case numbers as rows, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from ingest_support import bank

from analysis.data.ingest import read_responses
from vcd_core.errors import DataError

AGREE = {1.0: "Strongly disagree", 2.0: "Disagree", 3.0: "Somewhat disagree", 4.0: "Neither agree nor disagree",
         5.0: "Somewhat agree", 6.0: "Agree", 7.0: "Strongly agree", -99.0: "Seen but not answered"}


@pytest.fixture(scope="module")
def inst():
    return bank()


def _sav(path, labels=AGREE, inf02=(6.0, -99.0, 3.0)):
    df = pd.DataFrame({
        "ResponseId": ["R_a", "R_b", "R_c"], "Status": [0.0, 1.0, 0.0], "Duration__in_seconds_": [457.0, 221.0, 98.0],
        "Finished": [1.0, 1.0, 0.0], "UserLanguage": ["EN", "FI", "ES-ES"], "IPAddress": ["192.0.2.1"] * 3,
        "COUNTRY": [15.0, 15.0, 14.0], "RELTYPE": [2.0, 1.0, 4.0],
        "INF01": [5.0, 4.0, np.nan], "INF02": list(inf02), "ATT1": [1.0, 1.0, 7.0], "TIM_INF": [2.0, 5.0, 3.0]})
    pyreadstat.write_sav(df, str(path), variable_value_labels={"INF01": labels, "INF02": labels},
                         missing_ranges={"INF01": [-99.0], "INF02": [-99.0]},
                         column_labels={"INF01": "We gave the customer information that later turned out wrong."})
    return path


def test_sav_maps_and_keeps_user_missing(inst, tmp_path):
    rs = read_responses(_sav(tmp_path / "r.sav"), inst=inst)
    d = rs.data
    assert rs.source.platform == "spss" and rs.source.header_rows == 0
    assert d["respondent_id"].tolist() == ["R_a", "R_b", "R_c"]
    assert d["source_row"].tolist() == [1, 2, 3]  # case numbers
    assert d["language"].tolist() == ["en", "fi", "es"] and d["country"].tolist() == ["FI", "FI", "ES"]
    assert d["relationship_type"].tolist() == ["B2B", "B2C", "G2C"]
    assert d["preview"].tolist() == [False, True, False] and d["status"].tolist() == ["normal", "preview", "normal"]
    assert d["finished"].tolist() == [True, True, False] and d["duration_sec"].tolist() == [457.0, 221.0, 98.0]
    np.testing.assert_array_equal(d["INF01"], [5.0, 4.0, np.nan])
    np.testing.assert_array_equal(d["INF02"], [6.0, np.nan, 3.0])
    assert rs.unanswered["INF02"].tolist() == [False, True, False]
    assert not rs.unanswered["INF01"].any()  # system-missing is not "seen"
    assert rs.dropped_columns == ("IPAddress",)


def test_reversed_value_labels_are_an_error(inst, tmp_path):
    reversed_labels = {8.0 - k: v for k, v in AGREE.items() if k > 0}
    with pytest.raises(DataError, match=r"r.sav, column INF01: value label 1 = 'Strongly agree' is the bank's label "
                                        r"of 7 on agree7"):
        read_responses(_sav(tmp_path / "r.sav", labels=reversed_labels), inst=inst)


def test_unknown_value_labels_warn(inst, tmp_path):
    labels = {1.0: "Not at all", 7.0: "Completely"}
    rs = read_responses(_sav(tmp_path / "r.sav", labels=labels), inst=inst)
    assert any("value labels not in the bank" in w for w in rs.warnings)


def test_out_of_range_case_number(inst, tmp_path):
    with pytest.raises(DataError, match=r"r.sav, row 3, column INF02: value 0 is outside agree7"):
        read_responses(_sav(tmp_path / "r.sav", inf02=(6.0, -99.0, 0.0)), inst=inst)


def test_not_a_sav_file(inst, tmp_path):
    f = tmp_path / "x.sav"
    f.write_text("respondent_id,INF01\n1,2\n")
    with pytest.raises(DataError, match=r"x.sav: not a readable SPSS .sav file"):
        read_responses(f, inst=inst)


def test_limesurvey_style_names(inst, tmp_path):
    f = tmp_path / "ls.sav"
    df = pd.DataFrame({"id": [1.0, 2.0], "INF_INF01": [5.0, 6.0], "TIMING_TIMINF": [2.0, 3.0], "TIM_INF2": [1.0, 1.0]})
    pyreadstat.write_sav(df, str(f))
    rs = read_responses(f, inst=inst)
    assert rs.data["INF01"].tolist() == [5.0, 6.0] and rs.data["TIM_INF"].tolist() == [2.0, 3.0]
    assert rs.data["respondent_id"].tolist() == ["1", "2"] and rs.unknown_columns == ("TIM_INF2",)
