"""The TRAPD translation round trip: translator workbooks out of the bank, reviewed texts back into it.

:func:`export_workbook` writes one XLSX per language, :func:`import_workbook` validates a filled-in one and
edits the bank YAML in place (with a changelog), :func:`readiness` counts statuses per language and construct.

Examples
--------
>>> cat = build_catalog()
>>> readiness(cat, ["es"])[-1]["total"]
152
"""

from instrument.translations.catalog import Catalog, Entry, build_catalog
from instrument.translations.importer import ImportResult, import_workbook, plan_import
from instrument.translations.status import readiness
from instrument.translations.workbook import export_workbook, read_workbook

__all__ = ["Catalog", "Entry", "ImportResult", "build_catalog", "export_workbook", "import_workbook",
           "plan_import", "read_workbook", "readiness"]
