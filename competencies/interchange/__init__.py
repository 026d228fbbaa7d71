"""Framework interchange: CASE 1.0 packages in and out, Moodle competency CSVs in.

Every import lands in a new *draft* version (publishing stays a separate, deliberate
step), is checked whole before anything is written, and writes a
``framework.imported`` audit event. See ``case`` and ``moodle`` for how fields map.
"""

from pathlib import PurePath

from .case import case_package_dumps, case_package_export, case_package_import
from .moodle import moodle_csv_import
from .report import MAX_BYTES, ImportRejected, ImportReport

IMPORTERS = {".json": case_package_import, ".csv": moodle_csv_import}


def framework_file_import(*, name: str, raw: bytes, actor=None, request=None) -> ImportReport:
    """Import an uploaded file, choosing the reader by its extension (.json CASE, .csv Moodle)."""
    importer = IMPORTERS.get(PurePath(name).suffix.lower())
    if importer is None:
        report = ImportReport(source="file", source_name=name)
        report.problems.append("Upload a CASE package (.json) or a Moodle competency CSV (.csv).")
        raise ImportRejected(report)
    return importer(raw=raw, actor=actor, request=request, source_name=PurePath(name).name)


__all__ = [
    "IMPORTERS", "MAX_BYTES", "ImportRejected", "ImportReport", "case_package_dumps",
    "case_package_export", "case_package_import", "framework_file_import", "moodle_csv_import",
]
