"""The one exception family of vcd-toolkit.

Every error a user can cause is a :class:`VcdError`; the CLI turns it into a one-line
``Error: …`` message (exit status 1). Messages name the file, row and column where known.

Examples
--------
>>> from vcd_core.errors import DataError, VcdError
>>> err = DataError("bad value 'x'", file="resp.csv", row=12, column="INF01")
>>> str(err)
"resp.csv, row 12, column INF01: bad value 'x'"
>>> isinstance(err, VcdError)
True
"""

from __future__ import annotations


class VcdError(Exception):
    """Base class of every error raised on purpose by vcd-toolkit.

    Parameters
    ----------
    message : str
        What went wrong, in one line.
    file, row, column : optional
        Where it went wrong; prefixed to the message when given. ``row`` is the
        1-based row number as the user sees it in the file.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.row = row
        self.column = column
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.file is not None:
            where.append(str(self.file))
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class BankError(VcdError):
    """The item bank (YAML files) is invalid or an item/construct is unknown."""


class ExportError(VcdError):
    """An export could not be produced or failed its structural validation."""


class DataError(VcdError):
    """Response data is unreadable, malformed, or does not fit the instrument."""


class ModelSyntaxError(VcdError):
    """A lavaan-style model string could not be parsed (message shows line, column, caret)."""


class EstimationError(VcdError):
    """A model cannot be estimated (not identified, singular data, too few rows, ...)."""


class StudyError(VcdError):
    """A study.toml is invalid or asks for a step that is not available."""


class ReportError(VcdError):
    """A results folder cannot be rendered."""


class TranslationError(VcdError):
    """A translator workbook is invalid or cannot be written back into the bank.

    ``problems`` holds every problem found (one line each, naming sheet, row and column); the message is
    the first of them and how many more there are.

    Examples
    --------
    >>> err = TranslationError(["a.xlsx, sheet fi, row 3, column A (code): unknown code 'X'", "b", "c"])
    >>> str(err)
    "a.xlsx, sheet fi, row 3, column A (code): unknown code 'X' (and 2 more problem(s))"
    >>> err.problems[1]
    'b'
    """

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        more = f" (and {len(self.problems) - 1} more problem(s))" if len(self.problems) > 1 else ""
        super().__init__(f"{self.problems[0]}{more}")
