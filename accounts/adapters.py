from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings

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
