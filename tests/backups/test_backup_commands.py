"""manage.py backup and restore on SQLite (the embedded default); the PostgreSQL path under
write load is tests/integration/test_backup_restore.py."""

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from audit.models import AuditEvent
from competencies.models import EvidenceItem
from competencies.services import evidence_add

ROOT = Path(__file__).resolve().parents[2]

# The online backup reads committed pages: the rows must be committed, not held in the
# test's wrapping transaction.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def evidence(world, curriculum, media):
    return evidence_add(
        actor=world.trainee_a, enrolment=world.enrolment_a, outcome_code="K1", kind="file",
        upload=SimpleUploadedFile("supervision-notes.txt", "Notes on a supervised session.\n".encode()),
    )


def _restore_in_subprocess(backup: Path, database: Path, media_root: Path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
           "DATABASE_URL": f"sqlite:///{database}", "MEDIA_ROOT": str(media_root)}
    for name in ("REDIS_URL", "CELERY_BROKER_URL"):
        env.pop(name, None)
    return subprocess.run([sys.executable, "manage.py", "restore", str(backup)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)


def test_sqlite_backup_restores_into_a_fresh_database_with_every_row_and_file(evidence, media, tmp_path, capsys):
    backup = tmp_path / "backup"
    call_command("backup", str(backup))
    assert "Backed up" in capsys.readouterr().out

    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["database"]["vendor"] == "sqlite"
    assert manifest["tables"]["audit_auditevent"] == AuditEvent.objects.count() > 0
    assert manifest["tables"]["competencies_evidenceitem"] == EvidenceItem.objects.count() == 1
    [entry] = [f for f in manifest["files"] if f["path"] == evidence.file.name]
    assert entry["referenced"] is True
    assert entry["sha256"] == hashlib.sha256((media / evidence.file.name).read_bytes()).hexdigest()
    assert manifest["missing_files"] == []

    restored_db, restored_media = tmp_path / "restored.sqlite3", tmp_path / "restored-media"
    result = _restore_in_subprocess(backup, restored_db, restored_media)
    assert result.returncode == 0, result.stderr
    assert "row counts and file hashes match the manifest" in result.stdout

    with sqlite3.connect(restored_db) as conn:
        verbs = sorted(v for (v,) in conn.execute("SELECT verb FROM audit_auditevent"))
        stored = conn.execute("SELECT file FROM competencies_evidenceitem").fetchone()[0]
    assert verbs == sorted(AuditEvent.objects.values_list("verb", flat=True))
    assert (restored_media / stored).read_text() == "Notes on a supervised session.\n"


def test_restore_refuses_a_database_that_already_has_tables_and_changes_nothing(evidence, tmp_path):
    backup = tmp_path / "backup"
    call_command("backup", str(backup))
    events_before = AuditEvent.objects.count()
    evidence_add(actor=evidence.enrolment.trainee, enrolment=evidence.enrolment, outcome_code="K2",
                 kind="written", text="Written after the backup.")

    with pytest.raises(CommandError, match=r"is not empty \(\d+ tables.*Restore into a new, empty "
                                           r"database, or pass --force"):
        call_command("restore", str(backup))
    assert AuditEvent.objects.count() == events_before + 1
    assert EvidenceItem.objects.filter(text="Written after the backup.").exists()


def test_restore_refuses_a_backup_whose_files_do_not_match_the_manifest(evidence, tmp_path):
    backup = tmp_path / "backup"
    call_command("backup", str(backup))
    (backup / "media" / evidence.file.name).write_text("tampered")
    events_before = AuditEvent.objects.count()

    # The backup is checked before the target is even looked at, forced or not.
    with pytest.raises(CommandError, match=r"1 stored file\(s\) in the backup are missing or do not "
                                           r"match the manifest, e.g. evidence/"):
        call_command("restore", str(backup), "--force")
    assert AuditEvent.objects.count() == events_before
    assert EvidenceItem.objects.get().file.read() == b"Notes on a supervised session.\n"


def test_restore_refuses_a_media_root_that_already_holds_files(evidence, tmp_path):
    backup = tmp_path / "backup"
    call_command("backup", str(backup))
    restored_db, restored_media = tmp_path / "restored.sqlite3", tmp_path / "restored-media"
    (restored_media / "evidence").mkdir(parents=True)
    (restored_media / "evidence" / "someone-elses.txt").write_text("keep me")

    result = _restore_in_subprocess(backup, restored_db, restored_media)
    assert result.returncode != 0
    assert "already holds 1 file(s). Restore into an empty MEDIA_ROOT, or pass --force" in result.stderr
    assert [p.name for p in restored_media.rglob("*") if p.is_file()] == ["someone-elses.txt"]
    assert not sqlite3.connect(restored_db).execute("SELECT name FROM sqlite_master").fetchall()


@pytest.mark.parametrize("where, message", [
    ("used", "is not empty; back up into a new directory"),
    ("media", "is inside MEDIA_ROOT"),
])
def test_backup_refuses_a_used_directory_or_one_inside_media_root(world, media, tmp_path, where, message):
    directory = tmp_path / "backup" if where == "used" else media / "backup"
    directory.mkdir(parents=True)
    if where == "used":
        (directory / "manifest.json").write_text("{}")
    with pytest.raises(CommandError, match=message):
        call_command("backup", str(directory))
    assert [p.name for p in directory.iterdir()] == (["manifest.json"] if where == "used" else [])


def test_a_sqlite_backup_carries_no_remnant_of_forgotten_rows(world, tmp_path, media):
    """What was deleted or blanked (a sent e-mail's payload, a row removed) is not in the
    backup file: SQLite keeps freed space until it is reused, and the online backup
    copies pages as they are, so the copy is vacuumed before it is described."""
    from jobs.models import Job

    secret = "https://kapstone.test/accounts/password/reset/key/remnant-" + "x" * 40
    kept = Job.objects.create(name="notifications.tasks.send_email", kwargs={"body": secret})
    gone = Job.objects.create(name="notifications.tasks.send_email", kwargs={"body": secret + "-2"})
    Job.objects.filter(pk=kept.pk).update(kwargs={})
    gone.delete()
    backup = tmp_path / "backup"
    call_command("backup", str(backup))
    assert b"remnant-" not in (backup / "database.sqlite3").read_bytes()
