from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backups.services import BackupError, backup_create


class Command(BaseCommand):
    help = ("Back up the database (one consistent snapshot) and the stored files (MEDIA_ROOT "
            "or the S3 bucket, whichever STORAGES names) into a new directory, with a "
            "manifest of row counts and file hashes. Safe while the site is serving and writing.")

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="a new or empty directory for the backup")
        parser.add_argument("--database", default="default")

    def handle(self, *args, directory: Path, database: str, **options):
        try:
            manifest = backup_create(directory=directory, database=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        files = manifest["files"]
        self.stdout.write(self.style.SUCCESS(
            f"Backed up {manifest['rows']:,} rows in {len(manifest['tables'])} tables "
            f"({manifest['database']['vendor']}, {manifest['database']['size']:,} bytes) and "
            f"{len(files):,} files ({sum(f['size'] for f in files):,} bytes) to {directory} "
            f"in {manifest['seconds']['total']:.2f} s "
            f"(database snapshot {manifest['seconds']['database']:.2f} s)."
        ))
        if manifest["missing_files"]:
            self.stderr.write(self.style.WARNING(
                f"{len(manifest['missing_files'])} file(s) named by rows in the snapshot were gone "
                f"before they could be copied: {', '.join(manifest['missing_files'][:10])}"
            ))
