"""The embedded SQLite database answers concurrent writes (penetration test, issue 17,
finding 9: six concurrent issue POSTs each answered 500 "database is locked").

Threads, each with its own connection made from the project's settings, run the
pattern every service has — read, then write, in one transaction — against a file
database at the same moment. With the project's options (WAL, IMMEDIATE transactions,
a busy timeout) every transaction commits, one after another; with SQLite's defaults
the same load fails.
"""

import threading
import time

import pytest
from django.conf import settings
from django.db import OperationalError
from django.db.utils import ConnectionHandler

THREADS, ROUNDS = 6, 4

# The threads use connections of their own to a file database, not the test database;
# the mark only lets them connect at all.
pytestmark = pytest.mark.django_db


def _database(path, options):
    config = {**settings.DATABASES["default"], "ENGINE": "django.db.backends.sqlite3",
              "NAME": str(path), "OPTIONS": options, "TEST": {}}
    return ConnectionHandler({"default": config})


def _read_then_write(handler, start: threading.Barrier, errors: list) -> None:
    connection = handler.create_connection("default")
    try:
        start.wait(timeout=30)
        for _ in range(ROUNDS):
            # What transaction.atomic() does on SQLite: BEGIN (in the configured mode).
            connection.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT COALESCE(MAX(n), 0) FROM issued")
                    last = cursor.fetchone()[0]
                    time.sleep(0.01)  # the service's work between its read and its write
                    cursor.execute("INSERT INTO issued (n) VALUES (%s)", [last + 1])
                connection.commit()
            except OperationalError as exc:
                errors.append(str(exc))
                connection.rollback()
            finally:
                connection.set_autocommit(True)
    finally:
        connection.close()


def _run(tmp_path, options) -> tuple[list[str], list[int]]:
    handler = _database(tmp_path / "concurrent.sqlite3", options)
    setup = handler.create_connection("default")
    with setup.cursor() as cursor:
        cursor.execute("CREATE TABLE issued (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
    start, errors = threading.Barrier(THREADS), []
    threads = [threading.Thread(target=_read_then_write, args=(handler, start, errors)) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a writer is still waiting"
    with setup.cursor() as cursor:
        cursor.execute("SELECT n FROM issued ORDER BY id")
        numbers = [n for (n,) in cursor.fetchall()]
    setup.close()
    return errors, numbers


def test_concurrent_writers_all_commit_with_the_projects_sqlite_options(tmp_path):
    options = settings.SQLITE_OPTIONS  # what the site's SQLite connections get
    assert options["transaction_mode"] == "IMMEDIATE" and options["timeout"] >= 5
    errors, numbers = _run(tmp_path, options)
    assert errors == []
    # Serialised: each transaction saw the one before it.
    assert numbers == list(range(1, THREADS * ROUNDS + 1))
    probe = _database(tmp_path / "concurrent.sqlite3", options).create_connection("default")
    with probe.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA secure_delete")
        assert cursor.fetchone()[0] == 1
    probe.close()


def test_the_same_load_fails_with_sqlites_defaults(tmp_path):
    """The control: without the options, overlapping read-then-write transactions are
    refused — the 500s the penetration test saw."""
    errors, numbers = _run(tmp_path, {})
    assert errors and all("locked" in e for e in errors)
    assert len(numbers) < THREADS * ROUNDS
