"""Issuing on PostgreSQL with a real worker: one certificate and one e-mail, however
many admins, clicks and retried tasks race for it."""


import pytest

from certificates.models import Certificate, LostSerial, SerialCounter
from support import delivered  # same folder (pytest's rootdir imports)
from test_postgres_races import race

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


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
    # Each attempt took its serial in a transaction of its own, before the enrolment's
    # lock decided; the losers' serials are on record, so every number is accounted for.
    taken = SerialCounter.objects.get(year=certificate.issued_at.year).last
    lost = set(LostSerial.objects.values_list("serial", flat=True))
    assert len(lost) == taken - 1 and certificate.serial not in lost
    assert all("completed first" in reason for reason in LostSerial.objects.values_list("reason", flat=True))
    wait_for_mail(certificate.serial)
    # The PDF, rendered by the worker after commit, lands in the shared storage.
    eventually(lambda: Certificate.objects.exclude(pdf="").exists(), what="the worker's PDF")
    certificate.refresh_from_db()
    assert (worker_media / certificate.pdf.name).read_bytes().startswith(b"%PDF")
    mails = [m for m in delivered(mail_dir) if "Your certificate" in m]
    assert len(mails) == 1, mails


def test_repeated_issue_jobs_and_duplicate_deliveries_give_one_certificate_and_one_email(
    complete, celery_worker, mail_dir, wait_for_mail, eventually
):
    """Three admins' clicks (three jobs), and one job's message delivered three times."""
    from certificates.tasks import issue_certificate
    from jobs.models import Job
    from jobs.services import enqueue
    from jobs.tasks import run_job

    jobs = [enqueue(issue_certificate, enrolment_id=complete.enrolment_a.pk, actor_id=complete.admin.pk)
            for _ in range(3)]
    for _ in range(2):
        run_job.apply_async(args=[jobs[0].pk])  # the broker handing the same job over again
    eventually(
        lambda: Job.objects.filter(name=issue_certificate.job_name, status=Job.Status.DONE).count() == 3,
        what="three issue jobs done",
    )
    # One worker, first in first out: the PDF job was queued after both duplicates.
    eventually(lambda: Job.objects.filter(name="certificates.tasks.render_certificate_pdf",
                                          status=Job.Status.DONE).count() == 1, what="the PDF job")
    assert Certificate.objects.count() == 1
    assert Job.objects.get(pk=jobs[0].pk).attempts == 1  # the duplicates did not run it again
    wait_for_mail(Certificate.objects.get().serial)
    assert len([m for m in delivered(mail_dir) if "Your certificate" in m]) == 1
    # Sent mail leaves nothing readable behind: its sealed payload is forgotten.
    mail_jobs = Job.objects.filter(name="notifications.tasks.send_email")
    assert mail_jobs.exists() and all(job.kwargs == {} for job in mail_jobs)
    assert not mail_jobs.filter(status=Job.Status.DONE).exclude(sealed="").exists()
