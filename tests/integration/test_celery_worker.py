"""A real Celery worker on Redis delivers what the app enqueues on PostgreSQL."""

import re
from worker_mail import wait_for_mail

import pytest
from django.db import transaction
from django.urls import reverse

from accounts.factories import PASSWORD, UserFactory
from accounts.tasks import send_email

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_sign_up_email_is_delivered_by_the_worker_after_commit(client, celery_worker, mail_dir):
    response = client.post(
        reverse("account_signup"),
        {"email": "worker.check@kapstone.test", "password1": "a-long-pass-phrase",
         "password2": "a-long-pass-phrase"},
    )
    assert response.status_code == 302
    message = wait_for_mail(mail_dir, "worker.check@kapstone.test")
    assert re.search(r"/accounts/confirm-email/[-:\w]+/", message)


def test_a_task_enqueued_in_a_rolled_back_transaction_is_never_sent(celery_worker, mail_dir):
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            send_email.delay_on_commit(to=["rolled.back@kapstone.test"], subject="never", body="never")
            raise RuntimeError("roll back")
    send_email.delay(to=["sentinel@kapstone.test"], subject="sentinel", body="after")
    wait_for_mail(mail_dir, "sentinel@kapstone.test")
    assert not any("rolled.back@kapstone.test" in p.read_text() for p in mail_dir.glob("*.log"))


def test_login_rate_limit_lives_in_redis_and_holds_across_clients(settings):
    from django.core.cache import cache
    from django.test import Client

    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    cache.clear()
    user = UserFactory(email="limited.integration@kapstone.test")
    for i in range(6):
        # A fresh client each time, claiming a different forwarded address.
        Client(HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").post(
            reverse("account_login"), {"login": user.email, "password": "wrong-password"}
        )
    response = Client().post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert not response.wsgi_request.user.is_authenticated
    cache.clear()
