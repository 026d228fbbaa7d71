"""Two app processes share their files through one S3-compatible bucket (issue 18, item 7).

moto's standalone server runs in its own process on a free loopback port; two gunicorn
processes on the test database and Redis are configured for the same bucket. A file one
process writes is served by the other, byte for byte, through the permission-checked
views; the bucket itself refuses anyone without credentials."""

import hashlib
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import psycopg
import pytest
import requests
from django.conf import global_settings, settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from wagtail.documents import get_document_model

from certificates.services import certificate_issue, certificate_pdf_render
from competencies.models import EvidenceItem
from competencies.services import evidence_add
from config.celery import app as celery_app
from factories.accounts import PASSWORD
from tests.s3_server import S3Server, storages_for

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
BUCKET = "kapstone-shared-files"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _production_hasher(settings):
    """The app processes run the base settings, which do not read the fast test hasher's
    hashes: users made here get production ones."""
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS


@pytest.fixture
def s3(tmp_path):
    server = S3Server(tmp_path / "moto.log")
    yield server
    server.stop()


@pytest.fixture
def bucket(s3, settings):
    """The bucket, and this test process pointed at it too (to look at what is stored)."""
    env = s3.bucket(BUCKET)
    settings.STORAGES = storages_for(env)
    return env


@pytest.fixture
def two_apps(start_app_server, bucket):
    """Processes A and B, each its own gunicorn, both storing files in the bucket."""
    return start_app_server(**bucket), start_app_server(**bucket)


def _signed_in(app, email: str) -> requests.Session:
    browser = requests.Session()
    login = f"{app.url}/accounts/login/"
    browser.get(login, timeout=30).raise_for_status()  # the CSRF cookie
    answer = browser.post(login, data={"login": email, "password": PASSWORD,
                                       "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
                          allow_redirects=False, timeout=30)
    assert answer.status_code == 302 and answer.headers["Location"] == "/home/", answer.text[:500]
    return browser


def _download(browser: requests.Session, app, path: str) -> bytes:
    answer = browser.get(f"{app.url}{path}", allow_redirects=False, timeout=60)
    # Streamed by the view itself, never a redirect to the bucket.
    assert answer.status_code == 200, (answer.status_code, answer.headers.get("Location"))
    assert answer.headers["Content-Disposition"].startswith("attachment")
    assert answer.headers["Cache-Control"] == "private, no-store"
    return answer.content


def _anonymous_get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def test_evidence_uploaded_through_one_process_is_downloaded_through_the_other(
    two_apps, world, curriculum, s3
):
    app_a, app_b = two_apps
    content = b"%PDF-1.4\n% supervision notes\n" + hashlib.sha256(b"kapstone").digest() * 512

    trainee = _signed_in(app_a, world.trainee_a.email)
    page = reverse("competencies:my_outcome", args=[world.enrolment_a.pk, "K1"])
    trainee.get(f"{app_a.url}{page}", timeout=30).raise_for_status()
    answer = trainee.post(
        f"{app_a.url}{page}",
        data={"action": "evidence", "kind": "file", "title": "Supervision notes",
              "csrfmiddlewaretoken": trainee.cookies["csrftoken"]},
        files={"file": ("supervision-notes.pdf", content, "application/pdf")},
        allow_redirects=False, timeout=60,
    )
    assert answer.status_code == 302, answer.text[:1000]
    item = EvidenceItem.objects.get(enrolment=world.enrolment_a, kind="file")

    # In the bucket, nowhere on disk; and process B serves it to the same signed-in trainee.
    assert s3.objects(BUCKET) == {item.file.name: content}
    url = reverse("competencies:evidence_file", args=[item.pk])
    assert _download(trainee, app_b, url) == content

    # Process B checks permissions as A would: another trainee gets a 404, nobody a file.
    other = _signed_in(app_b, world.trainee_b.email)
    assert other.get(f"{app_b.url}{url}", allow_redirects=False, timeout=30).status_code == 404
    anonymous = requests.get(f"{app_b.url}{url}", allow_redirects=False, timeout=30)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous.headers["Location"]

    # The object itself is private: an unsigned request to the bucket is refused, where
    # an object someone made public (the control) is not.
    assert _anonymous_get(f"{s3.url}/{BUCKET}/{item.file.name}") == 403
    s3.client.put_object(Bucket=BUCKET, Key="control/public.txt", Body=b"public", ACL="public-read")
    assert _anonymous_get(f"{s3.url}/{BUCKET}/control/public.txt") == 200


def test_a_certificate_pdf_written_by_one_process_is_served_by_the_other(two_apps, complete, s3):
    app_a, app_b = two_apps
    certificate, created = certificate_issue(actor=complete.admin, enrolment=complete.enrolment_a)
    assert created and not certificate.pdf  # its rendering waits for a worker; there is none
    celery_app.control.purge()

    trainee = _signed_in(app_a, complete.trainee_a.email)
    url = reverse("certificates:pdf", args=[certificate.pk])
    # Process A renders the missing PDF into the bucket as it serves it ...
    from_a = _download(trainee, app_a, url)
    assert from_a.startswith(b"%PDF")
    certificate.refresh_from_db()
    stored = s3.objects(BUCKET)
    assert stored == {certificate.pdf.name: from_a}
    assert certificate.pdf.name == f"certificates/{certificate.issued_at:%Y}/{certificate.verification_code}.pdf"
    # ... and process B serves that same file (it renders nothing: the object is unchanged).
    assert _download(trainee, app_b, url) == from_a
    assert s3.objects(BUCKET) == stored
    assert default_storage.exists(certificate.pdf.name)
    assert _anonymous_get(f"{s3.url}/{BUCKET}/{certificate.pdf.name}") == 403


def test_the_app_process_refuses_to_start_with_a_half_given_bucket(tmp_path, s3, start_app_server):
    with pytest.raises(RuntimeError, match=re.escape(
        "Set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither"
    )):
        start_app_server(AWS_STORAGE_BUCKET_NAME=BUCKET, AWS_S3_ENDPOINT_URL=s3.url,
                         AWS_ACCESS_KEY_ID="only-half", AWS_SECRET_ACCESS_KEY="")


@pytest.fixture
def restored_database():
    """A new, empty PostgreSQL database beside the test one, dropped afterwards."""
    db = settings.DATABASES["default"]
    name = db["NAME"].removeprefix("test_") + "_storage_restored"
    admin = psycopg.connect(dbname="postgres", user=db["USER"] or None, password=db["PASSWORD"] or None,
                            host=db["HOST"] or None, port=db["PORT"] or None, autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def test_backup_of_a_bucket_on_postgresql_restores_into_a_new_database_and_bucket(
    complete, bucket, s3, restored_database, tmp_path
):
    """Every stored file the site wrote into the bucket (evidence, the certificate PDF, a
    Wagtail document) is backed up from it and restored into another bucket."""
    item = evidence_add(actor=complete.trainee_a, enrolment=complete.enrolment_a, outcome_code="K2",
                        kind="file", upload=SimpleUploadedFile("reflection.txt", b"A reflection.\n"))
    certificate, _ = certificate_issue(actor=complete.admin, enrolment=complete.enrolment_a)
    celery_app.control.purge()
    certificate = certificate_pdf_render(certificate.pk)
    document = get_document_model().objects.create(
        title="Consent form", file=ContentFile(b"%PDF-1.4 consent", name="consent.pdf"))
    stored = s3.objects(BUCKET)
    assert set(stored) == {item.file.name, certificate.pdf.name, document.file.name}

    backup = tmp_path / "backup"
    call_command("backup", str(backup))
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["database"]["vendor"] == "postgresql"
    assert manifest["storage"] == f"The bucket {BUCKET}"
    assert {f["path"] for f in manifest["files"] if f["referenced"]} == set(stored)

    target = s3.bucket(f"{BUCKET}-restored")
    db = settings.DATABASES["default"]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
           "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
                           f"{restored_database}",
           "REDIS_URL": settings.REDIS_URL, "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
           "MEDIA_ROOT": str(tmp_path / "no-media"), **target}
    restore = subprocess.run([sys.executable, "manage.py", "restore", str(backup)], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=300)
    assert restore.returncode == 0, restore.stderr
    assert f"{len(stored)} files" in restore.stdout
    assert s3.objects(f"{BUCKET}-restored") == stored
    assert not (tmp_path / "no-media").exists()
