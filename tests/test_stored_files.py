"""Stored files go through the storage API only: with an in-memory storage (no disk, no
path, no URL of its own), every private file is written by its service and streamed back
by its permission-checked view, byte for byte; nothing lands in MEDIA_ROOT."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import InMemoryStorage, default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models.fields.files import FieldFile
from django.urls import reverse
from wagtail.documents import get_document_model

from certificates import services as certificate_services
from competencies.services import evidence_add
from consultation.services import hours_export_request

pytestmark = pytest.mark.django_db


class PathlessStorage(InMemoryStorage):
    """An in-memory storage that, like S3, has neither local paths (see the fixture) nor
    public URLs: the URLs it hands out lead nowhere, and are counted."""

    asked: list[str] = []

    def url(self, name):
        self.asked.append(name)
        return f"https://storage.invalid/{name}?signature=none"


def _no_path(field_file):
    raise NotImplementedError("This storage has no local paths.")  # as S3Storage.path


@pytest.fixture(autouse=True)
def memory_storage(settings, tmp_path, monkeypatch):
    # InMemoryStorage uses its own path() inside; what a stored file's field offers the
    # project's code (and Wagtail's) is what must not be a path.
    monkeypatch.setattr(FieldFile, "path", property(_no_path))
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {**settings.STORAGES,
                         "default": {"BACKEND": f"{__name__}.PathlessStorage"}}
    assert type(storages["default"]) is PathlessStorage
    PathlessStorage.asked.clear()
    yield default_storage
    assert not (tmp_path / "media").exists(), "something wrote to MEDIA_ROOT instead of the storage"


def _body(response) -> bytes:
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


def test_evidence_is_stored_in_the_storage_and_streamed_to_those_who_may_see_it(world, curriculum, login):
    content = b"%PDF-1.4 supervision notes " + bytes(range(256)) * 64
    item = evidence_add(actor=world.trainee_a, enrolment=world.enrolment_a, outcome_code="K1",
                        kind="file", upload=SimpleUploadedFile("notes.pdf", content))
    with default_storage.open(item.file.name, "rb") as stored:
        assert stored.read() == content

    url = reverse("competencies:evidence_file", args=[item.pk])
    assert _body(login(world.trainee_a).get(url)) == content
    assert _body(login(world.trainer_a).get(url)) == content
    assert login(world.trainee_b).get(url).status_code == 404
    assert login(None).get(url).status_code == 302
    assert PathlessStorage.asked == []


def test_certificate_pdf_is_written_to_the_storage_and_streamed_back(complete, login,
                                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        certificate, _ = certificate_services.certificate_issue(actor=complete.admin,
                                                                enrolment=complete.enrolment_a)
    certificate.refresh_from_db()
    assert certificate.pdf.name.startswith("certificates/")
    with default_storage.open(certificate.pdf.name, "rb") as stored:
        written = stored.read()
    assert written.startswith(b"%PDF")

    url = reverse("certificates:pdf", args=[certificate.pk])
    assert _body(login(complete.trainee_a).get(url)) == written
    assert login(complete.trainee_b).get(url).status_code == 404
    assert PathlessStorage.asked == []


def test_hours_export_is_written_to_the_storage_and_streamed_back(complete, login,
                                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        export = hours_export_request(actor=complete.trainee_a, enrolment=complete.enrolment_a)
    export.refresh_from_db()
    assert export.completed_at is not None
    with default_storage.open(export.file.name, "rb") as stored:
        written = stored.read()
    assert written.startswith(b"%PDF")

    url = reverse("consultation:export_download", args=[export.pk])
    assert _body(login(complete.trainee_a).get(url)) == written
    assert login(complete.trainee_b).get(url).status_code == 404
    assert PathlessStorage.asked == []


def test_documents_link_to_wagtails_serve_view_which_streams_from_the_storage(world, login):
    document = get_document_model().objects.create(
        title="Consent form", file=ContentFile(b"%PDF-1.4 consent", name="consent.pdf"))
    # The link is Django's view (so the before_serve_document hook runs), never the storage's URL.
    assert document.url == reverse("wagtaildocs_serve", args=[document.pk, document.filename])
    # A document no page uses yet is the editors' alone (cms/documents.py).
    response = login(world.editor).get(document.url)
    # Wagtail asks the storage for its URL, but with serve_view streams instead of redirecting.
    assert _body(response) == b"%PDF-1.4 consent"
    assert response["Content-Disposition"].startswith("attachment")
