"""Every refusal a signed-in user meets is one ``access.refused`` event.

``core.access`` refuses by URL policy and by record scope and says so through its
``access_refused`` signal, received here. A user the ``wagtail-admin`` policy admits can
still be refused by Wagtail's own model permissions (a curriculum editor opening trainer
assignments). Wagtail has no hook or signal for those: its admin answers them with
``wagtail.admin.auth.permission_denied``, an error message and a redirect to the admin
home. ``WagtailRefusalMiddleware`` recognises that answer through public APIs only (the
response and Django's messages) and writes the event; tests/audit/ shows it does for
each kind of refusal. (An XMLHttpRequest that Wagtail refuses by re-raising
PermissionDenied is answered 403 by Django instead; that path is not covered.)
"""

from django.contrib import messages
from django.dispatch import receiver
from django.urls import reverse
from django.utils.html import strip_tags

from core.access import access_refused

from .services import audit_record

# What wagtail.admin.auth.permission_denied tells the user (the site runs without
# translations, USE_I18N = False, so the text is always this one).
WAGTAIL_REFUSAL_MESSAGE = "Sorry, you do not have permission to access this area."


@receiver(access_refused)
def audit_refusal(sender, request, details, **kwargs):
    audit_record(verb="access.refused", request=request, details=details)


def _refused_by_wagtail(request, response) -> bool:
    if response.status_code != 302 or response.get("Location") != reverse("wagtailadmin_home"):
        return False
    storage = messages.get_messages(request)
    refused = any(
        # Wagtail's admin messages are small HTML fragments around the text.
        message.level == messages.ERROR and strip_tags(str(message)).strip() == WAGTAIL_REFUSAL_MESSAGE
        for message in storage
    )
    # Reading the messages marks them shown; keep them for the page they were meant for.
    storage.used = False
    return refused


class WagtailRefusalMiddleware:
    """Writes an ``access.refused`` event when Wagtail's admin refuses a signed-in user.

    Sits after MessageMiddleware in MIDDLEWARE, so it sees the response while the
    refusal's message is still queued."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and _refused_by_wagtail(request, response):
            audit_record(
                verb="access.refused",
                request=request,
                details={
                    "path": request.path[:200], "method": request.method,
                    "policy": "wagtail-permissions",
                },
            )
        return response
