"""Background jobs: recorded with the change that needs them, run once, retried a few
times, then left failed where admins see them."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from audit.models import AuditEvent
from jobs import services
from jobs.models import Job
from jobs.registry import job
from notifications.tasks import send_email

pytestmark = pytest.mark.django_db

CALLS: list[dict] = []


@job
def record_call(**kwargs):
    CALLS.append(kwargs)


@job
def always_fails(*, reason: str):
    CALLS.append({"reason": reason})
    raise RuntimeError(reason)


@pytest.fixture(autouse=True)
def _calls():
    CALLS.clear()
    yield
    CALLS.clear()


def test_a_job_runs_once_after_commit_and_is_marked_done(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        recorded = services.enqueue(send_email, to=["a@kapstone.test"], subject="Hello", body="Body")
        assert mail.outbox == []  # nothing before commit
    recorded.refresh_from_db()
    assert recorded.status == Job.Status.DONE and recorded.attempts == 1
    assert [m.subject for m in mail.outbox] == ["Hello"]


def test_a_job_named_by_services_runs_as_the_function_would(django_capture_on_commit_callbacks):
    # Services name the jobs of their own app's tasks module (which imports them).
    with django_capture_on_commit_callbacks(execute=True):
        recorded = services.enqueue(
            "notifications.tasks.send_email", to=["a@kapstone.test"], subject="Named", body="Body"
        )
    recorded.refresh_from_db()
    assert recorded.name == send_email.job_name and recorded.status == Job.Status.DONE
    assert [m.subject for m in mail.outbox] == ["Named"]


@pytest.mark.parametrize("name", ["notifications.tasks.no_such_job", "jobs.services.sweep", "nowhere"])
def test_a_name_that_is_not_a_job_is_refused_when_enqueued_and_records_nothing(name):
    with pytest.raises(LookupError, match="job"):
        services.enqueue(name, whatever=1)
    assert not Job.objects.exists()


def test_a_job_enqueued_in_a_rolled_back_transaction_leaves_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            services.enqueue(record_call, n=1)
            raise RuntimeError("roll back")
    assert not Job.objects.exists() and CALLS == []


def test_a_second_delivery_of_a_finished_job_does_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        recorded = services.enqueue(record_call, n=1)
    assert services.run(recorded.pk) == (services.Outcome.SKIPPED, None)
    assert CALLS == [{"n": 1}]


def test_a_failing_job_is_tried_three_times_then_left_failed_and_audited():
    recorded = Job.objects.create(name=always_fails.job_name, kwargs={"reason": "SMTP said no"})
    outcomes = [services.run(recorded.pk)[0] for _ in range(4)]
    assert outcomes == [services.Outcome.RETRY, services.Outcome.RETRY, services.Outcome.FAILED,
                        services.Outcome.SKIPPED]
    recorded.refresh_from_db()
    assert recorded.status == Job.Status.FAILED and recorded.attempts == 3
    assert recorded.last_error == "RuntimeError: SMTP said no"
    assert len(CALLS) == 3  # the fourth delivery did not run it again
    assert AuditEvent.objects.filter(verb="job.failed", target_id=str(recorded.pk)).count() == 1


def test_in_process_the_retries_happen_at_once_and_the_last_error_surfaces(django_capture_on_commit_callbacks):
    with pytest.raises(RuntimeError, match="still broken"):
        with django_capture_on_commit_callbacks(execute=True):
            recorded = services.enqueue(always_fails, reason="still broken")
    recorded.refresh_from_db()
    assert recorded.status == Job.Status.FAILED and recorded.attempts == 3 and len(CALLS) == 3


def test_a_job_lost_with_its_worker_on_every_attempt_ends_failed_without_running_again():
    recorded = Job.objects.create(name=record_call.job_name, kwargs={}, status=Job.Status.RUNNING, attempts=3)
    assert services.run(recorded.pk)[0] == services.Outcome.FAILED
    recorded.refresh_from_db()
    assert recorded.status == Job.Status.FAILED and "worker running it was lost" in recorded.last_error
    assert CALLS == []


def test_only_functions_marked_as_jobs_run():
    recorded = Job.objects.create(name="os.system", kwargs={"command": "true"})
    for _ in range(3):
        services.run(recorded.pk)
    recorded.refresh_from_db()
    assert recorded.status == Job.Status.FAILED
    assert recorded.last_error == "LookupError: 'os.system' is not marked @job."
    with pytest.raises(TypeError, match="not marked @job"):
        services.enqueue(print, value=1)


def test_the_sweep_sends_what_the_broker_never_got_and_what_a_lost_worker_dropped(settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.JOBS_PENDING_GRACE = 10
    settings.JOBS_STALE_AFTER = 300
    old = timezone.now() - timedelta(minutes=30)
    never_sent = Job.objects.create(name=record_call.job_name, kwargs={"n": "pending"}, created_at=old)
    lost = Job.objects.create(name=record_call.job_name, kwargs={"n": "lost"}, created_at=old,
                              status=Job.Status.RUNNING, attempts=1, started_at=old)
    just_made = Job.objects.create(name=record_call.job_name, kwargs={"n": "new"})
    in_the_queue = Job.objects.create(name=record_call.job_name, kwargs={"n": "queued"},
                                      status=Job.Status.QUEUED, queued_at=timezone.now())
    assert services.sweep() == {"due": 2, "sent": 2, "forgotten": 0}
    assert sorted(c["n"] for c in CALLS) == ["lost", "pending"]
    statuses = dict(Job.objects.values_list("pk", "status"))
    assert statuses[never_sent.pk] == statuses[lost.pk] == Job.Status.DONE
    assert statuses[just_made.pk] == Job.Status.PENDING and statuses[in_the_queue.pk] == Job.Status.QUEUED


def test_old_finished_jobs_are_forgotten_failed_ones_are_kept(settings):
    from datetime import timedelta

    from django.utils import timezone

    long_ago = timezone.now() - timedelta(days=settings.JOBS_KEEP_DONE_DAYS + 1)
    Job.objects.create(name=record_call.job_name, status=Job.Status.DONE, finished_at=long_ago)
    failed = Job.objects.create(name=record_call.job_name, status=Job.Status.FAILED, finished_at=long_ago)
    assert services.sweep()["forgotten"] == 1
    assert list(Job.objects.values_list("pk", flat=True)) == [failed.pk]


def test_admins_see_failed_jobs_with_the_error_and_can_retry_them(world, login, django_capture_on_commit_callbacks):
    failed = Job.objects.create(name=record_call.job_name, kwargs={"n": 7}, status=Job.Status.FAILED,
                                attempts=3, last_error="ConnectionRefusedError: [Errno 111]")
    client = login(world.admin)
    page = client.get(reverse("jobs:list")).content.decode()
    assert f"Record call #{failed.pk}" in page and "ConnectionRefusedError: [Errno 111]" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("jobs:retry", args=[failed.pk]), follow=True)
    assert "will be tried again" in response.content.decode()
    failed.refresh_from_db()
    assert failed.status == Job.Status.DONE and failed.attempts == 1 and CALLS == [{"n": 7}]
    assert AuditEvent.objects.filter(verb="job.retried", actor=world.admin).count() == 1
    # A job that has not failed is not retried.
    with pytest.raises(ValidationError):
        services.job_retry(actor=world.admin, job=failed)
    response = client.post(reverse("jobs:retry", args=[failed.pk]), follow=True)
    assert "Only a failed job can be retried." in response.content.decode()


def test_the_jobs_page_runs_a_fixed_number_of_queries(world, login, django_assert_num_queries):
    client = login(world.admin)
    client.get(reverse("jobs:list"))  # the site is remembered from then on (cms/sites.py)
    for size in (2, 20):
        Job.objects.all().delete()
        for i in range(size):
            Job.objects.create(name=record_call.job_name, kwargs={"n": i},
                               status=Job.Status.FAILED if i % 2 else Job.Status.PENDING)
        with django_assert_num_queries(6):
            response = client.get(reverse("jobs:list"))
        assert response.content.decode().count("Record call #") == size
