from competencies.interchange import moodle_csv_import

from ._import_file import ImportFileCommand


class Command(ImportFileCommand):
    help = (
        "Import a Moodle competency framework CSV (tool_lpimportcsv export) as a new draft "
        "framework version. Prints the report; when the file has problems, lists them on "
        "stderr, saves nothing and exits 1."
    )
    importer = staticmethod(moodle_csv_import)
