"""Stage 4, measurement invariance across groups: ``ladder`` (configural → metric → scalar → strict, partial
search), ``criteria`` (decision rules), ``results`` (latent means, comparability, results files).

Examples
--------
>>> from analysis.invariance import run_invariance
>>> callable(run_invariance)
True
"""

from analysis.invariance.ladder import run_invariance
from analysis.invariance.results import InvarianceResult, write_results

__all__ = ["InvarianceResult", "run_invariance", "write_results"]
