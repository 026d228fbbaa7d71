from celery import shared_task
from celery.signals import worker_ready

from . import services
from .models import Job


@shared_task(bind=True, acks_late=True, max_retries=None)
def run_job(self, job_id: int) -> str:
    """Run one attempt of a recorded job; retry it later, or let it end failed."""
    outcome, error = services.run(job_id)
    while outcome == services.Outcome.RETRY and self.request.is_eager:
        outcome, error = services.run(job_id)  # in-process: no broker to wait on
    if outcome == services.Outcome.RETRY:
        attempts = Job.objects.values_list("attempts", flat=True).get(pk=job_id)
        raise self.retry(exc=error, countdown=services.retry_delay(attempts))
    if outcome == services.Outcome.FAILED and error is not None:
        raise error  # recorded as failed; Celery logs it and does not redeliver
    return outcome


# Acknowledged on receipt: a sweep is idempotent and beat sends the next one anyway, and
# a worker holding an unacknowledged message when the broker vanishes can exit (kombu's
# channel close fails restoring it); beat's sweeps are the messages a worker most often
# holds.
@shared_task(acks_late=False)
def sweep_jobs() -> dict[str, int]:
    """Beat: hand over jobs the broker never got or lost."""
    return services.sweep()


@worker_ready.connect
def _sweep_on_worker_start(sender=None, **kwargs) -> None:
    # A worker coming back after an outage picks up what waited for it.
    sweep_jobs.delay()
