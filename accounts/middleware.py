from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from .roles import roles_of

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
