from celery import shared_task

from jobs.registry import job

from . import services


@job
def render_hours_pdf(export_id: int) -> None:
    """Render one requested PDF of a trainee's hours log (idempotent)."""
    services.hours_pdf_render(export_id=export_id)


@shared_task(acks_late=True, soft_time_limit=120, time_limit=180)
def send_pending_reminders() -> int:
    """Weekly: remind each trainer of entries pending longer than the program allows."""
    return services.pending_reminders_send()
