"""The report's figures, drawn with matplotlib from results tables and returned as ``data:`` URIs.

Every function takes tidy frames as read from a results folder and returns an inline SVG as a
``data:image/svg+xml;base64,…`` URI (one SVG document per figure: no id clashes between figures, no
script, no network). SVG output is deterministic: no date metadata and a fixed hash salt, so re-rendering
the same results gives the same bytes. Text is drawn as paths; ``$`` in user text is escaped so that labels
never turn into mathtext.

Examples
--------
>>> import pandas as pd
>>> uri = scree(pd.DataFrame({"component": [1, 2, 3], "observed": [3.1, 1.2, 0.4], "parallel": [1.3, 1.1, 1.0]}))
>>> uri.startswith("data:image/svg+xml;base64,")
True
"""

from __future__ import annotations

import base64
import io
import math
from typing import TYPE_CHECKING, Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

PHASES: tuple[str, ...] = ("before", "during", "after")
_RC: dict[RcKeyType, Any] = {"svg.hashsalt": "vcd-report", "svg.fonttype": "path", "font.size": 9, "axes.titlesize": 10,
       "axes.spines.top": False, "axes.spines.right": False}
BLUE, ORANGE, GREY, RED = "#2b6cb0", "#dd6b20", "#a0aec0", "#c53030"


def _t(text: object) -> str:
    """User text safe for a matplotlib label (no mathtext)."""
    return str(text).replace("$", r"\$")


def _uri(fig: Figure) -> str:
    buf = io.BytesIO()
    with matplotlib.rc_context(_RC):
        FigureCanvasSVG(fig)
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _figure(width: float, height: float) -> Figure:
    with matplotlib.rc_context(_RC):
        return Figure(figsize=(width, height), layout="constrained")


def cleaning_flow(log: pd.DataFrame, n_raw: int) -> str:
    """Respondents remaining after each ordered cleaning hurdle (bars), with the number each excluded.

    Examples
    --------
    >>> log = pd.DataFrame({"rule": ["speeders"], "n_excluded": [5], "n_remaining": [95]})
    >>> cleaning_flow(log, 100)[:26]
    'data:image/svg+xml;base64,'
    """
    with matplotlib.rc_context(_RC):
        labels = ["raw responses"] + [_t(r) for r in log["rule"]]
        remaining = [n_raw] + [int(v) for v in log["n_remaining"]]
        excluded = [0] + [int(v) for v in log["n_excluded"]]
        fig = _figure(6.5, 0.35 * len(labels) + 0.8)
        ax = fig.add_subplot()
        y = np.arange(len(labels))[::-1]
        ax.barh(y, remaining, color=BLUE, height=0.6)
        ax.barh(y, excluded, left=remaining, color=RED, height=0.6, alpha=0.7)
        for yi, r, e in zip(y, remaining, excluded, strict=True):
            ax.text(r + e + n_raw * 0.01, yi, f"{r}" + (f"  (−{e})" if e else ""), va="center", fontsize=8)
        ax.set_yticks(y, labels)
        ax.set_xlim(0, n_raw * 1.18 if n_raw else 1)
        ax.set_xlabel("respondents remaining (red: excluded at this hurdle)")
        return _uri(fig)


def scree(eigen: pd.DataFrame) -> str:
    """Scree plot of observed eigenvalues with the parallel-analysis reference when present."""
    with matplotlib.rc_context(_RC):
        fig = _figure(5.5, 3.0)
        ax = fig.add_subplot()
        ax.plot(eigen["component"], eigen["observed"], "o-", color=BLUE, label="observed", ms=4)
        if "parallel" in eigen and eigen["parallel"].notna().any():
            ax.plot(eigen["component"], eigen["parallel"], "s--", color=ORANGE, label="parallel analysis", ms=3)
        ax.axhline(1.0, color=GREY, lw=0.8, ls=":")
        ax.set_xlabel("component / factor")
        ax.set_ylabel("eigenvalue")
        ax.legend(frameon=False)
        return _uri(fig)


def loadings_heatmap(loadings: pd.DataFrame, factors: list[str]) -> str:
    """Items × factors heatmap of the rotated EFA loadings (|λ| ≥ .30 printed)."""
    with matplotlib.rc_context(_RC):
        values = loadings[factors].to_numpy(dtype=float)
        n_items = len(loadings)
        fig = _figure(1.0 + 0.55 * len(factors), 0.8 + 0.17 * n_items)
        ax = fig.add_subplot()
        im = ax.imshow(values, cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto")
        ax.set_xticks(range(len(factors)), [_t(f) for f in factors])
        ax.set_yticks(range(n_items), [_t(i) for i in loadings["item"]], fontsize=6)
        ax.xaxis.tick_top()
        for (r, c), v in np.ndenumerate(values):
            if np.isfinite(v) and abs(v) >= 0.30:
                ax.text(c, r, f"{v:.2f}".replace("0.", "."), ha="center", va="center", fontsize=5,
                        color="white" if abs(v) > 0.6 else "black")
        fig.colorbar(im, ax=ax, shrink=0.5, label="loading")
        return _uri(fig)


def cfa_loadings(loadings: pd.DataFrame) -> str:
    """Standardised CFA loadings (std_all) per item, grouped by factor; dashed line at .50."""
    with matplotlib.rc_context(_RC):
        n = len(loadings)
        fig = _figure(6.0, 0.6 + 0.16 * n)
        ax = fig.add_subplot()
        y = np.arange(n)[::-1]
        factors = list(dict.fromkeys(loadings["lhs"]))
        palette = matplotlib.colormaps["tab10"]
        colors = [palette(factors.index(f) % 10) for f in loadings["lhs"]]
        ax.barh(y, loadings["std_all"].astype(float), color=colors, height=0.7)
        ax.axvline(0.5, color=GREY, ls="--", lw=0.8)
        ax.set_yticks(y, [f"{_t(f)}: {_t(i)}" for f, i in zip(loadings["lhs"], loadings["rhs"], strict=True)],
                      fontsize=6)
        ax.set_xlim(0, 1)
        ax.set_xlabel("standardised loading (std.all)")
        return _uri(fig)


def ladder(ladder_table: pd.DataFrame) -> str:
    """CFI and RMSEA along the invariance ladder."""
    with matplotlib.rc_context(_RC):
        fig = _figure(5.5, 2.6)
        ax = fig.add_subplot()
        x = np.arange(len(ladder_table))
        ax.plot(x, ladder_table["cfi"].astype(float), "o-", color=BLUE, label="CFI")
        ax.set_ylabel("CFI", color=BLUE)
        ax2 = ax.twinx()
        ax2.spines["right"].set_visible(True)
        ax2.plot(x, ladder_table["rmsea"].astype(float), "s--", color=ORANGE, label="RMSEA")
        ax2.set_ylabel("RMSEA", color=ORANGE)
        ax.set_xticks(x, [_t(s) for s in ladder_table["step"]])
        return _uri(fig)


def country_heatmap(scores: pd.DataFrame, reasons: list[str], comparable: dict[tuple[str, str], bool]) -> str:
    """Country × reason heatmap of scale-score means; cells not comparable are hatched and marked ×.

    Parameters
    ----------
    scores : DataFrame
        ``country, construct, mean`` rows.
    reasons : list of str
        Column order (construct codes).
    comparable : dict
        ``(construct, country) -> bool``; missing keys count as comparable.

    Examples
    --------
    >>> s = pd.DataFrame({"country": ["FI", "DE"], "construct": ["INF", "INF"], "mean": [3.0, 4.0]})
    >>> country_heatmap(s, ["INF"], {("INF", "DE"): False}).startswith("data:")
    True
    """
    with matplotlib.rc_context(_RC):
        countries = list(dict.fromkeys(scores["country"].astype(str)))
        grid = scores.assign(country=scores["country"].astype(str)).pivot_table(
            index="country", columns="construct", values="mean", aggfunc="first")
        grid = grid.reindex(index=countries, columns=reasons)
        values = grid.to_numpy(dtype=float)
        fig = _figure(1.4 + 0.62 * len(reasons), 0.9 + 0.32 * len(countries))
        ax = fig.add_subplot()
        finite = values[np.isfinite(values)]
        vmin, vmax = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        im = ax.imshow(values, cmap="YlOrRd", vmin=vmin, vmax=vmax if vmax > vmin else vmin + 1, aspect="auto")
        for (r, c), v in np.ndenumerate(values):
            ok = comparable.get((reasons[c], countries[r]), True)
            if not ok:
                ax.add_patch(matplotlib.patches.Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, hatch="///",
                                                          edgecolor="#4a5568", lw=0))
            if np.isfinite(v):
                ax.text(c, r, f"{v:.2f}" + ("" if ok else " ×"), ha="center", va="center", fontsize=7,
                        color="black")
        ax.set_xticks(range(len(reasons)), [_t(r) for r in reasons])
        ax.set_yticks(range(len(countries)), [_t(c) for c in countries])
        ax.xaxis.tick_top()
        fig.colorbar(im, ax=ax, shrink=0.6, label="mean scale score")
        return _uri(fig)


def phase_timeline(timing: pd.DataFrame, reasons: list[str], labels: dict[str, str] | None = None) -> str:
    """The seed's Figure 3 drawn from data: when each reason emerges (before / during / after).

    Each reason is a row; in each phase column a circle's area is the share of respondents who said the
    reason began in that phase, and a grey band under the row shows the share answering "throughout".
    A ring marks the phase Table 3 of the seed assigns to the reason (``seed_time``; "any" rings none).

    Examples
    --------
    >>> t = pd.DataFrame({"reason": ["CHG"] * 3, "seed_time": ["before"] * 3,
    ...                   "phase": ["before", "during", "after"], "share": [0.6, 0.3, 0.1]})
    >>> phase_timeline(t, ["CHG"]).startswith("data:")
    True
    """
    with matplotlib.rc_context(_RC):
        fig = _figure(6.8, 0.9 + 0.42 * len(reasons))
        ax = fig.add_subplot()
        n = len(reasons)
        for row, reason in enumerate(reasons):
            y = n - 1 - row
            sub = timing[timing["reason"].astype(str) == reason]
            shares = {str(p): float(s) for p, s in zip(sub["phase"], sub["share"], strict=True)}
            seed = str(sub["seed_time"].iloc[0]) if "seed_time" in sub and len(sub) else ""
            through = shares.get("throughout", 0.0)
            if through > 0:
                ax.add_patch(matplotlib.patches.FancyBboxPatch(
                    (-0.35, y - 0.12), 2.7, 0.24, boxstyle="round,pad=0.02", color=GREY, alpha=min(0.15 + through, 0.9),
                    lw=0))
            for col, phase in enumerate(PHASES):
                share = shares.get(phase, 0.0)
                if share > 0:
                    ax.scatter(col, y, s=1400 * share, color=BLUE, alpha=0.85, zorder=3, lw=0)
                ax.text(col + 0.2, y + 0.22, f"{share:.0%}", fontsize=7, color="#2d3748", zorder=4)
                if seed == phase:
                    ax.scatter(col, y, s=900, facecolors="none", edgecolors=ORANGE, lw=1.6, zorder=4)
            if through > 0:
                ax.text(2.45, y - 0.05, f"throughout {through:.0%}", fontsize=7, color="#4a5568", va="center")
        ax.set_xticks(range(3), ["before", "during", "after"])
        labels = labels or {}
        ax.set_yticks(range(n), [_t(labels.get(r, r)) for r in reasons[::-1]])
        ax.set_xlim(-0.6, 3.2)
        ax.set_ylim(-0.7, n - 0.3)
        ax.set_xlabel("phase in which the reason emerged\n(circle area = share; orange ring = seed's Table 3 phase)")
        ax.grid(axis="x", color=GREY, lw=0.5, ls=":")
        return _uri(fig)


def forest(by_group: pd.DataFrame, reasons: list[str], p_adj: dict[str, float] | None = None,
           labels: dict[str, str] | None = None) -> str:
    """Forest plots: per reason, each group's mean with its 95 % CI (adjusted p of the omnibus test in the title).

    Examples
    --------
    >>> d = pd.DataFrame({"reason": ["INF", "INF"], "group": ["B2C", "B2B"], "mean": [3.0, 3.5],
    ...                   "ci_low": [2.8, 3.2], "ci_high": [3.2, 3.8]})
    >>> forest(d, ["INF"], {"INF": 0.01}).startswith("data:")
    True
    """
    p_adj = p_adj or {}
    labels = labels or {}
    with matplotlib.rc_context(_RC):
        cols = min(4, max(1, len(reasons)))
        rows = math.ceil(len(reasons) / cols)
        groups = list(dict.fromkeys(by_group["group"].astype(str)))
        fig = _figure(1.9 * cols + 0.6, (0.45 + 0.22 * len(groups)) * rows + 0.4)
        axes = fig.subplots(rows, cols, squeeze=False, sharex=True)
        lo = float(np.nanmin(by_group["ci_low"].astype(float))) if len(by_group) else 0.0
        hi = float(np.nanmax(by_group["ci_high"].astype(float))) if len(by_group) else 1.0
        pad = (hi - lo) * 0.08 or 0.1
        for k, ax in enumerate(axes.flat):
            if k >= len(reasons):
                ax.set_visible(False)
                continue
            reason = reasons[k]
            sub = by_group[by_group["reason"].astype(str) == reason].set_index(by_group["group"].astype(str)[
                by_group["reason"].astype(str) == reason])
            sub = sub.reindex(groups)
            y = np.arange(len(groups))[::-1]
            mean = sub["mean"].to_numpy(dtype=float)
            err = np.vstack([mean - sub["ci_low"].to_numpy(dtype=float), sub["ci_high"].to_numpy(dtype=float) - mean])
            p = p_adj.get(reason)
            color = RED if p is not None and p < 0.05 else BLUE
            ax.errorbar(mean, y, xerr=err, fmt="o", color=color, ms=3.5, capsize=2, lw=1)
            grand = np.nanmean(mean) if np.isfinite(mean).any() else None
            if grand is not None:
                ax.axvline(grand, color=GREY, lw=0.7, ls=":")
            ax.set_yticks(y, [_t(g) for g in groups] if k % cols == 0 else [])
            p_text = "" if p is None else f"\np_adj {'< .001' if p < 0.001 else f'= {p:.3f}'}"
            title = _t(labels.get(reason, reason)) + p_text
            ax.set_title(title, fontsize=8, color=color)
            ax.set_xlim(lo - pad, hi + pad)
            ax.set_ylim(-0.6, len(groups) - 0.4)
        fig.supxlabel("mean scale score with 95 % CI (red: omnibus test significant after correction)", fontsize=8)
        return _uri(fig)
