"""What differs between the two databases Kapstone runs on: how a consistent snapshot is
taken and how it is put back.

PostgreSQL: one REPEATABLE READ transaction exports its snapshot; the row counts and the
list of stored files are read in it, and ``pg_dump --snapshot`` dumps exactly the same
state, so the manifest describes the dump however many writes commit meanwhile.
SQLite: the online backup API copies the database in one step under a read lock; the
counts are then read from the copy itself.
"""

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.db import connections

DUMP_FILES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


@dataclass
class Snapshot:
    """The state a backup captured: rows per table and the stored files its rows name."""

    tables: dict[str, int]
    referenced_files: set[str]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _read_snapshot(execute, tables: Iterable[str], file_columns: Iterable[tuple[str, str]]) -> Snapshot:
    tables = sorted(tables)
    # Identifiers come from the database's own table list and Django's models, quoted.
    counts = {table: execute(f"SELECT count(*) FROM {_quote(table)}")[0][0]  # nosec B608 - quoted identifiers
              for table in tables}
    referenced: set[str] = set()
    for table, column in file_columns:
        if table in counts:
            rows = execute(f"SELECT {_quote(column)} FROM {_quote(table)} "  # nosec B608 - quoted identifiers
                           f"WHERE {_quote(column)} <> ''")
            referenced.update(name for (name,) in rows)
    return Snapshot(counts, referenced)


# --- PostgreSQL ---------------------------------------------------------------

def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed; install the PostgreSQL client tools (postgresql-client).")
    return path


def _pg_conninfo(settings_dict: dict) -> tuple[str, dict]:
    """A libpq connection string without the password, and an environment carrying it
    (a password on a command line is visible to every user of the machine)."""
    from psycopg.conninfo import make_conninfo

    params = {
        "dbname": settings_dict["NAME"],
        "user": settings_dict.get("USER") or None,
        "host": settings_dict.get("HOST") or None,
        "port": str(settings_dict["PORT"]) if settings_dict.get("PORT") else None,
    }
    for key in ("sslmode", "sslrootcert", "sslcert", "sslkey", "passfile"):
        if key in settings_dict.get("OPTIONS", {}):
            params[key] = settings_dict["OPTIONS"][key]
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = settings_dict["PASSWORD"]
    return make_conninfo(**{k: v for k, v in params.items() if v is not None}), env


def _run(command: list[str], env: dict, what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{what} failed ({result.returncode}): {result.stderr.strip() or result.stdout.strip()}")


def postgres_backup(alias: str, dump_path: Path, file_columns) -> Snapshot:
    import psycopg

    conninfo, env = _pg_conninfo(connections[alias].settings_dict)
    pg_dump = _pg_tool("pg_dump")
    with psycopg.connect(conninfo, password=env.get("PGPASSWORD"), autocommit=True) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot_id = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        tables = [name for (name,) in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        )]
        snapshot = _read_snapshot(lambda sql: conn.execute(sql).fetchall(), tables, file_columns)
        # The exporting transaction stays open until pg_dump has imported its snapshot
        # and finished: the dump is the state the counts above were read from.
        _run([pg_dump, "--format=custom", "--no-owner", "--no-privileges",
              f"--snapshot={snapshot_id}", f"--file={dump_path}", f"--dbname={conninfo}"],
             env, "pg_dump")
        conn.execute("COMMIT")
    return snapshot


def postgres_restore(alias: str, dump_path: Path, *, force: bool) -> None:
    connection = connections[alias]
    if force:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_schema()")
            schema = cursor.fetchone()[0]
            cursor.execute(f"DROP SCHEMA {_quote(schema)} CASCADE")
            cursor.execute(f"CREATE SCHEMA {_quote(schema)}")
    connection.close()
    conninfo, env = _pg_conninfo(connection.settings_dict)
    # One transaction: a restore that fails half-way leaves the database as it was.
    _run([_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
          "--single-transaction", f"--dbname={conninfo}", str(dump_path)], env, "pg_restore")


# --- SQLite -------------------------------------------------------------------

def sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    return [name for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )]


def sqlite_backup(alias: str, dump_path: Path, file_columns) -> Snapshot:
    connection = connections[alias]
    connection.ensure_connection()
    target = sqlite3.connect(dump_path)
    try:
        # One step (pages=-1): the whole database is copied under a single read lock.
        connection.connection.backup(target)
        return _read_snapshot(lambda sql: target.execute(sql).fetchall(), sqlite_tables(target), file_columns)
    finally:
        target.close()


def sqlite_restore(alias: str, dump_path: Path, *, force: bool) -> None:
    connection = connections[alias]
    connection.ensure_connection()
    source = sqlite3.connect(f"file:{dump_path}?mode=ro", uri=True)
    try:
        # The backup API replaces every page of the destination (force or an empty file).
        source.backup(connection.connection)
    finally:
        source.close()
    connection.close()


BACKUP = {"postgresql": postgres_backup, "sqlite": sqlite_backup}
RESTORE = {"postgresql": postgres_restore, "sqlite": sqlite_restore}
