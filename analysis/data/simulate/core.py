"""Synthetic cross-country studies with known truth: factor structure, non-invariance, group differences, careless.

The population model is built from the item bank: every construct (the eight reasons, then the outcomes) is a
factor measured by its items of one perspective. For respondent *p* in country *c* and item *i* of construct *f*
(theme *t*), a continuous response is

    y*_pi = nu_i + dnu_ic + lambda_ic * (eta_pf + s_t[type_p]) + e_pi,   e_pi ~ N(0, 1 - lambda_i^2)

with standardised loadings lambda_i ~ U(.55, .85), factor correlations ~ U(.2, .5) (negative for the outcome
"intention to collaborate again"), eta_pf ~ N(alpha_cf + m_f[type_p] + q_f[phase_p], Phi). ``alpha`` are
country latent means, ``m`` latent mean shifts by relationship type, ``q`` by the phase in which problems began,
``s_t`` a shift of a second-order theme in the relationship types where Table 3 observed it, ``dnu`` / a changed
``lambda`` the planted non-invariance. y* is cut into the scale's categories at fixed thresholds; reverse-keyed
items (bank flag) are recorded reversed. The timing matrix answers follow the reason's time in Table 3.

Careless responders (``straightliner random speeder attention``), exact duplicate submissions, MCAR missing cells
and completion times are planted on top; every planted value is returned in :attr:`Simulation.truth` (written as
``truth.json``). Everything is drawn from one ``numpy.random.Generator`` seeded by ``seed``: same spec, same bank,
same data.

Examples
--------
>>> from instrument.validate import check_bank
>>> inst = check_bank()[0]
>>> sim = simulate(inst, SimulationSpec(countries=("FI", "DE"), n_per_country=40, seed=3))
>>> sim.data.shape[0], sim.data["country"].unique().tolist()
(80, ['FI', 'DE'])
>>> int(sim.data["INF01"].min()) >= 1 and int(sim.data["INF01"].max()) <= 7
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats

from analysis.data.simulate.careless import plant
from analysis.data.simulate.layout import Layout, build_layout
from analysis.data.simulate.spec import (
    BASE_SHARES,
    CARELESS_KINDS,
    DEMO_COUNTRIES,
    PHASES,
    RELATIONSHIP_TYPES,
    NonInvariance,
    Simulation,
    SimulationSpec,
    demo_spec,
)
from vcd_core.errors import DataError

__all__ = [
    "CARELESS_KINDS", "DEMO_COUNTRIES", "NonInvariance", "Simulation", "SimulationSpec", "demo_spec", "simulate",
]

# ---------------------------------------------------------------------------------------------------------------
def _factor_correlations(rng: np.random.Generator, codes: Sequence[str], lo: float, hi: float,
                         negative: tuple[str, ...] = ("ICA",)) -> np.ndarray:
    k = len(codes)
    phi = np.eye(k)
    for a in range(k):
        for b in range(a):
            r = rng.uniform(lo, hi)
            if (codes[a] in negative) != (codes[b] in negative):
                r = -r
            phi[a, b] = phi[b, a] = r
    w, v = np.linalg.eigh(phi)
    if w.min() < 0.05:  # keep it positive definite: shrink towards the identity
        shrink = 1.0
        while np.linalg.eigvalsh(phi).min() < 0.05 and shrink > 0.1:
            shrink -= 0.05
            phi = np.eye(k) + shrink * (phi - np.eye(k))
    return phi


def _thresholds(scale_values: tuple[int, ...]) -> np.ndarray:
    k = len(scale_values)
    if k == len(BASE_SHARES):
        shares = np.array(BASE_SHARES)
    else:
        shares = stats.binom.pmf(np.arange(k), k - 1, 0.5)
    return stats.norm.ppf(np.cumsum(shares)[:-1])


def _check_spec(spec: SimulationSpec, lay: Layout) -> None:
    if spec.n_per_country < 1 or not spec.countries:
        raise DataError("need at least one country and one respondent per country")
    if len(set(spec.countries)) != len(spec.countries):
        raise DataError(f"country codes repeat: {', '.join(spec.countries)}")
    for name, v in (("careless_share", spec.careless_share), ("missing_rate", spec.missing_rate),
                    ("duplicate_share", spec.duplicate_share)):
        if not 0 <= v < 0.5:
            raise DataError(f"{name} must be in [0, 0.5), got {v}")
    if not 0 < spec.missing_respondents <= 1 or spec.missing_rate > 0.5 * spec.missing_respondents:
        raise DataError(f"missing_respondents must be in (0, 1] and at least twice missing_rate, got "
                        f"{spec.missing_respondents} for a rate of {spec.missing_rate}")
    unknown = [c for c in spec.countries if lay.country_values and c not in lay.country_values]
    if unknown:
        raise DataError(f"country code(s) {', '.join(unknown)} not among the bank's COUNTRY choices")
    for ni in spec.noninvariance:
        if ni.item not in lay.items and spec.constructs is not None:
            continue  # the item's construct is not simulated
        if ni.item not in lay.items:
            raise DataError(f"planted non-invariance names item {ni.item}, not an item of the "
                            f"{spec.perspective} form")
        if ni.country not in spec.countries:
            raise DataError(f"planted non-invariance names country {ni.country}, not among "
                            f"{', '.join(spec.countries)}")
        if ni.param not in ("intercept", "loading"):
            raise DataError(f"non-invariant parameter must be intercept or loading, got {ni.param!r}")
    for k in spec.careless_mix:
        if k not in CARELESS_KINDS:
            raise DataError(f"unknown careless kind {k!r}; use {', '.join(CARELESS_KINDS)}")


def simulate(inst: Any, spec: SimulationSpec | None = None) -> Simulation:
    """Simulate a cross-country study from the item bank with planted truth.

    Parameters
    ----------
    inst : Instrument
        The item bank (:func:`instrument.validate.load_bank`, or ``check_bank()[0]`` while it is incomplete).
    spec : SimulationSpec, optional
        What to plant; default :func:`demo_spec` ().

    Returns
    -------
    Simulation
        ``data``: one row per respondent — ``respondent_id country language relationship_type phase duration_sec
        finished source_row``, the items (page order), attention checks, timing matrix ``TIM_*`` and other
        context codes; ``truth``: every planted parameter and the ids of every planted careless respondent.

    Examples
    --------
    >>> from instrument.validate import check_bank
    >>> sim = simulate(check_bank()[0], demo_spec(2, n_per_country=50, seed=7))
    >>> sorted(sim.truth["careless"]["ids"])[:2], sim.data["respondent_id"].iloc[:4].tolist()
    (['attention', 'duplicate'], ['PREVIEW-1', 'PREVIEW-2', 'PREVIEW-3', 'FI-0001'])
    """
    spec = spec or demo_spec()
    lay = build_layout(inst, spec.perspective, spec.constructs)
    _check_spec(spec, lay)
    rng = np.random.default_rng(spec.seed)
    codes = lay.constructs
    F, nI = len(codes), len(lay.items)
    fidx = {c: k for k, c in enumerate(codes)}
    item_f = np.array([fidx[lay.item_construct[i]] for i in lay.items])
    lam = rng.uniform(*spec.loadings, size=nI).round(3)
    nu = rng.normal(0, spec.intercept_sd, size=nI).round(3)
    phi = _factor_correlations(rng, codes, *spec.factor_correlations)
    chol = np.linalg.cholesky(phi)
    alpha = {c: dict(zip(codes, [0.0] * F if k == 0 else rng.normal(0, spec.country_sd, F).round(3), strict=True))
             for k, c in enumerate(spec.countries)}

    G, n = len(spec.countries), spec.n_per_country
    N = G * n
    country = np.repeat(np.arange(G), n)
    rtype = rng.choice(len(RELATIONSHIP_TYPES), size=N, p=np.asarray(spec.reltype_probs) / sum(spec.reltype_probs))
    phase = rng.choice(len(PHASES), size=N, p=np.asarray(spec.phase_probs) / sum(spec.phase_probs))
    mean = np.array([[alpha[c][f] for f in codes] for c in spec.countries])[country]
    for f, by in spec.reltype_means.items():
        if f in fidx:
            for t, v in by.items():
                mean[rtype == RELATIONSHIP_TYPES.index(t), fidx[f]] += v
    for f, by in spec.phase_means.items():
        if f in fidx:
            for p, v in by.items():
                mean[phase == PHASES.index(p), fidx[f]] += v
    eta = mean + rng.standard_normal((N, F)) @ chol.T
    # item level: theme shifts, loadings and intercepts per country
    L = np.tile(lam, (G, 1))
    NU = np.tile(nu, (G, 1))
    pos = {i: k for k, i in enumerate(lay.items)}
    for ni in spec.noninvariance:
        if ni.item not in pos:
            continue
        g, j = spec.countries.index(ni.country), pos[ni.item]
        if ni.param == "intercept":
            NU[g, j] += ni.value
        else:
            L[g, j] = ni.value
    theme_shift = np.zeros((len(RELATIONSHIP_TYPES), nI))
    for j, item in enumerate(lay.items):
        types = lay.item_theme_types[item]
        if spec.theme_shift and set(types) < set(RELATIONSHIP_TYPES):
            theme_shift[[RELATIONSHIP_TYPES.index(t) for t in types], j] = spec.theme_shift
    resid_sd = np.sqrt(1 - lam**2)
    ystar = NU[country] + L[country] * (eta[:, item_f] + theme_shift[rtype]) \
        + rng.standard_normal((N, nI)) * resid_sd
    x = np.empty((N, nI))
    for j, item in enumerate(lay.items):
        sc = lay.scales[lay.item_scale[item]]
        x[:, j] = np.asarray(sc.values, float)[np.searchsorted(_thresholds(sc.values), ystar[:, j])]
        if lay.item_reverse[item]:
            x[:, j] = sc.minimum + sc.maximum - x[:, j]


    return plant(inst, spec, lay, rng, x, eta, country, rtype, phase,
                 model={"lam": lam, "nu": nu, "phi": phi, "alpha": alpha, "theme_shift": theme_shift,
                        "thresholds": {s: _thresholds(lay.scales[s].values).round(4).tolist()
                                       for s in sorted(set(lay.item_scale.values()))}})
