from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backups.services import BackupError, backup_restore


class Command(BaseCommand):
    help = ("Restore a backup made by `manage.py backup` into the (new, empty) database "
            "DATABASE_URL points at and into the (empty) storage STORAGES names, MEDIA_ROOT or "
            "an S3 bucket, checking every row count and file "
            "hash against the backup's manifest.")

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="a directory written by manage.py backup")
        parser.add_argument("--force", action="store_true",
                            help="replace a database that already has tables, and overwrite files")
        parser.add_argument("--database", default="default")

    def handle(self, *args, directory: Path, force: bool, database: str, **options):
        try:
            report = backup_restore(directory=directory, force=force, database=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"Restored {report.rows:,} rows in {report.tables} tables and {report.files:,} files "
            f"({report.bytes:,} bytes) from {directory} in {report.seconds:.2f} s; row counts and "
            "file hashes match the manifest."
        ))
        if report.missing_files:
            self.stderr.write(self.style.WARNING(
                f"The backup lacks {len(report.missing_files)} file(s) its rows name: "
                f"{', '.join(report.missing_files[:10])}"
            ))
