"""Enqueue, dispatch, run and sweep background jobs.

``enqueue`` writes the job in the caller's transaction and hands it to the broker after
commit. If the broker is down the job simply stays *pending*; the sweeper (Celery beat,
and every worker as it starts) hands it over once the broker is back. Each attempt runs
while holding the job's row lock and marks it done in the same transaction, so a message
delivered twice (a retried publish, a sweep, a worker killed and its message restored)
runs the work once. A job that fails ``max_attempts`` times ends *failed*, on the admins'
jobs page, and is not tried again unless an admin says so.
"""

import logging
from collections.abc import Callable, Iterable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from audit.services import audit_record
from core.crypto import cipher

from .models import Job
from .registry import resolve

logger = logging.getLogger(__name__)

# What "the broker is unreachable" looks like from a publish with retries off.
try:
    from kombu.exceptions import OperationalError as _BrokerError
except ImportError:  # pragma: no cover - kombu comes with Celery
    _BrokerError = OSError
_BROKER_DOWN = (_BrokerError, ConnectionError, OSError)


# The Celery task that runs one attempt of a job. Named, not imported: tasks are the
# worker's edge and import services, never the other way (README, Architecture).
RUN_JOB_TASK = "jobs.tasks.run_job"


def enqueue(func: Callable | str, *, max_attempts: int | None = None, **kwargs) -> Job:
    """Record ``func(**kwargs)`` to run after the current transaction commits.

    ``func`` is a function marked ``@job``, or its dotted name (how services name the
    jobs in their own app's tasks module, which imports them); a name that is not a
    job is refused here, not when a worker gets it. ``kwargs`` must be
    JSON-serialisable. Nothing is recorded (and nothing runs) if the transaction rolls
    back.
    """
    if isinstance(func, str):
        func = resolve(func)
    name = getattr(func, "job_name", None)
    if name is None:
        raise TypeError(f"{func!r} is not marked @job.")
    sealed = getattr(func, "job_sealed", False)
    job = Job.objects.create(
        name=name, kwargs={} if sealed else kwargs, sealed=Job.seal(kwargs) if sealed else "",
        max_attempts=max_attempts or settings.JOBS_MAX_ATTEMPTS,
    )
    transaction.on_commit(lambda: dispatch([job.pk]))
    return job


def dispatch(job_ids: Iterable[int]) -> int:
    """Hand jobs to the broker; returns how many were handed over. Stops at the first
    broker error: those not sent stay pending for the sweeper."""
    run_job = import_string(RUN_JOB_TASK)
    sent = 0
    for job in Job.objects.filter(pk__in=list(job_ids), status__in=(Job.Status.PENDING, Job.Status.QUEUED)):
        Job.objects.filter(pk=job.pk, status__in=(Job.Status.PENDING, Job.Status.QUEUED)).update(
            status=Job.Status.QUEUED, queued_at=timezone.now(),
        )
        if settings.CELERY_TASK_ALWAYS_EAGER:
            # In-process (development, fast tests): run now and let errors surface.
            run_job.apply(args=[job.pk], task_id=str(job.uuid), throw=True)
            sent += 1
            continue
        try:
            # No publish retries: a request must not hang on a dead broker.
            run_job.apply_async(args=[job.pk], task_id=str(job.uuid), retry=False)
        except _BROKER_DOWN as exc:
            Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(status=Job.Status.PENDING)
            logger.warning("Broker unavailable (%s); job %s stays pending until the sweeper runs.",
                           exc.__class__.__name__, job.pk)
            break
        sent += 1
    return sent


class Outcome:
    DONE, SKIPPED, RETRY, FAILED = "done", "skipped", "retry", "failed"


def run(job_id: int) -> tuple[str, BaseException | None]:
    """One attempt at a job. Returns ``(outcome, error)``; the caller (the Celery task)
    schedules the retry."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status in (Job.Status.DONE, Job.Status.FAILED):
            return Outcome.SKIPPED, None  # a duplicate delivery, or an admin-deleted job
        if job.attempts >= job.max_attempts:
            # Every attempt so far was lost with its worker (killed, out of memory).
            _fail(job, f"Gave up after {job.attempts} attempts; the worker running it was lost.")
            return Outcome.FAILED, None
        job.status = Job.Status.RUNNING
        job.attempts += 1
        job.started_at = timezone.now()
        job.save(update_fields=["status", "attempts", "started_at"])
    try:
        func = resolve(job.name)
        with transaction.atomic():
            # Held until the work commits: a second delivery waits here, then skips.
            locked = Job.objects.select_for_update().get(pk=job_id)
            if locked.status == Job.Status.DONE:
                return Outcome.SKIPPED, None
            func(**locked.arguments())
            # A sealed payload is forgotten with the work done (in the same commit): a
            # sent message's links and body do not wait in the table, nor in backups.
            Job.objects.filter(pk=job_id).update(
                status=Job.Status.DONE, finished_at=timezone.now(), last_error="", sealed="",
            )
        return Outcome.DONE, None
    except Exception as exc:  # noqa: BLE001 - every failure is recorded, then retried or failed
        error = f"{exc.__class__.__name__}: {exc}"[:2000]
        job.refresh_from_db()
        if job.attempts >= job.max_attempts:
            _fail(job, error)
            return Outcome.FAILED, exc
        Job.objects.filter(pk=job_id).update(
            status=Job.Status.QUEUED, queued_at=timezone.now(), last_error=error,
        )
        logger.warning("Job %s (%s) attempt %s/%s failed: %s",
                       job_id, job.name, job.attempts, job.max_attempts, error)
        return Outcome.RETRY, exc


def _fail(job: Job, error: str) -> None:
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.FAILED, finished_at=timezone.now(), last_error=error,
    )
    logger.error("Job %s (%s) failed after %s attempts: %s", job.pk, job.name, job.attempts, error)
    audit_record(verb="job.failed", target=job, details={
        "job": job.name, "attempts": job.attempts, "error": error[:500],
    })


def retry_delay(attempts: int) -> float:
    """Seconds before the next attempt: the configured delay, doubling each time."""
    return settings.JOBS_RETRY_DELAY * (2 ** max(attempts - 1, 0))


def sweep() -> dict[str, int]:
    """Hand over what the broker never got (pending past a grace period) or lost (queued
    or running, unlocked, past the stale limit); forget old finished jobs."""
    now = timezone.now()
    grace = now - timedelta(seconds=settings.JOBS_PENDING_GRACE)
    stale = now - timedelta(seconds=settings.JOBS_STALE_AFTER)
    with transaction.atomic():
        # skip_locked: a running attempt holds its row, so it is never swept from under it.
        due = list(
            Job.objects.select_for_update(skip_locked=True)
            .filter(
                Q(status=Job.Status.PENDING, created_at__lt=grace)
                | Q(status=Job.Status.QUEUED, queued_at__lt=stale)
                | Q(status=Job.Status.RUNNING, started_at__lt=stale)
            )
            .order_by("pk")
            .values_list("pk", flat=True)[: settings.JOBS_SWEEP_BATCH]
        )
        Job.objects.filter(pk__in=due).update(status=Job.Status.PENDING)
    sent = dispatch(due) if due else 0
    forgotten, _ = Job.objects.filter(
        status=Job.Status.DONE, finished_at__lt=now - timedelta(days=settings.JOBS_KEEP_DONE_DAYS),
    ).delete()
    if due:
        logger.info("Job sweep: %s due, %s handed to the broker", len(due), sent)
    return {"due": len(due), "sent": sent, "forgotten": forgotten}


@transaction.atomic
def job_retry(*, actor, job: Job) -> Job:
    """An admin's second chance for a failed job: attempts start again from zero."""
    job = Job.objects.select_for_update().get(pk=job.pk)
    if job.status != Job.Status.FAILED:
        raise ValidationError("Only a failed job can be retried.")
    job.status = Job.Status.PENDING
    job.attempts = 0
    job.finished_at = None
    job.save(update_fields=["status", "attempts", "finished_at"])
    audit_record(verb="job.retried", target=job, actor=actor, details={
        "job": job.name, "previous_error": job.last_error[:500],
    })
    transaction.on_commit(lambda: dispatch([job.pk]))
    return job


def sealed_payloads_rotate() -> int:
    """Re-encrypt every waiting sealed payload under the first notes key (part of
    ``manage.py rotate_notes_key``). Returns how many were re-encrypted."""
    count = 0
    for pk in Job.objects.exclude(sealed="").values_list("pk", flat=True).iterator():
        with transaction.atomic():
            job = Job.objects.select_for_update().only("pk", "sealed").filter(pk=pk).first()
            if job is None or not job.sealed:
                continue  # run (and forgotten) meanwhile
            token = cipher().rotate(job.sealed.encode("ascii")).decode("ascii")
            Job.objects.filter(pk=pk).update(sealed=token)
        count += 1
    return count

