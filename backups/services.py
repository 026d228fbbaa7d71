"""Back up the database and the stored files together, and put them back.

A backup is a directory: the database (``database.dump`` from pg_dump, or
``database.sqlite3``), ``media/`` with a copy of every stored file, and
``manifest.json``, written last, which describes the snapshot: row counts per table, and
every file with its size and sha256.

Stored files are read and written through the default storage (``STORAGES``): local disk
(MEDIA_ROOT) or an S3-compatible bucket, never by path. The backup's layout is the same
either way, so a backup of one restores into the other.

Consistency under write load: the database snapshot is taken first and the files are
copied after it. Stored files are written once under new names before the row that
names them commits, so a copy taken later is a superset of what the snapshot's rows
reference; the manifest marks those files ``referenced`` and lists any referenced file
that was gone by the time it was copied.

A restore checks the whole backup against its manifest before it touches anything,
goes only into an empty database and an empty storage (unless forced), and checks the
row counts and every file's hash again afterwards, read back from the storage.
"""

import datetime
import hashlib
import json
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, default_storage, storages
from django.db import connections, models

from .engines import BACKUP, DUMP_FILES, RESTORE, BackupError, sqlite_tables

MANIFEST = "manifest.json"
MEDIA_DIR = "media"
FORMAT = 1
_CHUNK = 1024 * 1024

__all__ = ["BackupError", "RestoreReport", "backup_create", "backup_restore", "file_columns", "read_manifest"]


def file_columns() -> list[tuple[str, str]]:
    """(table, column) of every FileField/ImageField: evidence, certificate PDFs, hours
    exports, Wagtail images, renditions and documents."""
    columns = set()
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, models.FileField):
                columns.add((model._meta.db_table, model_field.column))
    return sorted(columns)


def _commit() -> str:
    try:
        result = subprocess.run(["git", "rev-parse", "HEAD"], cwd=settings.BASE_DIR,
                                capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return result.stdout.strip() if result.returncode == 0 else "unknown"


def _vendor(alias: str) -> str:
    vendor = connections[alias].vendor
    if vendor not in BACKUP:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {vendor}.")
    return vendor


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _hashed(reader, writer) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    while chunk := reader.read(_CHUNK):
        digest.update(chunk)
        writer.write(chunk)
        size += len(chunk)
    return size, digest.hexdigest()


def _copy_out(storage: Storage, name: str, target: Path) -> tuple[int, str]:
    """Copy a stored file to ``target`` through a temporary name, hashing the bytes
    written: the hash describes the copy, even if the stored file changes meanwhile.
    Returns (size, sha256); FileNotFoundError if the file is gone."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    with storage.open(name, "rb") as reader, open(partial, "wb") as writer:
        size, sha256 = _hashed(reader, writer)
    os.replace(partial, target)
    return size, sha256


def _stored_sha256(storage: Storage, name: str) -> str:
    digest = hashlib.sha256()
    with storage.open(name, "rb") as reader:
        while chunk := reader.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _copy_in(storage: Storage, source: Path, name: str) -> int:
    """Store ``source`` under exactly ``name`` (replacing a file there); returns its size."""
    if storage.exists(name):
        storage.delete(name)
    with open(source, "rb") as handle:
        stored = storage.save(name, File(handle, name=name))
    if stored != name:
        raise BackupError(f"The storage kept {name} as {stored}; restore into an empty storage.")
    return source.stat().st_size


def _stored_files(storage: Storage, folder: str = "") -> list[str]:
    """Every file in the storage, by name (folders joined with /)."""
    try:
        folders, names = storage.listdir(folder)
    except FileNotFoundError:
        return []  # a MEDIA_ROOT not made yet
    found = [f"{folder}{name}" for name in names]
    for sub in folders:
        found += _stored_files(storage, f"{folder}{sub}/")
    return sorted(found)


def _where(storage: Storage) -> tuple[str, str]:
    """(where the files are, what kind of place) for messages."""
    if isinstance(storage, FileSystemStorage):
        return f"MEDIA_ROOT {storage.location}", "MEDIA_ROOT"
    bucket = getattr(storage, "bucket_name", None)
    if bucket:
        return f"The bucket {bucket}", "bucket"
    return f"The storage {type(storage).__name__}", "storage"


def _storage() -> Storage:
    """The default storage, which every FileField uses: a field with a storage of its
    own would have files this backup does not copy, so it is refused."""
    others = sorted(
        f"{model._meta.label}.{model_field.name}"
        for model in apps.get_models()
        for model_field in model._meta.concrete_fields
        if isinstance(model_field, models.FileField) and model_field.storage is not default_storage
    )
    if others:
        raise BackupError(f"{', '.join(others)} keep files outside the default storage; "
                          "backups copy only the default storage.")
    return storages["default"]


def _utc_now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def backup_create(*, directory: Path, database: str = "default") -> dict:
    """Snapshot the database, then copy every stored file, into ``directory`` (new or
    empty); returns the manifest, also written to ``directory/manifest.json``."""
    directory = Path(directory)
    vendor = _vendor(database)
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"{directory} is not empty; back up into a new directory.")
    storage = _storage()
    if isinstance(storage, FileSystemStorage):
        media_root = Path(storage.location).resolve()
        if directory.resolve().is_relative_to(media_root):
            raise BackupError(
                f"{directory} is inside MEDIA_ROOT ({media_root}); back up somewhere else.")
    directory.mkdir(parents=True, exist_ok=True)
    created_at, started = _utc_now(), time.monotonic()

    dump_path = directory / DUMP_FILES[vendor]
    snapshot = BACKUP[vendor](database, dump_path, file_columns())
    database_seconds = time.monotonic() - started

    files = []
    for name in _stored_files(storage):
        try:
            size, sha256 = _copy_out(storage, name, directory / MEDIA_DIR / name)
        except FileNotFoundError:
            continue  # removed since the walk; if a row names it, it is listed as missing
        files.append({"path": name, "size": size, "sha256": sha256,
                      "referenced": name in snapshot.referenced_files})
    copied = {entry["path"] for entry in files}

    manifest = {
        "format": FORMAT,
        "created_at": created_at,
        "finished_at": _utc_now(),
        "seconds": {"database": round(database_seconds, 3),
                    "total": round(time.monotonic() - started, 3)},
        "commit": _commit(),
        "storage": _where(storage)[0],
        "database": {
            "vendor": vendor,
            "file": dump_path.name,
            "size": dump_path.stat().st_size,
            "sha256": _sha256(dump_path),
        },
        "tables": snapshot.tables,
        "rows": sum(snapshot.tables.values()),
        "files": files,
        "missing_files": sorted(snapshot.referenced_files - copied),
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def read_manifest(directory: Path) -> dict:
    """The manifest, after checking the dump and every file against it."""
    directory = Path(directory)
    try:
        manifest = json.loads((directory / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupError(f"{directory} has no {MANIFEST}; it is not a finished backup.") from None
    except json.JSONDecodeError as exc:
        raise BackupError(f"{directory / MANIFEST} is not valid JSON: {exc}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{directory / MANIFEST} has format {manifest.get('format')!r}; this Kapstone reads {FORMAT}.")
    dump = directory / manifest["database"]["file"]
    if not dump.is_file() or _sha256(dump) != manifest["database"]["sha256"]:
        raise BackupError(f"{dump} is missing or does not match its sha256 in the manifest.")
    damaged = [entry["path"] for entry in manifest["files"]
               if not (directory / MEDIA_DIR / entry["path"]).is_file()
               or _sha256(directory / MEDIA_DIR / entry["path"]) != entry["sha256"]]
    if damaged:
        raise BackupError(f"{len(damaged)} stored file(s) in the backup are missing or do not match "
                          f"the manifest, e.g. {', '.join(damaged[:5])}.")
    return manifest


@dataclass
class RestoreReport:
    tables: int = 0
    rows: int = 0
    files: int = 0
    bytes: int = 0
    seconds: float = 0.0
    missing_files: list[str] = field(default_factory=list)


def _existing_tables(alias: str) -> list[str]:
    connection = connections[alias]
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return sqlite_tables(connection.connection)
    with connection.cursor() as cursor:
        return connection.introspection.table_names(cursor)


def _row_counts(alias: str, tables) -> dict[str, int]:
    connection = connections[alias]
    with connection.cursor() as cursor:
        counts = {}
        for table in tables:
            quoted = connection.ops.quote_name(table)  # a name from the database's own list
            cursor.execute(f"SELECT count(*) FROM {quoted}")  # nosec B608 - quoted identifier
            counts[table] = cursor.fetchone()[0]
        return counts


def backup_restore(*, directory: Path, force: bool = False, database: str = "default") -> RestoreReport:
    """Restore a backup into an empty database and an empty storage (``force``
    replaces what is there). Everything is checked before anything changes."""
    directory, started = Path(directory), time.monotonic()
    manifest = read_manifest(directory)
    vendor = _vendor(database)
    if manifest["database"]["vendor"] != vendor:
        raise BackupError(f"This backup is of a {manifest['database']['vendor']} database; "
                          f"DATABASE_URL points at {vendor}.")
    name = connections[database].settings_dict["NAME"]
    existing = _existing_tables(database)
    storage = _storage()
    stored = _stored_files(storage)
    if not force:
        if existing:
            raise BackupError(
                f"The database {name} is not empty ({len(existing)} tables, e.g. {', '.join(sorted(existing)[:3])}). "
                "Restore into a new, empty database, or pass --force to replace everything in it."
            )
        if stored:
            where, kind = _where(storage)
            raise BackupError(
                f"{where} already holds {len(stored)} file(s). "
                f"Restore into an empty {kind}, or pass --force to overwrite the files the backup holds."
            )

    RESTORE[vendor](database, directory / manifest["database"]["file"], force=force and bool(existing))

    report = RestoreReport(missing_files=list(manifest.get("missing_files", [])))
    for entry in manifest["files"]:
        size = _copy_in(storage, directory / MEDIA_DIR / entry["path"], entry["path"])
        # Read back from the storage: what is stored, not what was sent, must match.
        sha256 = _stored_sha256(storage, entry["path"])
        if sha256 != entry["sha256"]:
            raise BackupError(f"{entry['path']} was stored with sha256 {sha256}, "
                              f"not {entry['sha256']} as in the manifest.")
        report.files += 1
        report.bytes += size

    restored = set(_existing_tables(database))
    if restored != set(manifest["tables"]):
        raise BackupError(f"The restored database has other tables than the manifest: missing "
                          f"{sorted(set(manifest['tables']) - restored)}, extra {sorted(restored - set(manifest['tables']))}.")
    counts = _row_counts(database, manifest["tables"])
    wrong = {table: (counts[table], rows) for table, rows in manifest["tables"].items() if counts[table] != rows}
    if wrong:
        raise BackupError(f"The restored row counts do not match the manifest (restored, manifest): {wrong}.")
    # Cached pages and counters describe the database that was replaced.
    cache.clear()
    report.tables, report.rows = len(counts), sum(counts.values())
    report.seconds = time.monotonic() - started
    return report
