"""Start values: one-factor loadings per factor from the groups' covariance matrices, half the variances as
residuals (lavaan's "simple" start in spirit), or the estimates of an earlier fit of a related model (warm start:
the previous step of an invariance ladder).

Examples
--------
>>> import numpy as np
>>> from analysis.stats import group_stats
>>> from analysis.sem.syntax import parse_model
>>> from analysis.sem.partable import build_partable
>>> from analysis.sem.matrices import Representation
>>> y = np.random.default_rng(1).normal(size=(300, 1)) @ [[1.0, 0.8, 0.6]]
>>> y = y + np.random.default_rng(2).normal(size=(300, 3))
>>> rep = Representation(build_partable(parse_model("f =~ a + b + c")))
>>> x0 = start_values(rep, [group_stats(y)])
>>> len(x0) == rep.nx and bool(np.all(np.isfinite(x0)))
True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.stats import GroupStats

from .matrices import Representation

__all__ = ["start_values", "warm_start"]


def _one_factor(pt: pd.DataFrame, rep: Representation, g: int, S: np.ndarray
                ) -> tuple[dict[tuple[int, int], float], dict[int, float]]:
    lam: dict[tuple[int, int], float] = {}
    psi: dict[int, float] = {}
    for j, lv in enumerate(rep.latent):
        rows = pt[(pt["group"] == g + 1) & (pt["op"] == "=~") & (pt["lhs"] == lv)]
        idx = rows["row"].to_numpy(int)
        if len(idx) == 0:
            continue
        sd = np.sqrt(np.diag(S)[idx])
        R = S[np.ix_(idx, idx)] / np.outer(sd, sd)
        vals, vecs = np.linalg.eigh(R)
        v = vecs[:, -1] * np.sqrt(max(vals[-1] - 1, 0.1) / max(len(idx) - 1, 1) * len(idx) / len(idx))
        if v.sum() < 0:
            v = -v
        load = v * sd
        marker = rows.iloc[0]
        if marker["free"] == 0 and marker["ustart"] != 0:
            scale = load[0] / marker["ustart"]
            psi[j] = scale**2
            load = load / scale
        else:
            psi[j] = 1.0
        for r, val in zip(rows["row"], load, strict=True):
            lam[(r, j)] = val
    return lam, psi


def start_values(rep: Representation, groups: Sequence[GroupStats]) -> np.ndarray:
    """Simple start values: one-factor loadings per factor, half the variances as residuals.

    Parameters
    ----------
    rep : Representation
        The model.
    groups : sequence of GroupStats
        The groups' statistics (covariances and means).

    Returns
    -------
    ndarray (n_x,)
    """
    pt = rep.pt
    x = np.full(rep.nx, np.nan)
    for g in range(rep.ngroups):
        d = groups[g]
        S = d.cov
        sub = pt[(pt["group"] == g + 1) & (pt["free"] > 0)]
        lam, psi = _one_factor(pt, rep, g, S)
        for r in sub.itertuples():
            if not np.isnan(x[r.free - 1]):
                continue
            if r.start is not None and not (isinstance(r.start, float) and np.isnan(r.start)):
                v = float(r.start)
            elif r.mat == "lambda":
                v = lam.get((r.row, r.col), 0.7)
            elif r.mat == "theta":
                v = 0.5 * S[r.row, r.row] if r.row == r.col else 0.0
            elif r.mat == "psi":
                v = psi.get(r.row, 0.05) if r.row == r.col else 0.0
            elif r.mat == "nu":
                v = d.mean[r.row]
            else:
                v = 0.0
            x[r.free - 1] = v
    return np.nan_to_num(x)


def warm_start(rep: Representation, labels: Sequence[str], multigroup: bool, params: pd.DataFrame
               ) -> tuple[np.ndarray, np.ndarray]:
    """Start values from an earlier fit's parameter table (``lhs op rhs group est``): each free parameter starts
    at the mean of the earlier estimates of its rows. Returns the values and which parameters were covered.

    Parameters
    ----------
    rep : Representation
        The model to start.
    labels : sequence of str
        Its group labels.
    multigroup : bool
        Whether the earlier fit had groups (its ``group`` column holds labels) or not (``""``).
    params : DataFrame
        The earlier fit's ``params``.

    Returns
    -------
    tuple of ndarray
        ``(x0, covered)``.
    """
    pt = rep.pt
    key = zip(params["lhs"], params["op"], params["rhs"], params["group"].astype(str), strict=True)
    val = dict(zip(key, params["est"].to_numpy(float), strict=True))
    sums = np.zeros(rep.nx)
    cnt = np.zeros(rep.nx)
    glab = [str(lb) for lb in labels]
    for lhs, op, rhs, g, fr in zip(pt["lhs"], pt["op"], pt["rhs"], pt["group"], pt["free"], strict=True):
        v = val.get((lhs, op, rhs, glab[g - 1] if multigroup else ""))
        if fr > 0 and v is not None and np.isfinite(v):
            sums[fr - 1] += v
            cnt[fr - 1] += 1
    out = np.zeros(rep.nx)
    out[cnt > 0] = sums[cnt > 0] / cnt[cnt > 0]
    return out, cnt > 0
