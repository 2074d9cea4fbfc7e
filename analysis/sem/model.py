"""``Model``: lavaan syntax and identification/equality options, built once and fitted to any number of data sets.

The parameter table and its matrix representation depend on the syntax, the options and the groups (their number
and labels, for ``group_partial`` by group) and the mean structure; they are built on the first fit with a given
group structure and reused for every further fit (other data, other estimator, bootstrap samples …).
``Model.fit`` takes a DataFrame (sufficient statistics are computed with :func:`analysis.stats.sample_stats`) or
ready :class:`~analysis.stats.SampleStats` (from a database, or shared by the steps of an invariance ladder).

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(7)
>>> f = rng.normal(size=(400, 1))
>>> df = pd.DataFrame(f * [1, .8, .7, .6] + rng.normal(size=(400, 4)), columns=list("abcd"))
>>> model = Model("F =~ a + b + c + d")
>>> ml, mlr = model.fit(df), model.fit(df, estimator="MLR")
>>> ml.fit["chisq"] == mlr.fit["chisq"], ml.params["se"].equals(mlr.params["se"])
(True, False)
>>> model.fit(df.iloc[:200]).nobs
(200,)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from analysis.stats import SampleStats, sample_stats
from vcd_core.errors import DataError, EstimationError

from .engine import degrees_of_freedom, fit_representation
from .estimators import estimator_class
from .matrices import Representation
from .partable import build_partable
from .results import CfaResult
from .syntax import ParsedModel, parse_model

__all__ = ["Model", "LAVAAN_ALIASES"]

#: lavaan's dotted argument names and the names used here (lavaan 0.7's snake_case)
LAVAAN_ALIASES = {"group.equal": "group_equal", "group.partial": "group_partial", "std.lv": "std_lv",
                  "group.label": "group_order"}


def snake_case(kwargs: Mapping[str, Any], allowed: Sequence[str]) -> dict[str, Any]:
    """lavaan's dotted argument names (``group.equal``) as their snake_case names; anything else is an error.

    Examples
    --------
    >>> snake_case({"group.equal": ["loadings"]}, ["group_equal"])
    {'group_equal': ['loadings']}
    """
    out = {}
    for k, v in kwargs.items():
        name = LAVAAN_ALIASES.get(k, k)
        if name not in allowed:
            raise TypeError(f"unexpected argument {k!r}")
        out[name] = v
    return out


class Model:
    """A CFA model (lavaan syntax + options), fitted with :meth:`fit`.

    Parameters
    ----------
    syntax : str or ParsedModel
        lavaan syntax (``=~ ~~ ~ ~1``, ``1*x``, ``a*x``, ``c(a,b)*x``, ``==``).
    group_equal : sequence of str
        lavaan's ``group.equal`` classes (``"loadings"``, ``"intercepts"``, ``"residuals"``, …).
    group_partial : sequence
        Parameters released from ``group_equal``: ``"F =~ x3"`` in every group, ``("x3 ~1", "DE")`` in group DE.
    std_lv : bool
        Identify factors by fixing their variances to 1 instead of the first loading.
    meanstructure : bool, optional
        Default: True with groups, FIML or intercept terms (lavaan's default).
    **lavaan : dotted lavaan names of the above (``**{"group.equal": [...]}``).

    Examples
    --------
    >>> Model("f =~ x1 + x2 + x3", std_lv=True).observed
    ('x1', 'x2', 'x3')
    """

    def __init__(self, syntax: str | ParsedModel, *, group_equal: Sequence[str] = (),
                 group_partial: Sequence[str | tuple[str, object]] = (), std_lv: bool = False,
                 meanstructure: bool | None = None, **lavaan: Any) -> None:
        opts: dict[str, Any] = dict(group_equal=group_equal, group_partial=group_partial, std_lv=std_lv)
        opts.update(snake_case(lavaan, list(opts)))
        self.parsed = parse_model(syntax) if isinstance(syntax, str) else syntax
        self.group_equal: tuple[str, ...] = tuple(opts["group_equal"])
        self.group_partial: tuple[str | tuple[str, object], ...] = tuple(opts["group_partial"])
        self.std_lv = bool(opts["std_lv"])
        self.meanstructure = meanstructure
        self._reps: dict[tuple[tuple[str, ...], bool, bool], Representation] = {}

    @property
    def observed(self) -> tuple[str, ...]:
        """Observed variables in order of first appearance."""
        return self.parsed.observed

    @property
    def latent(self) -> tuple[str, ...]:
        """Latent variables in order of appearance."""
        return self.parsed.latent

    def released(self, *specs: str | tuple[str, object]) -> Model:
        """This model with more parameters released from ``group_equal`` (a new Model sharing the syntax)."""
        return Model(self.parsed, group_equal=self.group_equal, group_partial=self.group_partial + specs,
                     std_lv=self.std_lv, meanstructure=self.meanstructure)

    def representation(self, labels: Sequence[str], fiml: bool = False, multigroup: bool | None = None
                       ) -> Representation:
        """The matrix representation for groups ``labels`` (built once per group structure).

        Parameters
        ----------
        labels : sequence of str
            Group labels in model order (``[""]`` for one group).
        fiml : bool
            Missing data by pattern (implies a mean structure unless ``meanstructure`` says otherwise).
        multigroup : bool, optional
            Whether the groups come from a grouping column (default: more than one label).

        Returns
        -------
        Representation
        """
        labels = tuple(str(lb) for lb in labels)
        multi = len(labels) > 1 if multigroup is None else multigroup
        ms = self.meanstructure
        if ms is None:
            ms = len(labels) > 1 or fiml or any(t.op == "~1" for t in self.parsed.terms)
        key = (labels, bool(ms), multi)
        if key not in self._reps:
            gindex = {lab: i + 1 for i, lab in enumerate(labels)}
            specs: list[str | tuple[str, int]] = []
            for spec in self.group_partial:
                if isinstance(spec, str):
                    specs.append(spec)
                    continue
                text, glab = spec
                if not multi or str(glab) not in gindex:
                    raise DataError(f"group_partial {text!r}: group {glab!r} is not among the groups")
                specs.append((text, gindex[str(glab)]))
            pt = build_partable(self.parsed, ngroups=len(labels), std_lv=self.std_lv, meanstructure=bool(ms),
                                group_equal=self.group_equal, group_partial=specs)
            self._reps[key] = Representation(pt)
        return self._reps[key]

    def fit(self, data: pd.DataFrame | SampleStats, *, group: str | None = None, group_order: Sequence | None = None,
            estimator: str = "ML", missing: str = "listwise", information: str | None = None,
            start: CfaResult | None = None, std_se: bool = True, estimator_options: Mapping[str, Any] | None = None,
            **lavaan: Any) -> CfaResult:
        """Fit the model.

        Parameters
        ----------
        data : DataFrame or SampleStats
            Observed columns of the model (extra columns ignored), or their sufficient statistics (then
            ``group``, ``group_order`` and ``missing`` come with them and are ignored here).
        group, group_order : optional
            Grouping column; groups in order of first appearance unless ``group_order`` is given.
        estimator : {"ML", "MLR"}
            MLR: ML estimates, Huber-White SEs, Yuan-Bentler (Mplus) scaled χ², robust CFI/TLI/RMSEA.
        missing : {"listwise", "fiml", "ml"}
            Listwise deletion or full-information ML.
        information : {"expected", "observed"}, optional
            For ML SEs. Default: expected (complete data), observed (FIML; MLR always uses observed).
        start : CfaResult, optional
            Start from the estimates of a fit of a related model (same variables and groups).
        std_se : bool
            Delta-method SEs of the standardized solution (``std_all_se``; NaN when False — faster).
        estimator_options : mapping, optional
            Options of the estimator plug-in (e.g. ``{"kron_max_p": 0}`` for FIML).
        **lavaan : ``group.label`` for ``group_order``.

        Returns
        -------
        CfaResult

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from analysis.stats import sample_stats
        >>> y = np.random.default_rng(1).normal(size=(400, 1)) * [1, .8, .7] + np.random.default_rng(2).normal(
        ...     size=(400, 3))
        >>> df = pd.DataFrame(y, columns=list("abc")).assign(g=np.repeat(["A", "B"], 200))
        >>> m = Model("F =~ a + b + c", group_equal=["loadings"])
        >>> ss = sample_stats(df, m.observed, group="g")
        >>> m.fit(ss).fit["chisq"] == m.fit(df, group="g").fit["chisq"]
        True
        """
        if lavaan:
            group_order = snake_case(lavaan, ["group_order"]).get("group_order", group_order)
        estimator_class(estimator, "listwise")  # checks the name before any work
        if information is not None and information not in ("expected", "observed"):
            raise EstimationError(f"information must be 'expected' or 'observed', not {information!r}")
        if isinstance(data, SampleStats):
            stats = data
            if tuple(stats.variables) != tuple(self.observed):
                raise DataError("the sample statistics are not for the model's observed variables")
        else:
            stats = sample_stats(data, self.observed, group=group, group_order=group_order, missing=missing)
        estimator_class(estimator, stats.missing)
        rep = self.representation(stats.labels, stats.missing == "fiml", stats.group_var is not None)
        ndat, df = degrees_of_freedom(rep)
        if df < 0:
            raise EstimationError(f"the model is not identified: {rep.nx} free parameters but only {ndat} sample "
                                  f"moments (df = {df})")
        return fit_representation(self.parsed, rep, stats, estimator=estimator, information=information,
                                  start=start, std_se=std_se, std_lv=self.std_lv, options=estimator_options)
