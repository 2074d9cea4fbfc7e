"""Synthetic cross-country studies with planted truth: ``spec`` (what to plant), ``core`` (the population model),
``careless`` (careless respondents, duplicates, missing cells, durations), ``layout`` (the bank's columns) and
``writer`` (platform files + ``truth.json``).

Examples
--------
>>> from analysis.data.simulate import SimulationSpec, simulate
>>> from instrument.validate import load_bank
>>> simulate(load_bank(), SimulationSpec(countries=("FI",), n_per_country=20, seed=1)).data.shape[0]
20
"""

from analysis.data.simulate.core import simulate
from analysis.data.simulate.spec import (
    CARELESS_KINDS,
    DEMO_COUNTRIES,
    NonInvariance,
    Simulation,
    SimulationSpec,
    demo_spec,
    with_seed,
)
from analysis.data.simulate.writer import write_simulation

__all__ = ["CARELESS_KINDS", "DEMO_COUNTRIES", "NonInvariance", "Simulation", "SimulationSpec", "demo_spec",
           "simulate", "with_seed", "write_simulation"]
