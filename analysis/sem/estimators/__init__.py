"""Estimator plug-ins: one module per fit function, selected by (estimator, missing).

* ``ml`` — normal-theory ML on complete data (``("ML", "listwise")``),
* ``fiml`` — ML under missing data by pattern (``("ML", "fiml")``),
* ``mlr`` — MLR on complete data and under FIML (``("MLR", "listwise")``, ``("MLR", "fiml")``).

A new estimator (e.g. DWLS/WLSMV on polychoric statistics) is a new module with a subclass of
:class:`~analysis.sem.estimators.base.Estimator` and one line in :data:`ESTIMATORS`.

Examples
--------
>>> sorted(ESTIMATORS)
[('ML', 'fiml'), ('ML', 'listwise'), ('MLR', 'fiml'), ('MLR', 'listwise')]
"""

from __future__ import annotations

from vcd_core.errors import EstimationError

from .base import Estimator, ParamCovariance, Tests
from .fiml import FIMLEstimator
from .ml import MLEstimator
from .mlr import FIMLREstimator, MLREstimator

__all__ = ["ESTIMATORS", "Estimator", "FIMLEstimator", "FIMLREstimator", "MLEstimator", "MLREstimator",
           "ParamCovariance", "Tests", "estimator_class"]

#: (estimator, missing) → plug-in class
ESTIMATORS: dict[tuple[str, str], type[Estimator]] = {
    ("ML", "listwise"): MLEstimator,
    ("ML", "fiml"): FIMLEstimator,
    ("MLR", "listwise"): MLREstimator,
    ("MLR", "fiml"): FIMLREstimator,
}


def estimator_class(estimator: str, missing: str) -> type[Estimator]:
    """The plug-in for ``estimator`` (case-insensitive) under ``missing`` ("listwise" or "fiml").

    Parameters
    ----------
    estimator : str
        ``"ML"`` or ``"MLR"``.
    missing : str
        ``"listwise"`` or ``"fiml"``.

    Returns
    -------
    type[Estimator]

    Examples
    --------
    >>> estimator_class("ml", "listwise").__name__
    'MLEstimator'
    """
    key = (str(estimator).upper(), str(missing))
    if key[0] not in {k[0] for k in ESTIMATORS}:
        raise EstimationError(f"unknown estimator {estimator!r}; use ML or MLR")
    if key not in ESTIMATORS:
        raise EstimationError(f"estimator {key[0]} is not available with missing={missing!r}")
    return ESTIMATORS[key]
