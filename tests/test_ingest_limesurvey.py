"""LimeSurvey response CSV → ResponseSet: hand-written export (question-code headings, every field quoted,
answer codes A1..A7 resolved through the tab-separated structure file), a generated export, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from ingest_support import FIXTURES, bank, synthetic, write_limesurvey

from analysis.data.ingest import default_instrument, read_responses
from analysis.data.ingest.limesurvey import parse_structure
from vcd_core.errors import DataError

CODES = ["INF01", "INF02", "ATT1", "INF03", "INF04", "INF05", "INF06", "TIM_INF"]


@pytest.fixture(scope="module")
def inst():
    return bank()


def test_codes_with_structure(inst):
    rs = read_responses(FIXTURES / "limesurvey_codes.csv", inst=inst, structure=FIXTURES / "limesurvey_structure.txt")
    d = rs.data
    assert rs.source.platform == "limesurvey" and rs.source.structure_sha256
    np.testing.assert_array_equal(d[CODES].to_numpy(), np.array([
        [5, 6, 1, 4, 3, 2, 7, 2],
        [6, 7, 1, np.nan, np.nan, np.nan, np.nan, np.nan],
        [2, 3, 1, 1, 2, 2, 1, 3]], float))
    assert d["respondent_id"].tolist() == ["1", "2", "3"]
    assert d["finished"].tolist() == [True, False, True]  # empty submitdate = not finished
    assert d["duration_sec"].tolist() == [457.3, 215.0, 525.9]
    assert d["language"].tolist() == ["en", "de", "es"]
    assert d["country"].tolist() == ["FI", "DE", "ES"] and d["phase"].tolist() == ["before", "during", "after"]
    assert d["source_row"].tolist() == [2, 3, 4]
    assert rs.dropped_columns == ("ipaddr",) and "submitdate" in rs.platform_columns
    assert rs.unknown_columns == ("remarks",)


def test_structure_file_parsing():
    raw, sha = parse_structure(FIXTURES / "limesurvey_structure.txt")
    assert raw["INF"]["a1"] == "Strongly disagree" and raw["TIMING"]["t4"] == "Throughout" and len(sha) == 64


def test_answer_codes_without_structure_name_the_cell():
    path = FIXTURES / "limesurvey_codes.csv"
    with pytest.raises(DataError) as e:
        read_responses(path)
    assert str(e.value).startswith(f"{path}, row 2, column INF[INF01]: unknown label 'A5'")
    assert "--structure" in str(e.value)


def test_generated_export_of_the_whole_bank(tmp_path):
    inst, _ = default_instrument()
    d = synthetic(inst, "customer", n=50, seed=5)
    items = [i.code for i in inst.items(perspective="customer")]
    f = tmp_path / "ls.csv"
    write_limesurvey(d, f, inst, items)
    rs = read_responses(f, inst=inst)
    assert rs.source.platform == "limesurvey" and rs.perspective == "customer" and rs.missing_items == ()
    np.testing.assert_array_equal(rs.data[items].to_numpy(), d[items].to_numpy())
    assert rs.data["finished"].astype(bool).tolist() == d["finished"].tolist()
    assert rs.data["duration_sec"].tolist() == d["duration_sec"].tolist()


def test_semicolon_separator(inst, tmp_path):
    text = (FIXTURES / "limesurvey_codes.csv").read_text(encoding="utf-8").replace('","', '";"')
    f = tmp_path / "semi.csv"
    f.write_text(text, encoding="utf-8")
    rs = read_responses(f, inst=inst, platform="limesurvey", structure=FIXTURES / "limesurvey_structure.txt")
    assert rs.data.loc[0, "INF06"] == 7.0 and rs.n == 3


def test_unknown_answer_code_with_structure(inst, tmp_path):
    text = (FIXTURES / "limesurvey_codes.csv").read_text(encoding="utf-8").replace('"A6","A7","A1"', '"A6","A9","A1"')
    f = tmp_path / "bad.csv"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=r"bad.csv, row 3, column INF\[INF02\]: unknown label 'A9'"):
        read_responses(f, inst=inst, structure=FIXTURES / "limesurvey_structure.txt")
