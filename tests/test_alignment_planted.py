"""Planted non-invariance in generated cross-country studies (analysis.data.simulate): alignment names the planted
parameters, recovers the true mean ranking (Spearman >= .95 over 30 countries), and align -> refit releases them;
on a smaller study the refit is compared with the invariance ladder's partial model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.data.simulate.core import simulate
from analysis.data.simulate.layout import build_layout
from analysis.data.simulate.spec import NonInvariance, SimulationSpec
from analysis.invariance.alignment_cfa import align_data
from analysis.invariance.alignment_refit import refit_partial
from instrument.validate import check_bank


def _study(G: int, seed: int, planted: tuple[tuple[str, str, int, float], ...]):
    inst = check_bank()[0]
    codes = [c for c in build_layout(inst, "provider", ("INF", "TRU")).country_values if c != "ZZ"][:G]
    spec = SimulationSpec(
        countries=tuple(codes), n_per_country=400, seed=seed, constructs=("INF", "TRU"), country_sd=0.5,
        careless_share=0.0, duplicate_share=0.0, missing_rate=0.0, theme_shift=0.0,
        noninvariance=tuple(NonInvariance(p, item, codes[k], v) for p, item, k, v in planted))
    sim = simulate(inst, spec)
    items = sim.truth["model"]["items"]
    model = "\n".join(f"{f} =~ " + " + ".join(i for i in items if items[i]["construct"] == f) for f in ("INF", "TRU"))
    truth = pd.DataFrame(sim.truth["country_means"]).T.loc[codes]
    planted_set = {("intercept" if p == "intercept" else "loading", item, codes[k]) for p, item, k, _ in planted}
    return sim.data, model, codes, truth, planted_set


@pytest.fixture(scope="module")
def thirty():
    data, model, codes, truth, planted = _study(30, 5, (("intercept", "INF02", 4, 0.8), ("loading", "TRU03", 9, 0.2)))
    fit = align_data(model, data, "country", group_order=codes, fixed=False)
    return data, model, codes, truth, planted, fit


def test_planted_parameters_are_named(thirty):
    _, _, _, _, planted, fit = thirty
    assert not fit.failed
    flagged = set()
    for r in fit.results:
        t = r.invariance()
        flagged |= set(r.noninvariant())
        for param, item, group in planted:
            if item in r.items:  # the planted one is the clearest deviation of its type in its factor
                sub = t[t["param"] == param]
                top = sub.loc[sub["deviation"].abs().idxmax()]
                assert (top["item"], top["group"]) == (item, group)
    assert planted <= flagged
    n_params = sum(2 * len(r.items) * len(r.groups) for r in fit.results)
    assert len(flagged - planted) / n_params < 0.03


def test_true_mean_ranking_is_recovered(thirty):
    _, _, _, truth, _, fit = thirty
    for r in fit.results:
        rho = stats.spearmanr(truth[r.factor].to_numpy(float), r.mean).statistic
        assert rho >= 0.95, (r.factor, rho)
        rk = r.ranking()
        assert rk["rank_low"].le(rk["rank"]).all() and np.isfinite(rk["se"].iloc[1:]).all()


def test_refit_releases_the_planted_parameters(thirty):
    data, model, _, _, planted, fit = thirty
    rr = refit_partial(data, model, "country", fit)
    owner = {"INF02": "INF", "TRU03": "TRU"}
    wanted = {(f"{owner[i]} =~ {i}" if p == "loading" else f"{i} ~1", g) for p, i, g in planted}
    assert wanted <= set(rr.releases)
    cmp = rr.comparison.set_index("model")
    assert cmp.loc["alignment partial", "chisq"] < cmp.loc["scalar", "chisq"] - 100
    assert cmp.loc["alignment partial", "cfi"] > cmp.loc["scalar", "cfi"]
    assert cmp.loc["alignment partial", "df"] == cmp.loc["scalar", "df"] - len(rr.releases)
    m = rr.means
    assert np.corrcoef(m["refit_mean"], m["aligned_mean"])[0, 1] > 0.99


def test_refit_compared_with_the_ladder():
    data, model, codes, _, _ = _study(8, 5, (("intercept", "INF02", 4, 0.8), ("loading", "TRU03", 6, 0.2)))
    fit = align_data(model, data, "country", group_order=codes, fixed=False)
    rr = refit_partial(data, model, "country", fit, ladder=True)
    cmp = rr.comparison.set_index("model")
    assert list(cmp.index) == ["scalar", "alignment partial", "ladder partial"]
    assert cmp.loc["ladder partial", "chisq"] < cmp.loc["scalar", "chisq"]
    assert ("INF02 ~1", codes[4]) in set(rr.ladder_releases or ()) & set(rr.releases)
    assert "released by both" in rr.summary()
