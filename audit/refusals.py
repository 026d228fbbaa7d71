"""Every refusal a signed-in user meets is one ``access.refused`` event.

``core.access`` refuses by URL policy and by record scope and says so through its
``access_refused`` signal, received here. A user the ``wagtail-admin``
policy admits can still be refused by Wagtail's own model permissions (a curriculum
editor opening trainer assignments); Wagtail answers those through
``wagtail.admin.auth.permission_denied``, which has no hook, so it is wrapped here once
at start-up. Each refusal writes one ``access.refused`` event. (An XMLHttpRequest that
Wagtail refuses by re-raising PermissionDenied before reaching that function is the one
path not covered.)
"""

from functools import wraps

from django.dispatch import receiver

from core.access import access_refused

from .services import audit_record


@receiver(access_refused)
def audit_refusal(sender, request, details, **kwargs):
    audit_record(verb="access.refused", request=request, details=details)


def _audited(permission_denied):
    @wraps(permission_denied)
    def wrapper(request, *args, **kwargs):
        audit_record(
            verb="access.refused",
            request=request,
            details={
                "path": request.path[:200], "method": request.method,
                "policy": "wagtail-permissions",
            },
        )
        return permission_denied(request, *args, **kwargs)

    wrapper.audited = True
    return wrapper


def audit_wagtail_refusals() -> None:
    from wagtail.admin import auth

    if not getattr(auth.permission_denied, "audited", False):
        auth.permission_denied = _audited(auth.permission_denied)
