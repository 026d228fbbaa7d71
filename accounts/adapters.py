from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.utils.crypto import get_random_string

from jobs.services import enqueue
from notifications.tasks import send_email

from . import throttle


def _duration(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = -(-seconds // 60)
    return f"{minutes} minutes"


class AccountAdapter(DefaultAccountAdapter):
    """The one place Kapstone changes allauth's behaviour."""

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # Render now (the request and site are at hand), deliver from a worker once the
        # transaction that produced the message (sign-up, reset) has committed.
        request = allauth_context.request
        host = request.get_host() if request is not None else urlsplit(settings.SITE_URL).netloc
        ctx = {
            "request": request,
            "email": email,
            "current_site": SimpleNamespace(name=settings.WAGTAIL_SITE_NAME, domain=host),
            **context,
        }
        message = self.render_mail(template_prefix, email, ctx)
        html = ""
        for content, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                html = content
        enqueue(send_email, to=list(message.to), subject=message.subject, body=message.body, html=html)

    def pre_authenticate(self, request, **credentials) -> None:
        """Refuse while this client must wait after failed attempts (accounts.throttle).

        Replaces allauth's own ``login_failed`` limit for passwords, which counts per
        account across every address and so lets anyone lock a named person out; the
        MFA step keeps allauth's limit (ACCOUNT_RATE_LIMITS["login_failed"]), which only
        someone who already has the password reaches."""
        wait = throttle.login_wait(request, credentials)
        if wait:
            request.kapstone_retry_after = wait
            raise ValidationError(
                f"Too many failed sign-in attempts from here. Try again in {_duration(wait)}, "
                "or reset your password."
            )

    def authentication_failed(self, request, **credentials) -> None:
        throttle.login_failed(request, credentials)

    def send_password_reset_mail(self, user, email: str, context: dict) -> None:
        """No reset link to an address still waiting for its owner's verification (an
        e-mail change a program admin asked for): the link would sign in as the person
        before the address was ever proven. Their verified address still gets one."""
        waiting = EmailAddress.objects.filter(user=user, email__iexact=email, verified=False)
        if waiting.exists() and EmailAddress.objects.filter(user=user, verified=True).exists():
            return
        super().send_password_reset_mail(user, email, context)

    def send_account_already_exists_mail(self, email: str) -> None:
        # Signing up with a new address hashes the chosen password; one already taken
        # would answer a hash's time sooner and give the address away.
        make_password(get_random_string(32))
        super().send_account_already_exists_mail(email)
