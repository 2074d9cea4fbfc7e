"""Cleaning: planted careless respondents found, the exclusion log adds up, each rule independent, bad input."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from analysis.cli import cli
from analysis.data.clean import clean, compute_indices, evaluate, write_results
from analysis.data.clean_config import DEFAULT_ORDER, RULES, CleanConfig
from analysis.data.ingest import default_instrument
from analysis.data.simulate import demo_spec, simulate, write_simulation
from vcd_core.errors import DataError, StudyError


@pytest.fixture(scope="module")
def inst():
    return default_instrument()[0]


@pytest.fixture(scope="module")
def sim(inst):
    return simulate(inst, demo_spec(4, n_per_country=350, seed=11))


@pytest.fixture(scope="module")
def res(sim, inst):
    return clean(sim.data, inst)


def _items(inst):
    return [i.code for i in inst.items(perspective="provider")]


def test_recall_and_precision_on_planted_study(res, sim):
    ev = evaluate(res, sim.truth).set_index("kind")
    assert ev.loc["all", "sensitivity"] >= 0.90
    assert ev.loc["all", "precision"] >= 0.90
    assert ev.loc["all", "specificity"] >= 0.98
    for kind in ("straightliner", "random", "speeder", "attention", "duplicate", "preview"):
        assert ev.loc[kind, "n_planted"] > 0
        assert ev.loc[kind, "sensitivity"] >= 0.85, kind


def test_log_adds_up(res, sim):
    log = res.log
    assert log["rule"].tolist()[: len(DEFAULT_ORDER)] == list(DEFAULT_ORDER)
    assert res.n_raw == len(sim.data) == res.n_kept + res.n_excluded
    assert log["n_excluded"].sum() == res.n_excluded
    remaining = res.n_raw - log["n_excluded"].cumsum()
    assert log["n_remaining"].tolist() == remaining.tolist()
    assert (log["n_excluded"] <= log["n_flagged"]).all()
    # every excluded respondent: the hurdle is the first rule (in order) among those that fired
    order = {r: k for k, r in enumerate(log["rule"])}
    for r in res.excluded.itertuples():
        fired = r.rules.split(";")
        assert r.hurdle == min(fired, key=order.get)
    assert res.excluded["respondent_id"].is_unique
    assert set(res.kept["respondent_id"]).isdisjoint(res.excluded["respondent_id"])
    assert res.excluded.groupby("hurdle").size().to_dict() == \
        log.set_index("rule")["n_excluded"][lambda s: s > 0].to_dict()


@pytest.mark.parametrize("rule", DEFAULT_ORDER)
def test_switching_a_rule_off_changes_only_its_row(rule, res, sim, inst):
    off = clean(sim.data, inst, CleanConfig().with_rule(rule, enabled=False))
    a, b = res.log.set_index("rule"), off.log.set_index("rule")
    assert b.loc[rule, "status"] == "off" and b.loc[rule, "n_flagged"] == 0
    others = [r for r in DEFAULT_ORDER if r != rule]
    assert a.loc[others, "n_flagged"].tolist() == b.loc[others, "n_flagged"].tolist()
    pd.testing.assert_frame_equal(res.flags[others], off.flags[others])
    assert off.n_raw == off.n_kept + off.n_excluded


def test_raw_data_never_modified(sim, inst):
    before = sim.data.copy()
    clean(sim.data, inst)
    pd.testing.assert_frame_equal(sim.data, before)


def test_indices_columns_and_values(res, sim, inst):
    ind = res.indices
    assert ind["respondent_id"].tolist() == sim.data["respondent_id"].tolist()
    ids = sim.truth["careless"]["ids"]
    by = ind.set_index("respondent_id")
    full = [i for i in ids["straightliner"] if by.loc[i, "longstring"] >= len(_items(inst)) - 5]
    assert full  # 70 % of straight-liners line the whole page (MCAR blanks break the run a little)
    assert by.loc[ids["speeder"], "duration_ratio"].max() < 1 / 3
    assert (by.loc[ids["attention"], "attention_failed"] >= 1).all()
    assert by.loc[ids["random"], "mahalanobis_d2"].median() > 2 * by["mahalanobis_d2"].median()
    # the Mahalanobis p is the chi-square tail with df = number of items
    k = len(_items(inst))
    from scipy import stats
    np.testing.assert_allclose(ind["mahalanobis_p"], stats.chi2.sf(ind["mahalanobis_d2"], k))


def _with_reverse(inst, code):
    cons = []
    for c in inst.constructs:
        themes = []
        for t in c.themes:
            items = tuple(dataclasses.replace(i, reverse=True) if i.code == code else i for i in t.items)
            themes.append(dataclasses.replace(t, items=items))
        cons.append(dataclasses.replace(c, themes=tuple(themes)))
    return dataclasses.replace(inst, constructs=tuple(cons))


def test_reverse_keyed_items_recoded_from_the_bank(sim, inst):
    d = sim.data.head(200).copy()
    rev = _with_reverse(inst, "INF02")
    d_flipped = d.copy()
    d_flipped["INF02"] = 8 - d["INF02"]  # what a respondent answers to a reverse-worded item
    a = compute_indices(d, inst)
    b = compute_indices(d_flipped, rev)
    np.testing.assert_allclose(a["evenodd"], b["evenodd"], equal_nan=True)
    np.testing.assert_allclose(a["mahalanobis_d2"], b["mahalanobis_d2"], rtol=1e-9)


def test_preview_duplicate_ids_and_out_of_range(sim, inst):
    d = sim.data.head(300).copy()
    d["preview"] = False
    d.loc[3, "preview"] = True
    d.loc[5, "respondent_id"] = d.loc[4, "respondent_id"]
    d["INF01"] = d["INF01"].astype(object)
    d.loc[7, "INF01"] = 9
    d.loc[8, "INF01"] = "x"
    r = clean(d, inst)
    ex = r.excluded.set_index("respondent_id")
    assert ex.loc[d.loc[3, "respondent_id"], "hurdle"] == "preview"
    assert "duplicates" in r.excluded.loc[r.excluded.index[r.excluded["respondent_id"] == d.loc[5, "respondent_id"]],
                                          "rules"].str.cat()
    for row in (7, 8):
        assert "out_of_range" in ex.loc[d.loc[row, "respondent_id"], "rules"]
    assert r.indices.loc[7, "out_of_range"] == 1


def test_finished_column_forms(sim, inst):
    d = sim.data.head(200).copy()
    d["finished"] = ["0" if i == 5 else "1" for i in range(len(d))]
    r = clean(d, inst)
    assert r.excluded.set_index("respondent_id").loc[d.loc[5, "respondent_id"], "hurdle"] == "incomplete"
    d["finished"] = d["finished"].astype(object)
    d.loc[7, "finished"] = "maybe"
    with pytest.raises(DataError, match="row 8, column finished"):
        clean(d, inst)


def test_unwritable_results_folder(res, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(DataError, match="cannot create the results folder"):
        write_results(res, blocker / "sub")


def test_attention_modes(sim, inst):
    d = sim.data.head(400).copy()
    d.loc[0, "ATT1"] = np.nan
    ok1, ok2 = (sim.truth["attention_checks"][c]["correct"] for c in ("ATT1", "ATT2"))
    d.loc[1, "ATT1"], d.loc[1, "ATT2"] = (ok1 % 7) + 1, ok2  # wrong on ATT1 only
    base = clean(d, inst).flags.set_index("respondent_id")["attention"]
    fail_missing = clean(d, inst, {"attention": {"missing": "fail"}}).flags.set_index("respondent_id")["attention"]
    fail_all = clean(d, inst, {"attention": {"mode": "fail-all"}}).flags.set_index("respondent_id")["attention"]
    rid0, rid1 = d.loc[0, "respondent_id"], d.loc[1, "respondent_id"]
    assert base[rid1] and not fail_all[rid1]
    assert fail_missing[rid0] and (base[rid0] == (d.loc[0, "ATT2"] != ok2))
    assert fail_all.sum() <= base.sum() <= fail_missing.sum()


def test_every_respondent_failing_is_a_clear_error(sim, inst, tmp_path):
    with pytest.raises(DataError, match="every respondent fails"):
        clean(sim.data.head(100), inst, {"speeders": {"min_ratio": 50}})
    p = write_simulation(simulate(inst, demo_spec(1, n_per_country=60)), tmp_path / "sim", inst=inst)
    r = CliRunner().invoke(cli, ["clean", str(p["responses"]), "-o", str(tmp_path / "out"), "--set",
                                 "speeders.min_ratio=50"])
    assert r.exit_code == 1 and "every respondent fails" in r.output
    assert not (tmp_path / "out" / "cleaning").exists()


def test_fewer_respondents_than_items_skips_mahalanobis(sim, inst):
    d = sim.data.head(30)
    r = clean(d, inst, {"attention": {"enabled": False}})
    row = r.log.set_index("rule").loc["mahalanobis"]
    assert row["status"] == "skipped" and "respondents for" in row["note"] and row["n_flagged"] == 0
    assert any("mahalanobis" in n for n in r.notes)


def test_all_missing_rows_and_missing_durations(sim, inst):
    d = sim.data.head(300).copy()
    d.loc[[10, 11], _items(inst)] = np.nan
    d["duration_sec"] = np.nan
    r = clean(d, inst)
    ex = r.excluded.set_index("respondent_id")
    assert ex.loc[d.loc[10, "respondent_id"], "hurdle"] == "incomplete"
    assert np.isnan(r.indices.loc[10, "mahalanobis_d2"]) and np.isnan(r.indices.loc[10, "irv"])
    sp = r.log.set_index("rule").loc["speeders"]
    assert sp["status"] == "skipped" and "cannot run" in sp["note"]


def test_config_validation(tmp_path):
    with pytest.raises(StudyError, match="unknown rule"):
        CleanConfig.from_dict({"speedy": {}})
    with pytest.raises(StudyError, match="unknown parameter"):
        CleanConfig.from_dict({"speeders": {"ratio": 0.5}})
    with pytest.raises(StudyError, match="order"):
        CleanConfig.from_dict({"order": ["preview", "preview"]})
    cfg = CleanConfig.from_dict({"irv": {"enabled": True}, "order": ["attention", "preview"]})
    assert cfg.active_order()[:3] == ("attention", "preview", "duplicates")  # unlisted rules follow
    assert cfg.active_order()[-1] == "irv" and "evenodd" not in cfg.active_order()
    toml = tmp_path / "study.toml"
    toml.write_text("[cleaning]\norder = ['preview']\n[cleaning.longstring]\nmin_run = 20\n")
    assert CleanConfig.from_toml(toml).param("longstring", "min_run") == 20
    assert set(RULES) >= set(DEFAULT_ORDER)


def test_write_results_contract(res, sim, tmp_path):
    folder = write_results(res, tmp_path, truth=sim.truth)
    log = pd.read_csv(folder / "log.csv")
    assert log.columns[:5].tolist() == ["order", "rule", "n_flagged", "n_excluded", "n_remaining"]
    flow = json.loads((folder / "flow.json").read_text())
    assert flow["n_raw"] == flow["n_kept"] + flow["n_excluded"] and len(flow["steps"]) == len(log)
    ex = pd.read_csv(folder / "excluded.csv")
    assert ex.columns.tolist() == ["respondent_id", "country", "hurdle", "rules"] and len(ex) == res.n_excluded
    ev = pd.read_csv(folder / "evaluation.csv")
    assert ev["kind"].iloc[-1] == "all"
    ind = pd.read_csv(folder / "indices.csv")
    assert (ind["excluded_by"].fillna("") != "").sum() == res.n_excluded


def test_cli_csv_and_qualtrics_give_the_same_cleaning(inst, tmp_path):
    sim = simulate(inst, demo_spec(2, n_per_country=150, seed=5))
    a = write_simulation(sim, tmp_path / "csv", fmt="csv", inst=inst)
    b = write_simulation(sim, tmp_path / "q", fmt="qualtrics", inst=inst)
    outs = []
    for p in (a, b):
        r = CliRunner().invoke(cli, ["clean", str(p["responses"]), "-o", str(p["responses"].parent / "res"),
                                     "--truth", str(p["truth"]), "--json"])
        assert r.exit_code == 0, r.output
        outs.append(json.loads(r.output[r.output.index("{"):]))
    assert [s["n_excluded"] for s in outs[0]["steps"]] == [s["n_excluded"] for s in outs[1]["steps"]]
    assert outs[0]["evaluation"] == outs[1]["evaluation"]
    r = CliRunner().invoke(cli, ["clean", str(a["responses"]), "-o", str(tmp_path / "x"), "--disable",
                                 "mahalanobis", "--set", "longstring.min_run=20"])
    assert r.exit_code == 0 and "rule switched off" in r.output and ">= 20 items" in r.output
    r = CliRunner().invoke(cli, ["clean", str(a["responses"]), "-o", str(tmp_path / "x"), "--set", "nope"])
    assert r.exit_code == 1 and "rule.param=value" in r.output
    toml = tmp_path / "study.toml"
    toml.write_text("[cleaning]\n[cleaning.longstring]\nenabled = false\n[cleaning.speeders]\nmin_ratio = 0.25\n")
    r = CliRunner().invoke(cli, ["clean", str(a["responses"]), "-o", str(tmp_path / "y"), "--study", str(toml)])
    assert r.exit_code == 0 and "0.25 x median" in r.output
    log = pd.read_csv(tmp_path / "y" / "cleaning" / "log.csv").set_index("rule")
    assert log.loc["longstring", "status"] == "off"
    toml.write_text("[cleaning.speeders]\nmin_ratio = 'fast'\n")
    r = CliRunner().invoke(cli, ["clean", str(a["responses"]), "-o", str(tmp_path / "z"), "--study", str(toml)])
    assert r.exit_code == 1 and "min_ratio must be a number" in r.output and str(toml) in r.output


def test_bundled_demo_study(inst):
    """data/demo: the Qualtrics file imports, its study.toml configures cleaning, and cleaning finds the truth."""
    from pathlib import Path

    from analysis.data.ingest import read_responses

    demo = Path(__file__).resolve().parents[1] / "data" / "demo"
    cfg = CleanConfig.from_toml(demo / "study.toml")
    assert cfg.active_order() == DEFAULT_ORDER
    from analysis.study.config import load_study

    study = load_study(demo / "study.toml")  # the study runner accepts the demo's study.toml
    assert study.data.platform == "qualtrics" and study.data.truth.name == "truth.json"
    truth = json.loads((demo / "truth.json").read_text())
    rs = read_responses(demo / "responses_qualtrics.csv", platform="qualtrics", inst=inst)
    assert rs.n == truth["n"] == 3503 and rs.perspective == "provider"
    res = clean(rs.data, inst, cfg, problems=rs.problems)
    ev = evaluate(res, truth).set_index("kind")
    assert ev.loc["all", "sensitivity"] >= 0.95 and ev.loc["all", "precision"] >= 0.95
    assert res.log.set_index("rule").loc["preview", "n_excluded"] == truth["n_preview"] == 3


def test_simple_indices_by_hand(inst):
    """missing share, duration ratio (country median), attention, duplicate vectors, out of range — by hand."""
    items = [i.code for i in inst.items(perspective="provider", construct="INF")]  # 6 items
    att = {c.code: c.correct for c in inst.checks}
    rows = [
        ("a", "FI", [1, 2, 3, 4, 5, 6], 100.0, att["ATT1"]),
        ("b", "FI", [1, 2, 3, 4, 5, 6], 300.0, att["ATT1"]),       # duplicate of a
        ("c", "FI", [4, 4, 4, 4, 4, 4], 200.0, att["ATT1"] % 7 + 1),  # constant: never a duplicate; fails ATT1
        ("d", "DE", [7, np.nan, np.nan, 2, 9, 1], 50.0, np.nan),   # 9 out of range -> missing; ATT1 unanswered
        ("e", "DE", [4, 4, 4, 4, 4, 4], 150.0, att["ATT1"]),       # same vector as c but constant
    ]
    d = pd.DataFrame([{"respondent_id": r[0], "country": r[1], **dict(zip(items, r[2], strict=True)),
                       "duration_sec": r[3], "ATT1": r[4]} for r in rows])
    ind = compute_indices(d, inst).set_index("respondent_id")
    np.testing.assert_allclose(ind["missing_share"], [0, 0, 0, 0.5, 0])  # d: 2 blanks + 1 out of range of 6
    np.testing.assert_allclose(ind["duration_ratio"], [0.5, 1.5, 1.0, 0.5, 1.5])  # FI median 200, DE median 100
    assert ind["attention_failed"].tolist() == [0, 0, 1, 0, 0]
    assert ind["attention_answered"].tolist() == [1, 1, 1, 0, 1]
    assert ind["duplicate_of"].tolist() == ["", "a", "", "", ""]
    assert ind["out_of_range"].tolist() == [0, 0, 0, 1, 0]
    assert ind["longstring"].tolist() == [1, 1, 6, 1, 6]
