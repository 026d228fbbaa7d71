"""Refusals made inside Wagtail's admin are audited too.

``config/access.py`` audits what the URL policies refuse. A user the ``wagtail-admin``
policy admits can still be refused by Wagtail's own model permissions (a curriculum
editor opening trainer assignments); Wagtail answers those through
``wagtail.admin.auth.permission_denied``, which has no hook, so it is wrapped here once
at start-up. Each refusal writes one ``access.refused`` event. (An XMLHttpRequest that
Wagtail refuses by re-raising PermissionDenied before reaching that function is the one
path not covered.)
"""

from functools import wraps


def _audited(permission_denied):
    @wraps(permission_denied)
    def wrapper(request, *args, **kwargs):
        from .services import audit_record

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
