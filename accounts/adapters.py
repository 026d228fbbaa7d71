from allauth.account.adapter import DefaultAccountAdapter

from .tasks import send_email


class AccountAdapter(DefaultAccountAdapter):
    """The one place Kapstone changes allauth's behaviour."""

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # Render now (the request and site are at hand), deliver from a worker once the
        # transaction that produced the message (sign-up, reset) has committed.
        message = self.render_mail(template_prefix, email, context)
        html = ""
        for content, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                html = content
        send_email.delay_on_commit(
            to=list(message.to), subject=message.subject, body=message.body, html=html
        )
