"""The e-mail job moved from ``accounts.tasks`` to ``notifications.tasks``: messages
still waiting (or failed, for an admin's retry) when the migration runs follow it, and
stay sealed."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from jobs.models import Job
from jobs.registry import resolve
from notifications.tasks import send_email

# serialized_rollback: as in the other migration tests, so the flush after this one does
# not re-create the roles (post_migrate) under the next test's restored copy of them.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


def test_waiting_mail_jobs_follow_the_job_to_its_new_name():
    old_apps = _migrate(("jobs", "0002_sealed_payloads"))
    try:
        OldJob = old_apps.get_model("jobs", "Job")
        waiting = OldJob.objects.create(name="accounts.tasks.send_email", sealed="token-1")
        failed = OldJob.objects.create(name="accounts.tasks.send_email", sealed="token-2",
                                       status="failed")
        other = OldJob.objects.create(name="certificates.tasks.render_certificate_pdf",
                                      kwargs={"certificate_id": 1})
    finally:
        _migrate(("jobs", "0003_mail_job_moved"))
    assert send_email.job_name == "notifications.tasks.send_email"
    for pk, sealed in ((waiting.pk, "token-1"), (failed.pk, "token-2")):
        job = Job.objects.get(pk=pk)
        assert job.name == send_email.job_name and job.sealed == sealed
        assert resolve(job.name) is send_email
    assert Job.objects.get(pk=other.pk).name == "certificates.tasks.render_certificate_pdf"
    with pytest.raises(LookupError):
        resolve("accounts.tasks.send_email")
