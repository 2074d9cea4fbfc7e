"""analysis.invariance.ladder + vcd invariance: the ladder at lavaan parity (HS39 by school, bfi by gender), decisions,
partial invariance that frees exactly the planted parameters of a generated study, latent means, small groups,
results files and the CLI."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from sem_reference import REF, bfi, hs39, load_json, rel

from analysis.cli import cli as main
from analysis.invariance import run_invariance, write_results
from analysis.invariance.criteria import judge_configural, judge_step
from analysis.invariance.results import latent_means, latent_variances
from vcd_core.errors import DataError, EstimationError

HS = load_json("hs39_invariance_school.json")


@pytest.fixture(scope="module")
def hs_ladder():
    return run_invariance(hs39(), HS["model_syntax"], "school", stop_on_failure=False)


def test_hs39_ladder_matches_lavaan(hs_ladder):
    lad = hs_ladder.ladder.set_index("step")
    assert list(lad.index) == ["configural", "metric", "scalar", "strict"]
    for step in ("configural", "metric", "scalar", "strict"):
        f = HS["steps"][step]["fit"]
        row = lad.loc[step]
        assert rel(row["chisq"], f["chisq"]) < 1e-6, step
        assert row["df"] == f["df"] and row["npar"] == f["npar"]
        for k in ("cfi", "tli", "rmsea", "srmr", "aic", "bic"):
            assert abs(row[k] - f[k]) < 1e-6, (step, k)
    assert abs(lad.loc["strict", "chisq"] - 181.51134523027) < 1e-4
    # differences as lavaan's (restricted minus less restricted), each against the step before
    for d in HS["deltas"]:
        row = lad.loc[d["to"]]
        assert row["compared_with"] == d["from"]
        for k in ("delta_cfi", "delta_rmsea", "delta_srmr"):
            assert abs(row[k] - d[k]) < 1e-6, (d["to"], k)
    for ours, r in zip(hs_ladder.lrt.itertuples(), HS["lavTestLRT"], strict=True):
        assert ours.model == r["model"] and ours.df == r["Df"] and rel(ours.chisq, r["Chisq"]) < 1e-6
        if r["Chisq diff"] is not None:
            assert abs(ours.chisq_diff - r["Chisq diff"]) < 1e-5 and abs(ours.pvalue - r["Pr(>Chisq)"]) < 1e-8
            assert abs(lad.loc[r["model"], "delta_chisq"] - r["Chisq diff"]) < 1e-5


def test_hs39_decisions_chen2007(hs_ladder):
    lad = hs_ladder.ladder.set_index("step")
    # configural RMSEA .097 > .08: poor fit (the ladder continues, with a warning)
    assert lad.loc["configural", "decision"] == "poor fit"
    assert any("configural model fits poorly" in w for w in hs_ladder.warnings)
    assert lad.loc["metric", "decision"] == "supported"
    # scalar: ΔCFI -.038 with ΔSRMR .0108 ≥ .010 (ΔRMSEA .0145 < .015)
    assert lad.loc["scalar", "decision"] == "not supported"
    assert "ΔSRMR 0.011 ≥ 0.010" in lad.loc["scalar", "reason"] and "ΔRMSEA" not in lad.loc["scalar", "reason"]
    assert hs_ladder.highest == "metric" and not hs_ladder.partial
    assert hs_ladder.latent_means.empty and any("latent means not compared" in w for w in hs_ladder.warnings)
    comp = hs_ladder.comparability
    assert set(comp["level"]) == {"metric"} and not comp["means_comparable"].any()
    # Cheung & Rensvold: ΔCFI alone
    ch = run_invariance(hs39(), HS["model_syntax"], "school", criteria="cheung2002", steps=["metric", "scalar"])
    assert list(ch.ladder["decision"]) == ["poor fit", "supported", "not supported"]
    assert list(ch.ladder["step"]) == ["configural", "metric", "scalar"]


def test_hs39_scalar_latent_means_match_lavaan(hs_ladder):
    lm = latent_means(hs_ladder.fits["scalar"], hs_ladder.fits["scalar"].model, "Pasteur", "scalar")
    ref = {r["lhs"]: r for r in HS["scalar_latent_means_group2"] if r["group"] == 2}
    assert list(lm["construct"]) == ["visual", "textual", "speed"] and set(lm["group"]) == {"Grant-White"}
    for row in lm.itertuples():
        r = ref[row.construct]
        assert abs(row.est - r["est"]) < 1e-5 and rel(row.se, r["se"]) < 1e-4
        assert abs(row.z - r["z"]) < 1e-3 and abs(row.ci_low - r["ci.lower"]) < 1e-4
    var_ref = hs_ladder.fits["scalar"].params.query("op == '~~' and lhs == 'textual' and rhs == 'textual' "
                                                    "and group == 'Pasteur'")["est"].iloc[0]
    t = lm.set_index("construct").loc["textual"]
    assert abs(t["std_diff"] - t["est"] / np.sqrt(var_ref)) < 1e-12
    # variance differences: the same as refitting with the two variances equal would test (Wald, 1 df)
    lv = latent_variances(hs_ladder.fits["scalar"], hs_ladder.fits["scalar"].model, "Pasteur", "scalar")
    p = hs_ladder.fits["scalar"].params
    v = p[(p.op == "~~") & (p.lhs == "speed") & (p.rhs == "speed")].set_index("group")
    row = lv.set_index("construct").loc["speed"]
    V = hs_ladder.fits["scalar"].vcov
    a, b = v.loc["Grant-White", "free"] - 1, v.loc["Pasteur", "free"] - 1
    assert abs(row["diff"] - (v.loc["Grant-White", "est"] - v.loc["Pasteur", "est"])) < 1e-12
    assert abs(row["diff_se"] - np.sqrt(V[a, a] + V[b, b] - 2 * V[a, b])) < 1e-12
    assert abs(row["ratio"] - v.loc["Grant-White", "est"] / v.loc["Pasteur", "est"]) < 1e-12
    assert 0 < row["pvalue"] < 1 and abs(row["z"] - row["diff"] / row["diff_se"]) < 1e-12


def test_hs39_partial_releases_x3_then_x7():
    """The textbook result (lavaan tutorial, lavTestScore): x3 and x7 intercepts differ between schools."""
    res = run_invariance(hs39(), HS["model_syntax"], "school", partial=True, steps=["metric", "scalar"])
    assert list(zip(res.freed["param"], res.freed["step"], strict=True)) == [("x3 ~1", "scalar")]
    lad = res.ladder.set_index("step")
    assert lad.loc["scalar", "decision"] == "supported (partial)" and lad.loc["scalar", "n_freed"] == 1
    assert res.highest == "scalar" and res.partial
    # the released intercept is free in Grant-White only; the score test is lavaan's (sem_extra.json)
    scal = res.fits["scalar"].params
    x3 = scal[(scal.lhs == "x3") & (scal.op == "~1")]
    assert x3["free"].nunique() == 2
    assert res.freed["group"].iloc[0] == "Grant-White"
    uni = {(r["lhs"], r["rhs"]): r["X2"] for r in load_json("sem_extra.json")["hs39_scalar"]["score_uni"]}
    assert max(uni.values()) == pytest.approx(res.freed["x2"].iloc[0], rel=1e-4)
    comp = res.comparability.set_index(["construct", "group"])["means_comparable"]
    assert not comp[("visual", "Grant-White")] and comp[("visual", "Pasteur")] and comp[("speed", "Grant-White")]
    # with release="score" the x7 intercept (significant after Bonferroni) goes too, in Grant-White (tie rule)
    sc = run_invariance(hs39(), HS["model_syntax"], "school", partial=True, release="score",
                        steps=["metric", "scalar"])
    assert list(sc.freed["param"]) == ["x3 ~1", "x7 ~1"] and set(sc.freed["group"]) == {"Grant-White"}
    assert list(sc.freed["why"]) == ["step not supported", "significant score test"]


def test_mlr_ladder_uses_robust_measures_and_sb2001():
    ex = load_json("sem_extra.json")["hs39_mlr_ladder"]
    res = run_invariance(hs39(), HS["model_syntax"], "school", estimator="MLR", steps=["metric", "scalar"],
                         stop_on_failure=False)
    lad = res.ladder.set_index("step")
    for step in ("configural", "metric", "scalar"):
        assert rel(lad.loc[step, "cfi"], ex[step]["cfi.robust"]) < 1e-4
        assert rel(lad.loc[step, "rmsea"], ex[step]["rmsea.robust"]) < 1e-4
        assert rel(lad.loc[step, "chisq_scaled"], ex[step]["chisq.scaled"]) < 1e-4
    assert ex["lrt"][0]["Chisq diff"] is None
    for step, r in zip(("metric", "scalar"), ex["lrt"][1:], strict=True):
        assert rel(lad.loc[step, "delta_chisq"], r["Chisq diff"]) < 1e-4


def test_bfi_gender_ml_steps():
    ref = load_json("bfi_invariance_gender.json")
    res = run_invariance(bfi(), ref["model_syntax"], "gender", steps=["metric", "scalar"], stop_on_failure=False)
    assert res.groups == ("1", "2") and res.nobs == (805, 1631)
    lad = res.ladder.set_index("step")
    for step in ("configural", "metric", "scalar"):
        f = ref["ml"]["steps"][step]["fit"]
        assert rel(lad.loc[step, "chisq"], f["chisq"]) < 1e-6
        for k in ("cfi", "tli", "rmsea", "srmr"):
            assert abs(lad.loc[step, k] - f[k]) < 1e-6, (step, k)
    assert any("dropped" in w for w in res.fits["configural"].warnings)


@pytest.fixture(scope="module")
def planted():
    from analysis.data.prepare import bank, bank_constructs, recode_reversed
    from analysis.data.simulate import demo_spec, simulate

    inst = bank()
    spec = replace(demo_spec(("FI", "DE", "ES", "SE"), n_per_country=500, seed=3), constructs=("INF", "TRU", "MIS"),
                   careless_share=0.0, missing_rate=0.0, duplicate_share=0.0, preview_rows=0)
    sim = simulate(inst, spec)
    cons = [c for c in bank_constructs(inst, "provider") if c.code in ("INF", "TRU", "MIS")]
    model = "\n".join(f"{c.code} =~ " + " + ".join(c.items) for c in cons)
    return recode_reversed(sim.data, cons), model, sim.truth


def test_partial_frees_exactly_the_planted_parameters(planted):
    data, model, truth = planted
    res = run_invariance(data, model, "country", partial=True, release="score")
    got = {(r.param, r.group) for r in res.freed.itertuples()}
    want = set()
    for ni in truth["noninvariance"]:
        want.add((f"{ni['construct']} =~ {ni['item']}" if ni["param"] == "loading" else f"{ni['item']} ~1",
                  ni["country"]))
    assert want == {("TRU =~ TRU03", "ES"), ("INF02 ~1", "DE")}
    assert got == want
    assert dict(zip(res.freed["param"], res.freed["step"], strict=True)) == {"TRU =~ TRU03": "metric",
                                                                            "INF02 ~1": "scalar"}
    assert res.highest == "strict" and res.partial
    comp = res.comparability.set_index(["construct", "group"])["means_comparable"]
    assert not comp[("TRU", "ES")] and not comp[("INF", "DE")]
    assert comp.sum() == len(comp) - 2
    # latent means against FI from the partial strict model, close to the planted country means
    lm = res.latent_means
    assert len(lm) == 3 * 3 and set(lm["model"]) == {"strict"} and set(res.latent_variances["model"]) == {"strict"}
    # without partial the criteria alone (4 groups, 18 items) do not see the planted parameters
    plain = run_invariance(data, model, "country", partial=True, release="fit")
    assert plain.freed.empty and plain.highest == "strict"


def test_small_groups_left_out_with_a_reason(planted):
    data, model, _ = planted
    small = pd.concat([data, data[data.country == "SE"].head(15).assign(country="NO")], ignore_index=True)
    res = run_invariance(small, model, "country", min_group_n=100, steps=["metric"])
    assert res.groups == ("FI", "DE", "ES", "SE")
    ex = res.excluded_groups
    assert list(ex["group"]) == ["NO"] and ex["n"].iloc[0] == 15 and "fewer than the 100 needed" in ex["reason"].iloc[0]
    assert any("group NO left out" in w for w in res.warnings)
    assert res.decisions()["excluded_groups"][0]["group"] == "NO"
    with pytest.raises(DataError, match="reference group 'NO'.*too small"):
        run_invariance(small, model, "country", reference="NO")
    lonely = pd.concat([data[data.country == "FI"], data[data.country != "FI"].groupby("country").head(15)])
    with pytest.raises(DataError, match="at least two groups of 'country' with 100"):
        run_invariance(lonely, model, "country", min_group_n=100)


def test_bad_input_is_a_clear_error(planted):
    data, model, _ = planted
    with pytest.raises(DataError, match="group column 'land' is not in the data"):
        run_invariance(data, model, "land")
    with pytest.raises(DataError, match="unknown variable.*XYZ01"):
        run_invariance(data, model + "\nX =~ XYZ01 + INF01", "country")
    with pytest.raises(EstimationError, match="unknown invariance criteria"):
        run_invariance(data, model, "country", criteria="meade2008")
    with pytest.raises(EstimationError, match="unknown invariance step"):
        run_invariance(data, model, "country", steps=["weak"])
    with pytest.raises(DataError, match="reference group 'XX' not found"):
        run_invariance(data, model, "country", reference="XX")


def test_judges():
    base = {"cfi": .950, "rmsea": .050, "srmr": .040}
    assert judge_step("scalar", base, {"cfi": .939, "rmsea": .055, "srmr": .050}, "chen2007")[0] is False
    assert judge_step("metric", base, {"cfi": .939, "rmsea": .055, "srmr": .050}, "chen2007")[0] is True
    assert judge_step("metric", base, {"cfi": .939, "rmsea": .055, "srmr": .050}, "cheung2002")[0] is False
    assert judge_step("metric", base, {"cfi": .941, "rmsea": .090, "srmr": .090}, "chen2007")[0] is True
    assert judge_configural({"cfi": .95, "rmsea": .05, "srmr": .05})[0]
    assert judge_configural({"cfi": .89, "rmsea": .05, "srmr": .05}) == (False, "CFI 0.890 < 0.90")


def test_results_files_are_reproducible(hs_ladder, tmp_path):
    a = write_results(hs_ladder, tmp_path / "a")
    b = write_results(run_invariance(hs39(), HS["model_syntax"], "school", stop_on_failure=False), tmp_path / "b")
    assert a == b == ["comparability.csv", "decisions.json", "excluded_groups.csv", "freed.csv", "ladder.csv",
                      "latent_means.csv", "latent_variances.csv", "lrt.csv"]
    for name in a:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    lad = pd.read_csv(tmp_path / "a" / "ladder.csv")
    for col in ("step", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "delta_chisq", "delta_df",
                "delta_pvalue", "delta_cfi", "delta_rmsea", "delta_srmr", "n_freed", "decision"):
        assert col in lad.columns
    dec = json.loads((tmp_path / "a" / "decisions.json").read_text())
    assert dec["highest"] == "metric" and dec["reference"] == "Pasteur" and dec["groups"] == ["Pasteur", "Grant-White"]


def test_cli_summary_json_and_files(tmp_path):
    data = str(REF / "data" / "holzinger_swineford_1939.csv")
    model = HS["model_syntax"].replace("\n", "; ")
    r = CliRunner().invoke(main, ["invariance", data, "--model-text", model, "--group", "school", "--partial",
                                  "--steps", "metric,scalar", "-o", str(tmp_path / "inv")])
    assert r.exit_code == 0, r.output
    assert "supported (partial)" in r.output and "x3 ~1" in r.output and "Highest supported level: scalar" in r.output
    assert (tmp_path / "inv" / "ladder.csv").is_file()
    r = CliRunner().invoke(main, ["invariance", data, "--model-text", model, "--group", "school", "--json",
                                  "--keep-going"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert [s["step"] for s in out["ladder"]] == ["configural", "metric", "scalar", "strict"]
    assert abs(out["ladder"][2]["chisq"] - 164.102830925183) < 1e-4 and out["highest"] == "metric"


@pytest.mark.parametrize("args, msg", [
    (["--model-text", "F =~ x1 + x2 + x3", "--group", "klasse"], "group column 'klasse' is not in the data"),
    (["--model-text", "F =~ x1 + x2 + zz"], "unknown variable"),
    (["--model-text", "F =~ x1 + x2 + x3", "--group", "school", "--reference", "Eton"], "'Eton' not found"),
])
def test_cli_errors_are_one_line(args, msg):
    data = str(REF / "data" / "holzinger_swineford_1939.csv")
    r = CliRunner().invoke(main, ["invariance", data, *args])
    assert r.exit_code == 1 and msg in r.output
    assert r.output.startswith("Error: ") and len(r.output.strip().splitlines()) == 1
    assert "Traceback" not in r.output


def test_cli_reads_a_platform_export():
    demo = str(REF.parents[1] / "data" / "demo" / "responses_qualtrics.csv")
    r = CliRunner().invoke(main, ["invariance", demo, "--model-text", "INF =~ INF01 + INF02 + INF03 + INF04",
                                  "--steps", "configural,metric", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert len(out["groups"]) == 10 and out["groups"][0] == "FI" and sum(out["nobs"]) < 3500
    assert [s["step"] for s in out["ladder"]] == ["configural", "metric"]


@pytest.mark.parametrize("estimator", ["ML", "MLR"])
def test_fiml_ladder_matches_lavaan(estimator):
    """FIML multi-group (HS39 with blanks; tests/reference/expected/hs39_invariance_fiml.R) against lavaan."""
    ref = load_json("hs39_invariance_fiml.json")
    data = pd.read_csv(REF / "data" / "hs39_blanks.csv")
    res = run_invariance(data, ref["model_syntax"], "school", estimator=estimator, missing="fiml",
                         steps=["metric", "scalar"], stop_on_failure=False)
    lad = res.ladder.set_index("step")
    for step in ("configural", "metric", "scalar"):
        f = ref[estimator][step]["fit"]
        fit = res.fits[step].fit
        assert rel(fit["chisq"], f["chisq"]) < 1e-6 and fit["df"] == f["df"], step
        for k in ("cfi", "tli", "rmsea", "srmr"):
            assert abs(fit[k] - f[k]) < 1e-6, (step, k)
        if estimator == "MLR":
            for k in ("chisq.scaled", "chisq.scaling.factor", "cfi.robust", "rmsea.robust"):
                assert rel(fit[k.replace(".", "_")], f[k]) < 1e-4, (step, k)
            assert abs(lad.loc[step, "cfi"] - f["cfi.robust"]) < 1e-4
    lm = latent_means(res.fits["scalar"], res.fits["scalar"].model, "Pasteur").set_index("construct")
    for r in ref[estimator]["scalar"]["latent_means"]:
        assert abs(lm.loc[r["lhs"], "est"] - r["est"]) < 1e-5 and rel(lm.loc[r["lhs"], "se"], r["se"]) < 1e-4
