import time
import zoneinfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from core.roles import roles_of

# Paths a user without a second factor may still reach: enrolling one, leaving, and
# the static files the enrolment pages need.
_ALLOWED_PREFIXES = ("/accounts/", "/static/", "/healthz")


def needs_mfa(user) -> bool:
    if not user.is_authenticated:
        return False
    required = set(settings.KAPSTONE_MFA_REQUIRED_GROUPS)
    if not (user.is_superuser or required & roles_of(user)):
        return False
    from allauth.mfa.models import Authenticator

    cached = getattr(user, "_kapstone_has_mfa", None)
    if cached is None:
        cached = Authenticator.objects.filter(
            user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
        ).exists()
        user._kapstone_has_mfa = cached
    return not cached


class RequireMFAMiddleware:
    """Trainers, program admins and curriculum editors enrol a second factor before anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(_ALLOWED_PREFIXES) and needs_mfa(request.user):
            return redirect(f"{reverse('mfa_index')}?required=1")
        return self.get_response(request)


class RetryAfterMiddleware:
    """A sign-in refused because the client must wait (accounts.throttle) is answered
    429 with ``Retry-After``: the form says so to people, the header to programs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        wait = getattr(request, "kapstone_retry_after", 0)
        if wait and response.status_code == 200:
            response.status_code = 429
            response.reason_phrase = "Too Many Requests"
            response["Retry-After"] = str(wait)
        return response


# Session keys of the idle timeout: when the session began, when it was last seen
# (refreshed at most once a minute), and its idle limit, fixed at sign-in from the
# person's roles so that no request pays for looking them up.
STARTED, SEEN, IDLE = "kapstone_started", "kapstone_seen", "kapstone_idle"
_REFRESH_EVERY = 60


def now() -> float:
    return time.time()


def session_stamps(user, at: float) -> dict:
    """What a new session stores (accounts.signals, at sign-in)."""
    staff = user.is_superuser or bool(set(settings.KAPSTONE_MFA_REQUIRED_GROUPS) & roles_of(user))
    idle = settings.SESSION_IDLE_TIMEOUT_STAFF if staff else settings.SESSION_IDLE_TIMEOUT
    return {STARTED: int(at), SEEN: int(at), IDLE: idle}


def _minutes(seconds: int) -> str:
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} hour{'s' if hours != 1 else ''}"
    minutes = round(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


class SessionTimeoutMiddleware:
    """Signed-in sessions end after a spell without requests (30 minutes for staff
    roles, 12 hours for trainees by default) and, however active, at an absolute
    lifetime. The session is written for this at most once a minute, not on every
    request. Whoever is signed out is told why by the page they land on."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if session.get(SESSION_KEY) is not None:
            self._check(request, session)
        return self.get_response(request)

    def _check(self, request, session) -> None:
        at = now()
        started, seen = session.get(STARTED), session.get(SEEN)
        if started is None or seen is None:
            # A session from before these stamps: its clocks start now.
            session.update(session_stamps(request.user, at))
            return
        idle = session.get(IDLE, settings.SESSION_IDLE_TIMEOUT_STAFF)
        if at - started > settings.SESSION_ABSOLUTE_LIFETIME:
            reason = (f"You were signed out because you signed in more than "
                      f"{_minutes(settings.SESSION_ABSOLUTE_LIFETIME)} ago. Please sign in again.")
        elif at - seen > idle:
            reason = (f"You were signed out after {_minutes(idle)} without activity. "
                      "Please sign in again.")
        else:
            if at - seen >= _REFRESH_EVERY:
                session[SEEN] = int(at)
            return
        logout(request)
        messages.info(request, reason)


def _zone(name: str) -> zoneinfo.ZoneInfo | None:
    try:
        return zoneinfo.ZoneInfo(name) if name else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


class TimeZoneMiddleware:
    """Every time on a page is shown in the signed-in person's time zone (their
    profile), or the program's (TIME_ZONE) when they chose none. Reads the user row
    every signed-in request loads anyway: no query of its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        zone = None
        if request.session.get(SESSION_KEY) is not None and request.user.is_authenticated:
            zone = _zone(request.user.time_zone)
        if zone is not None:
            timezone.activate(zone)
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


# Where a person without a legal name may still go: their profile (where it is asked),
# signing out and account pages, the admin sites (command-line accounts) and files.
_NAMELESS_ALLOWED = ("/me/", "/accounts/", "/static/", "/healthz", "/readyz", "/admin/",
                     "/django-admin/", "/notifications/")


class NameRequiredMiddleware:
    """A signed-in person with no legal name (an account from before sign-up asked for
    it) is sent to their profile to give it before anything else, so no certificate
    or greeting falls back to their e-mail address."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method == "GET"
            and request.session.get(SESSION_KEY) is not None
            and not request.path.startswith(_NAMELESS_ALLOWED)
        ):
            user = request.user
            if (user.is_authenticated and not user.full_name
                    and not (user.is_staff or user.is_superuser)):
                messages.info(request, "Please tell us your legal name before you carry on.")
                return redirect("accounts:profile")
        return self.get_response(request)
