"""Every URL × every role: the response must match the URL's declared policy.

The URL list comes from Django's resolver, so a new view (ours, Wagtail's, allauth's)
is covered the moment it is routed, and fails here until it declares a policy.
"""

from collections import Counter
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import Resolver404, resolve
from url_walk import walk_routes

pytestmark = pytest.mark.django_db

ROLES = (
    "anonymous", "trainee_a", "trainee_b", "trainer_a", "trainer_unassigned",
    "program_admin", "curriculum_editor",
)
SIGNED_IN_ROLES = frozenset(ROLES) - {"anonymous"}

# The specification, written independently of config/access.py: who each policy admits.
ADMITS = {
    "public": frozenset(ROLES),
    "signed-in": SIGNED_IN_ROLES,
    "trainee": frozenset({"trainee_a", "trainee_b"}),
    "trainer": frozenset({"trainer_a", "trainer_unassigned"}),
    "program-admin": frozenset({"program_admin"}),
    "wagtail-admin": frozenset({"program_admin", "curriculum_editor"}),
    "django-admin": frozenset(),
}

# Our URLs that name one person's record: real ids of trainee A's records, and the
# roles that may open them. Everyone else the policy admits gets a 404.
RECORD_URLS = {
    "courses:trainer_trainee": (
        lambda w: {"enrolment_id": str(w.enrolment_a.pk)},
        frozenset({"trainer_a"}),
    ),
    "competencies:my_outcome": (
        lambda w: {"enrolment_id": str(w.enrolment_a.pk), "code": "C1"},
        frozenset({"trainee_a"}),
    ),
    "competencies:admin_record": (
        lambda w: {"enrolment_id": str(w.enrolment_a.pk)},
        frozenset({"program_admin"}),
    ),
    "competencies:evidence_file": (
        lambda w: {"evidence_id": str(w.evidence_a.pk)},
        frozenset({"trainee_a", "trainer_a", "program_admin"}),
    ),
    # Consultation entries carry notes: only the trainee and the named trainer.
    "consultation:session_detail": (
        lambda w: {"session_id": str(w.session_a.pk)},
        frozenset({"trainee_a", "trainer_a"}),
    ),
    # Certificates: the holder and program admins download; the public verifies by code.
    "certificates:pdf": (
        lambda w: {"certificate_id": str(w.certificate_a.pk)},
        frozenset({"trainee_a", "program_admin"}),
    ),
    "certificates:credential": (
        lambda w: {"certificate_id": str(w.certificate_a.pk)},
        frozenset({"trainee_a", "program_admin"}),
    ),
    "consultation:export_download": (
        lambda w: {"export_id": str(w.export_a.pk)},
        frozenset({"trainee_a"}),
    ),
}


@pytest.fixture
def records(complete, settings, tmp_path):
    """Trainee A's complete record has a file of evidence, a consultation entry, an
    export and a certificate, so each of their URLs can be walked."""
    world = complete
    from django.core.files.uploadedfile import SimpleUploadedFile

    from competencies.services import evidence_add

    settings.MEDIA_ROOT = str(tmp_path)
    world.enrolment_a.refresh_from_db()
    world.evidence_a = evidence_add(
        actor=world.trainee_a, enrolment=world.enrolment_a, outcome_code="C1", kind="file",
        upload=SimpleUploadedFile("case-notes.pdf", b"%PDF-1.4 case notes"),
    )
    import datetime

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from consultation.models import HoursExport
    from consultation.services import session_log

    world.session_a = session_log(
        actor=world.trainee_a, enrolment=world.enrolment_a, trainer=world.trainer_a,
        date=timezone.localdate() - datetime.timedelta(days=5), minutes=60, category="E1",
        notes="Private",
    )
    world.export_a = HoursExport.objects.create(enrolment=world.enrolment_a, completed_at=timezone.now())
    world.export_a.file.save("hours.pdf", ContentFile(b"%PDF-1.4"), save=True)
    from certificates.services import certificate_issue

    world.certificate_a, _ = certificate_issue(actor=world.admin, enrolment=world.enrolment_a)
    return world


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and urlsplit(response["Location"]).path == "/accounts/login/"


# Wagtail's deliberate error page for checking error reporting.
DELIBERATE_ERRORS = {"wagtailadmin_error_test"}


def _verdict(route, policy, role, response) -> str | None:
    """None when the response is what the policy promises, else a description."""
    status = response.status_code
    if status >= 500 and route.name not in DELIBERATE_ERRORS:
        return f"server error {status}"
    if policy.name == "public":
        # Nothing to refuse; public flows may still redirect (e.g. to sign in).
        return None
    admitted = role in ADMITS[policy.name]
    if route.name in RECORD_URLS and admitted:
        may_open = RECORD_URLS[route.name][1]
        if role in may_open:
            return None if status == 200 else f"expected 200 for own record, got {status}"
        return None if status == 404 else f"expected 404 for another's record, got {status}"
    if not admitted:
        if role == "anonymous":
            return None if _is_login_redirect(response) else f"expected login redirect, got {status}"
        return None if status == 403 else f"expected 403, got {status}"
    if status == 403 or _is_login_redirect(response):
        return f"refused ({status}) although {policy.name} admits {role}"
    # 404 is a fair answer from an admitted role's view (no such object, no stage in a
    # flow); our own record URLs are held to exact answers above.
    return None


def test_every_url_declares_a_policy_and_every_role_gets_what_it_promises(records, request):
    world = records
    routes = walk_routes({name: sample(world) for name, (sample, _) in RECORD_URLS.items()})
    undeclared, unresolvable, checked = [], [], []
    for route in routes:
        try:
            match = resolve(route.url)
        except Resolver404:
            unresolvable.append(route.url)
            continue
        policy = getattr(match.func, "access_policy", None)
        if policy is None:
            undeclared.append(f"{route.url} ({route.name})")
        else:
            checked.append((route, policy))
    assert not undeclared, "URLs without an access policy:\n" + "\n".join(undeclared)
    assert not unresolvable, "Sample URLs that do not resolve:\n" + "\n".join(unresolvable)

    failures, outcomes = [], Counter()
    client = Client(raise_request_exception=False)
    for role, user in world.users().items():
        client.logout()
        if user is not None:
            client.force_login(user)
        for route, policy in checked:
            response = client.get(route.url)
            problem = _verdict(route, policy, role, response)
            outcomes[(policy.name, role, "ok" if problem is None else "FAIL")] += 1
            if problem:
                failures.append(f"{role:<18} GET {route.url} [{policy.name}]: {problem}")
            if policy.name not in ("public",) and role not in ADMITS[policy.name]:
                # A refusal must not depend on the method: the view never runs.
                response = client.post(route.url, {})
                problem = _verdict(route, policy, role, response)
                if problem:
                    failures.append(f"{role:<18} POST {route.url} [{policy.name}]: {problem}")

    request.config.kapstone_access_report = (len(routes), len(checked), outcomes)
    assert not failures, f"{len(failures)} responses contradict their policy:\n" + "\n".join(
        failures[:80]
    )
    by_policy = Counter(policy.name for _, policy in checked)
    # Every kind of policy is exercised: a regression that drops one shows up here.
    assert set(by_policy) == set(ADMITS) - {"django-admin"} | ({"django-admin"} & set(by_policy))


def test_record_urls_name_real_routes():
    names = {route.name for route in walk_routes()}
    assert set(RECORD_URLS) <= names
