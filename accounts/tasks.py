from celery import shared_task
from django.core.mail import EmailMultiAlternatives


@shared_task(
    acks_late=True,
    soft_time_limit=30,
    time_limit=60,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_email(*, to: list[str], subject: str, body: str, html: str = "") -> None:
    """Deliver one already-rendered message. Retried on connection errors only:
    a message the SMTP server refused outright will not succeed by trying again."""
    message = EmailMultiAlternatives(subject=subject, body=body, to=to)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
