"""Qualtrics response exports → ResponseSet: hand-written fixtures modelled on a published export
(psych251/porter_2016_1_rescue data/pilot_a_anonymized.csv: 3 header rows, question texts with line breaks,
ImportId JSON in row 3), a generated export of the whole bank, the .qsf keying and bad input."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest
from ingest_support import FIXTURES, bank, synthetic, write_qualtrics

from analysis.data.ingest import default_instrument, read_responses
from analysis.data.ingest.qualtrics import parse_qsf
from vcd_core.errors import DataError

ITEMS = ["INF01", "INF02", "INF03", "INF04", "INF05", "INF06"]
EXPECTED = pd.DataFrame({  # rows of qualtrics_numeric.csv
    "respondent_id": ["R_1aB2cD3eF4gH5iJ", "R_2pRvW0xYzAbCdEf", "R_3kLmNoPqRsTuVwX", "R_4sTuVwXyZaBcDeF"],
    "country": ["FI", "FI", "DE", "ES"], "language": ["en", "fi", "de", "es"],
    "relationship_type": ["B2B", "B2C", "B2G", "G2C"], "phase": ["before", "during", "during", "after"],
    "duration_sec": [457.0, 221.0, 215.0, 525.0], "finished": [True, True, False, True],
    "source_row": [11, 12, 13, 14], "preview": [False, True, False, False],
    "INF01": [5, 4, 6, 2], "INF02": [6, 4, 7, 3], "INF03": [4, 4, np.nan, 1], "INF04": [3, 4, np.nan, 2],
    "INF05": [2, 4, np.nan, 2], "INF06": [7, 4, np.nan, 1], "ATT1": [1, 1, 1, 1], "TIM_INF": [2, 5, np.nan, 3],
})


@pytest.fixture(scope="module")
def inst():
    return bank()


def _check(rs, expected, rows=None):
    d = rs.data if rows is None else rs.data.iloc[rows].reset_index(drop=True)
    for col in expected.columns:
        got, want = d[col].tolist(), expected[col].tolist()
        if expected[col].dtype.kind == "f" or col in ITEMS:
            np.testing.assert_array_equal(np.asarray(got, float), np.asarray(want, float), err_msg=col)
        else:
            assert got == want, col


def test_numeric_export_maps_to_bank_codes(inst):
    path = FIXTURES / "qualtrics_numeric.csv"
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    rs = read_responses(path, inst=inst)
    assert rs.source.platform == "qualtrics" and rs.source.header_rows == 3 and rs.source.encoding == "utf-8-sig"
    assert rs.source.sha256 == before == hashlib.sha256(path.read_bytes()).hexdigest()  # raw file untouched
    assert rs.source.rows_read == rs.n == 4
    _check(rs, EXPECTED)
    assert rs.data["status"].tolist() == ["normal", "preview", "normal", "normal"]
    assert list(rs.data.columns[:10]) == ["respondent_id", "country", "language", "relationship_type", "phase",
                                          "duration_sec", "finished", "source_row", "preview", "duplicate_id"]
    # -99 = seen but unanswered, kept apart from not shown
    assert rs.unanswered["INF03"].tolist() == [False, False, True, False]
    assert not rs.unanswered["INF04"].any()
    assert rs.items == tuple(ITEMS) and rs.checks == ("ATT1",) and rs.perspective == "provider"
    assert "IPAddress" in rs.dropped_columns and "IPAddress" not in rs.data
    assert {"LocationLatitude", "RecipientEmail", "ExternalReference"} <= set(rs.dropped_columns)
    assert rs.unknown_columns == ("remarks",) and rs.data["remarks"].iloc[0] == "Deliveries were late, twice."
    assert {"StartDate", "Progress", "Q_RecaptchaScore", "DistributionChannel"} <= set(rs.platform_columns)
    assert any("personal-data" in w for w in rs.warnings)
    assert "status: normal 3, preview 1" in rs.summary() and rs.to_dict()["status"] == {"normal": 3, "preview": 1}


def test_keep_pii(inst):
    rs = read_responses(FIXTURES / "qualtrics_numeric.csv", inst=inst, keep_pii=True)
    assert rs.dropped_columns == () and rs.data["IPAddress"].iloc[0] == "192.0.2.10"


def test_choice_text_utf16_tsv_export(inst):
    rs = read_responses(FIXTURES / "qualtrics_text.tsv", inst=inst)
    assert rs.source.encoding == "utf-16" and rs.source.platform == "qualtrics"
    _check(rs, EXPECTED.iloc[:2].reset_index(drop=True).drop(columns=["TIM_INF"]), rows=[0, 1])
    assert rs.data["TIM_INF"].tolist()[:2] == [2.0, 4.0]  # "During the collaboration", Finnish "Koko ajan"
    third = rs.data.iloc[2]  # German labels
    assert (third["INF01"], third["INF02"], third["ATT1"]) == (5.0, 7.0, 1.0)
    assert third["country"] == "DE" and third["relationship_type"] == "B2G" and bool(third["finished"]) is False
    assert rs.unanswered["INF03"].tolist() == [False, False, True]
    assert rs.data["status"].tolist() == ["normal", "preview", "normal"]


def _qsf(tmp_path, tags: dict[str, str]) -> str:
    answers = {str(v): {"Display": lab} for v, lab in enumerate(
        ["Strongly disagree", "Disagree", "Somewhat disagree", "Neither agree nor disagree", "Somewhat agree",
         "Agree", "Strongly agree"], start=1)}
    q = {"SurveyEntry": {"SurveyID": "SV_x"}, "SurveyElements": [
        {"Element": "SQ", "PrimaryAttribute": "QID5", "Payload": {
            "QuestionID": "QID5", "DataExportTag": "Q5", "QuestionType": "Matrix", "Selector": "Likert",
            "Choices": {str(k): {"Display": c} for k, c in enumerate(tags.values(), 1)},
            "ChoiceDataExportTags": {str(k): c for k, c in enumerate(tags.values(), 1)},
            "Answers": answers, "RecodeValues": {k: k for k in answers},
            "Language": {"FI": {"Answers": {"1": {"Display": "Täysin eri mieltä"}}}}}},
        {"Element": "SQ", "Payload": {"QuestionID": "QID7", "DataExportTag": "remarks", "QuestionType": "TE"}}]}
    p = tmp_path / "survey.qsf"
    p.write_text(json.dumps(q))
    return str(p)


def test_qsf_keys_columns_on_import_id(inst, tmp_path):
    # visible headers renamed (ropensci/qualtRics#170): INF01.. become Q5_1..; the ImportIds still say QID5_k
    text = (FIXTURES / "qualtrics_numeric.csv").read_bytes().decode("utf-8-sig")
    head, rest = text.split("\n", 1)
    names = head.split(",")
    codes = ["INF01", "INF02", "ATT1", "INF03", "INF04", "INF05", "INF06"]
    for k, c in enumerate(codes, start=1):
        names[names.index(c)] = f"Q5_{k}"
    f = tmp_path / "renamed.csv"
    f.write_bytes(("\ufeff" + ",".join(names) + "\n" + rest).encode("utf-8"))
    qsf = _qsf(tmp_path, dict(zip(codes, codes, strict=True)))
    rs = read_responses(f, inst=inst, structure=qsf)
    _check(rs, EXPECTED)
    assert rs.source.structure == qsf and len(rs.source.structure_sha256) == 64
    without = read_responses(f, inst=inst)  # without the .qsf the renamed columns are unknown
    assert "Q5_1" in without.unknown_columns and "INF01" not in without.data


def test_parse_qsf_translations_and_text_entry(tmp_path):
    ids, labels, _ = parse_qsf(_qsf(tmp_path, {"INF01": "INF01"}))
    assert ids == {"QID5_1": "INF01", "QID7_TEXT": "remarks"}
    assert labels["INF01"]["täysin eri mieltä"] == 1.0 and labels["INF01"]["strongly agree"] == 7.0


def test_two_header_rows_without_import_ids(inst, tmp_path):
    raw = (FIXTURES / "qualtrics_numeric.csv").read_bytes().decode("utf-8-sig").split("\n")
    third = next(k for k, line in enumerate(raw) if line.startswith('"{'))
    f = tmp_path / "legacy.csv"
    f.write_text("\n".join(raw[:third] + raw[third + 1:]), encoding="utf-8")
    rs = read_responses(f, inst=inst, platform="qualtrics")
    assert rs.source.header_rows == 2
    assert rs.data["source_row"].tolist() == [10, 11, 12, 13]
    _check(rs, EXPECTED.drop(columns=["source_row"]))
    assert any("2 header row(s)" in w for w in rs.warnings)


def test_generated_export_of_the_whole_bank(tmp_path):
    inst, _ = default_instrument()
    d = synthetic(inst, "provider", n=60, seed=3)
    items = [i.code for i in inst.items(perspective="provider")]
    f = tmp_path / "gen.csv"
    write_qualtrics(d, f, inst, items)
    rs = read_responses(f, inst=inst)
    assert rs.source.platform == "qualtrics" and rs.missing_items == ()
    assert rs.items == tuple(items)
    np.testing.assert_array_equal(rs.data[items].to_numpy(), d[items].to_numpy())
    assert rs.data["language"].tolist() == d["language"].tolist()
    assert rs.data["finished"].astype(bool).tolist() == d["finished"].tolist()
    assert rs.data["source_row"].tolist() == list(range(4, 64))


# -- bad input --------------------------------------------------------------------------------------------
def _mutate(tmp_path, old: str, new: str, name="bad.csv") -> str:
    text = (FIXTURES / "qualtrics_numeric.csv").read_bytes().decode("utf-8-sig")
    assert old in text
    p = tmp_path / name
    p.write_bytes(("\ufeff" + text.replace(old, new, 1)).encode("utf-8"))
    return str(p)


def test_value_out_of_range_names_file_row_column(inst, tmp_path):
    # row 13 (line in the file): INF01 = 6 -> 9
    p = _mutate(tmp_path, "11,3,2,6,7", "11,3,2,9,7")
    with pytest.raises(DataError) as e:
        read_responses(p, inst=inst)
    msg = str(e.value)
    assert msg.startswith(f"{p}, row 13, column INF01: value 9 is outside agree7 (1..7)") and "\n" not in msg


def test_record_mode_keeps_rows_and_lists_cells(inst, tmp_path):
    p = _mutate(tmp_path, "11,3,2,6,7", "11,3,2,9,Sorta")
    rs = read_responses(p, inst=inst, bad_values="record")
    assert rs.n == 4 and np.isnan(rs.data.loc[2, "INF01"]) and np.isnan(rs.data.loc[2, "INF02"])
    cells = rs.problems[["source_row", "column", "value"]].values.tolist()
    assert cells == [[13, "INF01", "9"], [13, "INF02", "Sorta"]]
    assert "unknown label 'Sorta'" in rs.problems["problem"].iloc[1]


def test_bad_import_id_row(inst, tmp_path):
    p = _mutate(tmp_path, '"{""ImportId"":""QID5_1""}"', '"{ImportId: QID5_1"')
    with pytest.raises(DataError, match=r"row 10, column INF01: header row 3 is not ImportId JSON"):
        read_responses(p, inst=inst, platform="qualtrics")


def test_truncated_row(inst, tmp_path):
    text = (FIXTURES / "qualtrics_numeric.csv").read_bytes().decode("utf-8-sig")
    p = tmp_path / "trunc.csv"
    p.write_bytes(("\ufeff" + text[: text.rindex("\n", 0, len(text) - 1) + 40]).encode("utf-8"))
    with pytest.raises(DataError, match=r"trunc.csv, row 14, column \S+: the row has \d+ field\(s\) but the header "
                                        r"has 30 \(truncated row\?\)"):
        read_responses(p, inst=inst)


def test_empty_file(inst, tmp_path):
    p = tmp_path / "empty.csv"
    p.write_bytes(b"\xef\xbb\xbf\r\n")
    with pytest.raises(DataError, match="empty.csv: the file is empty"):
        read_responses(p, inst=inst, platform="qualtrics")


def test_renamed_headers_without_qsf_hint(inst, tmp_path):
    f = tmp_path / "q.csv"
    f.write_bytes(b'\xef\xbb\xbfResponseId,Q5_1\nResponse ID,Q - row\n{"ImportId":"_recordId"},{"ImportId":"QID5_1"}\n'
                  b"R_1,4\n")
    rs = read_responses(f, inst=inst)
    assert rs.items == () and rs.unknown_columns == ("Q5_1",)
    assert any("no column matches an item code" in w and "--structure" in w for w in rs.warnings)


def test_simulator_qualtrics_output_round_trips(tmp_path):
    from analysis.data.simulate import core as simulate
    from analysis.data.simulate import writer as simulate_io

    inst, _ = default_instrument()
    sim = simulate.simulate(inst, simulate.SimulationSpec(countries=("FI", "DE"), n_per_country=15, seed=2))
    out = simulate_io.write_simulation(sim, tmp_path, fmt="qualtrics")
    path = next(p for p in out.values() if p.name.startswith("responses"))
    rs = read_responses(path, inst=inst)
    truth = sim.data.reset_index(drop=True)
    assert rs.source.platform == "qualtrics" and rs.n == len(truth)
    for col in truth.columns:
        if col == "source_row" or col not in rs.data:
            continue
        a, b = truth[col], rs.data[col]
        if a.dtype.kind in "fi" or b.dtype.kind == "f":
            np.testing.assert_array_equal(np.asarray(a, float), np.asarray(b, float), err_msg=col)
        else:
            assert a.astype(str).tolist() == b.astype(str).tolist(), col
    assert rs.missing_items == () and len(rs.items) == len(inst.items(perspective="provider"))


def test_zip_download(inst, tmp_path):
    import zipfile

    z = tmp_path / "VCD_pilot_March.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(FIXTURES / "qualtrics_numeric.csv", "VCD pilot_March 2, 2026_10.05.csv")
    rs = read_responses(z, inst=inst)
    _check(rs, EXPECTED)
    assert rs.source.file == f"{z}:VCD pilot_March 2, 2026_10.05.csv" and rs.source.platform == "qualtrics"
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("r.csv", "respondent_id,INF01\nA,9\n")
    with pytest.raises(DataError, match=r"bad.zip:r.csv, row 2, column INF01: value 9 is outside"):
        read_responses(bad, inst=inst)
    two = tmp_path / "two.zip"
    with zipfile.ZipFile(two, "w") as zf:
        zf.writestr("a.csv", "x\n1\n")
        zf.writestr("b.csv", "x\n1\n")
    with pytest.raises(DataError, match="two.zip: the .zip holds 2 files"):
        read_responses(two, inst=inst)


def test_legacy_export_is_refused_with_a_clear_message(inst, tmp_path):
    f = tmp_path / "legacy.csv"
    f.write_text("V1,V2,V3,V4,V5,V6,V7,V8,V9,V10,INF01\n"
                 "ResponseID,ResponseSet,Name,ExternalDataReference,EmailAddress,IPAddress,Status,StartDate,EndDate,"
                 "Finished,We gave...\nR_1,Default Response Set,Anonymous,,,192.0.2.1,0,2016-01-01 10:00:00,"
                 "2016-01-01 10:05:00,1,5\n")
    with pytest.raises(DataError, match=r"legacy.csv, row 1, column V1: a legacy Qualtrics export"):
        read_responses(f, inst=inst, platform="qualtrics")
