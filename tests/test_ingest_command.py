"""``vcd ingest`` through click's CliRunner: summary, outputs, JSON, one-line errors."""

from __future__ import annotations

import json

import pandas as pd
from click.testing import CliRunner
from ingest_support import FIXTURES

from analysis.cli import cli


def test_summary_and_outputs(tmp_path):
    out = tmp_path / "r.parquet"
    res = CliRunner().invoke(cli, ["ingest", str(FIXTURES / "plain.csv"), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "csv file" in res.output and "rows: 3 read, 3 kept" in res.output and "items found: 6" in res.output
    assert "duplicate id" in res.output and f"wrote {out}" in res.output
    d = pd.read_parquet(out)
    assert d["INF01"].tolist() == [6.0, 5.0, 2.0] and d["source_row"].tolist() == [2, 3, 4]


def test_json_and_platform_option(tmp_path):
    out = tmp_path / "r.csv"
    res = CliRunner().invoke(cli, ["ingest", str(FIXTURES / "limesurvey_codes.csv"), "--platform", "limesurvey",
                                   "--structure", str(FIXTURES / "limesurvey_structure.txt"), "--perspective",
                                   "provider", "-o", str(out), "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d["platform"] == "limesurvey" and d["rows_read"] == 3 and d["rows_dropped"] == 0
    assert d["items_found"][:2] == ["INF01", "INF02"] and d["dropped_columns"] == ["ipaddr"]
    assert d["out"] == str(out) and out.exists()


def test_error_is_one_line(tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text("respondent_id,INF01\nA,8\n")
    res = CliRunner().invoke(cli, ["ingest", str(f)])
    assert res.exit_code == 1
    assert res.output.strip() == f"Error: {f}, row 2, column INF01: value 8 is outside agree7 (1..7)"


def test_record_mode_writes_problems(tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text("respondent_id,INF01\nA,8\nB,2\n")
    probs = tmp_path / "problems.csv"
    res = CliRunner().invoke(cli, ["ingest", str(f), "--bad-values", "record", "--problems", str(probs)])
    assert res.exit_code == 0 and "problem cells recorded as missing: 1" in res.output
    assert pd.read_csv(probs)[["source_row", "column", "value"]].values.tolist() == [[2, "INF01", 8]]


def test_bad_output_suffix(tmp_path):
    res = CliRunner().invoke(cli, ["ingest", str(FIXTURES / "plain.csv"), "-o", str(tmp_path / "r.xlsx")])
    assert res.exit_code == 1 and "output must end in .csv or .parquet" in res.output


def test_missing_code_option(tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("respondent_id,INF01,INF02\nA,-9,UNK\nB,2,3\n")
    res = CliRunner().invoke(cli, ["ingest", str(f), "--missing-code", "-9", "--missing-code", "UNK", "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d["unanswered_cells"] == 2 and d["problem_cells"] == 0
