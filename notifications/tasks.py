from celery import shared_task
from django.core.mail import EmailMultiAlternatives

from jobs.registry import job

from . import services


# Sealed: a message's addresses, body and links are encrypted while it waits and
# forgotten once sent.
@job(sealed=True)
def send_email(*, to: list[str], subject: str, body: str, html: str = "") -> None:
    """Deliver one already-rendered message (run as a job: recorded with the change that
    caused it, retried a few times, then left failed on the admins' jobs page)."""
    message = EmailMultiAlternatives(subject=subject, body=body, to=to)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360)
def send_digests() -> int:
    """Once a day: each person who chose the digest for some kind gets one e-mail with
    the items collected since the last one."""
    return services.digests_send()
