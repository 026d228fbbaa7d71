"""Every form the project serves, fuzzed as the role that is offered it.

The forms are found, not listed: each role opens every page of ours (and every lesson)
and each ``<form>`` on them is collected, so a new form is fuzzed as soon as a template
renders it. A route that takes POSTs but shows no form anywhere fails here until it is
given one or declared read-only below; every form class in the project's forms modules
must have been bound by the fuzz.

Each form gets ``EXAMPLES`` (20) hostile submissions (missing fields, wrong types, huge and
control-character text, NUL bytes, JSON, bad files, protected extra fields), each against
the same starting world (a savepoint rolled back after it). The promises: no server
error, and a submission the user is told was refused changes no row (refusals may only
add their own audit event).
"""

import importlib
import inspect
import os
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.forms import BaseForm
from django.test import Client
from hypothesis import HealthCheck, Phase, example, given
from hypothesis import settings as hsettings

from crawl import discover, is_ours, our_forms, pages_for
from fuzzing import changed, describe, fingerprint, submissions, too_big, was_rejected
from url_walk import walk_routes

pytestmark = pytest.mark.django_db

# Submissions per form besides the two explicit ones; raise it locally for a deeper run.
EXAMPLES = int(os.environ.get("KAPSTONE_FUZZ_EXAMPLES", 20))

# Our routes that only ever read: pages, downloads and JSON documents. Every other
# route of ours must be the target of a form some page offers.
READ_ONLY = {
    "home", "courses:trainee_home", "courses:trainer_home", "competencies:trainer_trainee",
    "courses:admin_home", "courses:applications", "courses:my_applications", "competencies:my_outcomes",
    "competencies:trainer_queue", "competencies:admin_record", "competencies:evidence_file",
    "consultation:export_csv", "consultation:export_download", "consultation:cohort_summary_csv",
    "certificates:mine", "certificates:pdf", "certificates:credential", "certificates:detail",
    "certificates:verify", "certificates:did_document", "certificates:status_list",
    "certificates:achievement", "jobs:list", "competencies_frameworks",
    "competencies_framework_export_case", "accounts:people", "accounts:name_requests",
    "notifications:list", "notifications:detail", "mydata:download",
    # A JSON API that checks a credential and changes nothing; test_fuzz_api.py fuzzes it.
    "certificates:credentials_verify",
}
# Wagtail viewset screens that only read; deleting is switched off for every role
# (courses/wagtail_hooks.py ``_no_delete``), so its confirmation form is never shown.
READ_ONLY_VIEWSET_SUFFIXES = (
    ":index", ":index_results", ":history", ":history_results", ":usage", ":inspect", ":delete",
)


def _record_ids(world) -> dict[str, dict[str, str]]:
    a = str(world.enrolment_a.pk)
    return {
        "competencies:trainer_trainee": {"enrolment_id": a},
        "competencies:my_outcome": {"enrolment_id": str(world.enrolment_b.pk), "code": "C1"},
        "competencies:admin_record": {"enrolment_id": a},
        "competencies:admin_move_version": {"enrolment_id": str(world.enrolment_b.pk)},
        "competencies:evidence_file": {"evidence_id": str(world.evidence_a.pk)},
        "consultation:session_detail": {"session_id": str(world.session_a.pk)},
        "consultation:export_download": {"export_id": str(world.export_a.pk)},
        "certificates:detail": {"certificate_id": str(world.certificate_a.pk)},
        "certificates:pdf": {"certificate_id": str(world.certificate_a.pk)},
        "certificates:credential": {"certificate_id": str(world.certificate_a.pk)},
        "certificates:cohort_matrix": {"cohort_id": str(world.cohort.pk)},
        "consultation:cohort_summary_csv": {"cohort_id": str(world.cohort.pk)},
        "courses:application_decide": {"application_id": str(world.application.pk)},
        "courses:apply": {"program_slug": world.cohort.program.slug},
        "courses_program:edit": {"pk": str(world.cohort.program.pk)},
        "courses_cohort:edit": {"pk": str(world.cohort.pk)},
        "courses_enrolment:edit": {"pk": a},
        "accounts:person_edit": {"user_id": str(world.trainee_b.pk)},
        "accounts:name_request_decide": {"request_id": str(world.name_request.pk)},
        "competencies:evidence_edit": {"evidence_id": str(world.evidence_b.pk)},
        "courses:check_attempts": {"enrolment_id": str(world.enrolment_b.pk)},
    }


def _project_form_classes() -> set[type]:
    """Every form class defined in the project's forms modules (``*forms.py``)."""
    root = Path(settings.BASE_DIR)
    classes = set()
    for path in root.glob("*/*forms.py"):
        if path.parts[-2] in ("tests", ".venv"):
            continue
        module = importlib.import_module(f"{path.parts[-2]}.{path.stem}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, BaseForm) and cls.__module__ == module.__name__:
                classes.add(cls)
    return classes


def _other_states(world):
    """States in which a page shows a form it does not show in the starting world."""
    from certificates.services import certificate_revoke

    def revoked():  # the certificate page offers reissue instead of revoke
        certificate_revoke(actor=world.admin, certificate=world.certificate_a, reason="Test")

    def review_asked():  # B's outcome page offers to withdraw the request
        from competencies.services import signoff_request

        signoff_request(actor=world.trainee_b, enrolment=world.enrolment_b, outcome_code="C1",
                        evidence_ids=[world.evidence_b.pk])

    return [revoked, review_asked]


def _pages_showing_forms_only_later(world) -> set[tuple[str, str]]:
    """Pages with no form of ours in the starting world that show one in another state:
    a live certificate's page only links to the revoke page; once revoked it offers
    reissue."""
    from django.urls import reverse

    return {("program_admin", reverse("certificates:detail", args=[world.certificate_a.pk]))}


def _next_steps(client, user, form):
    """The forms of ours in the answer to the browser's own submission of ``form``."""
    if form.method != "post":
        return []
    with transaction.atomic():
        client.logout()
        if user is not None:
            client.force_login(user)
        response = client.post(form.action, form.valid_data())
        transaction.set_rollback(True)
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return []
    return our_forms(form.action, response.content.decode())


def _fuzz(client, user, form, record) -> None:
    """EXAMPLES hostile submissions of one form; problems are added to ``record``."""
    method = form.method
    client.logout()
    if user is not None:
        client.force_login(user)
    cookie = settings.SESSION_COOKIE_NAME
    signed_in = client.cookies[cookie].value if cookie in client.cookies else None

    @hsettings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
               phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(data=submissions(form))
    @example(data=form.valid_data())  # the browser's own, untouched submission
    @example(data=too_big(form))
    def run(data):
        record["examples"] += 1
        cache.clear()  # rate limits would otherwise answer before the form is read
        with transaction.atomic():
            before = fingerprint()
            if method == "post":
                response = client.post(form.action, data)
            else:
                response = client.get(form.action, data)
            if response.status_code >= 500:
                record["errors"].append(f"{response.status_code} {describe(data)}")
            else:
                rejected = was_rejected(response)
                after = fingerprint()
                if method == "get" and changed(before, after):
                    record["errors"].append(f"GET wrote {changed(before, after)}: {describe(data)}")
                elif rejected and changed(before, after):
                    record["errors"].append(
                        f"refused but wrote {changed(before, after)}: {describe(data)}"
                    )
                record["rejected"] += rejected
            transaction.set_rollback(True)
        if signed_in is not None and client.cookies[cookie].value != signed_in:
            # The answer changed the session (sign-in, password change), and the rollback
            # undid the new one: start the next example from the same signed-in session.
            client.cookies[cookie] = signed_in

    run()


def test_every_form_survives_hostile_input_and_a_refusal_changes_nothing(populated, request):
    world = populated
    users = dict(world.users())
    users["applicant"] = world.applicant
    pages = pages_for(world, _record_ids(world))
    bound: set[type] = set()
    original_full_clean = BaseForm.full_clean

    def recording_full_clean(self):
        if self.is_bound:
            bound.add(type(self))
        return original_full_clean(self)

    client = Client(raise_request_exception=False)
    report: dict[str, dict] = {}
    seen_fields: dict[str, set[str]] = {}

    def fuzz_all(queue, more_fields=True):
        # A form's own answer may offer the next step (a confirmation page): fuzz it too.
        queue = sorted(queue)
        while queue:
            key, (role, form) = queue.pop(0)
            if key in report:
                # The same form showing more fields in another state is fuzzed again.
                extra = sorted(set(form.fields) - seen_fields[key])
                if not more_fields or not extra or f"{key} +{','.join(extra)}" in report:
                    continue
                key = f"{key} +{','.join(extra)}"
            seen_fields[key.split(" +")[0]] = seen_fields.get(key.split(" +")[0], set()) | set(form.fields)
            report[key] = record = {"role": role, "examples": 0, "rejected": 0, "errors": []}
            _fuzz(client, users[role], form, record)
            queue += [(k, (role, f)) for k, f in _next_steps(client, users[role], form)]

    with mock.patch.object(BaseForm, "full_clean", recording_full_clean):
        forms, with_forms = discover(users, pages)
        fuzz_all(forms.items(), more_fields=False)
        for make_state in _other_states(world):
            with transaction.atomic():
                make_state()
                # Only the pages that showed forms can show different ones now.
                for role, page in sorted(with_forms | _pages_showing_forms_only_later(world)):
                    more, _ = discover({role: users[role]}, [page])
                    fuzz_all(more.items())
                transaction.set_rollback(True)

    request.config.kapstone_fuzz_report = report
    failures = [f"{key} as {r['role']}: {e}" for key, r in report.items() for e in r["errors"]]
    assert not failures, f"{len(failures)} bad answers:\n" + "\n".join(failures[:60])

    posted = {key.split(" ")[1] for key in report}
    expected = {
        r.name for r in walk_routes() if is_ours(r.name) and r.name not in READ_ONLY
        and not r.name.endswith(READ_ONLY_VIEWSET_SUFFIXES)
    }
    assert not expected - posted, (
        "Routes that take input but no page offers a form for (give the world the state "
        f"that shows it, or declare them read-only): {sorted(expected - posted)}"
    )
    # allauth builds its sign-up form on ours (ACCOUNT_SIGNUP_FORM_CLASS): a subclass
    # bound reaches the class it is built on.
    unbound = {cls.__qualname__ for cls in _project_form_classes()
               if not any(issubclass(b, cls) for b in bound)}
    assert not unbound, f"Form classes the fuzz never reached: {sorted(unbound)}"
    assert all(r["examples"] == EXAMPLES + 2 for r in report.values())
