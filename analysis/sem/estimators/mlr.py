"""MLR (lavaan ``estimator="MLR"``): ML estimates with Huber-White (sandwich) standard errors, the Yuan-Bentler
(Mplus) scaled χ² and robust CFI/TLI/RMSEA — on complete data (:class:`MLREstimator`) or under FIML
(:class:`FIMLREstimator`, robust indices by lavaan's FIML-C correction V3).

The robust parts need casewise scores, so these estimators fetch the groups' raw rows
(:attr:`analysis.stats.GroupStats.rows`); the ML parts use the sufficient statistics only.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from analysis.sem import cfa
>>> rng = np.random.default_rng(2)
>>> y = rng.normal(size=(300, 1)) * [1, .8, .7, .6] + rng.standard_t(5, size=(300, 4))
>>> res = cfa("f =~ a + b + c + d", pd.DataFrame(y, columns=list("abcd")), estimator="MLR")
>>> res.estimator, bool(res.fit["chisq_scaling_factor"] > 0), "cfi_robust" in res.fit
('MLR', True, True)
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

import numpy as np

from .. import robust
from ..blocks import ArrowInverse, blocks_of
from .base import Estimator, ParamCovariance, Tests
from .fiml import FIMLEstimator, fiml_robust_indices
from .ml import MLEstimator, NormalTheory

__all__ = ["MLREstimator", "FIMLREstimator", "RobustMixin"]


class RobustMixin(NormalTheory):
    """Sandwich covariance and the Yuan-Bentler (Mplus) scaled test on top of a normal-theory estimator."""

    name: ClassVar[str] = "MLR"
    default_information: ClassVar[str] = "observed"

    def se_information(self, x: np.ndarray, kind: str | None) -> tuple[np.ndarray, str]:
        """Always the observed information (A0 of the sandwich), whatever ``kind`` says."""
        return self.observed_information(x), "observed"

    def covariance(self, x: np.ndarray, A: np.ndarray) -> ParamCovariance:
        """A0⁻¹ B0 A0⁻¹ / N with B0 the first-order information of the casewise scores."""
        inverse = ArrowInverse(blocks_of(self.rep), A)
        return ParamCovariance(inverse, robust.first_order(self, x), self.ntotal)

    def scaled_test(self, cov: ParamCovariance, df: int) -> dict[str, float] | None:
        """Yuan-Bentler (Mplus) scaling of the model and baseline χ² (None when A0 was singular)."""
        if cov.inverse is None or cov.B is None:
            return None
        rep = self.rep
        ndat = rep.ngroups * (rep.p * (rep.p + 1) // 2 + (rep.p if rep.meanstructure else 0))
        tr_h1 = float(sum(robust.h1_traces(self)))
        scaled = robust.yb_mplus(tr_h1, cov.inverse.trace(cov.B), df, rep.nx, ndat)
        tr0, _ = robust.baseline_trace_h0(self)
        scaled["c_null"] = (tr_h1 - tr0) / (rep.ngroups * rep.p * (rep.p - 1) // 2)
        return scaled


class MLREstimator(RobustMixin, MLEstimator):
    """MLR on complete data; the robust CFI/TLI/RMSEA use the scaled test (Brosseau-Liard, Savalei & Li)."""

    missing: ClassVar[str] = "listwise"

    def test(self, x: np.ndarray, A: np.ndarray, cov: ParamCovariance, df: int, base_df: int) -> Tests:
        """ML tests plus the scaled test and the robust-index inputs."""
        t = super().test(x, A, cov, df, base_df)
        scaled = self.scaled_test(cov, df)
        if scaled is None:
            return t
        rob = dict(xx3=t.chisq, c3=scaled["c"], xx3_scaled=t.chisq / scaled["c"], xx3_null=t.baseline_chisq,
                   c3_null=scaled["c_null"])
        return replace(t, scaled=scaled, robust=rob)


class FIMLREstimator(RobustMixin, FIMLEstimator):
    """MLR under FIML (lavaan ``estimator="MLR", missing="ml"``)."""

    missing: ClassVar[str] = "fiml"

    def test(self, x: np.ndarray, A: np.ndarray, cov: ParamCovariance, df: int, base_df: int) -> Tests:
        """ML tests plus the scaled test and the FIML-C (V3) robust-index inputs."""
        t = Estimator.test(self, x, A, cov, df, base_df)
        scaled = self.scaled_test(cov, df)
        if scaled is not None:
            t = replace(t, scaled=scaled)
        return fiml_robust_indices(self, x, t, "V3", df, base_df)
