"""Converting one raw column's cells: rated rows (scale values or labels), choices, numbers, text, flags.

Each converter works on the column's distinct raw values (a few per column), so large files stay fast.
Bad cells are returned as a mask plus one message per distinct bad value; :func:`analysis.data.ingest.core.build`
raises or records them.

Examples
--------
>>> import pandas as pd
>>> from analysis.data.ingest.codebook import ColumnSpec
>>> spec = ColumnSpec("INF01", "INF01", "item", "agree7", (1, 2, 3, 4, 5, 6, 7), {"agree": 6})
>>> vals, una, bad, msgs = rated(pd.Series(["7", "", "Agree", "-99", "8"]), spec, {}, {-99.0})
>>> vals.tolist(), una.tolist(), bad.tolist()
([7.0, nan, 6.0, nan, nan], [False, False, False, True, False], [False, False, False, False, True])
>>> msgs
{'8': 'value 8 is outside agree7 (1..7)'}
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.data.ingest.codebook import ColumnSpec, norm_label

_NUM = re.compile(r"^[+-]?\d+(\.\d*)?$")
_TRUE = {"1", "1.0", "true", "yes", "y", "complete", "completed", "t"}
_FALSE = {"0", "0.0", "false", "no", "n", "incomplete", "f"}


def short(codes, k: int = 8) -> str:
    """``a, b, c … (+n)``: at most ``k`` entries of a list.

    Examples
    --------
    >>> short(["a", "b", "c"], k=2)
    'a, b … (+1)'
    """
    codes = list(codes)
    return ", ".join(codes[:k]) + (f" … (+{len(codes) - k})" if len(codes) > k else "")


@dataclass
class Bad:
    """Bad cells of one column: boolean mask and a message per bad raw value.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> Bad("INF01", "INF01", np.array([True]), pd.Series(["9"]), {"9": "value 9 ..."}).mask.sum()
    np.int64(1)
    """

    column: str
    code: str
    mask: np.ndarray
    raw: pd.Series
    messages: dict[Any, str]


def rated(raw: pd.Series, spec: ColumnSpec, extra: dict[str, float], unanswered_codes: set[float | str],
          hint: str = ""):
    """(values float array, unanswered bool array, bad mask, {raw: message}) for a rated column.

    ``unanswered_codes`` holds numbers (-99) and texts (REDCap missing-data codes such as ``UNK``) meaning
    "seen but not answered".

    Examples
    --------
    >>> from analysis.data.ingest.codebook import ColumnSpec
    >>> spec = ColumnSpec("TIM_INF", "TIM_INF", "matrix", "timing5", (1, 2, 3, 4, 5))
    >>> rated(pd.Series(["2", "6"]), spec, {}, set())[3]
    {'6': 'value 6 is outside timing5 (1..5)'}
    """
    allowed = set(spec.values)
    text_codes = {norm_label(c) for c in unanswered_codes if isinstance(c, str)}
    unanswered_codes = {float(c) for c in unanswered_codes if not isinstance(c, str)}
    if pd.api.types.is_numeric_dtype(raw.dtype):
        x = raw.to_numpy(dtype=float)
        una = np.isin(x, list(unanswered_codes)) if unanswered_codes else np.zeros(len(x), bool)
        ok = np.isnan(x) | np.isin(x, list(allowed)) | una
        vals = np.where(ok & ~una, x, np.nan)
        outside: dict[Any, str] = {v: f"value {v:g} is outside {spec.describe_scale()}" for v in pd.unique(x[~ok])}
        return vals, una, ~ok, outside
    codes, uniq = factor(raw)
    vals_lut = np.full(len(uniq) + 1, np.nan)  # last slot: code -1 (missing cell)
    una_lut = np.zeros(len(uniq) + 1, bool)
    bad_lut = np.zeros(len(uniq) + 1, bool)
    msgs: dict[Any, str] = {}
    for j, u in enumerate(uniq):
        s = str(u).strip()
        if not s:
            continue
        lab = norm_label(s)
        if lab in text_codes:
            una_lut[j] = True
            continue
        if lab in extra:
            v = extra[lab]
            if v in unanswered_codes:
                una_lut[j] = True
            else:
                vals_lut[j] = float(v)
            continue
        if _NUM.match(s):
            f = float(s)
            if f in unanswered_codes:
                una_lut[j] = True
            elif f.is_integer() and int(f) in allowed:
                vals_lut[j] = f
            else:
                bad_lut[j] = True
                msgs[u] = f"value {s} is outside {spec.describe_scale()}"
            continue
        if lab in spec.label_values:
            vals_lut[j] = float(spec.label_values[lab])
        else:
            bad_lut[j] = True
            msgs[u] = f"unknown label {s!r}: not a label of scale {spec.scale} in any bank language{hint}"
    return vals_lut[codes], una_lut[codes], bad_lut[codes], msgs


def factor(raw: pd.Series) -> tuple[np.ndarray, list[Any]]:
    """Codes (-1 for missing cells) and the distinct raw values of a column, in one hashing pass.

    Examples
    --------
    >>> codes, uniq = factor(pd.Series(["7", None, "7", "Agree"], dtype=object))
    >>> codes.tolist(), uniq
    ([0, -1, 0, 1], ['7', 'Agree'])
    """
    codes, uniq = pd.factorize(raw.to_numpy(dtype=object), use_na_sentinel=True)
    return codes, list(uniq)


def select(raw: pd.Series, spec: ColumnSpec):
    """(codes object array, bad mask, {raw: message}) for a select_one context question.

    Examples
    --------
    >>> from analysis.data.ingest.codebook import Codebook
    >>> spec = Codebook._select("RELTYPE", "relationship_type", [("B2C", 1, ("Business to consumer",))])
    >>> select(pd.Series(["1", "b2c", "Business to consumer", ""]), spec)[0].tolist()
    ['B2C', 'B2C', 'B2C', None]
    """
    codes, uniq = factor(raw)
    lut = np.full(len(uniq) + 1, None, dtype=object)
    bad_lut = np.zeros(len(uniq) + 1, bool)
    msgs: dict[Any, str] = {}
    for j, u in enumerate(uniq):
        s = str(u).strip()
        if not s:
            continue
        if _NUM.match(s) and spec.choice_values:
            f = float(s)
            if f.is_integer() and int(f) in spec.choice_values:
                lut[j] = spec.choice_values[int(f)]
            else:
                msgs[u] = f"value {s} is not a choice of {spec.code} ({short([str(v) for v in spec.choice_values])})"
        elif norm_label(s) in spec.choices:
            lut[j] = spec.choices[norm_label(s)]
        elif spec.code == "COUNTRY" and not spec.choice_values and re.fullmatch(r"[A-Za-z]{2}", s):
            lut[j] = s.upper()  # the bank has no COUNTRY question yet: ISO 3166-1 alpha-2 kept
        elif spec.fallback and not spec.choice_values:
            msgs[u] = f"{s!r}: the bank has no {spec.code} question yet, so only ISO codes (FI, DE, …) are understood"
        else:
            msgs[u] = f"unknown choice {s!r} of {spec.code}"
        bad_lut[j] = u in msgs
    return lut[codes], bad_lut[codes], msgs


def integer(raw: pd.Series, spec: ColumnSpec):
    """(numbers float array, bad mask, {raw: message}) for an integer context question.

    Examples
    --------
    >>> from analysis.data.ingest.codebook import ColumnSpec
    >>> integer(pd.Series(["12", "", "many"]), ColumnSpec("ORGAGE", "ORGAGE", "integer"))[2]
    {'many': "'many' is not a number (ORGAGE)"}
    """
    if pd.api.types.is_numeric_dtype(raw.dtype):
        return np.array(raw.to_numpy(dtype=float)), np.zeros(len(raw), bool), {}
    s = raw.astype(str).str.strip()
    num = pd.to_numeric(s.where(s != ""), errors="coerce")
    bad = (s != "").to_numpy() & num.isna().to_numpy()
    msgs = {u: f"{u!r} is not a number ({spec.code})" for u in pd.unique(raw[bad])}
    return np.array(num.to_numpy(dtype=float)), bad, msgs


def text_values(raw: pd.Series) -> np.ndarray:
    """Raw cells as text with empty cells as None.

    Examples
    --------
    >>> text_values(pd.Series(["a", " ", ""])).tolist()
    ['a', None, None]
    """
    if pd.api.types.is_numeric_dtype(raw.dtype):
        return raw.to_numpy()
    codes, uniq = factor(raw)
    lut = np.array([u if str(u).strip() else None for u in uniq] + [None], dtype=object)
    return lut[codes]


def to_bool(raw: pd.Series) -> pd.Series:
    """Finished-style flags (1/0, true/false, yes/no, complete) as a nullable boolean Series.

    Examples
    --------
    >>> to_bool(pd.Series(["1", "False", "", "yes"])).tolist()
    [True, False, <NA>, True]
    """
    low = raw.astype(str).str.strip().str.casefold()
    out = pd.Series(pd.NA, index=raw.index, dtype="boolean")
    out[low.isin(_TRUE)] = True
    out[low.isin(_FALSE)] = False
    return out


def to_float(raw: pd.Series) -> pd.Series:
    """Numbers (e.g. durations) as float; non-numbers NaN.

    Examples
    --------
    >>> to_float(pd.Series(["457", "", "x"])).tolist()
    [457.0, nan, nan]
    """
    return pd.to_numeric(raw, errors="coerce").astype(float)
