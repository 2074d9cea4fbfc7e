"""KoboToolbox / ODK exports → ResponseSet: group paths (grp/INF01, grp-INF01), meta columns, XLSX, bad input."""

from __future__ import annotations

import numpy as np
import openpyxl
import pytest
from ingest_support import FIXTURES, bank, synthetic, write_kobo

from analysis.data.ingest import default_instrument, read_responses
from vcd_core.errors import DataError

CODES = ["INF01", "INF02", "ATT1", "INF03", "INF04", "INF05", "INF06", "TIM_INF"]


@pytest.fixture(scope="module")
def inst():
    return bank()


def test_kobo_csv(inst):
    rs = read_responses(FIXTURES / "kobo.csv", inst=inst)
    d = rs.data
    assert rs.source.platform == "xlsform"
    np.testing.assert_array_equal(d[CODES].to_numpy(), np.array([
        [5, 6, 1, 4, 3, 2, 7, 2], [6, 7, 1, np.nan, np.nan, np.nan, np.nan, np.nan]], float))
    assert d["respondent_id"].tolist() == ["3f5c2b1e-7a44-4d0e-9a4b-0b1f2c3d4e5f",
                                           "8a9b0c1d-2e3f-4a5b-8c7d-9e0f1a2b3c4d"]
    np.testing.assert_allclose(d["duration_sec"], [456.887, 215.0])  # end - start, time zones respected
    assert d["finished"].tolist() == [True, True]
    assert {"_id", "_submission_time", "_index", "start", "end"} <= set(rs.platform_columns)
    assert rs.unknown_columns == ("remarks",)


def test_odk_central_csv(inst):
    rs = read_responses(FIXTURES / "odk_central.csv", inst=inst)
    d = rs.data
    assert d.loc[0, CODES].astype(float).tolist() == [5, 6, 1, 4, 3, 2, 7, 2]
    assert d.loc[0, "respondent_id"] == "3f5c2b1e-7a44-4d0e-9a4b-0b1f2c3d4e5f"
    assert rs.dropped_columns == ("DeviceID",) and "SubmissionDate" in rs.platform_columns


def test_generated_kobo_export_of_the_whole_bank(tmp_path):
    inst, _ = default_instrument()
    d = synthetic(inst, "provider", n=30, seed=11)
    items = [i.code for i in inst.items(perspective="provider")]
    f = tmp_path / "kobo.csv"
    write_kobo(d, f, inst, items)
    rs = read_responses(f, inst=inst)
    assert rs.source.platform == "xlsform" and rs.items == tuple(items)
    np.testing.assert_array_equal(rs.data[items].to_numpy(), d[items].to_numpy())
    np.testing.assert_allclose(rs.data["duration_sec"], d["duration_sec"])
    assert rs.data["respondent_id"].tolist() == d["respondent_id"].tolist()


def test_kobo_xlsx_rows_are_excel_rows(inst, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["start", "end", "vcd_inf/INF01", "vcd_inf/INF02", "_uuid", "_submission_time"])
    ws.append(["2026-03-02T09:00:00.000+02:00", "2026-03-02T09:05:00.000+02:00", 5, 6, "u1", "2026-03-02T07:05:10"])
    ws.append([None] * 6)
    ws.append(["2026-03-02T10:00:00.000+02:00", "2026-03-02T10:07:00.000+02:00", 7, 9, "u2", "2026-03-02T08:07:10"])
    f = tmp_path / "kobo.xlsx"
    wb.save(f)
    with pytest.raises(DataError, match=r"kobo.xlsx, row 4, column vcd_inf/INF02: value 9 is outside agree7"):
        read_responses(f, inst=inst)
    ws["D4"] = 2
    wb.save(f)
    rs = read_responses(f, inst=inst)
    assert rs.data["source_row"].tolist() == [2, 4] and rs.data["INF02"].tolist() == [6.0, 2.0]
    assert rs.data["duration_sec"].tolist() == [300.0, 420.0]


def test_two_groups_with_the_same_name(inst, tmp_path):
    f = tmp_path / "dup.csv"
    f.write_text("grp1/INF01;grp2/INF01;_uuid\n5;6;a\n")
    with pytest.raises(DataError, match=r"dup.csv, row 1, column grp2/INF01: two columns map to INF01"):
        read_responses(f, inst=inst)
