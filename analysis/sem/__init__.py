"""The SEM engine: lavaan syntax → parameter table → ML / MLR / FIML estimation → fit → results.

Public API: :func:`cfa`, :func:`parse_model`, :func:`model_from_instrument`, :func:`lrt`,
:class:`CfaResult`.

Examples
--------
>>> from analysis.sem import parse_model
>>> parse_model("f =~ x1 + x2 + x3").latent
('f',)
"""

from .api import cfa
from .instrument_model import model_from_instrument
from .lrt import lrt
from .results import CfaResult
from .syntax import parse_model

__all__ = ["cfa", "lrt", "model_from_instrument", "parse_model", "CfaResult"]
