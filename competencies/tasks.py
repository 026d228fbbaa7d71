from celery import shared_task

from . import services


@shared_task(acks_late=True, soft_time_limit=120, time_limit=180)
def send_review_digest() -> int:
    """Each trainer with open review requests gets one e-mail a day listing them."""
    return services.review_digest_send()
