"""E-mail payloads are sealed while they wait and forgotten once sent (penetration
test, issue 17, finding 9): password-reset links and every e-mail body stayed readable
in jobs_job.kwargs for 30 days, in the database and its backups.
"""

import re

import pytest
from cryptography.fernet import Fernet
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from factories.accounts import UserFactory
from jobs import services
from jobs.models import Job
from notifications.tasks import send_email

pytestmark = pytest.mark.django_db

SECRET = "https://kapstone.test/accounts/password/reset/key/x-secret-token/"


def _database_text() -> str:
    """Everything the database holds, as a backup of it would: the SQL dump."""
    return "\n".join(connection.connection.iterdump())


def _raw_job_rows() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM jobs_job")
        return repr(cursor.fetchall())


def test_a_password_reset_link_is_never_stored_readable(client, django_capture_on_commit_callbacks):
    user = UserFactory(email="known@kapstone.test")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("account_reset_password"), {"email": user.email})
    # Waiting for the worker: the row says which job, not to whom or what.
    job = Job.objects.get(name=send_email.job_name)
    waiting = _raw_job_rows()
    assert user.email not in waiting and "reset" not in waiting.lower()
    assert job.kwargs == {} and job.sealed
    for callback in callbacks:
        callback()
    [message] = mail.outbox
    link = re.search(r"https?://\S+/password/reset/key/\S+", message.body).group(0)
    assert link not in waiting
    # Sent: the payload is gone, so neither the database nor a backup of it holds it.
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.sealed == "" and job.kwargs == {}
    dump = _database_text()
    assert link not in dump and link.rsplit("/", 2)[-2] not in dump


def test_every_mail_body_is_sealed_while_it_waits(world, django_capture_on_commit_callbacks):
    from jobs.services import enqueue

    with django_capture_on_commit_callbacks(execute=False):
        job = enqueue(send_email, to=["someone@kapstone.test"], subject="Hello", body=SECRET)
    assert SECRET not in _raw_job_rows() and "someone@" not in _raw_job_rows()
    assert job.arguments() == {"to": ["someone@kapstone.test"], "subject": "Hello", "body": SECRET}


def test_a_failed_send_is_retried_with_its_payload_and_forgets_it_once_sent(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    from jobs.services import enqueue

    calls = []
    deliver = EmailBackend.send_messages

    def flaky(self, messages):
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("SMTP went away")
        return deliver(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", flaky)
    with django_capture_on_commit_callbacks(execute=True):
        job = enqueue(send_email, to=["someone@kapstone.test"], subject="Hello", body=SECRET)
    job.refresh_from_db()
    assert len(calls) == 2 and mail.outbox[0].body == SECRET
    assert (job.status, job.attempts, job.sealed) == (Job.Status.DONE, 2, "")


def test_a_failed_job_keeps_its_sealed_payload_for_the_admins_retry(
    world, monkeypatch, settings, django_capture_on_commit_callbacks
):
    from jobs.services import enqueue

    settings.JOBS_MAX_ATTEMPTS = 1
    monkeypatch.setattr(EmailBackend, "send_messages", lambda self, m: (_ for _ in ()).throw(ConnectionError("down")))
    with pytest.raises(ConnectionError), django_capture_on_commit_callbacks(execute=True):
        enqueue(send_email, to=["someone@kapstone.test"], subject="Hello", body=SECRET)
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED and job.sealed and SECRET not in _raw_job_rows()
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        services.job_retry(actor=world.admin, job=job)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.sealed == ""
    assert mail.outbox[0].body == SECRET


def test_rotating_the_notes_key_reseals_waiting_payloads(world, settings, django_capture_on_commit_callbacks):
    from jobs.services import enqueue

    with django_capture_on_commit_callbacks(execute=False):
        job = enqueue(send_email, to=["someone@kapstone.test"], subject="Hello", body=SECRET)
    new_key = Fernet.generate_key().decode()
    settings.NOTES_ENCRYPTION_KEYS = [new_key, *settings.NOTES_ENCRYPTION_KEYS]
    call_command("rotate_notes_key")
    settings.NOTES_ENCRYPTION_KEYS = [new_key]  # the old key can now be dropped
    job.refresh_from_db()
    assert job.arguments()["body"] == SECRET


def test_jobs_that_carry_only_ids_stay_readable(world, django_capture_on_commit_callbacks):
    """A PDF job names a certificate id: nothing secret, and the jobs page and the
    benchmark read it."""
    from certificates.tasks import render_certificate_pdf
    from jobs.services import enqueue

    with django_capture_on_commit_callbacks(execute=False):
        job = enqueue(render_certificate_pdf, certificate_id=7)
    assert job.kwargs == {"certificate_id": 7} and job.sealed == ""
