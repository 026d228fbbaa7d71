from allauth.account.signals import email_confirmed, password_reset, user_logged_in
from django.conf import settings
from django.contrib.auth.signals import user_logged_in as auth_user_logged_in
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from audit.services import audit_record
from core.roles import forget_roles

from . import throttle
from .middleware import now as session_now
from .middleware import session_stamps
from .models import User
from .services import email_change_complete


@receiver(m2m_changed, sender=User.groups.through)
def audit_role_change(sender, instance, action, pk_set, reverse, **kwargs):
    """Every change of a user's roles, from any screen or script, is audited."""
    if action not in {"post_add", "post_remove", "pre_clear"}:
        return
    from django.contrib.auth.models import Group

    if reverse:
        users = User.objects.filter(pk__in=pk_set or [])
        groups = [instance]
    else:
        users = [instance]
        groups = list(Group.objects.filter(pk__in=pk_set or [])) if pk_set else []
        if action == "pre_clear":
            groups = list(instance.groups.all())
    verb = "role.granted" if action == "post_add" else "role.revoked"
    for user in users:
        forget_roles(user)
        for group in groups:
            audit_record(verb=verb, target=user, details={"role": group.name})


def _failure_key(email: str) -> str:
    return f"login-failures:{email.strip().lower()}"


@receiver(user_login_failed)
def audit_login_failure_burst(sender, credentials, request=None, **kwargs):
    """Write one audit event when an account reaches the burst threshold of failures.

    Counting lives in the shared cache so that failures spread over several app
    processes add up; the key is the e-mail tried, never the claimed client address.
    """
    email = (credentials or {}).get("email") or (credentials or {}).get("username") or ""
    if not email:
        return
    key = _failure_key(email)
    cache.add(key, 0, timeout=settings.KAPSTONE_LOGIN_FAILURE_WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=settings.KAPSTONE_LOGIN_FAILURE_WINDOW)
        count = 1
    if count == settings.KAPSTONE_LOGIN_FAILURE_BURST:
        audit_record(
            verb="login.failure_burst",
            request=request,
            target_repr=email[:255],
            details={"failures": count, "window_seconds": settings.KAPSTONE_LOGIN_FAILURE_WINDOW},
        )


@receiver(user_logged_in)
def reset_login_failures(sender, request, user, **kwargs):
    cache.delete(_failure_key(user.email))
    throttle.login_succeeded(request, user)


@receiver(password_reset)
def lift_login_delays(sender, request, user, **kwargs):
    throttle.password_reset(user)


@receiver(email_confirmed)
def complete_admin_email_change(sender, request, email_address, **kwargs):
    """An address a program admin asked for becomes the person's only when its owner
    confirms it through allauth's verification link (accounts.services)."""
    email_change_complete(email_address=email_address, request=request)


@receiver(auth_user_logged_in)
def start_session_clocks(sender, request, user, **kwargs):
    """Every sign-in (the form, a test's force_login) starts the idle and absolute
    clocks of accounts.middleware.SessionTimeoutMiddleware."""
    if request is not None and hasattr(request, "session"):
        request.session.update(session_stamps(user, session_now()))
