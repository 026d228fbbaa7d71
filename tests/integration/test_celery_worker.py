"""A real Celery worker on Redis delivers what the app enqueues on PostgreSQL, and the
cache (allauth's rate limits among it) really is Redis."""

import datetime
import re

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from factories.accounts import PASSWORD, UserFactory
from jobs.models import Job
from jobs.services import enqueue
from notifications.tasks import send_email

pytestmark = [
    pytest.mark.integration,
    # Committed data (the worker reads it from its own connection); the flush at the end
    # of each test takes the migrations' rows (groups, Wagtail root) with it, so they are
    # restored for the next test.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_sign_up_email_is_delivered_by_the_worker_after_commit(client, celery_worker, wait_for_mail, eventually):
    from allauth.account.models import EmailAddress, EmailConfirmationHMAC

    address = "worker.check@kapstone.test"
    response = client.post(
        reverse("account_signup"),
        {"email": address, "password1": "a-long-pass-phrase", "password2": "a-long-pass-phrase",
         "full_name": "Worker Check"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("account_email_verification_sent")

    message = wait_for_mail(address)
    assert f"To: {address}" in message
    assert "Subject: [Kapstone] Please Confirm Your Email Address" in message
    link = re.search(r"https?://testserver(/accounts/confirm-email/([-:\w]+)/)", message)
    assert link, message
    # The key in the link confirms exactly this address…
    confirmation = EmailConfirmationHMAC.from_key(link.group(2))
    assert confirmation is not None and confirmation.email_address.email == address
    # …and following it (GET shows the form, POST confirms) verifies it.
    assert client.get(link.group(1)).status_code == 200
    client.post(link.group(1))
    assert EmailAddress.objects.get(email=address).verified
    eventually(lambda: Job.objects.filter(name=send_email.job_name, status=Job.Status.DONE).count() == 1,
               what="the e-mail job marked done")
    assert "jobs.tasks.run_job" in celery_worker.log_path.read_text()


def test_a_task_enqueued_in_a_rolled_back_transaction_is_never_sent(celery_worker, mail_dir, wait_for_mail):
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            enqueue(send_email, to=["rolled.back@kapstone.test"], subject="never", body="never")
            raise RuntimeError("roll back")
    with transaction.atomic():
        enqueue(send_email, to=["committed@kapstone.test"], subject="sent", body="after commit")
    # One worker, one queue, first in first out: once the later message has been
    # delivered, the rolled-back one would have been too, had it ever been queued.
    wait_for_mail("committed@kapstone.test")
    assert not any("rolled.back@kapstone.test" in p.read_text() for p in mail_dir.glob("*.log"))
    assert len(list(mail_dir.glob("*.log"))) == 1


def test_the_worker_renders_the_hours_pdf_into_the_same_database(client, celery_worker, worker_media, eventually):
    """A task that reads and writes the database: the worker uses the test database."""
    from competencies.services import framework_load_bundled
    from consultation import services
    from consultation.models import HoursExport
    from factories.courses import EnrolmentFactory, TrainerAssignmentFactory

    version = framework_load_bundled()  # its experience outcomes: E1, E2
    trainee = UserFactory(roles=["Trainee"])
    enrolment = EnrolmentFactory(
        trainee=trainee, framework_version=version, cohort__program__framework=version.framework
    )
    trainer = UserFactory(roles=["Trainer"])
    TrainerAssignmentFactory(trainer=trainer, trainee=trainee, cohort=enrolment.cohort)
    session = services.session_log(
        actor=trainee, enrolment=enrolment, trainer=trainer,
        date=timezone.localdate() - datetime.timedelta(days=1), minutes=60, category="E1",
    )
    services.session_confirm(trainer=trainer, session=session, revision=1)

    client.force_login(trainee)
    client.post(reverse("consultation:export_pdf"))
    export = HoursExport.objects.get(enrolment=enrolment)
    eventually(
        lambda: HoursExport.objects.filter(pk=export.pk, completed_at__isnull=False).exists(),
        what="the worker marking the export complete",
    )
    export.refresh_from_db()
    assert (worker_media / export.file.name).read_bytes().startswith(b"%PDF")
    response = client.get(reverse("consultation:export_download", args=[export.pk]))
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert Job.objects.get(name="consultation.tasks.render_hours_pdf").status == Job.Status.DONE


def test_the_cache_is_redis(settings):
    import redis
    from django.core.cache import cache

    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert settings.CACHES["default"]["LOCATION"] == settings.REDIS_URL
    cache.set("integration-probe", "from-django", 60)
    raw = redis.Redis.from_url(settings.REDIS_URL)
    keys = [k.decode() for k in raw.scan_iter(match="*integration-probe*")]
    assert keys and all(k.startswith("kapstone:") for k in keys), keys


def test_login_delays_are_per_account_and_address_and_live_in_redis(settings):
    """6 wrong passwords for one account from one address: the right password from
    there is asked to wait (429), from the owner's own address it signs in, and the
    counts are in Redis: dropping them there (not through Django) lifts the wait."""
    import redis

    user = UserFactory(email="limited.integration@kapstone.test")
    login = reverse("account_login")

    def attempt(password, ip):
        return Client(REMOTE_ADDR=ip).post(login, {"login": user.email, "password": password})

    for _ in range(6):
        response = attempt("wrong-password", "198.51.100.1")
        assert not response.wsgi_request.user.is_authenticated
    assert response.status_code == 429 and int(response["Retry-After"]) > 0

    refused = attempt(PASSWORD, "198.51.100.1")
    assert refused.status_code == 429 and not refused.wsgi_request.user.is_authenticated
    assert attempt(PASSWORD, "203.0.113.7").wsgi_request.user.is_authenticated

    raw = redis.Redis.from_url(settings.REDIS_URL)
    counts = list(raw.scan_iter(match="kapstone:*login-throttle*198.51.100.1"))
    assert counts, sorted(k.decode() for k in raw.scan_iter())
    raw.delete(*counts)
    assert attempt(PASSWORD, "198.51.100.1").wsgi_request.user.is_authenticated
