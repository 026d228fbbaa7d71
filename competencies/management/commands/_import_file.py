"""What the two import commands share: read a file, print the report, fail loudly."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from competencies.interchange import ImportRejected


class ImportFileCommand(BaseCommand):
    importer = None  # set by each command: a service taking raw=, source_name=

    def add_arguments(self, parser):
        parser.add_argument("path", help="The file to import.")

    def handle(self, *, path: str, **options):
        file = Path(path)
        try:
            raw = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}.") from error
        try:
            report = type(self).importer(raw=raw, source_name=file.name)
        except ImportRejected as rejected:
            self.stderr.write(rejected.report.as_text())
            raise CommandError(f"{file.name} was not imported; nothing was saved.") from rejected
        self.stdout.write(report.as_text())
