"""Every URL × every role × every HTTP method: the response must match the URL's
declared policy, and a method the view does not take is a 405 (or the policy's refusal).

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
# Our own code: its views declare the methods they take.
OUR_APPS = {"accounts", "audit", "certificates", "cms", "competencies", "config", "consultation",
            "courses", "jobs", "mydata", "notifications"}

# The specification, written independently of core/access.py: who each policy admits.
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
    "competencies:trainer_trainee": (
        lambda w: {"enrolment_id": str(w.enrolment_a.pk)},
        frozenset({"trainer_a"}),
    ),
    "competencies:my_outcome": (
        lambda w: {"enrolment_id": str(w.enrolment_a.pk), "code": "C1"},
        frozenset({"trainee_a"}),
    ),
    # Extra knowledge-check attempts: the trainee's own trainer or a program admin.
    "courses:check_attempts": (
        lambda w: {"enrolment_id": str(w.enrolment_a.pk)},
        frozenset({"trainer_a", "program_admin"}),
    ),
    "competencies:admin_record": (
        lambda w: {"enrolment_id": str(w.enrolment_a.pk)},
        frozenset({"program_admin"}),
    ),
    "competencies:evidence_file": (
        lambda w: {"evidence_id": str(w.evidence_a.pk)},
        frozenset({"trainee_a", "trainer_a", "program_admin"}),
    ),
    # A trainee edits only their own evidence.
    "competencies:evidence_edit": (
        lambda w: {"evidence_id": str(w.evidence_a.pk)},
        frozenset({"trainee_a"}),
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
    # People are managed by program admins only, on Kapstone's own page.
    "accounts:person_edit": (
        lambda w: {"user_id": str(w.trainee_a.pk)},
        frozenset({"program_admin"}),
    ),
    "consultation:export_download": (
        lambda w: {"export_id": str(w.export_a.pk)},
        frozenset({"trainee_a"}),
    ),
    # A download of a person's whole record: its owner alone.
    "mydata:download": (
        lambda w: {"record_export_id": str(w.record_export_a.pk)},
        frozenset({"trainee_a"}),
    ),
    # A notification is read by the person it is for, nobody else.
    "notifications:detail": (
        lambda w: {"notification_id": str(w.notification_a.pk)},
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
    from notifications.models import Notification

    world.notification_a = Notification.objects.filter(user=world.trainee_a).latest("pk")
    from mydata.models import RecordExport
    from mydata.services import record_export_build

    world.record_export_a = record_export_build(
        export_id=RecordExport.objects.create(user=world.trainee_a).pk)
    return world


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and urlsplit(response["Location"]).path == "/accounts/login/"


# Wagtail's deliberate error page for checking error reporting.
DELIBERATE_ERRORS = {"wagtailadmin_error_test"}

# Every method a browser or a script may send. No view of ours takes the last four, so
# they are sent first and must leave the database as they found it.
METHODS = ("OPTIONS", "PUT", "PATCH", "DELETE", "GET", "HEAD", "POST")
NEVER_ACCEPTED_BY_US = ("OPTIONS", "PUT", "PATCH", "DELETE")
# Wagtail's and Django's admin URLs (270 of them, refused before any view runs for all
# but the admins) get the cheaper check: every role GETs every pattern, and each other
# method is sent to every pattern by one role, the role changing from pattern to pattern.
SAMPLED_POLICIES = {"wagtail-admin", "django-admin"}


def accepted_methods(view) -> frozenset[str] | None:
    """The methods a view answers: declared with ``@access`` (and for Wagtail's public
    views in config/urls.py), or the handlers of a class-based view; None when a
    third-party function view decides for itself."""
    declared = getattr(view, "http_methods", None)
    if declared is not None:
        return frozenset(declared)
    view_class = getattr(view, "view_class", None)
    if view_class is None:
        return None
    names = {name for name in view_class.http_method_names if hasattr(view_class, name)}
    if "get" in names:
        names.add("head")
    return frozenset(name.upper() for name in names)


def _refusal(role, response) -> str | None:
    if role == "anonymous":
        return None if _is_login_redirect(response) else f"expected login redirect, got {response.status_code}"
    return None if response.status_code == 403 else f"expected 403, got {response.status_code}"


def _verdict(route, policy, role, method, accepted, ours, response) -> str | None:
    """None when the response is what the policy promises, else a description."""
    status = response.status_code
    if status >= 500 and route.name not in DELIBERATE_ERRORS:
        return f"server error {status}"
    admitted = policy.name == "public" or role in ADMITS[policy.name]
    if not admitted:
        # The policy answers before the view runs, whatever the method.
        return _refusal(role, response)
    if accepted is not None and method not in accepted:
        # Third-party views may answer from their own gate first (allauth redirects to
        # reauthenticate or shows its bad-link page); ours say 405. The database check
        # around the sweep proves neither did anything.
        if not ours:
            return None
        return None if status == 405 else f"expected 405 (takes {sorted(accepted)}), got {status}"
    if route.name in RECORD_URLS:
        may_open = RECORD_URLS[route.name][1]
        if role not in may_open:
            return None if status == 404 else f"expected 404 for another's record, got {status}"
        if method in ("GET", "HEAD"):
            return None if status == 200 else f"expected 200 for own record, got {status}"
        return None
    if policy.name == "public" or method not in ("GET", "HEAD"):
        # Nothing to refuse; public flows may still redirect (e.g. to sign in), and an
        # empty POST may be answered with a form error or a redirect.
        return None
    if status == 403 or _is_login_redirect(response):
        return f"refused ({status}) although {policy.name} admits {role}"
    # 404 is a fair answer from an admitted role's view (no such object, no stage in a
    # flow); our own record URLs are held to exact answers above.
    return None


def _send(client, method: str, url: str):
    if method == "POST":
        return client.post(url, {})
    return client.generic(method, url)


def _admitted(policy, role) -> bool:
    return policy.name == "public" or role in ADMITS[policy.name]


def test_every_url_declares_a_policy_and_every_role_gets_what_it_promises(records, request):
    """Every URL pattern × every role × every method."""
    from audit.models import AuditEvent
    from db_snapshot import changed_tables, db_fingerprint

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
            checked.append((route, policy, accepted_methods(match.func)))
    assert not undeclared, "URLs without an access policy:\n" + "\n".join(undeclared)
    assert not unresolvable, "Sample URLs that do not resolve:\n" + "\n".join(unresolvable)
    # "ours": views of our apps that declare their methods (Wagtail's viewsets of our
    # models keep Wagtail's own permission gate, which may answer before the 405).
    undeclared_methods = [
        route.name for route, _, accepted in checked
        if accepted is None and resolve(route.url).func.__module__.split(".")[0] in OUR_APPS
    ]
    checked = [
        (route, policy, accepted, getattr(resolve(route.url).func, "http_methods", None) is not None)
        for route, policy, accepted in checked
    ]
    assert not undeclared_methods, "Our views must declare their methods: " + ", ".join(
        undeclared_methods
    )

    failures, outcomes = [], Counter()
    client = Client(raise_request_exception=False)
    users = world.users()

    def sign_in(role):
        client.logout()
        if users[role] is not None:
            client.force_login(users[role])

    def sweep(methods, *, want=lambda route, policy, role, method, accepted: True):
        for role_index, role in enumerate(users):
            sign_in(role)
            for route_index, (route, policy, accepted, ours) in enumerate(checked):
                for method in methods:
                    if not want(route, policy, role, method, accepted):
                        continue
                    if (policy.name in SAMPLED_POLICIES and method != "GET"
                            and (route_index + METHODS.index(method)) % len(users) != role_index):
                        # The admins' own URLs: every method once per pattern, the
                        # role taking turns; every role reads every pattern.
                        continue
                    response = _send(client, method, route.url)
                    problem = _verdict(route, policy, role, method, accepted, ours, response)
                    outcomes[(policy.name, role, method, "ok" if problem is None else "FAIL")] += 1
                    if problem:
                        failures.append(f"{role:<18} {method:<7} {route.url} [{policy.name}]: {problem}")
                    if method == "POST" and users[role] is not None and response.status_code != 403:
                        sign_in(role)  # an empty POST may have signed them out (logout)

    # 1. Methods none of our views take: refused or 405, and nothing at all is written
    # but the audit trail's record of the refusals.
    before, last_event = db_fingerprint(), AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    sweep(NEVER_ACCEPTED_BY_US)
    changed = changed_tables(before, db_fingerprint())
    assert not changed, f"OPTIONS/PUT/PATCH/DELETE changed: {changed}"
    new_verbs = set(AuditEvent.objects.filter(pk__gt=last_event).values_list("verb", flat=True))
    assert new_verbs <= {"access.refused"}, new_verbs
    # 2. Reading.
    sweep(("GET", "HEAD"))
    # 3. An empty POST: everywhere a role is refused, and wherever an admitted role's
    # view is ours or is known not to take POST (Wagtail's own forms are Wagtail's).
    sweep(("POST",), want=lambda route, policy, role, method, accepted: (
        not _admitted(policy, role)
        or (accepted is not None and (policy.name != "wagtail-admin" or "POST" not in accepted))
    ))

    request.config.kapstone_access_report = (len(routes), len(checked), len(users), METHODS, outcomes)
    assert not failures, f"{len(failures)} responses contradict their policy:\n" + "\n".join(
        failures[:80]
    )
    by_policy = Counter(policy.name for _, policy, _, _ in checked)
    # Every kind of policy is exercised: a regression that drops one shows up here.
    assert set(by_policy) == set(ADMITS) - {"django-admin"} | ({"django-admin"} & set(by_policy))
    # Every method reached a view that takes it and one that does not.
    answered = {method for (_, _, method, _) in outcomes}
    assert answered == set(METHODS)


def test_record_urls_name_real_routes():
    names = {route.name for route in walk_routes()}
    assert set(RECORD_URLS) <= names
