"""The ResponseSet contract across platforms: the same answers in each platform's layout give identical data."""

from __future__ import annotations

import numpy as np
import pytest
from ingest_support import FIXTURES, bank

from analysis.data.ingest import read_responses
from analysis.data.ingest.codebook import FLAG_COLUMNS, META_COLUMNS

FILES = {
    "qualtrics": ("qualtrics_numeric.csv", {}),
    "qualtrics-text": ("qualtrics_text.tsv", {}),
    "limesurvey": ("limesurvey_codes.csv", {"structure": FIXTURES / "limesurvey_structure.txt"}),
    "redcap": ("redcap_raw.csv", {}),
    "kobo": ("kobo.csv", {}),
    "odk": ("odk_central.csv", {}),
}
CODES = ["INF01", "INF02", "INF03", "INF04", "INF05", "INF06", "ATT1", "TIM_INF"]


@pytest.fixture(scope="module")
def sets():
    inst = bank()
    return {k: read_responses(FIXTURES / f, inst=inst, **kw) for k, (f, kw) in FILES.items()}


def test_first_respondent_identical_on_every_platform(sets):
    for name, rs in sets.items():
        row = rs.data.iloc[0]
        assert row[CODES].astype(float).tolist() == [5, 6, 4, 3, 2, 7, 1, 2], name
        assert (row["country"], row["relationship_type"], row["phase"]) == ("FI", "B2B", "before"), name
        assert bool(row["finished"]) and not row["preview"] and not row["duplicate_id"], name


def test_column_order_and_types(sets):
    for name, rs in sets.items():
        d = rs.data
        assert tuple(d.columns[:10]) == META_COLUMNS + FLAG_COLUMNS, name
        assert d["source_row"].dtype == np.int64 and d["preview"].dtype == bool, name
        assert str(d["finished"].dtype) == "boolean" and d["duration_sec"].dtype == float, name
        assert all(d[c].dtype == float for c in rs.items + rs.checks), name
        assert rs.source.rows_read == rs.n and rs.to_dict()["rows_dropped"] == 0, name
        platform = {"kobo": "xlsform", "odk": "xlsform", "qualtrics-text": "qualtrics"}.get(name, name)
        assert len(rs.source.sha256) == 64 and rs.source.platform == platform, name
        assert rs.unanswered.shape == (rs.n, len(rs.items + rs.checks) + 1), name  # + TIM_INF
