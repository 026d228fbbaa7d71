"""What a reader of the certificate PDF sees: every outcome in full, the program's
signature and seal, the site's own verify address, a page that is used."""

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.utils import override_settings
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from certificates import services
from certificates.models import Certificate
from certificates.pdf import certificate_pdf
from competencies.models import Outcome
from courses.models import Program
from demo.certificate_images import seal_png, signature_png
from pdf_reading import pdf_pages, pdf_text  # tests/

pytestmark = pytest.mark.django_db


def _flat(text: str) -> str:
    """The PDF's words on one line: a line may break after a hyphen or between words."""
    return re.sub(r"-\s+", "-", " ".join(text.split()))


def _issue(world, django_capture_on_commit_callbacks) -> Certificate:
    with django_capture_on_commit_callbacks(execute=True):
        certificate, _ = services.certificate_issue(actor=world.admin, enrolment=world.enrolment_a)
    return Certificate.objects.with_people().get(pk=certificate.pk)


def _with_images(program: Program) -> None:
    program.signatory = "Dr. Helen Marsh, Program director"
    program.signature_image.save("signature.png", signature_png(), save=False)
    program.seal_image.save("seal.png", seal_png(), save=False)
    program.save()


def test_every_outcome_is_printed_in_full_on_one_page(complete, django_capture_on_commit_callbacks):
    certificate = _issue(complete, django_capture_on_commit_callbacks)
    data = certificate.pdf.read()
    text = _flat(pdf_text(data))
    assert pdf_pages(data) == 1 and "…" not in text
    statements = Outcome.objects.filter(version=certificate.framework_version).values_list("code", "statement")
    assert len(statements) == 23
    for code, statement in statements:
        assert _flat(f"{code} — {statement}") in text, code


def test_long_statements_take_a_smaller_type_or_a_second_page_but_are_never_cut(
    complete, django_capture_on_commit_callbacks
):
    tail = ("and records in the trainee's own words how the session was prepared, held, closed and "
            "reviewed with the consultant afterwards, including what would be done differently next time")
    version = complete.enrolment_a.framework_version
    for outcome in Outcome.objects.filter(version=version):
        # Straight to the rows: a published version refuses edits through the ORM's save.
        Outcome.objects.filter(pk=outcome.pk).update(statement=f"{outcome.statement} {tail} ({outcome.code})")
    certificate = _issue(complete, django_capture_on_commit_callbacks)
    data = certificate.pdf.read()
    text = _flat(pdf_text(data))
    assert "…" not in text
    for code, statement in Outcome.objects.filter(version=version).values_list("code", "statement"):
        assert _flat(f"{code} — {statement}") in text, code
    # The signatures and the statement still come once, after the list.
    assert text.count("This certificate recognises completion") == 1
    assert text.index("E2 — ") < text.index("Verify this certificate at")
    assert pdf_pages(data) <= 2


def _images_on(data: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(data)).pages)


def test_the_programs_signature_and_seal_are_on_the_certificate(complete, django_capture_on_commit_callbacks,
                                                                  settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    certificate = _issue(complete, django_capture_on_commit_callbacks)
    without = certificate_pdf(certificate)
    assert _images_on(without) == 0 and "For the program" in pdf_text(without)
    _with_images(certificate.enrolment.cohort.program)
    certificate = Certificate.objects.with_people().get(pk=certificate.pk)
    signed = certificate_pdf(certificate)
    assert _images_on(signed) == 2  # the signature and the seal (the QR code is drawn, not an image)
    assert "Dr. Helen Marsh, Program director" in pdf_text(signed)
    assert pdf_pages(signed) == 1


def test_a_missing_image_file_leaves_it_out_rather_than_failing(complete, django_capture_on_commit_callbacks,
                                                                settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    certificate = _issue(complete, django_capture_on_commit_callbacks)
    program = certificate.enrolment.cohort.program
    _with_images(program)
    program.seal_image.storage.delete(program.seal_image.name)
    certificate = Certificate.objects.with_people().get(pk=certificate.pk)
    assert _images_on(certificate_pdf(certificate)) == 1


@pytest.mark.parametrize("address", ["https://kapstone.example.org", "http://127.0.0.1:8123"])
def test_the_verify_address_is_the_sites_own(complete, django_capture_on_commit_callbacks, address):
    host = address.split("://", 1)[1]
    with override_settings(SITE_URL=address, CREDENTIAL_ISSUER_HOST=host):
        certificate = _issue(complete, django_capture_on_commit_callbacks)
        text = _flat(pdf_text(certificate.pdf.read()))
    assert f"Verify this certificate at {address}/verify/{certificate.verification_code}/" in text
    assert ":8000" not in text


def test_the_frame_and_signatures_fill_the_page(complete, django_capture_on_commit_callbacks):
    """The signing block sits at the foot of the page, not under the list with a third
    of the page empty below: its text is drawn in the bottom fifth of the page."""
    certificate = _issue(complete, django_capture_on_commit_callbacks)
    page = PdfReader(io.BytesIO(certificate.pdf.read())).pages[0]
    height = float(page.mediabox.height)
    found = {}

    def visit(text, cm, tm, font, size):
        for marker in ("Verify this certificate", "For the program", "This certificate recognises"):
            if marker in text:  # where it stands on the page, from the bottom edge up
                found[marker] = cm[1] * tm[4] + cm[3] * tm[5] + cm[5]

    page.extract_text(visitor_text=visit)
    assert set(found) == {"Verify this certificate", "For the program", "This certificate recognises"}
    assert all(y < height / 5 for y in found.values()), found


# --- The images are uploaded by a program admin, checked, and never served ---------


def _png_upload(name="signature.png"):
    return SimpleUploadedFile(name, signature_png().read(), content_type="image/png")


def _program_post(program, **files):
    data = {
        "name": program.name, "slug": program.slug, "summary": program.summary, "ce_hours": "150",
        "framework": program.framework_id or "", "knowledge_signoffs": "1", "competency_signoffs": "1",
        "session_min_minutes": "15", "session_max_minutes": "480", "pending_reminder_days": "7",
        "credential_valid_months": "", "signatory": "Dr. Helen Marsh, Program director",
    }
    data.update(files)
    return data


def test_a_program_admin_uploads_the_signature_and_seal(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    program = world.cohort.program
    client.force_login(world.admin)
    response = client.post(reverse("courses_program:edit", args=[program.pk]), _program_post(
        program, signature_image=_png_upload(), seal_image=SimpleUploadedFile("seal.png", seal_png().read()),
    ))
    assert response.status_code == 302, response.content.decode()[:2000]
    program.refresh_from_db()
    assert program.signature_image.name.startswith("programs/certificate-images/")
    assert program.seal_image and program.signatory == "Dr. Helen Marsh, Program director"
    # Stored, but not a public file: nothing routes /media/.
    client.logout()
    assert client.get(f"/media/{program.signature_image.name}").status_code == 404
    client.force_login(world.admin)
    assert client.get(f"/media/{program.signature_image.name}").status_code == 404


@pytest.mark.parametrize("upload, message", [
    (SimpleUploadedFile("signature.png", b"%PDF-1.4 not an image"), "Upload a PNG or JPEG image."),
    (SimpleUploadedFile("signature.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"), "Upload a PNG or JPEG image."),
    (SimpleUploadedFile("signature.png", signature_png().read() + b"\0" * (1024 * 1024)), "the limit is 1 MB"),
])
def test_a_file_that_is_not_a_small_png_or_jpeg_is_refused_beside_the_field(client, world, settings, tmp_path,
                                                                             upload, message):
    settings.MEDIA_ROOT = str(tmp_path)
    program = world.cohort.program
    client.force_login(world.admin)
    response = client.post(reverse("courses_program:edit", args=[program.pk]),
                           _program_post(program, signature_image=upload))
    assert response.status_code == 200 and message in response.content.decode()
    program.refresh_from_db()
    assert not program.signature_image and not list(tmp_path.rglob("*.*"))


def test_a_huge_image_is_refused(world):
    buffer = io.BytesIO()
    Image.new("1", (5000, 10)).save(buffer, format="PNG")
    program = world.cohort.program
    program.signature_image = ContentFile(buffer.getvalue(), name="wide.png")
    with pytest.raises(ValidationError, match="keep each side within 4000"):
        program.full_clean()
