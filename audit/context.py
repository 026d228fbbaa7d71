"""Who is acting, for audit events written far from the view (signals, services)."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class AuditContext:
    actor: object | None
    ip_address: str | None


_current: ContextVar[AuditContext | None] = ContextVar("kapstone_audit_context", default=None)


def current() -> AuditContext | None:
    return _current.get()


def client_ip(request) -> str | None:
    # The address the rate limits use: REMOTE_ADDR, or X-Forwarded-For as far as the
    # configured proxies (ALLAUTH_TRUSTED_PROXY_COUNT) vouch for it, never what the
    # client wrote there itself; the audit trail must not record a forged address.
    from allauth.account.adapter import get_adapter

    try:
        return get_adapter().get_client_ip(request)
    except Exception:  # noqa: BLE001 - no usable address: record none rather than fail
        return request.META.get("REMOTE_ADDR") or None


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current.set(
            AuditContext(
                actor=getattr(request, "user", None),
                ip_address=client_ip(request),
            )
        )
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
