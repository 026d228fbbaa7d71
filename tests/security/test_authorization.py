"""Authorization: nobody reaches another trainee's records, forms ignore fields a role
may not set, a trainer unassigned mid-session is refused at once, and nobody signs off,
confirms, verifies or certifies their own record.

The id-taking URLs come from walking the URLconf: a new URL that takes an object id
fails ``test_every_id_url_is_covered`` until it is listed here with A's object.
"""

import datetime
import re

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone

from competencies.models import EvidenceItem, SignOff, SignOffRequest
from consultation.models import ConsultationSession
from core.roles import Role
from db_snapshot import changed_tables, db_fingerprint
from test_access_policy import ADMITS, accepted_methods, records  # noqa: F401 - fixture
from url_walk import walk_routes

pytestmark = pytest.mark.django_db

NOTES_MARKER = "PRIVATE-NOTE-7f3a"
EVIDENCE_MARKER = b"EVIDENCE-BYTES-91c2"

# Every id parameter our URLs take, and trainee A's object for it.
OWNED_BY_A = {
    "enrolment_id": lambda w: w.enrolment_a.pk,
    "evidence_id": lambda w: w.evidence_a.pk,
    "session_id": lambda w: w.session_a.pk,
    "export_id": lambda w: w.export_a.pk,
    "certificate_id": lambda w: w.certificate_a.pk,
    "cohort_id": lambda w: w.cohort.pk,
    "application_id": lambda w: w.application_a.pk,
    "job_id": lambda w: w.job_a.pk,
    # People pages (program admins only): A's account and A's legal name request.
    "user_id": lambda w: w.trainee_a.pk,
    "request_id": lambda w: w.name_request_a.pk,
    # A's own notification and A's download of their record.
    "notification_id": lambda w: w.notification_a.pk,
    "record_export_id": lambda w: w.record_export_a.pk,
}
# Ids of things nobody owns: curriculum lessons and their checks and reflection prompts
# (readable by every enrolled trainee; each action writes only to the caller's own
# enrolment, and a reflection is only ever reached by id through the evidence form,
# tested below), published framework versions and the public credential status lists.
SHARED_IDS = {"lesson_id", "check_id", "prompt_id", "version_id", "list_id"}
# Other parameters of our id URLs.
OTHER_PARAMS = {"code": "C1"}

# Third-party id URLs open to trainee B or a trainer, and why they hold nothing of A's.
THIRD_PARTY_ID_URLS = {
    "wagtaildocs_serve": "curriculum documents; collection privacy is tested in tests/cms",
    "wagtaildocs_authenticate_with_password": "document password form; no record",
    "wagtailcore_authenticate_with_password": "page password form; no record",
    "mfa_remove_webauthn": "allauth looks keys up among the signed-in user's own",
    "mfa_edit_webauthn": "allauth looks keys up among the signed-in user's own",
}
OUR_APPS = ("accounts", "audit", "certificates", "cms", "competencies", "config",
            "consultation", "courses", "jobs", "mydata", "notifications")


def _id_params(route) -> list[str]:
    return [n for n in route.kwargs_names if n in {"pk", "id"} or n.endswith(("_id", "_pk"))]


def _id_routes():
    return [route for route in walk_routes() if _id_params(route) or (route.has_args and re.search(r"/1/", route.url))]


@pytest.fixture
def a_records(records, settings):  # noqa: F811 - pytest injects the imported fixture by this name
    """Trainee A's records, each holding something that must never leak."""
    from courses.models import Application
    from jobs.models import Job

    world = records
    world.evidence_a.file.save("notes.txt", ContentFile(EVIDENCE_MARKER), save=True)
    ConsultationSession.objects.filter(pk=world.session_a.pk).update(notes=NOTES_MARKER)
    world.session_a.refresh_from_db()
    world.application_a = Application.objects.create(
        applicant=world.trainee_a, program=world.cohort.program, cohort=world.cohort,
        profession="therapist", license_type="LMFT", license_number="LIC-A-0001",
        license_jurisdiction="CA", license_expires_on=timezone.localdate() + datetime.timedelta(days=365),
        attested_scope_at=timezone.now(),
    )
    world.job_a = Job.objects.order_by("pk").last() or pytest.fail("the complete record enqueues jobs")
    from accounts.models import NameChangeRequest

    world.name_request_a = NameChangeRequest.objects.create(
        user=world.trainee_a, current_name=world.trainee_a.full_name, requested_name="A Renamed",
    )
    return world


def _secrets(world) -> list[bytes]:
    a = world.trainee_a
    return [s.encode() for s in (a.email, a.full_name, NOTES_MARKER, world.certificate_a.serial,
                                 world.certificate_a.verification_code, "LIC-A-0001") if s] + [EVIDENCE_MARKER]


def _attack_payload(world) -> dict:
    """Everything a form of ours might take, aimed at A's records."""
    return {
        "decision": "met", "comment": "looks fine", "revision": str(world.session_a.revision),
        "reason": "because", "action": "evidence", "kind": "written", "text": "mine now",
        "confirm": "on", "step": "confirm", "enrolment": str(world.enrolment_a.pk),
        "minutes": "600", "category": "E1", "date": timezone.localdate().isoformat(),
        "trainer": str(world.trainer_unassigned.pk), "trainees": [str(world.enrolment_a.pk)],
        "notes": "overwritten", "version": "1",
    }


def test_every_id_url_is_covered():
    """Each URL taking an object id is A's-object-tested below, refused by its policy to
    trainee B and unassigned trainers, about shared things, or a listed third-party URL."""
    uncovered = []
    for route in _id_routes():
        func = resolve(route.url).func
        policy = func.access_policy
        admits_attackers = policy.name == "public" or {"trainee_b", "trainer_unassigned"} & ADMITS[policy.name]
        params = set(_id_params(route))
        if not admits_attackers or route.name in THIRD_PARTY_ID_URLS:
            continue
        if func.__module__.split(".")[0] in OUR_APPS and params and params <= set(OWNED_BY_A) | SHARED_IDS:
            continue
        uncovered.append(f"{route.name} {route.url} {sorted(params)}")
    assert not uncovered, "id URLs with no authorization coverage:\n" + "\n".join(uncovered)


def test_trainee_b_and_an_unassigned_trainer_get_none_of_trainee_as_objects(a_records):
    world = a_records
    covered, ours_covered, requests = set(), set(), 0
    secrets = _secrets(world)
    before = db_fingerprint()
    client = Client(raise_request_exception=False)
    for route in _id_routes():
        if route.name in THIRD_PARTY_ID_URLS:
            continue
        params = _id_params(route)
        policy = resolve(route.url).func.access_policy
        ours = (resolve(route.url).func.__module__.split(".")[0] in OUR_APPS
                and policy.name not in ("wagtail-admin", "django-admin"))
        if ours and (not params or set(params) & SHARED_IDS):
            continue
        if ours:
            kwargs = {name: OWNED_BY_A[name](world) for name in params}
            kwargs.update({n: v for n, v in OTHER_PARAMS.items() if n in route.kwargs_names})
            url = reverse(route.name, kwargs=kwargs)
        else:
            url = route.url  # Wagtail/Django admin: the policy refuses before any lookup
        func = resolve(url).func
        accepted = accepted_methods(func)
        for attacker in (world.trainee_b, world.trainer_unassigned):
            client.force_login(attacker)
            for method in ("GET", "POST"):
                response = client.get(url) if method == "GET" else client.post(url, _attack_payload(world))
                requests += 1
                refused = response.status_code in (403, 404) or (
                    response.status_code == 405 and accepted is not None and method not in accepted
                )
                assert refused, f"{attacker} {method} {url}: {response.status_code}"
                body = b"".join(response) if response.streaming else response.content
                leaked = [s for s in secrets if s in body]
                assert not leaked, f"{attacker} {method} {url} shows {leaked}"
        covered.add(route.name)
        if ours:
            ours_covered.add(route.name)
    assert changed_tables(before, db_fingerprint()) == []
    assert {"competencies:evidence_file", "consultation:session_detail", "consultation:export_download",
            "certificates:pdf", "certificates:credential", "competencies:my_outcome",
            "competencies:trainer_trainee", "competencies:trainer_decide", "consultation:session_confirm",
            "consultation:session_withdraw", "certificates:revoke"} <= ours_covered
    print(f"\nid URLs covered: {len(covered)} ({len(ours_covered)} of ours), requests: {requests}")


# --- Fields a role may not set --------------------------------------------------------

def _pending_session(world, **extra):
    from consultation.services import session_log

    return session_log(actor=world.trainee_a, enrolment=world.enrolment_a, trainer=world.trainer_a,
                       date=timezone.localdate() - datetime.timedelta(days=2), minutes=45,
                       start_time=datetime.time(7, 13), category="E2", **extra)


def _session_post(session, **overrides):
    data = {"trainer": session.trainer_id, "date": session.date.isoformat(), "minutes": session.minutes,
            "start_time": session.start_time.isoformat() if session.start_time else "",
            "category": session.category, "format": session.format, "modality": session.modality,
            "case_reference": "", "notes": "", "revision": session.revision}
    data.update(overrides)
    return data


@pytest.mark.parametrize("field,value", [
    ("status", "confirmed"), ("confirmed", "true"), ("decided_at", "2020-01-01T00:00"),
    ("logged_by", "trainer"), ("enrolment", "b"), ("group", "00000000-0000-0000-0000-000000000001"),
    ("reverses", "session"), ("trainer_comment", "Approved by me"),
])
def test_a_trainee_cannot_set_what_only_a_trainer_or_the_system_sets(complete, login, field, value):
    world = complete
    session = _pending_session(world)
    resolved = {"trainer": world.trainer_a.pk, "b": world.enrolment_b.pk, "session": session.pk}.get(value, value)
    client = login(world.trainee_a)
    count, revision = ConsultationSession.objects.count(), session.revision
    client.post(reverse("consultation:session_detail", args=[session.pk]),
                _session_post(session, minutes=50, **{field: resolved}))
    client.post(reverse("consultation:my_hours"), _session_post(
        session, date=(session.date - datetime.timedelta(days=1)).isoformat(), **{field: resolved}))
    # Both posts went through, with the extra field ignored.
    session.refresh_from_db()
    assert (session.minutes, session.revision) == (50, revision + 1)
    assert ConsultationSession.objects.count() == count + 1
    for entry in ConsultationSession.objects.filter(enrolment__trainee=world.trainee_a, pk__gte=session.pk):
        assert entry.status == ConsultationSession.Status.PENDING
        assert entry.decided_at is None and entry.trainer_comment == ""
        assert entry.logged_by_id == world.trainee_a.pk and entry.enrolment_id == world.enrolment_a.pk
        assert entry.group is None and entry.reverses_id is None
    assert not ConsultationSession.objects.filter(enrolment=world.enrolment_b).exists()


def test_a_trainee_cannot_name_a_trainer_not_assigned_to_them(complete, login):
    world = complete
    session = _pending_session(world)
    client = login(world.trainee_a)
    count = ConsultationSession.objects.count()
    response = client.post(reverse("consultation:my_hours"),
                           _session_post(session, trainer=world.trainer_unassigned.pk, minutes=30))
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    client.post(reverse("consultation:session_detail", args=[session.pk]),
                _session_post(session, trainer=world.trainer_unassigned.pk))
    session.refresh_from_db()
    assert session.trainer_id == world.trainer_a.pk
    assert ConsultationSession.objects.count() == count


def test_minutes_of_a_confirmed_entry_never_change(complete, login):
    """Posting new minutes on a confirmed entry makes a correction for the trainer to
    confirm; the confirmed entry itself keeps its minutes and status."""
    world = complete
    confirmed = ConsultationSession.objects.filter(
        enrolment=world.enrolment_a, status=ConsultationSession.Status.CONFIRMED).first()
    minutes = confirmed.minutes
    login(world.trainee_a).post(reverse("consultation:session_detail", args=[confirmed.pk]),
                                _session_post(confirmed, minutes=minutes + 500 if minutes < 600 else 30,
                                              status="confirmed"))
    confirmed.refresh_from_db()
    assert (confirmed.minutes, confirmed.status) == (minutes, ConsultationSession.Status.CONFIRMED)
    correction = ConsultationSession.objects.filter(corrects=confirmed).first()
    assert correction is None or correction.status == ConsultationSession.Status.PENDING


def test_a_trainer_confirming_cannot_change_the_minutes_or_the_trainee(complete, login):
    world = complete
    session = _pending_session(world)
    login(world.trainer_a).post(reverse("consultation:session_confirm", args=[session.pk]), {
        "revision": session.revision, "minutes": 900, "enrolment": world.enrolment_b.pk,
        "category": "E1", "trainer": world.trainer_unassigned.pk,
    })
    session.refresh_from_db()
    assert session.status == ConsultationSession.Status.CONFIRMED
    assert (session.minutes, session.enrolment_id, session.category, session.trainer_id) == (
        45, world.enrolment_a.pk, "E2", world.trainer_a.pk)


@pytest.mark.parametrize("field,value", [
    ("enrolment", "b"), ("outcome_code", "C2"), ("status", "met"), ("issued_by", "admin"),
    ("trainer", "trainer"), ("signed_off", "true"),
])
def test_evidence_goes_only_to_the_outcome_and_record_in_the_url(complete, login, field, value):
    world = complete
    resolved = {"b": world.enrolment_b.pk, "admin": world.admin.pk, "trainer": world.trainer_a.pk}.get(value, value)
    before = SignOff.objects.count()
    login(world.trainee_a).post(reverse("competencies:my_outcome", args=[world.enrolment_a.pk, "C1"]), {
        "action": "evidence", "kind": "written", "text": "My reflection", field: resolved,
    })
    item = EvidenceItem.objects.order_by("-pk").first()
    assert (item.enrolment_id, item.outcome_code, item.text) == (world.enrolment_a.pk, "C1", "My reflection")
    assert not EvidenceItem.objects.filter(enrolment=world.enrolment_b).exists()
    assert SignOff.objects.count() == before


def test_evidence_cannot_cite_another_trainees_reflection_or_lesson(complete, login):
    from courses.models import LessonProgress, Reflection

    world = complete
    progress = LessonProgress.objects.filter(enrolment=world.enrolment_a).first()
    reflection = Reflection.objects.create(enrolment=world.enrolment_a, lesson_id=progress.lesson_id,
                                           prompt_id="p1", prompt="What did you notice?", text=NOTES_MARKER)
    client = login(world.trainee_b)
    url = reverse("competencies:my_outcome", args=[world.enrolment_b.pk, "C1"])
    for data in ({"kind": "reflection", "reflection": reflection.pk},
                 {"kind": "lesson", "lesson": progress.lesson_id}):
        response = client.post(url, {"action": "evidence", **data})
        assert NOTES_MARKER not in response.content.decode()
    assert not EvidenceItem.objects.filter(enrolment=world.enrolment_b).exists()


def test_a_review_request_cannot_attach_another_trainees_evidence(complete, login):
    from competencies.services import evidence_add

    world = complete
    theirs = evidence_add(actor=world.trainee_b, enrolment=world.enrolment_b, outcome_code="C2",
                          kind="written", text="B's private reflection")
    login(world.trainee_a).post(reverse("competencies:my_outcome", args=[world.enrolment_a.pk, "C2"]), {
        "action": "request", "message": "please", "evidence": [theirs.pk],
    })
    assert not SignOffRequest.objects.filter(evidence=theirs).exists()


def test_a_trainer_cannot_decide_with_another_trainees_request(complete, login):
    from competencies.services import signoff_request
    from factories.courses import TrainerAssignmentFactory

    world = complete
    TrainerAssignmentFactory(trainer=world.trainer_unassigned, trainee=world.trainee_b, cohort=world.cohort)
    request_b = signoff_request(actor=world.trainee_b, enrolment=world.enrolment_b, outcome_code="C2")
    before = SignOff.objects.count()
    # trainer_a is A's trainer, posting B's request against A's record...
    login(world.trainer_a).post(reverse("competencies:trainer_decide", args=[world.enrolment_a.pk, "C2"]), {
        "decision": "met", "request_id": request_b.pk})
    # ...and against B's record, which is not theirs.
    response = login(world.trainer_a).post(
        reverse("competencies:trainer_decide", args=[world.enrolment_b.pk, "C2"]),
        {"decision": "met", "request_id": request_b.pk})
    assert response.status_code == 404
    request_b.refresh_from_db()
    assert request_b.closed_at is None and SignOff.objects.count() == before


def test_a_group_session_cannot_include_a_trainee_not_assigned_to_the_trainer(complete, login):
    from factories.accounts import UserFactory
    from factories.courses import EnrolmentFactory, TrainerAssignmentFactory

    world = complete
    third = EnrolmentFactory(trainee=UserFactory(roles=["Trainee"]), cohort=world.cohort)
    TrainerAssignmentFactory(trainer=world.trainer_a, trainee=third.trainee, cohort=world.cohort)
    count = ConsultationSession.objects.count()
    response = login(world.trainer_a).post(reverse("consultation:group_session"), {
        "trainees": [world.enrolment_a.pk, world.enrolment_b.pk], "date": timezone.localdate().isoformat(),
        "minutes": 60, "category": "E1", "modality": "video",
    })
    assert response.status_code == 200
    assert ConsultationSession.objects.count() == count


def test_issuing_ignores_enrolments_of_other_cohorts_and_posted_issuer(complete, login):
    from certificates.models import Certificate
    from factories.courses import EnrolmentFactory

    world = complete
    elsewhere = EnrolmentFactory()
    before = Certificate.objects.count()
    login(world.admin).post(reverse("certificates:issue", args=[world.cohort.pk]), {
        "step": "confirm", "confirm": "on", "enrolment": [elsewhere.pk], "issued_by": world.trainee_b.pk,
    })
    assert Certificate.objects.count() == before


def test_an_applicant_cannot_approve_their_own_application_by_posting_status(world, login):
    from courses.models import Application

    world.cohort.open_for_applications = True
    world.cohort.save()
    applicant = world.editor
    login(applicant).post(reverse("courses:apply", args=[world.cohort.program.slug]), {
        "cohort": world.cohort.pk, "profession": "therapist", "license_type": "LMFT",
        "license_number": "X-1", "license_jurisdiction": "CA",
        "license_expires_on": (timezone.localdate() + datetime.timedelta(days=300)).isoformat(),
        "attest_scope": "on", "status": "approved", "decided_by": world.admin.pk,
    })
    application = Application.objects.get(applicant=applicant)
    assert application.status == Application.Status.PENDING and application.decided_by_id is None


# --- A trainer unassigned mid-session -------------------------------------------------

def test_a_trainer_unassigned_mid_session_is_refused_on_the_next_request(a_records):
    from courses.models import TrainerAssignment
    from courses.services import assignment_end

    world = a_records
    pending = _pending_session(world)
    client = Client(raise_request_exception=False)
    client.force_login(world.trainer_a)
    urls = [reverse("competencies:trainer_trainee", args=[world.enrolment_a.pk]),
            reverse("competencies:evidence_file", args=[world.evidence_a.pk]),
            reverse("consultation:session_detail", args=[world.session_a.pk])]
    assert [client.get(url).status_code for url in urls] == [200, 200, 200]

    for assignment in TrainerAssignment.objects.filter(trainer=world.trainer_a, trainee=world.trainee_a):
        assignment_end(actor=world.admin, assignment=assignment)

    assert [client.get(url).status_code for url in urls] == [404, 404, 404]
    response = client.post(reverse("consultation:session_confirm", args=[pending.pk]), {"revision": pending.revision})
    assert response.status_code == 404
    response = client.post(reverse("competencies:trainer_decide", args=[world.enrolment_a.pk, "C2"]),
                           {"decision": "met"})
    assert response.status_code == 404
    pending.refresh_from_db()
    assert pending.status == ConsultationSession.Status.PENDING
    assert world.trainee_a.email not in client.get(reverse("courses:trainer_home")).content.decode()


def test_a_trainer_whose_role_is_removed_mid_session_is_refused_on_the_next_request(a_records):
    world = a_records
    client = Client(raise_request_exception=False)
    client.force_login(world.trainer_a)
    assert client.get(reverse("competencies:trainer_queue")).status_code == 200
    world.trainer_a.groups.remove(Group.objects.get(name=Role.TRAINER.value))
    assert client.get(reverse("competencies:trainer_queue")).status_code == 403


# --- Nobody signs off their own record ------------------------------------------------

@pytest.fixture
def trainer_in_training(complete):
    """trainer_a also enrolled as a trainee in the same cohort."""
    from factories.courses import EnrolmentFactory

    world = complete
    world.trainer_a.groups.add(Group.objects.get(name=Role.TRAINEE.value))
    own = EnrolmentFactory(trainee=world.trainer_a, cohort=world.cohort,
                           framework_version=world.enrolment_a.framework_version)
    world.own_enrolment = own
    return world


def test_nobody_is_assigned_as_their_own_trainer(trainer_in_training):
    from django.db import IntegrityError, transaction

    from courses.models import TrainerAssignment
    from courses.services import assignment_create

    world = trainer_in_training
    with pytest.raises(ValidationError):
        assignment_create(actor=world.admin, trainer=world.trainer_a, trainee=world.trainer_a,
                          cohort=world.cohort, role="assessor")
    # Not even by a write that skips the service: the database refuses it.
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainerAssignment.objects.create(trainer=world.trainer_a, trainee=world.trainer_a,
                                         cohort=world.cohort, role="assessor",
                                         starts_on=world.own_enrolment.enrolled_on)


def test_a_trainer_enrolled_as_a_trainee_cannot_sign_off_or_confirm_their_own_record(trainer_in_training, login):
    from competencies.services import signoff_decide
    from consultation.services import session_confirm, session_log

    world = trainer_in_training
    own = world.own_enrolment
    with pytest.raises(ValidationError):
        signoff_decide(trainer=world.trainer_a, enrolment=own, outcome_code="C2", decision="met")
    client = login(world.trainer_a)
    assert client.post(reverse("competencies:trainer_decide", args=[own.pk, "C2"]),
                       {"decision": "met"}).status_code == 404
    assert client.get(reverse("competencies:trainer_trainee", args=[own.pk])).status_code == 404
    assert not SignOff.objects.filter(enrolment=own).exists()

    # A session naming themselves as trainer: refused when logged...
    with pytest.raises(ValidationError):
        session_log(actor=world.trainer_a, enrolment=own, trainer=world.trainer_a,
                    date=timezone.localdate(), minutes=60, category="E1")
    # ...and, if one got in, refused when confirmed.
    entry = ConsultationSession.objects.create(
        enrolment=own, trainer=world.trainer_a, date=timezone.localdate(), minutes=60, category="E1",
        logged_by=world.trainer_a)
    with pytest.raises(ValidationError):
        session_confirm(trainer=world.trainer_a, session=entry, revision=entry.revision)
    assert client.post(reverse("consultation:session_confirm", args=[entry.pk]),
                       {"revision": entry.revision}).status_code == 404
    entry.refresh_from_db()
    assert entry.status == ConsultationSession.Status.PENDING


@pytest.fixture
def admin_in_training(complete):
    """The program admin enrolled as a trainee too."""
    from factories.courses import EnrolmentFactory

    world = complete
    world.admin_enrolment = EnrolmentFactory(trainee=world.admin, cohort=world.cohort,
                                             framework_version=world.enrolment_a.framework_version)
    return world


def test_an_admin_who_is_a_trainee_cannot_certify_or_verify_themselves(admin_in_training, login):
    from certificates.models import Certificate
    from certificates.services import certificate_issue
    from courses.services import enrolment_verify_license

    world = admin_in_training
    own = world.admin_enrolment
    with pytest.raises(PermissionDenied):
        certificate_issue(actor=world.admin, enrolment=own)
    with pytest.raises(ValidationError):
        enrolment_verify_license(actor=world.admin, enrolment=own)
    login(world.admin).post(reverse("certificates:issue", args=[world.cohort.pk]),
                            {"step": "confirm", "confirm": "on", "enrolment": [own.pk]})
    assert not Certificate.objects.filter(enrolment=own).exists()
    own.refresh_from_db()
    assert own.license_verified_by_id is None


def test_an_admin_cannot_enrol_themselves_edit_their_enrolment_or_pick_their_trainer(
    admin_in_training,
):
    """Enrolling oneself would skip admission and verify one's own license; editing one's
    own enrolment could reactivate it; choosing one's trainer picks who signs one off."""
    from courses.models import Enrolment, TrainerAssignment
    from courses.services import assignment_create, enrolment_create, enrolment_update
    from factories.courses import CohortFactory

    world = admin_in_training
    other = CohortFactory()
    with pytest.raises(ValidationError, match="enrols themselves"):
        enrolment_create(actor=world.admin, trainee=world.admin, cohort=other, profession="therapist",
                         license_type="LMFT", license_number="ADM-1", license_jurisdiction="CA",
                         license_expires_on=timezone.localdate() + datetime.timedelta(days=365),
                         license_verified=True)
    assert not Enrolment.objects.filter(trainee=world.admin, cohort=other).exists()
    own = world.admin_enrolment
    with pytest.raises(ValidationError, match="own enrolment"):
        enrolment_update(actor=world.admin, enrolment=own, status="completed")
    own.refresh_from_db()
    assert own.status == Enrolment.Status.ACTIVE
    with pytest.raises(ValidationError, match="own trainer"):
        assignment_create(actor=world.admin, trainer=world.trainer_a, trainee=world.admin,
                          cohort=world.cohort, role="assessor")
    assert not TrainerAssignment.objects.filter(trainee=world.admin).exists()
    # Moving one's own record to a new framework version would carry sign-offs onto
    # outcomes of one's choosing.
    from competencies.services import enrolment_move_version

    with pytest.raises(ValidationError, match="own record"):
        enrolment_move_version(actor=world.admin, enrolment=own, version=own.framework_version, mapping={})


def test_an_admin_cannot_decide_their_own_application(world):
    from courses.models import Application
    from courses.services import application_approve

    application = Application.objects.create(
        applicant=world.admin, program=world.cohort.program, cohort=world.cohort,
        profession="therapist", license_type="LMFT", license_number="ADM-2", license_jurisdiction="CA",
        license_expires_on=timezone.localdate() + datetime.timedelta(days=365), attested_scope_at=timezone.now(),
    )
    with pytest.raises(ValidationError):
        application_approve(actor=world.admin, application=application)
    application.refresh_from_db()
    assert application.status == Application.Status.PENDING
