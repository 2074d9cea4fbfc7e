"""Sufficient statistics from a pandas DataFrame: numeric checks naming row and column, groups, listwise deletion or
missing-data patterns, and the checks an estimator needs (enough rows, a non-singular covariance matrix).

This is the in-memory engine; a database engine (DuckDB, Spark) would return the same :class:`SampleStats` from
GROUP BY queries (n, Σy, Σyyᵀ per group and missing-data pattern).

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [2.0, 1, 4, 3], "g": ["x", "x", "y", "y"]})
>>> ss = sample_stats(df, ["a", "b"])
>>> ss.ntotal, ss.labels, ss.groups[0].mean.tolist()
(4, ('',), [2.5, 2.5])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.stats.moments import GroupStats, SampleStats, group_stats
from vcd_core.errors import DataError, EstimationError

__all__ = ["sample_stats", "numeric_columns", "MISSING"]

#: accepted ``missing`` values and their canonical form
MISSING = {"ml": "fiml", "fiml": "fiml", "listwise": "listwise"}


def numeric_columns(data: pd.DataFrame, cols: Sequence[str]) -> pd.DataFrame:
    """The columns as floats; a non-numeric cell is a :class:`DataError` naming its row (1-based) and column.

    Parameters
    ----------
    data : DataFrame
        The data.
    cols : sequence of str
        Columns to convert.

    Returns
    -------
    DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> numeric_columns(pd.DataFrame({"a": ["1", "x"]}), ["a"])
    Traceback (most recent call last):
    ...
    vcd_core.errors.DataError: row 2, column a: non-numeric value 'x'
    """
    out = {}
    for c in cols:
        s = data[c]
        if pd.api.types.is_bool_dtype(s) or not (pd.api.types.is_numeric_dtype(s) or s.dtype == object
                                                 or pd.api.types.is_string_dtype(s)):
            raise DataError(f"column is not numeric (dtype {s.dtype})", column=str(c))
        v = pd.to_numeric(s, errors="coerce")
        bad = v.isna() & s.notna()
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(f"non-numeric value {s.iloc[i]!r}", row=i + 1, column=str(c))
        out[c] = v.astype(float)
    return pd.DataFrame(out, index=data.index)


def _checked(Y: np.ndarray, label: str, fiml: bool, variables: Sequence[str]) -> GroupStats:
    n, p = Y.shape
    where = f"group {label}: " if label else ""
    if n < 2 or (not fiml and n <= p):
        raise DataError(f"{where}{n} complete rows for {p} variables; need more rows than variables")
    gs = group_stats(Y, label, fiml=fiml)
    ev = np.linalg.eigvalsh(gs.cov)
    if ev.min() <= 1e-10 * max(ev.max(), 1e-300):
        sd = np.sqrt(np.diag(gs.cov))
        const = [variables[int(i)] for i in np.flatnonzero(sd < 1e-12)]
        extra = f" (constant: {', '.join(const)})" if const else " (some variables are linear combinations)"
        raise EstimationError(f"{where}the sample covariance matrix is singular{extra}")
    return gs


def _group_labels(data: pd.DataFrame, group: str, group_order: Sequence | None) -> tuple[list, list[str]]:
    gcol = data[group]
    warnings = []
    if gcol.isna().any():
        warnings.append(f"{int(gcol.isna().sum())} row(s) with missing {group} dropped")
    labels = list(pd.unique(gcol.dropna()))
    if group_order is not None:
        unknown = [g for g in group_order if g not in labels]
        if unknown:
            raise DataError(f"group(s) {unknown} not found in column {group}")
        labels = list(group_order)
    return labels, warnings


def sample_stats(data: pd.DataFrame, variables: Sequence[str], *, group: str | None = None,
                 group_order: Sequence | None = None, missing: str = "listwise") -> SampleStats:
    """Per-group sufficient statistics of ``variables`` in ``data``.

    Parameters
    ----------
    data : DataFrame
        The data (extra columns ignored).
    variables : sequence of str
        The observed variables, in model order.
    group, group_order : optional
        Grouping column; groups in order of first appearance unless ``group_order`` is given.
    missing : {"listwise", "fiml", "ml"}
        Listwise deletion (dropped rows reported in ``warnings``) or missing-data patterns with EM h1 moments.

    Returns
    -------
    SampleStats

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> df = pd.DataFrame({"a": [1.0, 2, 3, np.nan, 5], "b": [2.0, 1, 4, 3, 3]})
    >>> ss = sample_stats(df, ["a", "b"])
    >>> ss.ntotal, ss.warnings
    (4, ('1 row(s) with missing values dropped (listwise)',))
    >>> sample_stats(df, ["a", "b"], missing="fiml").groups[0].fiml
    True
    """
    miss = MISSING.get(str(missing).lower())
    if miss is None:
        raise EstimationError("missing must be 'listwise' or 'fiml'")
    fiml = miss == "fiml"
    if not isinstance(data, pd.DataFrame):
        raise DataError("data must be a pandas DataFrame")
    variables = list(variables)
    absent = [v for v in variables if v not in data.columns]
    if absent:
        raise DataError(f"unknown variable(s) in the model, not in the data: {', '.join(absent)}")
    if group is not None and group not in data.columns:
        raise DataError(f"group column {group!r} is not in the data")
    Xall = numeric_columns(data, variables).to_numpy()
    warnings: list[str] = []
    if group is not None:
        labels, warnings = _group_labels(data, group, group_order)
        gvals = data[group].to_numpy()
    else:
        labels, gvals = [""], np.array([""] * len(data), dtype=object)
    groups = []
    for lab in labels:
        Y = Xall[gvals == lab]
        miss_cells = np.isnan(Y)
        where = f" in group {lab}" if lab != "" else ""
        if fiml:
            drop = miss_cells.all(axis=1)
            what = "with all model variables missing dropped"
        else:
            drop = miss_cells.any(axis=1)
            what = "with missing values dropped (listwise)"
        if drop.any():
            warnings.append(f"{int(drop.sum())} row(s){where} {what}")
        groups.append(_checked(Y[~drop], str(lab), fiml, variables))
    return SampleStats(tuple(variables), tuple(groups), group, miss, tuple(warnings))
