"""The prepared-data layer (analysis.data.read + analysis.data.prepare): what is read how, preview rows, the one
selection rule at its boundaries, reverse-coding from the bank, and one-line errors naming file, row and column."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.data.prepare import RULES, BankConstruct, bank, bank_constructs, prepare
from analysis.data.read import read
from vcd_core.errors import DataError

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo" / "responses_qualtrics.csv"
INST = bank()
REASONS = bank_constructs(INST, "provider", kind="reason")
OUTCOMES = bank_constructs(INST, "provider", kind="outcome")


def answers(constructs, n: int = 40, seed: int = 1) -> pd.DataFrame:
    """Whole-number answers on each item's scale (range from the bank)."""
    rng = np.random.default_rng(seed)
    cols = {}
    for c in constructs:
        lo, hi = c.scale_range
        for i in c.items:
            cols[i] = rng.integers(int(lo), int(hi) + 1, n).astype(float)
    return pd.DataFrame(cols)


def test_rules_table_is_the_documented_one():
    assert {m: (r.constructs, r.min_items, r.min_constructs) for m, r in RULES.items()} == {
        "efa": ("reasons", 1, 1), "reliability": ("all", 2, 1), "validity": ("reasons", 2, 2),
        "cfa": ("reasons", 2, 1), "invariance": ("reasons", 2, 1), "compare": ("reasons", 1, 1)}


def test_defaults_per_method_reasons_first_then_outcomes():
    df = answers(REASONS + OUTCOMES)
    assert [c.code for c in prepare(df, method="efa").constructs] == [c.code for c in REASONS]
    rel = prepare(df, method="reliability")
    assert [c.code for c in rel.constructs] == [c.code for c in REASONS + OUTCOMES]
    assert [c.kind for c in rel.constructs] == ["reason"] * len(REASONS) + ["outcome"] * len(OUTCOMES)
    assert prepare(df).constructs == prepare(df, method="cfa").constructs  # no method: the reasons


@pytest.mark.parametrize(("method", "k", "kept"), [("cfa", 2, True), ("cfa", 1, False), ("efa", 1, True),
                                                    ("reliability", 2, True), ("reliability", 1, False)])
def test_minimum_items_boundary(method, k, kept):
    """A construct with exactly the method's minimum of items takes part; one fewer is left out with a note."""
    inf, tru = REASONS[0], REASONS[1]
    df = answers([inf]).join(answers([tru]).iloc[:, :k])
    p = prepare(df, method=method)
    assert ("TRU" in [c.code for c in p.constructs]) is kept
    left = [n for n in p.notes if "TRU left out" in n]
    assert bool(left) is not kept
    if left:
        assert left[0] == (f"{method}: TRU left out ({k} item{'s' if k != 1 else ''} in the data; at least "
                           f"{RULES[method].min_items} needed: {RULES[method].why})")
    # named explicitly, too few items is an error, not a silent omission
    if not kept:
        with pytest.raises(DataError, match=f"construct TRU has {k} provider item"):
            prepare(df, method=method, constructs=["INF", "TRU"])


def test_validity_needs_two_constructs():
    one = answers(REASONS[:1])
    with pytest.raises(DataError, match=r"validity needs at least 2 constructs with 2\+ provider items in the data; "
                                        r"found 1 \(INF\)"):
        prepare(one, method="validity")
    assert len(prepare(answers(REASONS[:2]), method="validity").constructs) == 2


def test_explicit_selection_by_code_or_name_and_errors():
    df = answers(REASONS + OUTCOMES)
    p = prepare(df, constructs="tru, INF,insufficient_trust", method="cfa")
    assert [c.code for c in p.constructs] == ["TRU", "INF"]  # order as given, duplicates once
    with pytest.raises(DataError, match="unknown construct 'XYZ'; the bank's constructs: INF, TRU"):
        prepare(df, constructs=["XYZ"])
    with pytest.raises(DataError, match="construct BLM has 0 provider item"):
        prepare(df.drop(columns=list(REASONS[-1].items)), constructs=["BLM"])
    with pytest.raises(DataError, match="none of the bank's provider reason items are columns of the data"):
        prepare(pd.DataFrame({"x": [1, 2]}), method="efa")


def test_select_keeps_the_frame_and_adds_its_notes():
    df = answers(REASONS + OUTCOMES)
    p = prepare(df, method="reliability")
    q = p.select("reasons", "cfa")
    assert q.frame is p.frame and q.method == "cfa" and len(q.constructs) == len(REASONS)
    assert q.model().splitlines()[0] == "INF =~ " + " + ".join(REASONS[0].items)
    half = q.rows(pd.Index([0, 2, 4]))
    assert half.n == 3 and half.frame.index.tolist() == [0, 2, 4] and half.answers.index.tolist() == [0, 2, 4]


def test_reverse_coding_from_the_bank_for_every_construct_present():
    df = answers(REASONS + OUTCOMES)
    p = prepare(df, constructs=["INF"], method="efa")
    rev = [(c, i) for c in REASONS + OUTCOMES for i in c.reverse]
    assert rev, "the bank has reverse-keyed items"
    for c, i in rev:  # recoded whether or not the construct is selected
        lo, hi = c.scale_range
        assert np.array_equal(p.frame[i].to_numpy(), lo + hi - df[i].to_numpy())
        assert np.array_equal(p.answers[i].to_numpy(), df[i].to_numpy())
    plain = next(i for c in REASONS for i in c.items if i not in c.reverse)
    assert np.array_equal(p.frame[plain].to_numpy(), df[plain].to_numpy())
    none = prepare(df, constructs=None)
    assert none.constructs == () and none.frame.equals(df)  # --items / --scale / --model: nothing recoded


def test_values_are_checked_against_the_scale(tmp_path):
    df = answers(REASONS[:2])
    df.loc[4, "TRU02"] = 9
    with pytest.raises(DataError) as exc:
        prepare(df)
    assert str(exc.value) == "row 5, column TRU02: value 9 is not on scale agree7 (1..7)"
    f = tmp_path / "r.csv"
    df.loc[4, "TRU02"] = 2
    bad = df.astype(object)
    bad.loc[2, "INF01"] = "seven"
    bad.to_csv(f, index=False)
    with pytest.raises(DataError) as exc:
        prepare(f)
    assert str(exc.value) == f"{f}, row 3, column INF01: value 'seven' is not a number"


def test_preview_rows_left_out_with_a_note(tmp_path):
    df = answers(REASONS[:2], n=10)
    df["preview"] = [True, False] * 5
    f = tmp_path / "r.parquet"
    df.to_parquet(f)
    p = prepare(f)
    assert (p.n, p.n_read, p.platform) == (5, 10, "table")
    assert p.notes == ("5 row(s) flagged preview/test (column 'preview') left out",)
    assert p.frame.index.tolist() == list(range(5))


def test_platform_export_read_through_ingest():
    p = prepare(DEMO, method="cfa")
    assert p.platform == "qualtrics" and (p.n_read, p.n) == (3503, 3500) and p.file == str(DEMO)
    assert "3 preview/test row(s) left out" in p.notes
    assert any(n.startswith("responses_qualtrics.csv is a qualtrics export read as it stands") for n in p.notes)
    # forcing a plain table: the second header row is not a number, named with file, row and column
    with pytest.raises(DataError, match=rf"^{DEMO}, row 1, column INF01: value '.*' is not a number$"):
        prepare(DEMO, platform="table")


def test_read_what_how(tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("respondent_id;INF01\nA;7\n")  # the delimiter is sniffed as ingest does
    assert read(f).platform == "table" and read(f).data["INF01"].tolist() == [7]
    assert read(f, importer=True).platform == "csv"
    x = tmp_path / "r.xlsx"
    pd.DataFrame({"INF01": [1, 2]}).to_excel(x, index=False)
    assert read(x).data["INF01"].tolist() == [1, 2]
    with pytest.raises(DataError, match=r"r\.json: unsupported file type '\.json'"):
        read(tmp_path / "r.json")
    with pytest.raises(DataError, match="nope.csv: no such file"):
        read(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="unknown platform 'excel'"):
        read(f, platform="excel")


def test_errors_of_an_analysis_name_the_file(tmp_path):
    p = prepare(answers(REASONS[:2]), name="kept.csv")
    with pytest.raises(DataError, match=r"^kept\.csv, row 2, column A: boom$"), p.naming_errors():
        raise DataError("boom", row=2, column="A")
    c = BankConstruct("x", "X", ("a",), (), (1.0, 7.0), "reason")
    with pytest.raises(DataError, match="a factor needs at least two items; X has fewer in the data"):
        p.__class__(pd.DataFrame(), (c,)).model()
