"""compare: scale scores from the bank, group comparisons, timing matrix, two-way ANOVA, country model.

The planted-difference data come from a small seeded generator (below) over a synthetic instrument built from
Table 3 (instrument/table3.py), so the tests do not depend on the state of the bundled bank; one test also runs
on the bundled bank when it loads.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.compare.comparisons import (
    compare_groups,
    country_random_intercept,
    run_comparisons,
    scale_scores,
    timing_columns,
    twoway_by_reason,
)
from instrument.model import (
    Construct,
    ContextQuestion,
    Instrument,
    Item,
    MatrixRow,
    ResponseScale,
    Text,
    Theme,
)
from instrument.table3 import RELATIONSHIP_TYPES, TABLE3
from vcd_core.errors import DataError

REASONS = [r.name for r in TABLE3]
PHASES = ("before", "during", "after")
TIMING_P = {  # before, during, after, throughout, none
    "before": [0.5, 0.2, 0.1, 0.1, 0.1],
    "after": [0.1, 0.2, 0.5, 0.1, 0.1],
    "any": [0.2, 0.3, 0.2, 0.2, 0.1],
}


def synthetic_instrument() -> Instrument:
    """Table 3 as an instrument: two provider items per theme on agree7; the 2nd item of each reason reversed."""
    en = {"en": "x"}
    constructs = []
    for r in TABLE3:
        themes, k = [], 0
        for t in r.themes:
            items = []
            for _ in range(2):
                k += 1
                items.append(Item(code=f"{r.code}{k:02d}", construct=r.name, construct_code=r.code, kind="reason",
                                  theme=t.code, perspective="provider", scale="agree7", reverse=k == 2,
                                  text={"en": Text("x", "source")}, source="test", time=r.time,
                                  relationship_types=t.relationship_types, file="test.yaml"))
            themes.append(Theme(t.code, en, t.relationship_types, tuple(items)))
        constructs.append(Construct(r.name, r.code, "reason", en, r.time, "test", {}, tuple(themes), "test.yaml"))
    scale = ResponseScale("agree7", tuple(range(1, 8)), {"en": tuple("1234567")}, {"en": "source"})
    timing = ContextQuestion("TIMING", "matrix", {"en": Text("when", "source")}, (),
                             tuple(MatrixRow(f"TIM_{r.code}", r.name, en) for r in TABLE3), "timing5", False, None,
                             None, "context.yaml")
    return Instrument((), "en", {"agree7": scale}, tuple(constructs), (timing,), (), Path("."))


def simulate(n: int = 2000, seed: int = 7, planted: dict | None = None, theme_effects: bool = False,
             n_countries: int = 6) -> pd.DataFrame:
    """Seeded responses. ``planted``: {reason: (column, label, delta)}; ``theme_effects``: +0.6 on each non-RI
    theme in its relationship types. Timing answers follow each reason's seed time (TIMING_P)."""
    inst = synthetic_instrument()
    rng = np.random.default_rng(seed)
    countries = [f"C{i}" for i in range(n_countries)]
    d = pd.DataFrame({
        "respondent_id": np.arange(1, n + 1),
        "country": rng.choice(countries, n),
        "language": "en",
        "relationship_type": rng.choice(RELATIONSHIP_TYPES, n),
        "phase": rng.choice(PHASES, n),
    })
    country_eff = dict(zip(countries, rng.normal(0, 0.3, n_countries), strict=True))
    planted = planted or {}
    for r in inst.reasons():
        latent = 4 + d["country"].map(country_eff).to_numpy() + rng.normal(0, 1, n)
        if r.name in planted:
            col, label, delta = planted[r.name]
            latent += delta * (d[col] == label).to_numpy()
        for t in r.themes:
            tl = latent.copy()
            if theme_effects and set(t.relationship_types) != set(RELATIONSHIP_TYPES):
                tl += 0.6 * d["relationship_type"].isin(t.relationship_types).to_numpy()
            for it in t.items:
                x = np.clip(np.rint(tl + rng.normal(0, 0.7, n)), 1, 7)
                d[it.code] = (8 - x) if it.reverse else x
        d[f"TIM_{r.code}"] = rng.choice([1, 2, 3, 4, 5], n, p=TIMING_P[r.time])
    return d


@pytest.fixture(scope="module")
def inst():
    return synthetic_instrument()


@pytest.fixture(scope="module")
def planted(inst):
    data = simulate(planted={"absence_of_information": ("relationship_type", "B2C", 0.6),
                             "blaming": ("phase", "after", 0.6)})
    return data, scale_scores(data, inst)


# -- scale scores -----------------------------------------------------------------------------------------------

def test_scale_scores_reverse_code_from_the_bank(inst):
    d = pd.DataFrame({"INF01": [7, 1, np.nan], "INF02": [1, 7, 2], "relationship_type": ["B2C", "B2B", "B2G"]})
    s = scale_scores(d, inst, reasons=["INF"])
    # INF02 is reverse-keyed in the bank: 8 - x; row 3 has only INF02 answered
    assert s["absence_of_information"].tolist() == [7.0, 1.0, 6.0]
    assert s["relationship_type"].tolist() == ["B2C", "B2B", "B2G"]


def test_scale_scores_ignore_labels(inst):
    # a label that looks reversed must not matter: only the bank's `reverse` flag does
    d = pd.DataFrame({"INF01": [2], "INF03": [2]}).rename(columns={"INF03": "INF03"})
    assert scale_scores(d, inst, reasons=["INF"])["absence_of_information"].iloc[0] == 2.0


def test_scale_scores_off_scale_value(inst):
    d = pd.DataFrame({"INF01": [3, 9], "INF02": [1, 2]})
    with pytest.raises(DataError, match=r"row 2, column INF01: value 9 is not on scale agree7"):
        scale_scores(d, inst, reasons=["INF"])


def test_scale_scores_missing_items(inst):
    with pytest.raises(DataError, match="none of the items of blaming"):
        scale_scores(pd.DataFrame({"INF01": [3]}), inst, reasons=["BLM"])
    with pytest.raises(DataError, match="unknown reason 'XYZ'"):
        scale_scores(pd.DataFrame({"INF01": [3]}), inst, reasons=["XYZ"])


def test_scores_with_the_bundled_bank():
    from instrument.validate import load_bank

    bank = load_bank()
    r = bank.reasons()[0]
    d = pd.DataFrame({i.code: [1, 7] for i in r.items})
    s = scale_scores(d, bank, reasons=[r.code])
    sc = bank.scale(r.items[0].scale)
    exp = [np.mean([(sc.minimum + sc.maximum - v) if i.reverse else v for i in r.items]) for v in (1, 7)]
    np.testing.assert_allclose(s[r.name], exp)
    assert set(timing_columns(bank)) == {x.name for x in bank.reasons()}


# -- planted differences ----------------------------------------------------------------------------------------

def test_planted_relationship_type_difference_found(planted):
    _, scores = planted
    res = compare_groups(scores, "relationship_type")
    prim = res.tests[res.tests["primary"]].set_index("reason")
    assert prim.loc["absence_of_information", "p_adj"] < 1e-6
    others = prim.drop(index="absence_of_information")
    assert (others["p_adj"] > 0.05).all(), others["p_adj"]
    gh = res.posthoc[res.posthoc["reason"] == "absence_of_information"]
    b2c = gh[(gh.group1 == "B2C") | (gh.group2 == "B2C")]
    assert (b2c["p_adj"] < 0.001).all()
    assert (b2c["estimate"].abs() > 0.3).all()
    assert list(res.descriptives["group"].unique()) == list(RELATIONSHIP_TYPES)


def test_planted_differences_in_a_study_from_the_generator():
    """Issue 8: on a study from analysis.data.simulate (the cleaning issue's generator, bundled bank) with latent mean
    shifts planted for some reasons, Holm-adjusted Welch ANOVAs find exactly those reasons, per grouping."""
    from analysis.data.ingest import default_instrument
    from analysis.data.simulate import SimulationSpec
    from analysis.data.simulate import simulate as generate

    bank = default_instrument()[0]
    spec = SimulationSpec(countries=("FI", "DE", "ES", "SE"), n_per_country=500, seed=21,
                          reltype_means={"INF": {"B2C": 0.45, "G2C": 0.30}, "TRU": {"B2B": 0.30, "B2G": 0.45}},
                          phase_means={"CHG": {"before": 0.40}, "BLM": {"after": 0.40}}, theme_shift=0.0)
    sim = generate(bank, spec)
    data = sim.data[~sim.data["respondent_id"].isin(sim.careless_ids())]
    scores = scale_scores(data, bank)
    name = {r.code: r.name for r in bank.reasons()}
    for grouping, planted_means in (("relationship_type", spec.reltype_means), ("phase", spec.phase_means)):
        prim = compare_groups(scores, grouping, correction="holm").tests.query("primary").set_index("reason")
        found = set(prim.index[prim["p_adj"] < 0.05])
        assert found == {name[c] for c in planted_means}, (grouping, prim["p_adj"].round(4).to_dict())
        assert (prim.loc[list(found), "p_adj"] < 1e-6).all()


@pytest.mark.parametrize("method", ["welch", "anova", "kruskal"])
def test_planted_phase_difference_found_by_each_method(planted, method):
    _, scores = planted
    res = compare_groups(scores, "phase", method=method, correction="holm")
    prim = res.tests[res.tests["primary"]].set_index("reason")
    assert prim.loc["blaming", "p_adj"] < 1e-6
    assert (prim.drop(index="blaming")["p_adj"] > 0.05).all()
    assert res.posthoc["test"].iloc[0] == {"welch": "games_howell", "anova": "tukey_hsd", "kruskal": "dunn"}[method]
    assert "blaming" in res.summary()


def test_bh_is_less_conservative_than_holm(planted):
    _, scores = planted
    holm = compare_groups(scores, "phase").tests
    bh = compare_groups(scores, "phase", correction="bh").tests
    assert (bh["p_adj"] <= holm["p_adj"] + 1e-12).all()


def test_effect_sizes_and_cis(planted):
    _, scores = planted
    t = compare_groups(scores, "relationship_type").tests.set_index(["reason", "test"])
    row = t.loc[("absence_of_information", "anova")]
    assert row.ci_low < row.effect_size < row.ci_high
    kw = t.loc[("absence_of_information", "kruskal")]
    assert kw.effect == "epsilon2" and kw.ci_low < kw.effect_size < kw.ci_high


def test_twoway_finds_the_phase_effect(planted):
    _, scores = planted
    t2 = twoway_by_reason(scores)
    blm = t2[t2.reason == "blaming"].set_index("term")
    assert blm.loc["phase", "p_adj"] < 1e-6
    assert blm.loc["relationship_type:phase", "p_adj"] > 0.05
    t3 = twoway_by_reason(scores, typ=3)
    assert "(Intercept)" in set(t3.term)


def test_country_random_intercept(planted):
    _, scores = planted
    m = country_random_intercept(scores)
    assert m["converged"].all()
    assert (m["var_country"] > 0.01).all()  # planted sd 0.3 across six countries
    assert m["fixed"].iloc[0] == "relationship_type+phase"


# -- bad input --------------------------------------------------------------------------------------------------

def test_group_with_one_respondent(planted):
    _, scores = planted
    s = scores.copy()
    s.loc[s.index[0], "relationship_type"] = "G2C"
    s = s[(s.relationship_type != "G2C") | (s.index == s.index[0])]
    with pytest.raises(DataError, match=r"group\(s\) 'G2C' \(n=1\)"):
        compare_groups(s, "relationship_type")


def test_unexpected_labels_listed(planted):
    _, scores = planted
    s = scores.copy()
    s.loc[s.index[:3], "relationship_type"] = ["C2C", "b2b", "C2C"]
    with pytest.raises(DataError, match=r"column relationship_type: unexpected relationship_type label\(s\) 'C2C', "
                                        r"'b2b'; expected one of B2C, B2B, B2G, G2C"):
        compare_groups(s, "relationship_type")


def test_reason_without_variance(planted):
    _, scores = planted
    s = scores.assign(blaming=4.0)
    with pytest.raises(DataError, match="column blaming: blaming has no variance"):
        compare_groups(s, "phase")


def test_missing_grouping_column(planted):
    _, scores = planted
    with pytest.raises(DataError, match="grouping column 'phase' is not in the data"):
        compare_groups(scores.drop(columns="phase"), "phase")
    with pytest.raises(DataError, match="grouping column 'country' is not in the data"):
        country_random_intercept(scores.drop(columns="country"))


def test_unknown_method_and_correction(planted):
    _, scores = planted
    with pytest.raises(DataError, match="unknown method"):
        compare_groups(scores, "phase", method="t")
    with pytest.raises(DataError, match="unknown correction"):
        compare_groups(scores, "phase", correction="bonferroni")


# -- CLI and results files --------------------------------------------------------------------------------------

@pytest.fixture()
def cli_env(monkeypatch, tmp_path):
    import instrument.validate

    monkeypatch.setattr(instrument.validate, "load_bank", lambda *a, **k: synthetic_instrument())
    data = simulate(n=900, seed=5, planted={"mistakes": ("relationship_type", "B2G", 0.8)})
    path = tmp_path / "responses.csv"
    data.to_csv(path, index=False)
    return path


def _run(*args):
    from click.testing import CliRunner

    from analysis.cli import cli

    return CliRunner().invoke(cli, ["compare", *map(str, args)])


def test_cli_by_json(cli_env):
    import json

    r = _run(cli_env, "--by", "relationship_type", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    tests = pd.DataFrame(out["relationship_type"]["tests"])
    prim = tests[tests.primary].set_index("reason")
    assert prim.loc["mistakes", "p_adj"] < 1e-6 and prim.loc["mistakes", "test"] == "welch_anova"
    assert {"p_unc", "p_adj", "ci_low", "ci_high"} <= set(tests.columns)


def test_cli_hypotheses_table(cli_env):
    r = _run(cli_env, "--hypotheses")
    assert r.exit_code == 0, r.output
    assert "Seed hypotheses" in r.output and "H-T-CHG" in r.output and "H-R-MIS-incorrect_product" in r.output


def test_cli_reasons_method_and_parquet(cli_env, tmp_path):
    pq = tmp_path / "r.parquet"
    pd.read_csv(cli_env).to_parquet(pq)
    r = _run(pq, "--by", "phase", "--reasons", "INF,BLM", "--method", "kruskal", "--correction", "bh", "--timing")
    assert r.exit_code == 0, r.output
    assert "kruskal by phase (bh-adjusted across 2 reasons)" in r.output
    assert "chi2_across_reasons" in r.output


def test_cli_out_folder(cli_env, tmp_path):
    r = _run(cli_env, "--out", tmp_path / "compare")
    assert r.exit_code == 0, r.output
    files = {p.name for p in (tmp_path / "compare").iterdir()}
    assert {"by_relationship_type.csv", "tests_phase.csv", "posthoc_country.csv", "timing.csv", "twoway.csv",
            "country.csv", "hypotheses.csv", "summary.json"} <= files
    timing = pd.read_csv(tmp_path / "compare" / "timing.csv")
    assert list(timing.columns) == ["reason", "seed_time", "phase", "n", "share"]


def test_cli_errors_are_one_line(cli_env, tmp_path):
    bad = pd.read_csv(cli_env)
    bad.loc[0, "relationship_type"] = "C2C"
    path = tmp_path / "bad.csv"
    bad.to_csv(path, index=False)
    r = _run(path, "--by", "relationship_type")
    assert r.exit_code == 1
    assert r.output.strip().startswith("Error: ") and "unexpected relationship_type label(s) 'C2C'" in r.output
    assert len(r.output.strip().splitlines()) == 1
    r = _run(cli_env.with_suffix(".json"), "--by", "phase")
    assert r.exit_code == 1 and "unsupported file type" in r.output
    assert _run(cli_env).exit_code == 2  # nothing asked


def test_cli_hypotheses_on_the_bundled_demo_export():
    """Issue 8 acceptance: `vcd compare <demo Qualtrics export> --hypotheses` runs and finds the planted truth."""
    import json

    from click.testing import CliRunner

    from analysis.cli import cli

    demo = Path(__file__).resolve().parents[1] / "data" / "demo"
    r = CliRunner().invoke(cli, ["compare", str(demo / "responses_qualtrics.csv"), "--hypotheses", "--json"])
    assert r.exit_code == 0, r.output
    assert "3 preview/test row(s) left out" in r.stderr and "not screened" in r.stderr
    h = pd.DataFrame(json.loads(r.stdout)["hypotheses"]).set_index("id")
    truth = json.loads((demo / "truth.json").read_text(encoding="utf-8"))
    assert set(truth["phase_means"]) == {"CHG", "EXP", "MSB", "BLM"}
    for code in truth["phase_means"]:  # planted: higher when problems began before / after the collaboration
        assert h.loc[f"H-P-{code}", "verdict"] == "supported", h.loc[f"H-P-{code}"]
    # planted relationship-type means: INF in B2C/G2C, TRU in B2B/B2G, CHG in B2C
    for theme in ("INF-provider_incorrect_information", "TRU-inability_to_trust", "CHG-provider_fails_to_respond"):
        assert h.loc[f"H-R-{theme}", "verdict"] == "supported" and h.loc[f"H-R-{theme}", "p_adj"] < 1e-6


def test_cli_leaves_out_rows_flagged_preview(cli_env, tmp_path):
    """vcd ingest / vcd simulate output keeps preview rows flagged; compare leaves them out and says so."""
    import json

    d = pd.read_csv(cli_env)
    d.insert(0, "preview", [True] * 3 + [False] * (len(d) - 3))
    path = tmp_path / "with_preview.parquet"
    d.to_parquet(path)
    r = _run(path, "--by", "phase", "--json")
    assert r.exit_code == 0, r.output
    assert "3 row(s) flagged preview/test (column 'preview') left out" in r.stderr
    n = pd.DataFrame(json.loads(r.stdout)["phase"]["descriptives"]).groupby("reason")["n"].sum()
    assert (n == len(d) - 3).all()


def test_comparability_from_invariance_marks_countries(planted):
    _, scores = planted
    comp = pd.DataFrame({"construct": ["INF", "INF", "blaming"], "group": ["C1", "C2", "C3"],
                         "means_comparable": [False, True, True]})
    res = compare_groups(scores, "country", comparability=comp)
    d = res.descriptives.set_index(["reason", "group"])
    assert d.loc[("absence_of_information", "C1"), "means_comparable"] is False or \
        not d.loc[("absence_of_information", "C1"), "means_comparable"]
    assert bool(d.loc[("absence_of_information", "C2"), "means_comparable"])
    notes = res.tests.set_index(["reason", "test"])["note"]
    assert notes[("absence_of_information", "welch_anova")] == "observed means not comparable (invariance) for C1"
    assert notes[("blaming", "welch_anova")] == ""


# -- minimum sizes at their boundaries ----------------------------------------------------------------------------

def test_two_respondents_per_group_is_enough():
    d = pd.DataFrame({"blaming": [3.0, 4, 5, 7, 1, 2], "phase": ["before", "before", "during", "during", "after",
                                                                 "after"]})
    res = compare_groups(d, "phase", reasons=["blaming"])
    assert res.descriptives["n"].tolist() == [2, 2, 2]
    with pytest.raises(DataError, match=r"'after' \(n=1\)"):
        compare_groups(d.iloc[:5], "phase", reasons=["blaming"])


@pytest.mark.parametrize("n_countries,fitted", [(2, False), (3, True)])
def test_country_model_needs_three_countries(inst, n_countries, fitted):
    data = simulate(n=300, seed=9, n_countries=n_countries)
    res = run_comparisons(data, inst, groupings=("phase",), hypotheses=False)
    assert (res.country is not None) is fitted
    assert ("country" in res.skipped) is not fitted
    if fitted:
        assert (res.country["n_groups"] == 3).all()
