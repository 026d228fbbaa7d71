"""Walk every page each role can open and collect the forms the pages offer."""

from django.test import Client
from django.urls import Resolver404, resolve

from html_forms import Form, forms_in
from url_walk import walk_routes

# Third-party URL sets whose forms are not ours to fuzz: Wagtail's own admin and page
# editor, Django's admin (closed to everyone), allauth's MFA/WebAuthn internals.
# Our own Wagtail admin screens (the people viewsets and framework import) are walked.
OWN_ADMIN_PREFIXES = ("courses_", "competencies_framework", "audit_auditevent")
ALLAUTH_FORMS = (
    "account_login", "account_signup", "account_reset_password", "account_change_password",
    "account_email", "account_reauthenticate", "mfa_reauthenticate",
)


def is_ours(name: str) -> bool:
    if name.split(":")[0] in (
        "accounts", "courses", "competencies", "consultation", "certificates", "jobs",
        "notifications", "mydata",
    ):
        return True
    if name in ("home",) or name in ALLAUTH_FORMS:
        return True
    return name.startswith(OWN_ADMIN_PREFIXES)


def route_name(url: str) -> str | None:
    try:
        match = resolve(url.split("?")[0])
    except Resolver404:
        return None
    if match.url_name is None:
        return None
    # Wagtail pages (lessons) are served by Wagtail's catch-all view.
    return ":".join([*match.namespaces, match.url_name]) if match.namespaces else match.url_name


def pages_for(world, record_ids: dict[str, dict[str, str]]) -> list[str]:
    """Our pages (with real ids), plus every live lesson and program page."""
    from cms.models import LessonPage, ProgramPage

    urls = [r.url for r in walk_routes(record_ids) if is_ours(r.name)]
    urls += [p.url for p in ProgramPage.objects.live()]
    urls += [p.url for p in LessonPage.objects.live()]
    return urls


def _admits(page: str, user) -> bool:
    """Whether the page's access policy lets the user in (refusals have no forms)."""
    from django.contrib.auth.models import AnonymousUser

    policy = getattr(resolve(page).func, "access_policy", None)
    return policy is None or policy.allows(user or AnonymousUser())


def discover(
    users: dict[str, object], pages: list[str], found: dict | None = None
) -> tuple[dict[str, tuple[str, Form]], set[tuple[str, str]]]:
    """method + route name → (role, form), for the first role offered a form there; and
    the (role, page) pairs that showed any form of ours.

    The crawl only GETs; a page that cannot render is left to the access-policy test.
    """
    found = {} if found is None else found
    with_forms: set[tuple[str, str]] = set()
    client = Client(raise_request_exception=False)
    for role, user in users.items():
        client.logout()
        if user is not None:
            client.force_login(user)
        for page in pages:
            if not _admits(page, user):
                continue
            response = client.get(page)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            for key, form in our_forms(page, response.content.decode()):
                found.setdefault(key, (role, form))
                with_forms.add((role, page))
    return found, with_forms


def our_forms(page: str, html: str) -> list[tuple[str, Form]]:
    """(key, form) for each form of ours in the page. The key names the method and the
    route, and the step or action when one route takes several forms (a hidden or
    submit field called ``step`` or ``action``)."""
    result = []
    for form in forms_in(page, html):
        name = route_name(form.action)
        if not (name and is_ours(name)):
            continue
        key = f"{form.method.upper()} {name}"
        for marker in ("step", "action"):
            if marker in form.fields and len(form.fields[marker].values) == 1:
                key += f" [{form.fields[marker].values[0]}]"
        result.append((key, form))
    return result
