"""The second half of the simulator: timing matrix, context, careless responders, duplicates, missing cells, times.

:func:`plant` takes the attentive answers drawn by :func:`analysis.data.simulate.core.simulate` and adds everything a
real response file has: the timing-matrix answers (shares by the reason's Table-3 time, occurrence more likely
the higher the respondent stands on the reason), attention checks, context answers, completion times, the four
kinds of careless responders, exact duplicate submissions and MCAR missing cells — and records all of it in the
truth.

Careless kinds (each respondent is one kind):

- ``straightliner``: one value on every rated row in page order (70 %), or on a contiguous stretch of 60–90 % of
  the page (30 %); the timing matrix gets one value too; 0.4–0.7 × the usual time.
- ``random``: every rated row and timing answer uniform on its scale; 0.45–0.8 × the usual time.
- ``speeder``: 0.12–0.28 × the country's usual time; half of the rated rows answered at random.
- ``attention``: answers attentively but gives a wrong answer to one or both attention checks.

Missing cells are MCAR: a random 10 % of respondents (``missing_respondents``) leave cells blank at random, so
the overall share of blank item and timing cells is ``missing_rate``.

Examples
--------
>>> sorted(TIME_LABELS)
[1, 2, 3, 4, 5]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analysis.data.simulate.layout import Layout
from analysis.data.simulate.spec import (
    CARELESS_KINDS,
    DEMO_COUNTRIES,
    PHASES,
    RELATIONSHIP_TYPES,
    TIMING_PROBS,
    Simulation,
)

TIME_LABELS: dict[int, str] = {1: "before", 2: "during", 3: "after", 4: "throughout", 5: "none"}
CONTEXT_SECONDS = 90.0


def _counts(total: int, mix: dict[str, float]) -> dict[str, int]:
    """Largest-remainder split of ``total`` by the shares in ``mix``."""
    keys = list(mix)
    w = np.array([mix[k] for k in keys], float)
    w = w / w.sum() if w.sum() > 0 else w
    raw = w * total
    out = np.floor(raw).astype(int)
    for k in np.argsort(-(raw - out))[: total - out.sum()]:
        out[k] += 1
    return dict(zip(keys, out.tolist(), strict=True))


def _languages(inst: Any, countries: list[str], country: np.ndarray, rng: np.random.Generator) -> np.ndarray:

    codes = set(inst.language_codes)
    src = inst.source_language
    out = np.empty(len(country), dtype=object)
    for g, c in enumerate(countries):
        idx = np.flatnonzero(country == g)
        native = DEMO_COUNTRIES.get(c, src)
        native = native if native in codes else src
        use_src = rng.random(len(idx)) < (0.15 if native != src else 1.0)
        out[idx] = np.where(use_src, src, native)
    return out


def plant(inst: Any, spec: Any, lay: Layout, rng: np.random.Generator, x: np.ndarray, eta: np.ndarray,
          country: np.ndarray, rtype: np.ndarray, phase: np.ndarray, model: dict[str, Any]) -> Simulation:
    """Add checks, timing, context, careless responders, duplicates, missing cells and times; build the truth.

    Parameters
    ----------
    inst : Instrument
    spec : SimulationSpec
    lay : Layout
        The page order, items, checks and scales of the form.
    rng : numpy Generator
        Drawn from in a fixed order (the same seed gives the same file).
    x : ndarray
        Attentive answers, respondents × ``lay.items``.
    eta : ndarray
        Latent standings, respondents × ``lay.constructs`` (timing-matrix occurrence).
    country, rtype, phase : ndarray
        Group indices per respondent (``rtype`` and ``phase`` are overwritten for duplicate submissions).
    model : dict
        The generating parameters (``lam nu phi alpha thresholds``), recorded in the truth.

    Returns
    -------
    Simulation
    """
    N = len(country)
    countries = list(spec.countries)
    ids = np.array([f"{countries[g]}-{k + 1:04d}" for g in range(len(countries))
                    for k in range(spec.n_per_country)], dtype=object)
    page = list(lay.page_order)
    col = {c: k for k, c in enumerate(page)}
    P = np.full((N, len(page)), np.nan)
    for j, item in enumerate(lay.items):
        P[:, col[item]] = x[:, j]
    for code, correct in lay.checks.items():
        P[:, col[code]] = correct
    page_values = [np.asarray(lay.scales[lay.item_scale.get(c) or lay.check_scale[c]].values, float) for c in page]
    T = _timing_answers(lay, rng, eta)
    tvals = np.asarray(lay.scales[lay.timing_scale].values, float)
    kind = _careless(spec, lay, rng, P, T, page_values, tvals, col)
    base = spec.seconds_per_item * len(page) + CONTEXT_SECONDS
    cfac = {c: round(float(rng.uniform(0.9, 1.1)), 3) for c in countries}
    dur = _durations(spec, rng, np.array([base * cfac[c] for c in countries])[country], kind)
    p_cell, n_missing = _missing_cells(spec, lay, rng, P, T, col)
    dups = _duplicates(spec, rng, kind, country, P, T, rtype, phase)
    frame, preview_ids = _frame(inst, spec, lay, rng, ids, country, rtype, phase, dur, P, T, col, kind)
    truth = _truth(spec, lay, model, frame, ids, kind, dups, preview_ids)
    truth["missing"] = {"mechanism": "MCAR", "rate": spec.missing_rate, "respondents_share": spec.missing_respondents,
                        "cell_rate_within": p_cell, "cells": n_missing, "applies_to": "items and timing matrix"}
    truth["durations"] = {"median_seconds_attentive": {c: round(base * cfac[c], 1) for c in countries},
                          "sdlog": spec.duration_sdlog,
                          "factors": {"straightliner": [0.4, 0.7], "random": [0.45, 0.8], "speeder": [0.12, 0.28]}}
    truth["fallbacks"] = list(lay.fallbacks)
    return Simulation(data=frame, truth=truth, spec=spec)


def _p_when(lay: Layout, reason: str) -> tuple[float, ...]:
    """The Table-3 shares of before / during / after / throughout for a reason's seed time."""
    return tuple(TIMING_PROBS.get(lay.construct_time.get(reason) or "any", TIMING_PROBS["any"]))


def _timing_answers(lay: Layout, rng: np.random.Generator, eta: np.ndarray) -> np.ndarray:
    """The timing matrix: occurrence grows with the respondent's standing on the reason; when by its seed time."""
    N = eta.shape[0]
    fpos = {c: k for k, c in enumerate(lay.constructs)}
    tim_codes = list(lay.timing)
    T = np.full((N, len(tim_codes)), np.nan)
    for k, r in enumerate(tim_codes):
        z = eta[:, fpos[r]] if r in fpos else np.zeros(N)
        occurred = rng.random(N) < 1 / (1 + np.exp(-(0.4 + 0.9 * z)))
        probs = np.asarray(_p_when(lay, r))
        when = rng.choice(4, size=N, p=probs / probs.sum()) + 1
        T[:, k] = np.where(occurred, when, 5)
    return T


def _careless(spec: Any, lay: Layout, rng: np.random.Generator, P: np.ndarray, T: np.ndarray,
              page_values: list[np.ndarray], tvals: np.ndarray, col: dict[str, int]) -> np.ndarray:
    """Assign the careless kinds and overwrite their answers in ``P`` (page order) and ``T``; the kind per row."""
    N, npage = P.shape
    n_careless = int(round(spec.careless_share * N))
    chosen = rng.permutation(N)[:n_careless]
    kind = np.full(N, "", dtype=object)
    start = 0
    for k, count in _counts(n_careless, dict(spec.careless_mix)).items():
        kind[chosen[start:start + count]] = k
        start += count
    for i in np.flatnonzero(kind == "straightliner"):
        v = rng.choice(7, p=[0.1, 0.1, 0.15, 0.3, 0.15, 0.1, 0.1]) + 1
        if rng.random() < 0.7:
            lo, hi = 0, npage
        else:
            span = int(round(rng.uniform(0.6, 0.9) * npage))
            lo = int(rng.integers(0, npage - span + 1))
            hi = lo + span
        for j in range(lo, hi):
            vals = page_values[j]
            P[i, j] = vals[min(v, len(vals)) - 1]
        T[i, :] = tvals[rng.integers(len(tvals))]
    rnd = np.flatnonzero(kind == "random")
    spd = np.flatnonzero(kind == "speeder")
    for j, vals in enumerate(page_values):
        P[rnd, j] = vals[rng.integers(len(vals), size=len(rnd))]
        half = spd[rng.random(len(spd)) < 0.5]
        P[half, j] = vals[rng.integers(len(vals), size=len(half))]
    T[rnd, :] = tvals[rng.integers(len(tvals), size=(len(rnd), T.shape[1]))]
    check_codes = list(lay.checks)
    for i in np.flatnonzero(kind == "attention"):
        fail = check_codes if (len(check_codes) < 2 or rng.random() < 0.5) else [check_codes[rng.integers(2)]]
        for c in fail:
            vals = page_values[col[c]]
            wrong = vals[vals != lay.checks[c]]
            P[i, col[c]] = wrong[rng.integers(len(wrong))]
    return kind


def _durations(spec: Any, rng: np.random.Generator, med: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """Completion times in seconds: lognormal around the country's median, shorter for the careless kinds."""
    dur = med * np.exp(spec.duration_sdlog * rng.standard_normal(len(med)))
    for k, (lo, hi) in (("straightliner", (0.4, 0.7)), ("random", (0.45, 0.8)), ("speeder", (0.12, 0.28))):
        m = kind == k
        dur[m] = med[m] * rng.uniform(lo, hi, m.sum())
    return np.round(dur)


def _missing_cells(spec: Any, lay: Layout, rng: np.random.Generator, P: np.ndarray, T: np.ndarray,
                   col: dict[str, int]) -> tuple[float, int]:
    """MCAR blanks in the items and the timing matrix (instructed-response checks are forced-response), in place;
    the cell rate within the respondents who leave blanks and the number of blank cells."""
    N = P.shape[0]
    item_cols = np.array([col[i] for i in lay.items])
    who = rng.random(N) < spec.missing_respondents
    p_cell = spec.missing_rate / spec.missing_respondents
    miss_items = (rng.random((N, len(item_cols))) < p_cell) & who[:, None]
    sub = P[:, item_cols]
    sub[miss_items] = np.nan
    P[:, item_cols] = sub
    miss_t = (rng.random(T.shape) < p_cell) & who[:, None]
    T[miss_t] = np.nan
    return p_cell, int(miss_items.sum() + miss_t.sum())


def _duplicates(spec: Any, rng: np.random.Generator, kind: np.ndarray, country: np.ndarray, P: np.ndarray,
                T: np.ndarray, rtype: np.ndarray, phase: np.ndarray) -> list[tuple[int, int]]:
    """Exact duplicate submissions (after the blanks: a double submission repeats them too): a later attentive
    respondent's answers replaced by an earlier one's of the same country; (source, duplicate) row pairs."""
    n_dup = int(round(spec.duplicate_share * len(kind)))
    clean_pool = np.flatnonzero(kind == "")
    dups: list[tuple[int, int]] = []
    if n_dup and len(clean_pool) > 2 * n_dup:
        targets = np.sort(rng.choice(clean_pool[clean_pool > clean_pool.min()], n_dup, replace=False))
        for t in targets:
            same = clean_pool[(clean_pool < t) & (country[clean_pool] == country[t])]
            same = same[~np.isin(same, [d[1] for d in dups])]
            if len(same) == 0:
                continue
            s = int(rng.choice(same))
            P[t], T[t] = P[s], T[s]
            rtype[t], phase[t] = rtype[s], phase[s]
            kind[t] = "duplicate"
            dups.append((s, int(t)))
    return dups


def _frame(inst: Any, spec: Any, lay: Layout, rng: np.random.Generator, ids: np.ndarray, country: np.ndarray,
           rtype: np.ndarray, phase: np.ndarray, dur: np.ndarray, P: np.ndarray, T: np.ndarray, col: dict[str, int],
           kind: np.ndarray) -> tuple[pd.DataFrame, list[str]]:
    """The response frame (metadata, items, checks, timing, other context) with the preview rows first."""
    N = len(country)
    countries = list(spec.countries)
    lang = _languages(inst, countries, country, rng)
    data: dict[str, Any] = {
        "respondent_id": ids, "country": np.array(countries, dtype=object)[country], "language": lang,
        "relationship_type": np.array(RELATIONSHIP_TYPES, dtype=object)[rtype],
        "phase": np.array(PHASES, dtype=object)[phase], "duration_sec": dur,
        "finished": np.ones(N, bool), "source_row": np.arange(N) + 2,
    }
    for c in lay.items:
        data[c] = P[:, col[c]]
    for c in lay.checks:
        data[c] = P[:, col[c]]
    for k, r in enumerate(lay.timing):
        data[lay.timing[r]] = T[:, k]
    for q in lay.other_context:
        if q.type == "select_one" and q.choices:
            data[q.code] = np.array([ch.code for ch in q.choices], dtype=object)[rng.integers(len(q.choices), size=N)]
        elif q.type == "integer":
            data[q.code] = rng.integers(1, 30, size=N).astype(float)
    frame = pd.DataFrame(data)
    frame.insert(8, "preview", False)
    preview_ids: list[str] = []
    if spec.preview_rows:
        # the researcher's own test runs before fielding: complete, attentive-looking answers
        # (each answer drawn from a different attentive respondent, so no preview repeats a real submission)
        pool = np.flatnonzero(kind == "")
        prev = frame.iloc[rng.choice(pool, spec.preview_rows, replace=False)].copy()
        for c in [*lay.items, *lay.checks, *lay.timing.values()]:
            prev[c] = frame[c].to_numpy()[rng.choice(pool, spec.preview_rows)]
        preview_ids = [f"PREVIEW-{j + 1}" for j in range(spec.preview_rows)]
        prev["respondent_id"], prev["preview"] = preview_ids, True
        frame = pd.concat([prev, frame], ignore_index=True)
        frame["source_row"] = np.arange(len(frame)) + 2
    frame["finished"] = frame["finished"].astype("boolean")
    return frame, preview_ids


def _truth(spec: Any, lay: Layout, model: dict[str, Any], frame: pd.DataFrame, ids: np.ndarray, kind: np.ndarray,
           dups: list[tuple[int, int]], preview_ids: list[str]) -> dict[str, Any]:
    """Everything planted, as truth.json records it (missing cells and durations are added by :func:`plant`)."""
    lam, nu, phi, alpha = model["lam"], model["nu"], model["phi"], model["alpha"]
    theme_shifts: dict[str, dict[str, Any]] = {}
    for it in lay.items:
        types = lay.item_theme_types[it]
        if spec.theme_shift and set(types) < set(RELATIONSHIP_TYPES):
            e = theme_shifts.setdefault(lay.item_theme[it], {"construct": lay.item_construct[it], "types": list(types),
                                                              "shift": spec.theme_shift, "items": []})
            e["items"].append(it)
    return {
        "format": "vcd-truth", "format_version": 1, "seed": spec.seed, "perspective": spec.perspective,
        "countries": list(spec.countries), "n_per_country": spec.n_per_country, "n": len(frame),
        "n_respondents": len(kind), "n_preview": len(preview_ids),
        "units": "latent: factor variance 1 within group; y* standardised (residual variance 1 - loading^2)",
        "model": {
            "constructs": {c: {"name": lay.construct_names[c], "kind": lay.construct_kind[c],
                               "items": [i for i in lay.items if lay.item_construct[i] == c]} for c in lay.constructs},
            "items": {it: {"construct": lay.item_construct[it], "loading": float(lam[j]), "intercept": float(nu[j]),
                           "reverse": lay.item_reverse[it], "theme": lay.item_theme[it]}
                      for j, it in enumerate(lay.items)},
            "factor_correlations": {a: {b: round(float(phi[ka, kb]), 4) for kb, b in enumerate(lay.constructs)}
                                    for ka, a in enumerate(lay.constructs)},
            "thresholds": model["thresholds"],
        },
        "noninvariance": [{"param": ni.param, "item": ni.item, "construct": lay.item_construct[ni.item],
                           "country": ni.country, "value": ni.value,
                           "baseline": float(lam[lay.items.index(ni.item)] if ni.param == "loading" else 0.0)}
                          for ni in spec.noninvariance if ni.item in lay.items],
        "country_means": alpha,
        "relationship_type_means": {c: dict(v) for c, v in spec.reltype_means.items()},
        "phase_means": {c: dict(v) for c, v in spec.phase_means.items()},
        "theme_shifts": theme_shifts,
        "timing": {r: {"column": lay.timing[r], "time": lay.construct_time.get(r) or "any",
                       "p_occurred": "1/(1+exp(-(0.4 + 0.9*eta)))",
                       "p_when_occurred": dict(zip(["before", "during", "after", "throughout"], _p_when(lay, r),
                                                   strict=True))}
                   for r in lay.timing},
        "samples": {"relationship_type": dict(zip(RELATIONSHIP_TYPES, spec.reltype_probs, strict=True)),
                    "phase": dict(zip(PHASES, spec.phase_probs, strict=True))},
        "careless": {
            "share": spec.careless_share, "mix": dict(spec.careless_mix),
            "ids": {**{k: sorted(ids[kind == k].tolist()) for k in (*CARELESS_KINDS, "duplicate")},
                    "preview": preview_ids},
            "duplicates_of": {ids[t]: ids[s] for s, t in dups},
        },
        "attention_checks": {c: {"correct": v} for c, v in lay.checks.items()},
    }
