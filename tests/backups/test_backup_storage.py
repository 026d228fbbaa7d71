"""manage.py backup and restore with the files in an S3-compatible bucket (moto's server
in its own process): bucket to bucket, and across local disk and bucket either way. The
files go through the storage API, so the backup's layout is the same for both."""

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.storage import InMemoryStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from certificates.models import Certificate
from competencies.services import evidence_add
from tests.s3_server import S3Server, storages_for

ROOT = Path(__file__).resolve().parents[2]
NOTES = "Notes on a supervised session.\n".encode()

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    server = S3Server(tmp_path_factory.mktemp("moto") / "moto.log")
    yield server
    server.stop()


@pytest.fixture
def bucket_env(s3, request):
    """A new, empty bucket named for the test; returns its environment."""
    digest = hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:12]
    return lambda role: s3.bucket(f"kapstone-{role}-{digest}")


def _restore(backup: Path, database: Path, storage_env: dict):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
           "DATABASE_URL": f"sqlite:///{database}", **storage_env}
    for name in ("REDIS_URL", "CELERY_BROKER_URL"):
        env.pop(name, None)
    return subprocess.run([sys.executable, "manage.py", "restore", str(backup)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)


def _add_evidence(world):
    return evidence_add(actor=world.trainee_a, enrolment=world.enrolment_a, outcome_code="K1",
                        kind="file", upload=SimpleUploadedFile("supervision-notes.txt", NOTES))


@pytest.mark.parametrize("source, target", [("s3", "s3"), ("s3", "local"), ("local", "s3")])
def test_backup_and_restore_move_every_file_between_any_two_storages(
    source, target, world, curriculum, settings, s3, bucket_env, tmp_path, capsys
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    source_env = bucket_env("source") if source == "s3" else None
    if source_env:
        settings.STORAGES = storages_for(source_env)
    item = _add_evidence(world)
    if source_env:
        assert s3.objects(source_env["AWS_STORAGE_BUCKET_NAME"]) == {item.file.name: NOTES}
        assert not (tmp_path / "media").exists()
    else:
        assert (tmp_path / "media" / item.file.name).read_bytes() == NOTES

    backup = tmp_path / "backup"
    call_command("backup", str(backup))
    assert "Backed up" in capsys.readouterr().out
    manifest = json.loads((backup / "manifest.json").read_text())
    [entry] = manifest["files"]
    assert (entry["path"], entry["referenced"]) == (item.file.name, True)
    assert entry["sha256"] == hashlib.sha256(NOTES).hexdigest()
    assert manifest["storage"] == (f"The bucket {source_env['AWS_STORAGE_BUCKET_NAME']}" if source_env
                                   else f"MEDIA_ROOT {tmp_path / 'media'}")

    restored_db, restored_media = tmp_path / "restored.sqlite3", tmp_path / "restored-media"
    target_env = bucket_env("target") if target == "s3" else {"MEDIA_ROOT": str(restored_media)}
    result = _restore(backup, restored_db, target_env)
    assert result.returncode == 0, result.stderr
    assert "1 files" in result.stdout and "file hashes match the manifest" in result.stdout

    stored = sqlite3.connect(restored_db).execute("SELECT file FROM competencies_evidenceitem").fetchone()[0]
    assert stored == item.file.name
    if target == "s3":
        assert s3.objects(target_env["AWS_STORAGE_BUCKET_NAME"]) == {stored: NOTES}
        assert not restored_media.exists()
    else:
        assert (restored_media / stored).read_bytes() == NOTES


def test_restore_refuses_a_bucket_that_already_holds_files_and_leaves_it_alone(
    world, curriculum, settings, s3, bucket_env, tmp_path
):
    settings.STORAGES = storages_for(bucket_env("source"))
    _add_evidence(world)
    backup = tmp_path / "backup"
    call_command("backup", str(backup))

    target = bucket_env("target")
    s3.client.put_object(Bucket=target["AWS_STORAGE_BUCKET_NAME"], Key="evidence/someone-elses.txt",
                         Body=b"keep me")
    restored_db = tmp_path / "restored.sqlite3"
    result = _restore(backup, restored_db, target)
    assert result.returncode != 0
    assert (f"The bucket {target['AWS_STORAGE_BUCKET_NAME']} already holds 1 file(s). "
            "Restore into an empty bucket, or pass --force") in result.stderr
    assert s3.objects(target["AWS_STORAGE_BUCKET_NAME"]) == {"evidence/someone-elses.txt": b"keep me"}
    assert not sqlite3.connect(restored_db).execute("SELECT name FROM sqlite_master").fetchall()


def test_backup_refuses_a_file_field_with_a_storage_of_its_own(world, tmp_path, monkeypatch):
    monkeypatch.setattr(Certificate._meta.get_field("pdf"), "storage", InMemoryStorage())
    with pytest.raises(CommandError, match=r"certificates.Certificate.pdf keep files outside the "
                                           r"default storage; backups copy only the default storage"):
        call_command("backup", str(tmp_path / "backup"))
    assert not (tmp_path / "backup").exists()
