"""The cleaning rules' configuration: which rules run, their thresholds and their order (``[cleaning]`` of study.toml).

Rules, each with ``enabled`` and its own parameters (defaults below). Rules run as ordered hurdles in
``order``; the optional index rules (``irv evenodd psychsyn``) are off by default and run after the listed ones
when switched on without being placed in ``order``.

======================  =================================================================================
rule                    flags a respondent when …
======================  =================================================================================
``preview``             the row is a preview/test response (``preview`` column, or ``status`` preview/test)
``duplicates``          ``ids``: the respondent id occurred earlier; ``vectors``: the rated answers equal an
                        earlier respondent's (at least ``min_answered`` answered, not one constant value)
``incomplete``          share of items missing > ``max_missing_share`` or (``require_finished``) not finished
``attention``           ``mode`` ``fail-any`` / ``fail-all`` of the answered checks is wrong; ``missing``
                        ``ignore`` or ``fail`` decides what an unanswered check counts as
``speeders``            duration / median duration (of the ``by`` group: ``country`` or ``all``) < ``min_ratio``
``longstring``          the longest run of identical answers (items in page order) ≥ ``min_run``
``mahalanobis``         D² > χ²(1 − ``alpha``, df = number of items)
``out_of_range``        an item or check value is not on its scale (or the importer recorded a bad cell)
``irv``                 IRV < ``min``
``evenodd``             even-odd index > ``max`` (careless ≥ 1.2.0 sign: higher = more careless)
``psychsyn``            psychometric-synonyms r < ``min`` (item pairs with r > ``critval``)
======================  =================================================================================

Examples
--------
>>> cfg = CleanConfig.from_dict({"speeders": {"min_ratio": 0.5}, "mahalanobis": {"enabled": False}})
>>> cfg.param("speeders", "min_ratio"), cfg.enabled("mahalanobis"), cfg.active_order()[:3]
(0.5, False, ('preview', 'duplicates', 'incomplete'))
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vcd_core.errors import StudyError

__all__ = ["DEFAULT_ORDER", "DEFAULTS", "RULES", "CleanConfig"]

DEFAULTS: dict[str, dict[str, Any]] = {
    "preview": {"enabled": True},
    "duplicates": {"enabled": True, "ids": True, "vectors": True, "min_answered": 0.5},
    "incomplete": {"enabled": True, "max_missing_share": 0.5, "require_finished": True},
    "attention": {"enabled": True, "mode": "fail-any", "missing": "ignore"},
    "speeders": {"enabled": True, "min_ratio": 1 / 3, "by": "country"},
    "longstring": {"enabled": True, "min_run": 12},
    "mahalanobis": {"enabled": True, "alpha": 0.001},
    "out_of_range": {"enabled": True},
    "irv": {"enabled": False, "min": 0.5},
    "evenodd": {"enabled": False, "max": -0.3},
    "psychsyn": {"enabled": False, "min": 0.0, "critval": 0.6},
}
RULES: tuple[str, ...] = tuple(DEFAULTS)
DEFAULT_ORDER: tuple[str, ...] = ("preview", "duplicates", "incomplete", "attention", "speeders", "longstring",
                                  "mahalanobis", "out_of_range")
_CHOICES = {("attention", "mode"): ("fail-any", "fail-all"), ("attention", "missing"): ("ignore", "fail"),
            ("speeders", "by"): ("country", "all")}


def read_toml(path: str | Path) -> dict:
    """The parsed TOML file; a missing file or invalid TOML is a one-line :class:`StudyError` naming the file.

    Examples
    --------
    >>> read_toml("no/such/study.toml")
    Traceback (most recent call last):
    ...
    vcd_core.errors.StudyError: no/such/study.toml: no such file
    """
    p = Path(path)
    if not p.is_file():
        raise StudyError("no such file", file=str(path))
    try:
        return tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise StudyError(f"not valid TOML: {exc}", file=str(path)) from None


@dataclass(frozen=True)
class CleanConfig:
    """Validated cleaning configuration: ``rules`` (rule → parameters incl. ``enabled``) and ``order``."""

    rules: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: copy.deepcopy(DEFAULTS), hash=False)
    order: tuple[str, ...] = DEFAULT_ORDER

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None, file: str | None = None) -> CleanConfig:
        """Build from a mapping shaped like study.toml's ``[cleaning]`` (unknown keys are errors).

        Examples
        --------
        >>> CleanConfig.from_dict({"speeders": {"min_ratio": "fast"}})
        Traceback (most recent call last):
        ...
        vcd_core.errors.StudyError: [cleaning.speeders] min_ratio must be a number, got 'fast'
        """
        d = dict(d or {})
        rules = copy.deepcopy(DEFAULTS)
        order = d.pop("order", None)
        for name, params in d.items():
            if name not in DEFAULTS:
                raise StudyError(f"[cleaning] unknown rule {name!r}; rules: {', '.join(RULES)}", file=file)
            if not isinstance(params, Mapping):
                raise StudyError(f"[cleaning.{name}] must be a table of parameters, got {params!r}", file=file)
            for key, value in params.items():
                if key not in DEFAULTS[name]:
                    raise StudyError(f"[cleaning.{name}] unknown parameter {key!r}; parameters: "
                                     f"{', '.join(DEFAULTS[name])}", file=file)
                default = DEFAULTS[name][key]
                if isinstance(default, bool):
                    if not isinstance(value, bool):
                        raise StudyError(f"[cleaning.{name}] {key} must be true or false, got {value!r}", file=file)
                elif isinstance(default, int | float):
                    if isinstance(value, bool) or not isinstance(value, int | float):
                        raise StudyError(f"[cleaning.{name}] {key} must be a number, got {value!r}", file=file)
                    if value < 0 and name != "evenodd":
                        raise StudyError(f"[cleaning.{name}] {key} must not be negative, got {value!r}", file=file)
                elif (name, key) in _CHOICES and value not in _CHOICES[(name, key)]:
                    raise StudyError(f"[cleaning.{name}] {key} must be one of {', '.join(_CHOICES[(name, key)])}, "
                                     f"got {value!r}", file=file)
                rules[name][key] = value
        if rules["mahalanobis"]["alpha"] >= 1 or rules["mahalanobis"]["alpha"] <= 0:
            raise StudyError(f"[cleaning.mahalanobis] alpha must be in (0, 1), got {rules['mahalanobis']['alpha']}",
                             file=file)
        if order is None:
            order_t = DEFAULT_ORDER
        else:
            if not isinstance(order, list | tuple) or not all(isinstance(o, str) for o in order):
                raise StudyError("[cleaning] order must be a list of rule names", file=file)
            bad = [o for o in order if o not in DEFAULTS]
            if bad or len(set(order)) != len(order):
                raise StudyError(f"[cleaning] order names unknown or repeated rules: {', '.join(bad) or order}; "
                                 f"rules: {', '.join(RULES)}", file=file)
            order_t = tuple(order)
        return cls(rules=rules, order=order_t)

    @classmethod
    def from_toml(cls, path: str | Path) -> CleanConfig:
        """Read the ``[cleaning]`` table of a study.toml (defaults when it has none).

        Examples
        --------
        >>> CleanConfig.from_toml("no/such/study.toml")
        Traceback (most recent call last):
        ...
        vcd_core.errors.StudyError: no/such/study.toml: no such file
        """
        return cls.from_dict(read_toml(path).get("cleaning"), file=str(path))

    def enabled(self, rule: str) -> bool:
        """Whether ``rule`` runs."""
        return bool(self.rules[rule]["enabled"])

    def param(self, rule: str, key: str) -> Any:
        """A rule's parameter."""
        return self.rules[rule][key]

    def active_order(self) -> tuple[str, ...]:
        """All rules in hurdle order: ``order`` first, then rules switched on but not placed in it."""
        return tuple(self.order) + tuple(r for r in RULES if r not in self.order and self.enabled(r))

    def with_rule(self, rule: str, **params: Any) -> CleanConfig:
        """A copy with some parameters of ``rule`` changed (e.g. ``enabled=False``).

        Examples
        --------
        >>> CleanConfig().with_rule("longstring", enabled=False).enabled("longstring")
        False
        """
        d = {r: dict(p) for r, p in self.rules.items()}
        d[rule] = {**d[rule], **params}
        return CleanConfig.from_dict({**d, "order": list(self.order)})

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (as written to flow.json)."""
        return {"order": list(self.active_order()), **{r: dict(p) for r, p in self.rules.items()}}
