"""Sufficient statistics and where they are computed: per group n, means and covariance (divisor N), per missing-data
pattern for FIML, and — only where robust corrections need casewise terms — the raw rows, fetched lazily.

Estimators (``analysis.sem``) read :class:`SampleStats`, never the data frame, so the statistics can come from
another engine (a database, a cluster) as long as it fills the same dataclasses. ``moments`` holds the
dataclasses, ``missing`` the EM saturated model, ``frame`` the in-memory engine for pandas DataFrames.

Examples
--------
>>> import pandas as pd
>>> from analysis.stats import sample_stats
>>> ss = sample_stats(pd.DataFrame({"a": [1.0, 2, 3], "b": [1.0, 3, 2]}), ["a", "b"])
>>> ss.groups[0].n, ss.groups[0].cov.shape
(3, (2, 2))
"""

from analysis.stats.frame import MISSING, numeric_columns, sample_stats
from analysis.stats.missing import em_saturated, pattern_logl
from analysis.stats.moments import GroupStats, PatternStats, SampleStats, group_stats, patterns_of

__all__ = ["GroupStats", "MISSING", "PatternStats", "SampleStats", "em_saturated", "group_stats", "numeric_columns",
           "pattern_logl", "patterns_of", "sample_stats"]
