"""Every URL declares who may use it.

A view gets its policy from ``@access(POLICY)``; third-party URL sets (Wagtail, allauth,
Django admin) get theirs from ``declare_urlpatterns`` in ``config/urls.py``. Either way
the callback ends up wrapped by ``enforce`` and carries ``.access_policy``, which
``tests/test_access_policy.py`` reads for every pattern Django can resolve.

Our own views also say which HTTP methods they take (``@access(POLICY, methods=POST)``;
GET alone by default, HEAD with GET). Any other method is a 405 naming the allowed
ones, answered after the policy so that outsiders learn nothing about the view.
Class-based third-party views keep answering 405 themselves.

Policies are about roles. Which *record* a permitted user may touch is a queryset
scope in the owning app's ``permissions.py`` (see ``get_visible_or_404``).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.dispatch import Signal
from django.http import Http404, HttpResponseNotAllowed
from django.urls import URLPattern, URLResolver

from core.roles import Role, roles_of


@dataclass(frozen=True)
class Policy:
    name: str
    description: str
    login_required: bool = True
    roles: frozenset[str] = field(default_factory=frozenset)
    permission: str = ""
    staff_only: bool = False

    def allows(self, user) -> bool:
        if not self.login_required:
            return True
        if not user.is_authenticated or not user.is_active:
            return False
        if self.staff_only and not user.is_staff:
            return False
        if self.permission and not user.has_perm(self.permission):
            return False
        if self.roles and not (self.roles & roles_of(user)):
            return False
        return True


PUBLIC = Policy("public", "Anyone, signed in or not.", login_required=False)
SIGNED_IN = Policy("signed-in", "Any signed-in user.")
TRAINEE = Policy("trainee", "Signed-in trainees.", roles=frozenset({Role.TRAINEE}))
TRAINER = Policy("trainer", "Signed-in trainers.", roles=frozenset({Role.TRAINER}))
PROGRAM_ADMIN = Policy(
    "program-admin", "Signed-in program admins.", roles=frozenset({Role.PROGRAM_ADMIN})
)
WAGTAIL_ADMIN = Policy(
    "wagtail-admin",
    "Users allowed into the Wagtail admin (program admins, curriculum editors).",
    permission="wagtailadmin.access_admin",
)
DJANGO_ADMIN = Policy(
    "django-admin", "Active staff users (superusers) only.", staff_only=True
)

ALL_POLICIES = (PUBLIC, SIGNED_IN, TRAINEE, TRAINER, PROGRAM_ADMIN, WAGTAIL_ADMIN, DJANGO_ADMIN)

# The method sets our views declare.
GET = ("GET",)
POST = ("POST",)
GET_POST = ("GET", "POST")


def _allowed_methods(methods) -> frozenset[str] | None:
    if methods is None:
        return None
    allowed = {method.upper() for method in methods}
    if "GET" in allowed:
        allowed.add("HEAD")
    return frozenset(allowed)


# Sent when a signed-in user is refused: by a URL's policy (``policy`` names it) or by
# a record scope (``model`` names what they asked for). The audit trail records each
# one (audit.refusals); core itself imports no app.
access_refused = Signal()


def _refuse(request, policy: Policy):
    if not request.user.is_authenticated:
        # Not audited: a visitor who is not signed in is sent to sign in, which is how
        # every expired session and bookmarked link looks. There is no actor to name,
        # and anonymous probing is bounded by the login rate limit and failure-burst
        # events instead. Signed-in users refused below write exactly one event.
        return redirect_to_login(request.get_full_path())
    access_refused.send(
        sender=Policy, request=request,
        details={"path": request.path[:200], "method": request.method, "policy": policy.name},
    )
    raise PermissionDenied


def enforce(policy: Policy, methods=None) -> Callable:
    """Wrap a view so that it only runs for users its policy allows and, when
    ``methods`` is given, only for those HTTP methods (else the view decides)."""
    allowed = _allowed_methods(methods)

    def decorator(view):
        if getattr(view, "access_policy", None) is not None and view.access_policy != policy:
            raise ValueError(f"{view!r} already declares {view.access_policy.name}")
        view_methods = allowed if allowed is not None else getattr(view, "http_methods", None)

        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not policy.allows(request.user):
                return _refuse(request, policy)
            if view_methods is not None and request.method not in view_methods:
                return HttpResponseNotAllowed(sorted(view_methods))
            return view(request, *args, **kwargs)

        wrapper.access_policy = policy
        wrapper.http_methods = view_methods
        return wrapper

    return decorator


def access(policy: Policy, *, methods=GET) -> Callable:
    """Declare a view's policy and the HTTP methods it takes (GET, with HEAD, by default)."""
    return enforce(policy, methods)


def declare_urlpatterns(
    patterns: Iterable, default: Policy, overrides: dict[str, Policy] | None = None,
    methods: dict[str, tuple[str, ...]] | None = None,
) -> list:
    """Give every pattern in a third-party URL set a policy (by URL name, else default)
    and, for function views named in ``methods``, the HTTP methods they take."""
    overrides = overrides or {}
    methods = methods or {}
    patterns = list(patterns)
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            declare_urlpatterns(pattern.url_patterns, default, overrides, methods)
        elif isinstance(pattern, URLPattern):
            policy = overrides.get(pattern.name or "", default)
            callback = pattern.callback
            if getattr(callback, "access_policy", None) is None:
                pattern.callback = enforce(policy, methods.get(pattern.name or ""))(callback)
    return patterns


def get_visible_or_404(request, queryset, **lookup):
    """Fetch one object through a visibility scope.

    What a user may not see is a 404 (no hint that it exists); when it does exist the
    refusal is written to the audit trail.
    """
    try:
        return queryset.get(**lookup)
    except queryset.model.DoesNotExist:
        if queryset.model._default_manager.filter(**lookup).exists():
            access_refused.send(
                sender=queryset.model, request=request,
                details={"path": request.path[:200], "model": queryset.model._meta.label_lower},
            )
        raise Http404(f"No {queryset.model._meta.verbose_name} matches the given query.") from None
