"""Plain item-code CSV/XLSX → ResponseSet, and the generic bad-input rules (encoding, duplicate column, empty
file, missing item, duplicate ids); round trip through ResponseSet.write."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest
from ingest_support import FIXTURES, bank

from analysis.data.ingest import read_responses
from vcd_core.errors import DataError


@pytest.fixture(scope="module")
def inst():
    return bank()


def test_plain_semicolon_labels_and_duplicates(inst):
    rs = read_responses(FIXTURES / "plain.csv", inst=inst)
    d = rs.data
    assert rs.source.platform == "csv"
    assert d["INF01"].tolist() == [6.0, 5.0, 2.0]  # "Samaa mieltä" (fi) = 6
    assert d["INF02"].tolist() == [6.0, 6.0, 3.0]  # "Stimme zu" (de) = 6
    assert d["duplicate_id"].tolist() == [False, True, True]
    assert any("'P002' at rows 3, 4" in w for w in rs.warnings)
    assert d["finished"].tolist() == [True, False, True] and d["phase"].tolist() == ["before", "during", "after"]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_round_trip_through_write(inst, tmp_path, suffix):
    rs = read_responses(FIXTURES / "qualtrics_numeric.csv", inst=inst)
    out = rs.write(tmp_path / f"out{suffix}")
    if suffix == ".parquet":
        back = pd.read_parquet(out)
        pd.testing.assert_frame_equal(back, rs.data, check_dtype=False)
        return
    again = read_responses(out, inst=inst)
    items = list(rs.items) + ["ATT1", "TIM_INF"]
    np.testing.assert_array_equal(again.data[items].to_numpy(), rs.data[items].to_numpy())
    for col in ("respondent_id", "country", "language", "relationship_type", "phase", "duration_sec", "preview"):
        assert again.data[col].tolist() == rs.data[col].tolist(), col
    assert again.data["source_row_in_file"].tolist() == [str(r) for r in rs.data["source_row"]]


def test_write_refuses_raw_file(inst, tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("respondent_id,INF01\nA,7\n")
    with pytest.raises(DataError, match="refusing to overwrite the raw input file"):
        read_responses(f, inst=inst).write(f)


def test_xlsx(inst, tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["ID", "INF01", "INF02", "notes"])
    wb.active.append(["a", 3, "Agree", "fine"])
    wb.save(tmp_path / "r.xlsx")
    rs = read_responses(tmp_path / "r.xlsx", inst=inst)
    assert rs.data[["respondent_id", "INF01", "INF02", "notes"]].values.tolist() == [["a", 3.0, 6.0, "fine"]]
    assert rs.unknown_columns == ("notes",)


def test_wrong_encoding(inst, tmp_path):
    f = tmp_path / "latin.csv"
    f.write_bytes("respondent_id;INF01;INF02\nA;7;1\nB;Täysin samaa mieltä;2\n".encode("cp1252"))
    with pytest.raises(DataError, match=r"latin.csv, row 3: not UTF-8 text \(byte 0xe4\)"):
        read_responses(f, inst=inst)
    rs = read_responses(f, inst=inst, encoding="cp1252")
    assert rs.data["INF01"].tolist() == [7.0, 7.0]


def test_duplicated_column(inst, tmp_path):
    f = tmp_path / "dup.csv"
    f.write_text("respondent_id,INF01,INF02,INF01\nA,1,2,3\n")
    with pytest.raises(DataError, match=r"dup.csv, row 1, column INF01: duplicated column name \(columns 2 and 4\)"):
        read_responses(f, inst=inst)


def test_empty_and_header_only(inst, tmp_path):
    f = tmp_path / "empty.csv"
    f.write_bytes(b"")
    with pytest.raises(DataError, match="empty.csv: the file is empty"):
        read_responses(f, inst=inst)
    f.write_text("respondent_id,INF01\n")
    rs = read_responses(f, inst=inst)
    assert rs.n == 0 and rs.source.rows_read == 0 and rs.items == ("INF01",)


def test_missing_item_column(inst, tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("respondent_id,INF01,INF02\nA,1,2\n")
    rs = read_responses(f, inst=inst, perspective="provider")
    assert "INF03" in rs.missing_items and any("have no column" in w for w in rs.warnings)
    with pytest.raises(DataError, match=r"r.csv, column INF03: item column missing"):
        read_responses(f, inst=inst, perspective="provider", strict=True)


def test_text_in_likert_column_and_missing_codes(inst, tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("respondent_id,INF01,INF02\nA,1,-9\nB,often,2\nC,4.5,3\n")
    with pytest.raises(DataError) as e:
        read_responses(f, inst=inst)
    assert str(e.value).startswith(f"{f}, row 2, column INF02: value -9 is outside agree7 (1..7) (3 bad cells in 2 "
                                   "column(s)")
    rs = read_responses(f, inst=inst, bad_values="record", missing_codes=(-9,))
    assert rs.unanswered["INF02"].tolist() == [True, False, False]
    assert rs.problems[["source_row", "column", "value"]].values.tolist() == [[3, "INF01", "often"],
                                                                             [4, "INF01", "4.5"]]
    assert any("2 bad cell(s) in 1 column(s)" in w for w in rs.warnings)


def test_unknown_choice_and_language(inst, tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("respondent_id,language,relationship_type,INF01\nA,sv,B2X,1\n")
    with pytest.raises(DataError, match=r"r.csv, row 2, column relationship_type: unknown choice 'B2X' of RELTYPE"):
        read_responses(f, inst=inst)
    label = inst.context_question("RELTYPE").choice("B2B").label["de"]
    f.write_text(f"respondent_id,language,relationship_type,INF01\nA,sv,\"{label}\",1\n")
    rs = read_responses(f, inst=inst)
    assert rs.data.loc[0, "relationship_type"] == "B2B" and rs.data.loc[0, "language"] == "sv"
    assert any("language(s) not in the bank" in w for w in rs.warnings)


def test_personal_data_columns_in_plain_files(inst, tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("respondent_id,email,IP_Address,INF01\nA,a@example.org,192.0.2.1,1\n")
    rs = read_responses(f, inst=inst)
    assert rs.dropped_columns == ("email", "IP_Address") and "email" not in rs.data
    assert read_responses(f, inst=inst, keep_pii=True).data.loc[0, "email"] == "a@example.org"


def test_blank_header_cells_are_named_not_dropped(inst, tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("respondent_id,INF01,,\nA,1,note,\n")
    rs = read_responses(f, inst=inst)
    assert rs.unknown_columns == ("column3", "column4") and rs.data.loc[0, "column3"] == "note"
    assert any("without a name" in w for w in rs.warnings)


def test_documented_fallbacks_for_a_bank_without_context(tmp_path):
    import shutil

    from instrument.model import BANK_DIR
    from instrument.validate import check_bank

    copy = tmp_path / "bank"
    shutil.copytree(BANK_DIR, copy)
    (copy / "context.yaml").unlink()
    (copy / "checks.yaml").unlink()
    partial, problems = check_bank(copy)
    assert problems  # context.yaml / checks.yaml missing
    f = tmp_path / "r.csv"
    f.write_text("respondent_id,country,relationship_type,phase,INF01,ATT1,TIM_INF\nA,fi,2,after,3,1,5\n")
    rs = read_responses(f, inst=partial)
    assert rs.data.loc[0, ["country", "relationship_type", "phase"]].tolist() == ["FI", "B2B", "after"]
    assert rs.data.loc[0, ["ATT1", "TIM_INF"]].tolist() == [1.0, 5.0]
    assert any("used the documented definitions" in w for w in rs.warnings)
    f.write_text("respondent_id,country,INF01\nA,15,3\n")
    with pytest.raises(DataError, match=r"row 2, column country: '15': the bank has no COUNTRY question yet"):
        read_responses(f, inst=partial)
