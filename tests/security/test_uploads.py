"""Uploaded files: what could run, lie about itself, escape its folder or exhaust the
server is refused with a message or stored harmlessly, and files are only ever served
as downloads the browser will not sniff."""

import io
import struct
import zlib
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from competencies.models import EvidenceItem

pytestmark = pytest.mark.django_db


def _png(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` × ``height`` pixels (a decompression bomb
    when the claim is huge: the pixels would only exist once decoded)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (width + 1) * min(height, 1))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def _real_png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), "white").save(buffer, "PNG")
    return buffer.getvalue()


def _multipart(fields: dict[str, str], filename: str, content: bytes) -> tuple[bytes, str]:
    """A multipart body written by hand: the test client would strip a path from the
    file name, a hostile client does not."""
    boundary = "kapstone-boundary-7f3a"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode("utf-8") + content + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


@pytest.fixture
def upload(curriculum, world, client, settings, tmp_path):
    """``upload(name, content)`` posts a file as evidence for trainee A's C1 and returns
    the response; MEDIA_ROOT is a fresh folder."""
    settings.MEDIA_ROOT = str(tmp_path)
    world.enrolment_a.refresh_from_db()
    client.force_login(world.trainee_a)
    url = f"/trainee/outcomes/{world.enrolment_a.pk}/C1/"

    def _upload(name: str, content: bytes):
        body, content_type = _multipart({"action": "evidence", "kind": "file", "title": ""}, name, content)
        return client.generic("POST", url, body, content_type=content_type)

    _upload.media = Path(tmp_path)
    return _upload


REFUSED = {
    "HTML with script": ("page.html", b"<html><script>alert(1)</script></html>", "Upload a"),
    "SVG with script": ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "Upload a"),
    "HTML named .pdf": ("report.pdf", b"<html><script>alert(1)</script></html>", "not a real PDF"),
    "PDF named .png": ("photo.png", b"%PDF-1.4 a document", "not a real PNG"),
    "executable named .docx": ("essay.docx", b"MZ\x90\x00\x03 windows program", "not a real DOCX"),
    "no extension": ("evidence", b"%PDF-1.4", "Upload a"),
    "double extension": ("report.pdf.exe", b"MZ\x90\x00", "Upload a"),
    "empty file": ("empty.pdf", b"", "empty"),
    "oversized (10 MB + 1 byte)": ("big.pdf", b"%PDF-1.4" + b"0" * (10 * 1024 * 1024 - 7), "at most 10 MB"),
    "image bomb 50 000 × 50 000 px": ("bomb.png", _png(50_000, 50_000), "megapixels"),
    "image bomb 8 000 × 6 000 px": ("bomb.png", _png(8_000, 6_000), "megapixels"),
    "broken PNG": ("broken.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "not a readable PNG"),
    "text that is not UTF-8": ("notes.txt", "Ünïcödé".encode("latin-1"), "UTF-8"),
    "path escape to a script": ("../../templates/base.html", b"<script>alert(1)</script>", "Upload a"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_dangerous_or_false_uploads_are_refused_with_a_message_and_leave_nothing(upload, case):
    from audit.models import AuditEvent

    name, content, message = REFUSED[case]
    events = AuditEvent.objects.count()
    response = upload(name, content)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not EvidenceItem.objects.exists()
    assert AuditEvent.objects.count() == events
    assert not [p for p in upload.media.rglob("*") if p.is_file()], "a refused file was written"


HARMLESS = {
    "path escape with ../": ("../../../../etc/cron.d/evil.txt", b"* * * * * root rm -rf /", "evil.txt"),
    "Windows path escape": ("..\\..\\windows\\system.txt", b"plain text", "system.txt"),
    "NUL, tab, escape and a right-to-left override": ("re\x00po\x1brt\t\u202etxt.pdf", b"%PDF-1.4", "reporttxt.pdf"),
    "HTML with script in a .txt": ("notes.txt", b"<script>alert(1)</script>", "notes.txt"),
    "a real PNG": ("photo.png", _real_png(), "photo.png"),
}


@pytest.mark.parametrize("case", list(HARMLESS))
def test_acceptable_uploads_are_stored_under_a_server_chosen_name_inside_the_media_folder(upload, case, world, client):
    name, content, label = HARMLESS[case]
    response = upload(name, content)
    assert response.status_code == 302, response.content.decode()[:2000]
    item = EvidenceItem.objects.get()
    assert item.original_name == label
    stored = Path(item.file.path).resolve()
    assert stored.is_relative_to(upload.media.resolve() / "evidence" / str(world.enrolment_a.pk))
    assert Path(item.file.name).stem != Path(label).stem  # the server chose the name
    download = client.get(f"/evidence/{item.pk}/file/")
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] in ("text/plain", "application/pdf", "image/png")
    assert b"".join(download.streaming_content) == content


@pytest.fixture
def served(complete, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from certificates.services import certificate_issue
    from competencies.services import evidence_add
    from consultation.models import HoursExport

    settings.MEDIA_ROOT = str(tmp_path)
    world = complete
    world.enrolment_a.refresh_from_db()
    evidence = evidence_add(
        actor=world.trainee_a, enrolment=world.enrolment_a, outcome_code="C1", kind="file",
        upload=SimpleUploadedFile("notes.txt", b"<html><script>alert(1)</script>"),
    )
    export = HoursExport.objects.create(enrolment=world.enrolment_a, completed_at=timezone.now())
    export.file.save("hours.pdf", ContentFile(b"%PDF-1.4"), save=True)
    certificate, _ = certificate_issue(actor=world.admin, enrolment=world.enrolment_a)
    return world, [
        f"/evidence/{evidence.pk}/file/",
        f"/trainee/hours/exports/{export.pk}/",
        f"/certificates/{certificate.pk}/pdf/",
        f"/certificates/{certificate.pk}/credential/",
        "/trainee/hours/export.csv",
    ]


def test_files_are_served_as_attachments_with_nosniff(served, client):
    """Evidence, hours exports, certificate PDFs, credentials and CSV exports."""
    world, urls = served
    client.force_login(world.trainee_a)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Disposition"].startswith("attachment"), url
        assert response["X-Content-Type-Options"] == "nosniff", url


@pytest.mark.parametrize("filename, content", [
    ("handout.pdf", b"%PDF-1.4 handout"),
    ("page.txt", b"<html><script>alert(1)</script></html>"),
])
def test_wagtail_documents_download_and_never_open_inline(world, client, settings, tmp_path, filename, content):
    from wagtail.documents import get_document_model

    settings.MEDIA_ROOT = str(tmp_path)
    document = get_document_model().objects.create(title="Handout", file=ContentFile(content, name=filename))
    client.force_login(world.editor)  # used in no lesson yet: editors only (tests/cms/test_documents.py)
    response = client.get(document.url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("name, content, message", [
    ("framework.html", b"<script>alert(1)</script>", "Upload a CASE package"),
    ("../../framework.json", b"", "empty"),
    ("framework.json", b"{" + b" " * (5 * 1024 * 1024) + b"}", "the limit is 5 MB"),
    ("framework.json", b"\xff\xfe not json", None),
])
def test_framework_import_refuses_bad_files_and_imports_nothing(world, client, name, content, message):
    from competencies.models import FrameworkVersion

    # The world's enrolments are pinned to the bundled framework: nothing beyond it.
    versions = list(FrameworkVersion.objects.values_list("pk", flat=True))
    client.force_login(world.admin)
    body, content_type = _multipart({}, name, content)
    response = client.generic("POST", "/admin/frameworks/import/", body, content_type=content_type)
    assert response.status_code == 200
    if message:
        assert message in response.content.decode()
    assert 'class="error' in response.content.decode() or "errorlist" in response.content.decode()
    assert list(FrameworkVersion.objects.values_list("pk", flat=True)) == versions


def test_a_credential_file_too_large_to_be_one_is_refused(db, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post("/verify/", {"credential_file": SimpleUploadedFile("c.json", b" " * (300 * 1024))})
    assert response.status_code == 400
    assert "too large to be a credential" in response.content.decode()
