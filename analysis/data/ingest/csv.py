"""Plain item-code files: CSV/TSV/semicolon text or the first sheet of an ``.xlsx``, one header row.

Columns named by bank codes (``INF01``, ``ATT1``, ``TIM_INF``, ``RELTYPE`` …, any case) are mapped; metadata
columns are recognised by their ResponseSet names or common aliases (``id``, ``ResponseId``,
``duration``, ``complete``, ``lang``). This also reads back a ResponseSet written with
:meth:`~analysis.data.ingest.core.ResponseSet.write` and the simulator's output.

Examples
--------
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "r.csv"
>>> _ = p.write_text("ID;lang;INF01\\n7;de;Stimme zu\\n")
>>> t = read(p)
>>> t.keys[:2], t.values["INF01"].tolist()
([('respondent_id', 'ID'), ('language', 'lang')], ['Stimme zu'])
"""

from __future__ import annotations

from pathlib import Path

from analysis.data.ingest.tabular import Table, read_delimited_table, read_xlsx_table

#: lower-case aliases of the ResponseSet metadata columns in plain files.
ALIASES: dict[str, str] = {
    "respondent_id": "respondent_id", "respondentid": "respondent_id", "respondent": "respondent_id",
    "id": "respondent_id", "responseid": "respondent_id", "response_id": "respondent_id", "case_id": "respondent_id",
    "language": "language", "lang": "language",
    "duration_sec": "duration_sec", "duration": "duration_sec", "duration (in seconds)": "duration_sec",
    "finished": "finished", "complete": "finished", "completed": "finished",
    "country": "country", "relationship_type": "relationship_type", "phase": "phase",
    "preview": "preview", "duplicate_id": "duplicate_id", "source_row": "source_row",
}


def alias_keys(table: Table, aliases: dict[str, str] = ALIASES) -> Table:
    """Put the canonical metadata name first in the keys of alias columns (first alias column wins).

    Examples
    --------
    >>> from analysis.data.ingest.tabular import Table
    >>> t = Table("r.csv", "csv", ["ResponseId", "INF01"], [("ResponseId",), ("INF01",)], {}, None, "", 0)
    >>> alias_keys(t).keys
    [('respondent_id', 'ResponseId'), ('INF01',)]
    """
    taken: set[str] = set()
    for k, col in enumerate(table.columns):
        canon = aliases.get(col.strip().casefold())
        if canon is not None and canon not in taken:
            taken.add(canon)
            table.keys[k] = (canon, *table.keys[k])
    return table


def read(path: str | Path, structure: str | Path | None = None, encoding: str | None = None) -> Table:
    """Read a plain item-code CSV/TSV or ``.xlsx`` into a :class:`~analysis.data.ingest.tabular.Table`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "r.tsv"
    >>> _ = p.write_text("lang\\tINF01\\nfi\\t3\\n")
    >>> read(p).keys
    [('language', 'lang'), ('INF01',)]
    """
    suffix = Path(path).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        table = read_xlsx_table(path, "csv")
    else:
        table = read_delimited_table(path, "csv", encoding)
    return alias_keys(table)
