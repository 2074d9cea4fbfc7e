"""REDCap raw data export → ResponseSet: lower-case field names, <form>_complete, longitudinal rows, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from ingest_support import FIXTURES, bank, synthetic, write_redcap

from analysis.data.ingest import default_instrument, read_responses
from vcd_core.errors import DataError

CODES = ["INF01", "INF02", "ATT1", "INF03", "INF04", "INF05", "INF06", "TIM_INF"]


@pytest.fixture(scope="module")
def inst():
    return bank()


def test_raw_export(inst):
    rs = read_responses(FIXTURES / "redcap_raw.csv", inst=inst)
    d = rs.data
    assert rs.source.platform == "redcap"
    np.testing.assert_array_equal(d[CODES].to_numpy(), np.array([
        [5, 6, 1, 4, 3, 2, 7, 2],
        [6, 7, 1, np.nan, np.nan, np.nan, np.nan, np.nan],
        [2, 3, 1, 1, 2, 2, 1, 3]], float))
    assert d["respondent_id"].tolist() == ["1", "2", "3"] and "record_id" not in d
    assert d["finished"].tolist() == [True, False, True]
    assert d["country"].tolist() == ["FI", "DE", "ES"] and d["relationship_type"].tolist() == ["B2B", "B2G", "G2C"]
    assert {"vcd_provider_timestamp", "vcd_provider_complete"} <= set(rs.platform_columns)


def test_generated_export_of_the_whole_bank(tmp_path):
    inst, _ = default_instrument()
    d = synthetic(inst, "provider", n=30, seed=7)
    items = [i.code for i in inst.items(perspective="provider")]
    f = tmp_path / "rc.csv"
    write_redcap(d, f, inst, items)
    rs = read_responses(f, inst=inst)
    assert rs.source.platform == "redcap" and rs.items == tuple(items)
    np.testing.assert_array_equal(rs.data[items].to_numpy(), d[items].to_numpy())
    assert rs.data["finished"].astype(bool).tolist() == d["finished"].tolist()


def test_longitudinal_rows_get_composed_ids(inst, tmp_path):
    f = tmp_path / "long.csv"
    f.write_text("record_id,redcap_event_name,redcap_repeat_instrument,redcap_repeat_instance,inf01,inf02\n"
                 "1,wave_1_arm_1,,,5,6\n1,wave_2_arm_1,,,4,4\n2,wave_1_arm_1,,,3,2\n1,wave_2_arm_1,,,4,5\n")
    rs = read_responses(f, inst=inst)
    assert rs.data["respondent_id"].tolist() == ["1|wave_1_arm_1", "1|wave_2_arm_1", "2|wave_1_arm_1",
                                                 "1|wave_2_arm_1"]
    assert rs.data["duplicate_id"].tolist() == [False, True, False, True]
    assert "record_id" in rs.platform_columns and "redcap_event_name" in rs.platform_columns


def test_labels_as_headers_rejected(inst, tmp_path):
    f = tmp_path / "labels.csv"
    f.write_text("Record ID,INF01\n1,Agree\n")
    with pytest.raises(DataError, match=r"labels.csv, row 1, column Record ID: header is not a REDCap field name"):
        read_responses(f, inst=inst, platform="redcap")


def test_out_of_range(inst, tmp_path):
    text = (FIXTURES / "redcap_raw.csv").read_text().replace("14,4,3,2,3,1", "14,4,3,2,3,8")
    f = tmp_path / "bad.csv"
    f.write_text(text)
    with pytest.raises(DataError, match=r"bad.csv, row 4, column att1: value 8 is outside agree7 \(1..7\)"):
        read_responses(f, inst=inst)


def test_missing_data_codes(inst, tmp_path):
    f = tmp_path / "mdc.csv"
    f.write_text("record_id,inf01,inf02\n1,UNK,5\n2,3,NASK\n")
    with pytest.raises(DataError, match=r"mdc.csv, row 2, column inf01: unknown label 'UNK'"):
        read_responses(f, inst=inst)
    rs = read_responses(f, inst=inst, missing_codes=("UNK", "NASK"))
    assert rs.unanswered[["INF01", "INF02"]].values.tolist() == [[True, False], [False, True]]
    np.testing.assert_array_equal(rs.data[["INF01", "INF02"]].to_numpy(), [[np.nan, 5], [3, np.nan]])
