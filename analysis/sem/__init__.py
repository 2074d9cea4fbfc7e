"""The SEM engine, lavaan's design: syntax → parameter table → :class:`Model` (matrix representation, built once)
→ estimator plug-ins on sufficient statistics (:mod:`analysis.stats`) → :class:`CfaResult` (the fit).

Public API: :class:`Model` (``Model(syntax, ...).fit(data_or_stats, estimator=, missing=, group=)``), :func:`cfa`
(the one-call wrapper), :func:`parse_model`, :func:`model_from_instrument`, :func:`lrt`, :class:`CfaResult`
(alias :data:`Fit`) with its public :class:`EngineState`. Estimators live in :mod:`analysis.sem.estimators`
(ML, FIML, MLR — one module each; a new one is a new module and a line in its table).

Examples
--------
>>> from analysis.sem import parse_model
>>> parse_model("f =~ x1 + x2 + x3").latent
('f',)
"""

from .api import cfa
from .instrument_model import model_from_instrument
from .lrt import lrt
from .model import Model
from .results import CfaResult, EngineState, Fit
from .syntax import parse_model

__all__ = ["cfa", "lrt", "model_from_instrument", "parse_model", "CfaResult", "EngineState", "Fit", "Model"]
