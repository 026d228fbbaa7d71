from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.account.utils import filter_users_by_email
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.utils.crypto import get_random_string

from jobs.services import enqueue

from .tasks import send_email


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

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        """The key of the per-account failed-login limit (ACCOUNT_RATE_LIMITS["login_failed"]).

        allauth keys it on the Host header plus the address typed, so a client could
        start a fresh count by writing the host in another case or with a port
        (``Kapstone.example``, ``kapstone.example:443``), or by trying the account's
        other address. Kapstone keys it on the account the address belongs to, and on
        the normalised address when it belongs to none.
        """
        login = str(credentials.get("email") or credentials.get("username") or "").strip().lower()
        users = filter_users_by_email(login) if login else []
        if len({user.pk for user in users}) == 1:
            return f"account:{users[0].pk}"
        return f"login:{login}"

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
