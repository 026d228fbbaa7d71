from typing import Any

from django.db import models

from .context import client_ip, current
from .models import AuditEvent

_MAX_DETAIL_CHARS = 4000


def audit_record(
    *,
    verb: str,
    target: models.Model | None = None,
    actor=None,
    request=None,
    details: dict[str, Any] | None = None,
    target_repr: str | None = None,
) -> AuditEvent:
    """Append one event. The actor and IP come from the request, or from the
    request being served when called from a signal or a service deep in a call."""
    ip = None
    if request is not None:
        actor = actor if actor is not None else getattr(request, "user", None)
        ip = client_ip(request)
    else:
        ctx = current()
        if ctx is not None:
            actor = actor if actor is not None else ctx.actor
            ip = ctx.ip_address
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    details = details or {}
    if len(repr(details)) > _MAX_DETAIL_CHARS:
        details = {"truncated": True, "keys": sorted(details)[:50]}
    return AuditEvent.objects.create(
        actor=actor,
        actor_email=getattr(actor, "email", "") if actor else "",
        verb=verb,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=(target_repr if target_repr is not None else str(target) if target else "")[
            :255
        ],
        ip_address=ip,
        details=details,
    )
