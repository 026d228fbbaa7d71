"""Download my record (issue 19, item 11): built by a worker, stored encrypted,
offered to its owner alone for 24 hours, then deleted — and nothing about anyone else."""

import datetime
import io
import json
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from competencies.services import evidence_add, signoff_decide
from consultation.services import group_session_log, session_log
from factories.courses import TrainerAssignmentFactory
from mydata import selectors
from mydata.models import RecordExport
from mydata.services import record_exports_cleanup
from notifications.models import Notification
from pdf_reading import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(world, settings, tmp_path):
    """Trainee A with evidence (a file), a decision with a comment, a private note and
    a group session shared with trainee B, who has notes of their own."""
    settings.MEDIA_ROOT = str(tmp_path)
    w = world
    TrainerAssignmentFactory(trainer=w.trainer_a, trainee=w.trainee_b, cohort=w.cohort)
    evidence_add(actor=w.trainee_a, enrolment=w.enrolment_a, outcome_code="C1", kind="file",
                 title="Supervised case", upload=SimpleUploadedFile("case.pdf", b"%PDF-1.4 my case"))
    signoff_decide(trainer=w.trainer_a, enrolment=w.enrolment_a, outcome_code="C2",
                   decision="not_yet", comment="Add a second supervised case.")
    day = timezone.localdate() - datetime.timedelta(days=3)
    session_log(actor=w.trainee_a, enrolment=w.enrolment_a, trainer=w.trainer_a, date=day,
                minutes=60, category="E1", notes="My own private reflection")
    session_log(actor=w.trainee_b, enrolment=w.enrolment_b, trainer=w.trainer_a, date=day,
                minutes=45, category="E1", notes="Trainee B's secret")
    group_session_log(trainer=w.trainer_a, enrolments=[w.enrolment_a, w.enrolment_b],
                      date=day - datetime.timedelta(days=1), minutes=90, category="E1")
    return w


def _prepare(client, capture):
    with capture(execute=True):
        response = client.post(reverse("mydata:index"))
    assert response.status_code == 302
    return RecordExport.objects.latest("pk")


def test_the_owner_downloads_a_zip_of_their_whole_record_and_nobody_elses(
    record, login, django_capture_on_commit_callbacks
):
    w = record
    client = login(w.trainee_a)
    assert "Download my data" in client.get(reverse("accounts:profile")).content.decode()
    export = _prepare(client, django_capture_on_commit_callbacks)
    assert export.status == "ready"
    assert export.expires_at - export.ready_at == datetime.timedelta(hours=24)
    # Stored encrypted: the object in the storage is not a zip.
    with default_storage.open(export.stored_name, "rb") as handle:
        stored = handle.read()
    assert not stored.startswith(b"PK") and b"My own private reflection" not in stored
    # Told in the app (and by e-mail) that it is ready.
    assert Notification.objects.filter(user=w.trainee_a, template="record_export_ready").exists()
    page = client.get(reverse("mydata:index")).content.decode()
    assert reverse("mydata:download", args=[export.pk]) in page

    response = client.get(reverse("mydata:download", args=[export.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["Cache-Control"] == "private, no-store"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    assert "record.json" in names and "record.pdf" in names
    evidence_files = [n for n in names if n.startswith("evidence/")]
    assert len(evidence_files) == 1 and archive.read(evidence_files[0]) == b"%PDF-1.4 my case"

    data = json.loads(archive.read("record.json"))
    assert data["profile"]["email"] == w.trainee_a.email
    (enrolment,) = data["enrolments"]
    decision = enrolment["decisions"][0]
    assert decision["trainer"] == w.trainer_a.full_name
    assert decision["comment"] == "Add a second supervised case."
    assert {h["your_notes"] for h in enrolment["hours"]} == {"My own private reflection", ""}
    assert len(enrolment["hours"]) == 2  # their own entry and their row of the group session
    pdf = " ".join(pdf_text(archive.read("record.pdf")).split())
    everything = json.dumps(data) + pdf
    assert "My own private reflection" in pdf and "Add a second supervised case." in pdf
    # Nothing about anyone else: not the other trainee of the group session.
    assert "Trainee B's secret" not in everything
    assert w.trainee_b.email not in everything and w.trainee_b.full_name not in everything


def test_another_trainee_cannot_download_it(record, login, django_capture_on_commit_callbacks):
    export = _prepare(login(record.trainee_a), django_capture_on_commit_callbacks)
    client = login(record.trainee_b)
    assert client.get(reverse("mydata:download", args=[export.pk])).status_code == 404


def test_it_is_refused_after_24_hours_and_then_deleted(record, login, django_capture_on_commit_callbacks):
    client = login(record.trainee_a)
    export = _prepare(client, django_capture_on_commit_callbacks)
    RecordExport.objects.filter(pk=export.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1))
    response = client.get(reverse("mydata:download", args=[export.pk]), follow=True)
    assert "That download has expired" in response.content.decode()
    assert default_storage.exists(export.stored_name)

    assert record_exports_cleanup() == 1
    assert not default_storage.exists(export.stored_name)
    assert not RecordExport.objects.exists()
    assert client.get(reverse("mydata:download", args=[export.pk])).status_code == 404
    assert record_exports_cleanup() == 0


def test_the_cleanup_keeps_downloads_still_offered(record, login, django_capture_on_commit_callbacks):
    export = _prepare(login(record.trainee_a), django_capture_on_commit_callbacks)
    assert record_exports_cleanup() == 0
    assert default_storage.exists(export.stored_name)
    assert record_exports_cleanup(now=timezone.now() + datetime.timedelta(hours=25)) == 1


def test_the_page_says_it_is_being_prepared_until_the_worker_has_built_it(record, login):
    client = login(record.trainee_a)
    client.post(reverse("mydata:index"))  # the job waits for the commit that never comes here
    page = client.get(reverse("mydata:index")).content.decode()
    assert "Being prepared" in page


@pytest.mark.parametrize("more", [0, 4])
def test_the_record_is_gathered_in_a_fixed_number_of_queries(
    record, more, django_assert_num_queries, settings
):
    w = record
    for number in range(more):
        session_log(actor=w.trainee_a, enrolment=w.enrolment_a, trainer=w.trainer_a,
                    date=timezone.localdate() - datetime.timedelta(days=10 + number),
                    minutes=30, category="E2", notes=f"note {number}")
        evidence_add(actor=w.trainee_a, enrolment=w.enrolment_a, outcome_code="C3", kind="written",
                     title=f"Reflection {number}", text="Written")
    w.trainee_a.refresh_from_db()
    with django_assert_num_queries(11):
        data = selectors.record_of(user=w.trainee_a)
    assert len(data["enrolments"][0]["hours"]) == 2 + more
