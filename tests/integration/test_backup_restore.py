"""Back up a live program on PostgreSQL while trainees keep writing, restore it into a
new database and an empty media directory, and check that nothing was lost or torn:
row counts, the audit trail, every stored file, and the credentials people hold."""

import datetime
import hashlib
import io
import json
import os
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command, get_commands
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_record
from backups import engines
from backups.services import file_columns
from certificates.models import Certificate
from competencies.models import EvidenceItem
from consultation.models import ConsultationSession
from factories.accounts import UserFactory
from factories.courses import EnrolmentFactory, TrainerAssignmentFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ROOT = Path(__file__).resolve().parents[2]
WRITES_AFTER_SNAPSHOT = 3  # per writer, committed after the snapshot, before pg_dump runs


# --- the program --------------------------------------------------------------

def _evidence_file(trainee, enrolment, code: str, name: str):
    from competencies.services import evidence_add

    return evidence_add(actor=trainee, enrolment=enrolment, outcome_code=code, kind="file",
                        upload=SimpleUploadedFile(name, f"{name}: supervised practice notes.\n".encode()))


@pytest.fixture
def program(complete, worker_media):
    """Three trainees with lessons, evidence files, sign-offs and confirmed hours; three
    certificates issued with their PDFs, one of them revoked; an hours export; a Wagtail
    image with a rendition and a document."""
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model

    from certificates.services import certificate_issue, certificate_pdf_render, certificate_revoke
    from consultation.services import hours_export_request, hours_pdf_render
    from demo.completion import complete_enrolment

    world = complete
    trainee_c = UserFactory(email="trainee.c@kapstone.test", roles=["Trainee"])
    enrolment_c = EnrolmentFactory(trainee=trainee_c, cohort=world.cohort,
                                   framework_version=world.enrolment_a.framework_version)
    for trainee in (world.trainee_b, trainee_c):
        TrainerAssignmentFactory(trainer=world.trainer_a, trainee=trainee, cohort=world.cohort)
    world.enrolment_b.refresh_from_db()
    for enrolment in (world.enrolment_b, enrolment_c):
        complete_enrolment(enrolment, trainers=[world.trainer_a], admin=world.admin, session_minutes=60)
    enrolments = [world.enrolment_a, world.enrolment_b, enrolment_c]
    for enrolment in enrolments:
        enrolment.refresh_from_db()
        _evidence_file(enrolment.trainee, enrolment, "K1", "case-formulation.txt")

    certificates = []
    for enrolment in enrolments:
        certificate, created = certificate_issue(actor=world.admin, enrolment=enrolment)
        assert created
        certificates.append(certificate_pdf_render(certificate.pk))
    certificate_revoke(actor=world.admin, certificate=certificates[1], reason="Licence lapsed.")
    export = hours_export_request(actor=world.trainee_a, enrolment=world.enrolment_a)
    hours_pdf_render(export_id=export.pk)

    from PIL import Image as Picture

    png = io.BytesIO()
    Picture.new("RGB", (64, 48), "teal").save(png, "PNG")
    image = get_image_model().objects.create(title="Consulting room", file=ImageFile(png, name="room.png"))
    image.get_rendition("fill-32x32")
    get_document_model().objects.create(title="Consent form",
                                        file=ContentFile(b"%PDF-1.4 consent", name="consent.pdf"))
    world.trainee_c, world.enrolment_c = trainee_c, enrolment_c
    world.certificates = Certificate.objects.order_by("pk")
    return world


# --- writers ------------------------------------------------------------------

class Writer(threading.Thread):
    """Calls ``write(n)`` for n = 0, 1, … until stopped, each call one committed
    transaction through a service, noting when each returned."""

    def __init__(self, name: str, write):
        super().__init__(name=name, daemon=True)
        self.write, self.committed_at, self.error = write, [], None
        self.stopping = threading.Event()

    def run(self):
        try:
            n = 0
            while not self.stopping.is_set():
                self.write(n)
                self.committed_at.append(time.monotonic())
                n += 1
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc
        finally:
            connection.close()

    def wait_for(self, writes: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while len(self.committed_at) < writes:
            assert self.error is None, f"{self.name} failed: {self.error!r}"
            assert time.monotonic() < deadline, f"{self.name}: fewer than {writes} writes in {timeout}s"
            time.sleep(0.01)

    def between(self, start: float, end: float) -> int:
        return sum(start <= t <= end for t in self.committed_at)


def _writers(world) -> list[Writer]:
    from consultation.services import session_log

    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    def log_session(n):
        session_log(actor=world.trainee_a, enrolment=world.enrolment_a, trainer=world.trainer_a,
                    date=yesterday, minutes=60, category="E1",
                    start_time=datetime.time(n // 60 % 24, n % 60))

    def add_evidence_file(n):
        _evidence_file(world.trainee_c, world.enrolment_c, "K2", f"during-backup-{n}.txt")

    def audit_event(n):
        audit_record(verb="load.heartbeat", actor=world.admin, details={"n": n})

    return [Writer("sessions", log_session), Writer("evidence files", add_evidence_file),
            Writer("audit events", audit_event)]


# --- the restored database ----------------------------------------------------

@pytest.fixture
def restored_database():
    """A new, empty PostgreSQL database beside the test one, dropped afterwards."""
    import psycopg

    name = settings.DATABASES["default"]["NAME"].removeprefix("test_") + "_restored"
    assert name.startswith("kapstone"), name
    db = settings.DATABASES["default"]
    admin = psycopg.connect(dbname="postgres", user=db["USER"] or None, password=db["PASSWORD"] or None,
                            host=db["HOST"] or None, port=db["PORT"] or None, autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _database_url(name: str) -> str:
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


@contextmanager
def connected_to(name: str):
    """Point the default connection at another database for a while (the writers have
    stopped; nothing else uses it)."""
    original = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = name
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original


def _row_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
        return counts


def _stored_names() -> set[str]:
    names = set()
    with connection.cursor() as cursor:
        for table, column in file_columns():
            cursor.execute(f'SELECT "{column}" FROM "{table}" WHERE "{column}" <> %s', [""])
            names.update(name for (name,) in cursor.fetchall())
    return names


def _events() -> dict[int, tuple]:
    return {row[0]: row[1:] for row in AuditEvent.objects.values_list(
        "id", "occurred_at", "actor_email", "verb", "target_type", "target_id", "target_repr", "details")}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- the test -----------------------------------------------------------------

def test_backup_under_write_load_restores_every_row_file_event_and_credential(
    program, worker_media, restored_database, tmp_path, monkeypatch
):
    from certificates.verification import verify_uploaded
    from config.celery import app

    held = {c.verification_code: (c.credential, c.status) for c in program.certificates}
    assert sorted(status for _, status in held.values()) == ["issued", "issued", "revoked"]

    writers = _writers(program)
    real_run = engines._run

    def pg_dump_after_more_writes(command, env, what):
        # The snapshot is exported: make sure writes commit after it and before pg_dump
        # starts, as well as while it runs. The dump must hold none of them.
        if what == "pg_dump":
            for writer in writers:
                writer.wait_for(len(writer.committed_at) + WRITES_AFTER_SNAPSHOT)
        return real_run(command, env, what)

    monkeypatch.setattr(engines, "_run", pg_dump_after_more_writes)
    for writer in writers:
        writer.start()
    try:
        for writer in writers:
            writer.wait_for(3)
        visible_before = set(AuditEvent.objects.values_list("id", flat=True))
        counts_before = _row_counts()
        backup = tmp_path / "backup"
        started = time.monotonic()
        call_command("backup", str(backup))
        finished = time.monotonic()
        for writer in writers:
            writer.wait_for(len(writer.committed_at) + 3)
    finally:
        for writer in writers:
            writer.stopping.set()
        for writer in writers:
            writer.join(timeout=60)
        app.control.purge()  # the writers' e-mail jobs, for no worker
    assert [w.error for w in writers] == [None, None, None]
    counts_after, events_after = _row_counts(), _events()
    during = {writer.name: writer.between(started, finished) for writer in writers}
    assert all(n >= WRITES_AFTER_SNAPSHOT for n in during.values()), during

    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["database"]["vendor"] == "postgresql"
    assert manifest["missing_files"] == []
    for table in ("consultation_consultationsession", "competencies_evidenceitem", "audit_auditevent"):
        # A snapshot strictly between the state before and after: writes went on.
        assert counts_before[table] < manifest["tables"][table] < counts_after[table], table

    restored_media = tmp_path / "restored-media"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
           "DATABASE_URL": _database_url(restored_database), "MEDIA_ROOT": str(restored_media),
           "REDIS_URL": settings.REDIS_URL, "CELERY_BROKER_URL": settings.CELERY_BROKER_URL}
    restore = subprocess.run([sys.executable, "manage.py", "restore", str(backup)], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=300)
    assert restore.returncode == 0, restore.stderr
    assert "row counts and file hashes match the manifest" in restore.stdout

    with connected_to(restored_database):
        # Row counts: every table, as the snapshot counted it.
        assert _row_counts() == manifest["tables"]

        # The audit trail: the same events, unchanged; all that were there before the
        # backup began; none of those committed after the snapshot.
        events = _events()
        assert visible_before <= events.keys()
        assert events == {pk: events_after[pk] for pk in events}
        assert len(events) == manifest["tables"]["audit_auditevent"] < len(events_after)
        if "audit_verify" in get_commands():  # the hash chain, where this build has one
            call_command("audit_verify")

        # One snapshot: each write's rows and its audit event are both in, or both out.
        sessions = {str(pk) for pk in ConsultationSession.objects.values_list("pk", flat=True)}
        logged = {e[4] for e in events.values() if e[2] == "consultation.logged"}
        assert sessions == logged
        evidence = {str(pk) for pk in EvidenceItem.objects.values_list("pk", flat=True)}
        added = {e[4] for e in events.values() if e[2] == "evidence.added"}
        assert evidence == added

        # Files: each one in the manifest, byte for byte, and every file a row names.
        for entry in manifest["files"]:
            assert _sha256(restored_media / entry["path"]) == entry["sha256"], entry["path"]
        named = _stored_names()
        assert named == {e["path"] for e in manifest["files"] if e["referenced"]}
        assert all((restored_media / name).is_file() for name in named)
        written_under_load = EvidenceItem.objects.filter(original_name__startswith="during-backup-")
        assert written_under_load.count() >= 3
        for item in written_under_load:
            assert (restored_media / item.file.name).read_text() == f"{item.original_name}: supervised practice notes.\n"
        for certificate in Certificate.objects.all():
            assert (restored_media / certificate.pdf.name).read_bytes().startswith(b"%PDF")

        # Credentials: what the holders downloaded still verifies against the restored
        # site, and the revoked one still shows revoked, on the page and in the status list.
        client = Client()
        for code, (credential, status) in held.items():
            report = verify_uploaded(credential)
            page = client.get(reverse("certificates:verify", args=[code]))
            assert page.status_code == 200
            if status == "issued":
                assert report.valid and not report.revoked, report.checks
                assert b"<strong>Valid.</strong>" in page.content
            else:
                assert report.revoked, report.checks
                assert b"<strong>Revoked</strong>" in page.content

    results = ROOT / "test-results"
    results.mkdir(exist_ok=True)
    (results / "backup-restore.json").write_text(json.dumps({
        "rows": manifest["rows"], "tables": len(manifest["tables"]), "files": len(manifest["files"]),
        "file_bytes": sum(f["size"] for f in manifest["files"]),
        "dump_bytes": manifest["database"]["size"],
        "backup_seconds": round(finished - started, 3), "manifest_seconds": manifest["seconds"],
        "writes_during_backup": during,
        "rows_written_after_snapshot": {t: counts_after[t] - manifest["tables"][t] for t in (
            "consultation_consultationsession", "competencies_evidenceitem", "audit_auditevent")},
        "restore_output": restore.stdout.strip(),
    }, indent=2) + "\n")
