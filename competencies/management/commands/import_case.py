from competencies.interchange import case_package_import

from ._import_file import ImportFileCommand


class Command(ImportFileCommand):
    help = (
        "Import a CASE 1.0 CFPackage (JSON) as a new draft framework version. Prints the "
        "report; when the file has problems, lists them on stderr, saves nothing and exits 1."
    )
    importer = staticmethod(case_package_import)
