from celery import shared_task

from jobs.registry import job

from . import services


@job
def build_record_export(export_id: int) -> None:
    """Build one requested download of a person's record (idempotent)."""
    services.record_export_build(export_id=export_id)


@shared_task(acks_late=True, soft_time_limit=120, time_limit=180)
def cleanup_record_exports() -> int:
    """Hourly: delete downloads past their 24 hours."""
    return services.record_exports_cleanup()
