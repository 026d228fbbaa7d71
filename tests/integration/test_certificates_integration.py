"""Issuing on PostgreSQL with a real worker: one certificate and one e-mail, however
many admins, clicks and retried tasks race for it."""

import re

import pytest

from certificates.models import Certificate

from test_postgres_races import race  # same folder (pytest's rootdir imports)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def delivered(mail_dir) -> list[str]:
    return [p.read_text(errors="replace") for p in sorted(mail_dir.glob("*.log"))]


def test_twenty_parallel_issue_attempts_give_one_certificate_and_one_email(
    complete, celery_worker, mail_dir, wait_for_mail, worker_media, eventually
):
    from certificates.services import certificate_issue

    outcomes = race(*[
        lambda: certificate_issue(actor=complete.admin, enrolment=complete.enrolment_a)
        for _ in range(20)
    ])
    assert all(kind == "ok" for kind, _ in outcomes), outcomes
    created = [result[1] for _, result in outcomes]
    assert created.count(True) == 1, created
    assert len({result[0].pk for _, result in outcomes}) == 1
    certificate = Certificate.objects.get()
    wait_for_mail(certificate.serial)
    # The PDF, rendered by the worker after commit, lands in the shared storage.
    eventually(lambda: Certificate.objects.exclude(pdf="").exists(), what="the worker's PDF")
    certificate.refresh_from_db()
    assert (worker_media / certificate.pdf.name).read_bytes().startswith(b"%PDF")
    mails = [m for m in delivered(mail_dir) if "Your certificate" in m]
    assert len(mails) == 1, mails


def test_a_retried_issue_task_on_the_worker_finds_the_live_certificate(
    complete, celery_worker, mail_dir, wait_for_mail, eventually
):
    from certificates.tasks import issue_certificate

    for _ in range(3):
        issue_certificate.delay(complete.enrolment_a.pk, complete.admin.pk)
    eventually(
        lambda: len(re.findall(r"issue_certificate\[[^\]]+\] succeeded",
                               celery_worker.log_path.read_text())) == 3,
        what="three issue tasks finished by the worker",
    )
    assert Certificate.objects.count() == 1
    wait_for_mail(Certificate.objects.get().serial)
    assert len([m for m in delivered(mail_dir) if "Your certificate" in m]) == 1
