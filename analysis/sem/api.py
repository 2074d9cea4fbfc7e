"""``cfa()``: lavaan's convenience function — a :class:`~analysis.sem.model.Model` built and fitted in one call.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(7)
>>> f = rng.normal(size=(300, 2)) @ [[1, .4], [0, .9]]
>>> y = np.hstack([f[:, [0]] * [1, .8, .7], f[:, [1]] * [1, .9, .6]]) + rng.normal(size=(300, 6))
>>> df = pd.DataFrame(y, columns=["a1", "a2", "a3", "b1", "b2", "b3"])
>>> res = cfa("A =~ a1 + a2 + a3\\nB =~ b1 + b2 + b3", df)
>>> res.converged, int(res.fit["df"]), int(res.fit["npar"])
(True, 8, 13)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from threadpoolctl import threadpool_limits

from analysis.stats import SampleStats

from .model import Model, snake_case
from .results import CfaResult
from .syntax import ParsedModel

__all__ = ["cfa"]


def cfa(
    model: str | ParsedModel,
    data: pd.DataFrame | SampleStats,
    *,
    group: str | None = None,
    group_order: Sequence | None = None,
    group_equal: Sequence[str] = (),
    group_partial: Sequence[str | tuple[str, object]] = (),
    estimator: str = "ML",
    missing: str = "listwise",
    std_lv: bool = False,
    meanstructure: bool | None = None,
    information: str | None = None,
    start: CfaResult | None = None,
    std_se: bool = True,
    **lavaan: Any,
) -> CfaResult:
    """Fit a (multi-group) confirmatory factor model like lavaan's ``cfa()``.

    Parameters
    ----------
    model : str or ParsedModel
        lavaan syntax (``=~ ~~ ~ ~1``, ``1*x``, ``a*x``, ``c(a,b)*x``, ``==``).
    data : DataFrame or SampleStats
        Observed columns (extra columns ignored), or their sufficient statistics (:mod:`analysis.stats`).
    group, group_order : optional
        Grouping column; groups in order of first appearance unless ``group_order`` is given.
    group_equal, group_partial :
        lavaan's ``group.equal`` / ``group.partial`` (``"loadings"``, ``"intercepts"``, …; ``"F =~ x3"``).
        A ``group_partial`` entry ``("x3 ~1", "DE")`` releases the parameter in group ``DE`` only.
    estimator : {"ML", "MLR"}
        MLR: ML estimates, Huber-White SEs, Yuan-Bentler (Mplus) scaled χ², robust CFI/TLI/RMSEA.
    missing : {"listwise", "fiml", "ml"}
        Listwise deletion (dropped rows are reported in ``warnings``) or full-information ML.
    std_lv : bool
        Identify factors by fixing their variances to 1 instead of the first loading.
    meanstructure : bool, optional
        Default: True with groups, FIML or intercept terms, else False (lavaan's default).
    information : {"expected", "observed"}, optional
        For ML SEs. Default: expected (complete data), observed (FIML; MLR always uses observed).
    start : CfaResult, optional
        Start from the estimates of an earlier fit of a related model (same variables and groups: e.g. the
        previous step of an invariance ladder); parameters made equal start at the mean of the earlier values.
    std_se : bool
        Compute delta-method SEs of the standardized solution (``std_all_se``; NaN when False — faster).
    **lavaan :
        lavaan's dotted names: ``**{"group.equal": [...], "group.partial": [...], "std.lv": True,
        "group.label": [...]}``.

    Returns
    -------
    CfaResult

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(3)
    >>> y = rng.normal(size=(200, 1)) * [1, .8, .6] + rng.normal(size=(200, 3))
    >>> res = cfa("f =~ y1 + y2 + y3", pd.DataFrame(y, columns=["y1", "y2", "y3"]), std_lv=True)
    >>> int(res.fit["df"]), res.params.loc[0, "op"]
    (0, '=~')
    >>> dotted = cfa("f =~ y1 + y2 + y3", pd.DataFrame(y, columns=["y1", "y2", "y3"]), **{"std.lv": True})
    >>> dotted.params["est"].equals(res.params["est"])
    True
    """
    opts = snake_case(lavaan, ["group_equal", "group_partial", "std_lv", "group_order"])
    group_order = opts.pop("group_order", group_order)
    m = Model(model, **{"group_equal": group_equal, "group_partial": group_partial, "std_lv": std_lv, **opts},
              meanstructure=meanstructure)
    with threadpool_limits(1):
        return m.fit(data, group=group, group_order=group_order, estimator=estimator, missing=missing,
                     information=information, start=start, std_se=std_se)
