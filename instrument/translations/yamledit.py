"""Surgical edits of YAML text: replace single scalars at known offsets and leave every other byte alone.

Re-dumping a YAML file would lose its comments, quoting, flow style and line widths; the bank is written by
people and reviewed in diffs. So an edit replaces exactly the characters of one scalar (as located by
:mod:`instrument.translations.catalog`) with a double-quoted scalar, and checks that the result reads back as
the intended value.

Examples
--------
>>> text = 'fi: {text: "Vanha teksti.", status: draft1}\\n'
>>> new = replace_spans(text, [(11, 26, quote('Uusi "teksti".')), (36, 42, "draft2")])
>>> new
'fi: {text: "Uusi \\\\"teksti\\\\".", status: draft2}\\n'
>>> import yaml
>>> yaml.safe_load(new)["fi"]
{'text': 'Uusi "teksti".', 'status': 'draft2'}
"""

from __future__ import annotations

from collections.abc import Iterable

import yaml

from vcd_core.errors import BankError

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0", "\x85": "\\N",
            "\u2028": "\\L", "\u2029": "\\P", "\ufeff": "\\uFEFF"}


def quote(text: str) -> str:
    """``text`` as a YAML double-quoted scalar (printable characters kept as they are, others escaped).

    Parameters
    ----------
    text : str
        Any string.

    Returns
    -------
    str
        The scalar, quotes included; ``yaml.safe_load`` reads it back as ``text``.

    Examples
    --------
    >>> quote('Valitse "Samaa mieltä"'), quote("a\\\\b")
    ('"Valitse \\\\"Samaa mieltä\\\\""', '"a\\\\\\\\b"')
    """
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif not ch.isprintable() and ch != " ":
            cp = ord(ch)
            out.append(f"\\x{cp:02X}" if cp < 0x100 else f"\\u{cp:04X}" if cp < 0x10000 else f"\\U{cp:08X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def read_scalar(text: str) -> str:
    """The string value of one YAML scalar as written (``"…"``, ``'…'`` or plain).

    Parameters
    ----------
    text : str
        The characters of one scalar, e.g. a span of a bank file.

    Returns
    -------
    str

    Examples
    --------
    >>> read_scalar('"a \\\\"b\\\\""'), read_scalar("Eri mieltä"), read_scalar("'it''s'")
    ('a "b"', 'Eri mieltä', "it's")
    """
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(node, yaml.ScalarNode):
        raise BankError(f"not a YAML scalar: {text[:40]!r}")
    return str(node.value)


def replace_spans(text: str, edits: Iterable[tuple[int, int, str]]) -> str:
    """``text`` with each ``(start, end, new)`` applied; spans must not overlap (``start == end`` inserts).

    Parameters
    ----------
    text : str
        A file's content.
    edits : iterable of (int, int, str)
        Character offsets and the replacement; identical duplicates are applied once.

    Returns
    -------
    str
        The edited text; every character outside the spans is unchanged.

    Raises
    ------
    BankError
        Overlapping or out-of-range spans.

    Examples
    --------
    >>> replace_spans("abcdef", [(4, 6, "EF"), (0, 1, "A"), (3, 3, "-")])
    'Abc-dEF'
    """
    todo = sorted(set(edits))
    parts, pos = [], 0
    for start, end, new in todo:
        if start < pos or end < start or end > len(text):
            raise BankError(f"overlapping or invalid edit at characters {start}:{end}")
        parts.append(text[pos:start])
        parts.append(new)
        pos = end
    parts.append(text[pos:])
    return "".join(parts)
