"""The simulator: reproducible, the documented columns, and every planted truth visible in the data."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from analysis.cli import cli
from analysis.data.ingest import default_instrument
from analysis.data.simulate import CARELESS_KINDS, NonInvariance, SimulationSpec, demo_spec, simulate, write_simulation
from vcd_core.errors import DataError

META = ["respondent_id", "country", "language", "relationship_type", "phase", "duration_sec", "finished",
        "source_row"]


@pytest.fixture(scope="module")
def inst():
    return default_instrument()[0]


@pytest.fixture(scope="module")
def demo(inst):
    return simulate(inst, demo_spec(seed=1))  # the bundled demo's seed, fixed: every test below sees the same data


def _items(inst, construct=None):
    return [i.code for i in inst.items(perspective="provider", construct=construct)]


def test_reproducible_and_seeded(inst):
    a = simulate(inst, demo_spec(3, n_per_country=60, seed=5)).data
    b = simulate(inst, demo_spec(3, n_per_country=60, seed=5)).data
    c = simulate(inst, demo_spec(3, n_per_country=60, seed=6)).data
    pd.testing.assert_frame_equal(a, b)
    assert not a[_items(inst)].equals(c[_items(inst)])


def test_columns_are_the_responseset_columns(inst, demo):
    d = demo.data
    assert d.columns[:8].tolist() == META
    items = _items(inst)
    assert d.columns[8] == "preview" and d["preview"].sum() == 3 and d["preview"].iloc[:3].all()
    assert d.columns[9:9 + len(items)].tolist() == items
    assert {"ATT1", "ATT2"} <= set(d.columns)
    tim = [c for c in d.columns if c.startswith("TIM_")]
    assert len(tim) == len(inst.reasons())
    assert len(d) == 3503 and d["respondent_id"].is_unique  # 10 x 350 + 3 survey previews
    assert set(d["relationship_type"]) == {"B2C", "B2B", "B2G", "G2C"}
    assert set(d["phase"]) == {"before", "during", "after"}
    vals = d[items].to_numpy().ravel()
    assert set(np.unique(vals[~np.isnan(vals)])) == set(range(1, 8))
    tv = d[tim].to_numpy().ravel()
    assert set(np.unique(tv[~np.isnan(tv)])) == set(range(1, 6))


def test_careless_counts_and_kinds(demo):
    ids = demo.truth["careless"]["ids"]
    n_careless = sum(len(ids[k]) for k in CARELESS_KINDS)
    assert n_careless == round(0.09 * 3500)
    assert len(ids["random"]) == round(0.30 * n_careless)
    assert len(ids["duplicate"]) >= 8
    all_ids = [i for v in ids.values() for i in v]
    assert len(all_ids) == len(set(all_ids))  # one kind per respondent


def test_duplicates_copy_an_earlier_submission(inst, demo):
    d = demo.data.set_index("respondent_id")
    cols = _items(inst) + ["ATT1", "ATT2"]
    for dup, src in demo.truth["careless"]["duplicates_of"].items():
        assert d.index.get_loc(src) < d.index.get_loc(dup)
        a, b = d.loc[dup, cols].to_numpy(float), d.loc[src, cols].to_numpy(float)
        # identical answers except cells blanked afterwards by MCAR
        both = ~np.isnan(a) & ~np.isnan(b)
        assert np.array_equal(a[both], b[both])


def _longest_run(row: np.ndarray) -> int:
    """Longest stretch of one value in a row, blanks (NaN) counting as part of the stretch around them."""
    best = cur = blanks = 0
    last = np.nan
    for v in row:
        if np.isnan(v):
            cur, blanks = cur + 1, blanks + 1
        elif v == last:
            cur, blanks = cur + 1, 0
        else:
            cur, last, blanks = 1 + blanks, v, 0
        best = max(best, cur)
    return best


def test_careless_kinds_behave_as_planted(inst, demo):
    d = demo.data.set_index("respondent_id")
    ids = demo.truth["careless"]["ids"]
    items = _items(inst)
    sd = d[items].std(axis=1)
    sl = sd.loc[ids["straightliner"]]
    assert (sl == 0).mean() > 0.5  # 70 % line the whole page
    # planted: one value on the whole page or on a contiguous stretch of >= 60 % of it — so every straight-liner's
    # longest run in page order (a blank continues a run) is at least that long; attentive runs are far shorter
    page = list(inst.page_order("provider"))
    runs = pd.Series([_longest_run(r) for r in d[page].to_numpy(float)], index=d.index)
    need = round(0.6 * len(page))
    assert (runs.loc[ids["straightliner"]] >= need).all(), runs.loc[ids["straightliner"]].min()
    assert runs.drop(demo.careless_ids()).max() < need / 2
    med = d["duration_sec"].groupby(d["country"]).transform("median")
    assert (d.loc[ids["speeder"], "duration_sec"] < med.loc[ids["speeder"]] / 3).all()
    att = demo.truth["attention_checks"]
    wrong = pd.concat([d.loc[ids["attention"], c] != v["correct"] for c, v in att.items()], axis=1).any(axis=1)
    assert wrong.all()
    ok = d.drop(demo.careless_ids())
    assert all((ok[c] == v["correct"]).all() for c, v in att.items())


def test_mcar_rate(inst, demo):
    share = demo.data[_items(inst)].isna().to_numpy().mean()
    assert 0.015 < share < 0.025
    complete = demo.data[_items(inst)].notna().all(axis=1).mean()
    assert 0.87 < complete < 0.93  # the blanks fall among ~10 % of respondents
    assert demo.truth["missing"]["cells"] > 0


def test_planted_intercept_and_loading(inst, demo):
    d = demo.data.drop(demo.data.index[demo.data["respondent_id"].isin(demo.careless_ids())])
    de = d["country"] == "DE"
    # INF02 minus its construct-mate INF01 removes DE's latent mean: the planted intercept (-0.7 latent SD) remains
    diff = (d["INF02"] - d["INF01"]).groupby(de).mean()
    assert diff[True] - diff[False] < -0.7
    es = d["country"] == "ES"
    rest = [c for c in _items(inst, "TRU") if c != "TRU03"]

    def item_rest(frame):
        return frame["TRU03"].corr(frame[rest].mean(axis=1))

    others = [item_rest(g) for c, g in d.groupby("country") if c != "ES"]
    assert item_rest(d[es]) < min(others) - 0.15


def test_group_differences_as_planted(inst, demo):
    from analysis.compare.comparisons import scale_scores

    d = demo.data[~demo.data["respondent_id"].isin(demo.careless_ids())]
    sc = scale_scores(d, inst)
    by_phase = sc.groupby("phase")[["inability_to_change", "absence_of_clear_expectations"]].mean()
    assert (by_phase.loc["before"] - by_phase.loc["during"] > 0.3).all()
    by_type = sc.groupby("relationship_type")[["absence_of_information", "inability_to_change"]].mean()
    assert (by_type.loc["B2C"] - by_type.loc["B2B"] > 0.3).all()
    assert by_type["inability_to_serve"].max() - by_type["inability_to_serve"].min() < 0.1 \
        if "inability_to_serve" in by_type else True


def test_seed_hypotheses_supported(inst, demo):
    from analysis.compare.hypotheses import seed_hypotheses

    h = seed_hypotheses(demo.data[~demo.data["respondent_id"].isin(demo.careless_ids())], inst)
    assert (h["verdict"] == "supported").all(), h.loc[h["verdict"] != "supported", ["id", "estimate", "note"]]


def test_timing_follows_table3(inst, demo):
    d = demo.data
    for r in inst.reasons():
        col = f"TIM_{r.code}"
        occ = d[col][d[col].between(1, 4)]
        share = occ.value_counts(normalize=True)
        if r.time == "before":
            assert share[1] > 0.45
        elif r.time == "after":
            assert share[3] > 0.45
        else:
            assert min(share[1], share[2], share[3]) > 0.15


def test_subset_of_constructs(inst):
    spec = replace(demo_spec(3, n_per_country=50), constructs=("INF", "customer_misbehaviour"))
    sim = simulate(inst, spec)
    items = [c for c in sim.data.columns if c[:3] in ("INF", "MSB", "TRU", "BLM") and c[3:].isdigit()]
    assert {c[:3] for c in items} == {"INF", "MSB"}
    assert [n["item"] for n in sim.truth["noninvariance"]] == ["INF02"]  # TRU03 is not simulated
    assert "ATT2" in sim.data.columns and "ATT1" not in sim.data.columns  # ATT1 sits in the TRU matrix
    with pytest.raises(DataError, match="unknown construct"):
        simulate(inst, replace(spec, constructs=("XYZ",)))


def test_bad_spec(inst):
    with pytest.raises(DataError, match="not an item"):
        simulate(inst, SimulationSpec(countries=("FI",), n_per_country=10,
                                      noninvariance=(NonInvariance("loading", "XYZ01", "FI", 0.3),)))
    with pytest.raises(DataError, match="careless_share"):
        simulate(inst, replace(demo_spec(2, 10), careless_share=0.7))
    with pytest.raises(DataError, match="countries"):
        demo_spec(0)


def test_qualtrics_layout_round_trips_through_the_importer(inst, tmp_path):
    from analysis.data.ingest import read_responses

    sim = simulate(inst, demo_spec(3, n_per_country=40, seed=4))
    paths = write_simulation(sim, tmp_path, fmt="qualtrics", inst=inst)
    raw = paths["responses"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[2].startswith('"{""ImportId"":""startDate""')
    rs = read_responses(paths["responses"], platform="qualtrics", inst=inst)
    got = rs.data.set_index("respondent_id")
    want = sim.data.set_index("respondent_id")
    assert got.index.tolist() == want.index.tolist()
    for c in [c for c in want.columns if c != "source_row"]:
        if not pd.api.types.is_numeric_dtype(want[c]) or pd.api.types.is_bool_dtype(want[c]):
            assert got[c].astype(str).tolist() == want[c].astype(str).tolist(), c
        else:
            np.testing.assert_array_equal(got[c].to_numpy(float), want[c].to_numpy(float), err_msg=c)
    assert (got["source_row"] == want["source_row"] + 2).all()  # 3 header rows instead of 1


def test_cli_writes_responses_and_truth(tmp_path):
    r = CliRunner().invoke(cli, ["simulate", "--countries", "FI,DE", "--n", "30", "--seed", "2", "-o",
                                 str(tmp_path), "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output[r.output.index("{"):])
    d = pd.read_csv(out["responses"])
    truth = json.loads((tmp_path / "truth.json").read_text())
    assert len(d) == 63 == truth["n"] and truth["n_preview"] == 3 and truth["seed"] == 2
    assert [n["country"] for n in truth["noninvariance"]] == ["DE"]  # ES not simulated
    r = CliRunner().invoke(cli, ["simulate", "--countries", "0", "-o", str(tmp_path)])
    assert r.exit_code == 1 and "Error:" in r.output


def test_bundled_demo_is_what_the_generator_writes(inst, demo, tmp_path):
    """data/demo is `vcd simulate --countries 10 --n 350 --perspective provider --seed 1 --format qualtrics`:
    regenerating it gives the same bytes, so the bundled responses and truth.json never drift from the
    generator or the bank."""
    from pathlib import Path

    bundled = Path(__file__).resolve().parents[1] / "data" / "demo"
    out = write_simulation(demo, tmp_path, "qualtrics", inst=inst)
    assert out["responses"].read_bytes() == (bundled / "responses_qualtrics.csv").read_bytes()
    assert json.loads(out["truth"].read_text()) == json.loads((bundled / "truth.json").read_text())
