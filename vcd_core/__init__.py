"""Shared foundations of vcd-toolkit used by ``instrument``, ``analysis`` and ``reports``.

Only the exception family lives here, so that the three packages can raise the same
errors without importing one another.
"""

from vcd_core.errors import (
    BankError,
    DataError,
    EstimationError,
    ExportError,
    ModelSyntaxError,
    ReportError,
    StudyError,
    TranslationError,
    VcdError,
)

__all__ = [
    "VcdError",
    "BankError",
    "ExportError",
    "DataError",
    "ModelSyntaxError",
    "EstimationError",
    "StudyError",
    "ReportError",
    "TranslationError",
]

__version__ = "0.1.0"
