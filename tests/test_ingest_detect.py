"""Platform detection from the file's extension and first rows."""

from __future__ import annotations

import pytest
from ingest_support import FIXTURES

from analysis.data.ingest.detect import detect_header, detect_platform
from vcd_core.errors import DataError


@pytest.mark.parametrize("name,platform", [
    ("qualtrics_numeric.csv", "qualtrics"), ("qualtrics_text.tsv", "qualtrics"),
    ("limesurvey_codes.csv", "limesurvey"), ("redcap_raw.csv", "redcap"), ("kobo.csv", "xlsform"),
    ("odk_central.csv", "xlsform"), ("plain.csv", "csv")])
def test_fixtures(name, platform):
    assert detect_platform(FIXTURES / name) == platform


def test_rules():
    assert detect_header(["V1", "x"], ['{"ImportId":"QID1"}', "y"]) == "qualtrics"
    assert detect_header(["respondent_id", "G01Q01[SQ001]", "G01Q01[SQ002]"]) == "limesurvey"
    assert detect_header(["study_id", "redcap_event_name", "inf01"]) == "redcap"
    assert detect_header(["SubmissionDate", "grp-INF01", "KEY"]) == "xlsform"


def test_sav_by_extension(tmp_path):
    f = tmp_path / "r.sav"
    f.write_bytes(b"$FL2")
    assert detect_platform(f) == "spss"


def test_empty(tmp_path):
    f = tmp_path / "e.csv"
    f.write_text("\n\n")
    with pytest.raises(DataError, match="e.csv: the file is empty"):
        detect_platform(f)
