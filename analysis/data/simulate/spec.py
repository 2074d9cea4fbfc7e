"""The simulator's specification (what to plant) and its result (the data and the planted truth).

Examples
--------
>>> spec = demo_spec(countries=2, n_per_country=30)
>>> spec.countries, spec.n_per_country
(('FI', 'DE'), 30)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from vcd_core.errors import DataError

__all__ = [
    "BASE_SHARES", "CARELESS_KINDS", "DEMO_COUNTRIES", "PHASES", "RELATIONSHIP_TYPES", "TIMING_PROBS",
    "NonInvariance", "Simulation", "SimulationSpec", "demo_spec", "with_seed",
]

#: the kinds of planted careless respondents (plus ``duplicate``: an exact copy of another submission).
CARELESS_KINDS: tuple[str, ...] = ("straightliner", "random", "speeder", "attention")
#: country codes used by ``--countries N`` (first N), with the survey language most respondents use there.
DEMO_COUNTRIES: dict[str, str] = {"FI": "fi", "DE": "de", "ES": "es", "SE": "en", "FR": "en", "IT": "en",
                                  "NL": "en", "PL": "en", "AT": "de", "PT": "en", "IE": "en", "DK": "en"}
RELATIONSHIP_TYPES: tuple[str, ...] = ("B2C", "B2B", "B2G", "G2C")
PHASES: tuple[str, ...] = ("before", "during", "after")
#: P(before, during, after, throughout | the reason occurred), by the reason's time in Table 3.
TIMING_PROBS: dict[str, tuple[float, float, float, float]] = {
    "any": (0.27, 0.33, 0.25, 0.15), "before": (0.56, 0.21, 0.08, 0.15), "after": (0.08, 0.21, 0.56, 0.15),
    "during": (0.10, 0.62, 0.13, 0.15),
}
#: marginal category shares of a 7-point item at nu = 0 (cut points = normal quantiles of their cumsum).
BASE_SHARES: tuple[float, ...] = (0.07, 0.11, 0.16, 0.22, 0.20, 0.14, 0.10)


@dataclass(frozen=True)
class NonInvariance:
    """A planted non-invariant parameter: ``param`` ``intercept`` (added to nu, latent-SD units) or ``loading``
    (replaces the standardised loading) of ``item`` in ``country``."""

    param: str
    item: str
    country: str
    value: float


@dataclass(frozen=True)
class SimulationSpec:
    """Everything that defines a synthetic study (all shifts in latent-SD units).

    ``reltype_means`` / ``phase_means``: construct code → group → latent mean shift. ``theme_shift``: added in the
    relationship types of every Table-3 theme that is not observed in all types. ``careless_mix``: kind → share
    of the careless respondents. ``country_sd``: SD of the country latent means (the first country is 0).
    ``constructs``: simulate only these constructs (codes or names; default all of the bank).
    ``missing_rate``: MCAR share of item and timing cells, all within a random ``missing_respondents`` share of
    respondents (as in real surveys most respondents answer everything; listwise deletion stays usable).
    ``preview_rows``: extra survey-preview rows (``preview`` True; Qualtrics ``Status`` 1) put first.
    """

    countries: tuple[str, ...] = tuple(list(DEMO_COUNTRIES)[:10])
    n_per_country: int = 350
    perspective: str = "provider"
    seed: int = 1
    constructs: tuple[str, ...] | None = None
    loadings: tuple[float, float] = (0.55, 0.85)
    factor_correlations: tuple[float, float] = (0.2, 0.5)
    intercept_sd: float = 0.25
    country_sd: float = 0.15
    noninvariance: tuple[NonInvariance, ...] = ()
    reltype_means: Mapping[str, Mapping[str, float]] = field(default_factory=dict, hash=False)
    phase_means: Mapping[str, Mapping[str, float]] = field(default_factory=dict, hash=False)
    theme_shift: float = 0.0
    reltype_probs: tuple[float, ...] = (0.35, 0.30, 0.20, 0.15)
    phase_probs: tuple[float, ...] = (0.30, 0.45, 0.25)
    careless_share: float = 0.09
    careless_mix: Mapping[str, float] = field(
        default_factory=lambda: {"straightliner": 0.25, "random": 0.30, "speeder": 0.25, "attention": 0.20},
        hash=False)
    duplicate_share: float = 0.003
    preview_rows: int = 0
    missing_rate: float = 0.02
    missing_respondents: float = 0.10
    seconds_per_item: float = 4.5
    duration_sdlog: float = 0.35


def demo_spec(countries: int | tuple[str, ...] = 10, n_per_country: int = 350, perspective: str = "provider",
              seed: int = 1, invariant: bool = False) -> SimulationSpec:
    """The demo study's planted truth (see the README, "Simulation and cleaning").

    Non-invariance: the intercept of INF02 is −0.7 in DE, the loading of TRU03 is .30 in ES (.715 elsewhere with seed 1)
    (items of the customer form: INF12, TRU13). Latent means by relationship type: INF (B2C +.45, G2C +.30), TRU
    (B2B +.30, B2G +.45), CHG (B2C +.45); by phase: CHG, EXP +.40 when problems began before, MSB, BLM +.40 after;
    type-specific themes +.35 in their types. Three survey-preview rows come first.

    Parameters
    ----------
    countries : int or tuple of str
        How many of the demo's countries (FI, DE, ES, …), or the country codes.
    n_per_country : int
        Respondents per country.
    perspective : {"provider", "customer"}
        Which form is simulated.
    seed : int
        Seed of every random draw.
    invariant : bool
        Plant no non-invariance.

    Returns
    -------
    SimulationSpec

    Examples
    --------
    >>> s = demo_spec(3)
    >>> s.countries, [(n.param, n.item, n.country) for n in s.noninvariance]
    (('FI', 'DE', 'ES'), [('intercept', 'INF02', 'DE'), ('loading', 'TRU03', 'ES')])
    """
    if isinstance(countries, int):
        if not 1 <= countries <= len(DEMO_COUNTRIES):
            raise DataError(f"--countries must be 1..{len(DEMO_COUNTRIES)} (or a list of codes), got {countries}")
        countries = tuple(list(DEMO_COUNTRIES)[:countries])
    digit = "0" if perspective == "provider" else "1"
    planted = (NonInvariance("intercept", f"INF{digit}2", "DE", -0.7),
               NonInvariance("loading", f"TRU{digit}3", "ES", 0.30))
    return SimulationSpec(
        countries=tuple(countries), n_per_country=n_per_country, perspective=perspective, seed=seed,
        noninvariance=() if invariant else tuple(p for p in planted if p.country in countries),
        reltype_means={"INF": {"B2C": 0.45, "G2C": 0.30}, "TRU": {"B2B": 0.30, "B2G": 0.45}, "CHG": {"B2C": 0.45}},
        phase_means={"CHG": {"before": 0.40}, "EXP": {"before": 0.40}, "MSB": {"after": 0.40},
                     "BLM": {"after": 0.40}},
        theme_shift=0.35, preview_rows=3,
    )


@dataclass(frozen=True)
class Simulation:
    """A simulated study: ``data`` (ResponseSet columns) and ``truth`` (every planted value, JSON-able)."""

    data: pd.DataFrame = field(repr=False)
    truth: dict[str, Any] = field(repr=False, hash=False)
    spec: SimulationSpec

    def careless_ids(self, kind: str | None = None) -> list[str]:
        """Ids of planted careless respondents (and duplicates), all kinds or one."""
        kinds = self.truth["careless"]["ids"]
        return sorted(i for k, ids in kinds.items() if kind in (None, k) for i in ids)

    def summary(self) -> str:
        """A short text summary of the planted study.

        Examples
        --------
        >>> from instrument.validate import check_bank
        >>> from analysis.data.simulate.core import simulate
        >>> sim = simulate(check_bank()[0], SimulationSpec(countries=("FI",), n_per_country=30, seed=2))
        >>> sim.summary().splitlines()[0]
        'simulated study: 30 respondents, 1 countries, provider perspective, seed 2'
        """
        t = self.truth
        kinds = ", ".join(f"{k} {len(v)}" for k, v in t["careless"]["ids"].items())
        lines = [f"simulated study: {t['n']} respondents, {len(t['countries'])} countries, {t['perspective']} "
                 f"perspective, seed {t['seed']}",
                 f"items: {len(t['model']['items'])} in {len(t['model']['constructs'])} constructs",
                 f"careless/planted: {kinds}",
                 f"missing cells (MCAR): {t['missing']['cells']}"]
        lines += [f"non-invariance: {n['param']} of {n['item']} in {n['country']} = {n['value']}"
                  for n in t["noninvariance"]]
        return "\n".join(lines)


def with_seed(spec: SimulationSpec, seed: int) -> SimulationSpec:
    """The same spec with another seed.

    Examples
    --------
    >>> with_seed(demo_spec(2), 9).seed
    9
    """
    return replace(spec, seed=seed)
