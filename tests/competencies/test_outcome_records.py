"""Evidence rules, status computation and the sign-off workflow."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from audit.appendonly import AppendOnlyError
from competencies import services
from competencies.models import EvidenceItem, SignOff, SignOffRequest
from competencies.selectors import outcome_record, outcome_records_for
from courses.models import LessonProgress
from factories.accounts import UserFactory, with_totp
from factories.courses import EnrolmentFactory, TrainerAssignmentFactory
from framework_versions import draft_copy, publish  # tests/

pytestmark = pytest.mark.django_db


@pytest.fixture
def tracker(world, curriculum):
    """The world with the KAP framework pinned and a second trainer assigned to A."""
    world.trainer_b = with_totp(UserFactory(email="trainer.b@kapstone.test", roles=["Trainer"]))
    TrainerAssignmentFactory(trainer=world.trainer_b, trainee=world.trainee_a, cohort=world.cohort)
    world.enrolment_a.refresh_from_db()
    return world


def _written(world, code="C1"):
    return services.evidence_add(
        actor=world.trainee_a, enrolment=world.enrolment_a, outcome_code=code,
        kind="written", text="How I held boundaries in a session.",
    )


def _status(world, code):
    return outcome_record(world.enrolment_a).get(code)


def test_a_new_record_is_not_started_and_says_what_is_missing(tracker):
    c1 = _status(tracker, "C1")
    assert c1.status == "not_started"
    assert c1.missing == ["Attach evidence", "1 more trainer sign-off"]
    k1 = _status(tracker, "K1")
    assert k1.missing[0].startswith("Complete 2 more lessons (0 of 2 done)")
    e1 = _status(tracker, "E1")
    assert e1.status == "not_started" and e1.missing == ["10:00 more confirmed consultation hours"]


def test_hours_logged_but_not_confirmed_show_as_awaiting_review(tracker, client):
    """A trainee who has logged hours sees them waiting on a trainer, not "Not started"."""
    from consultation import services as hours

    day = timezone.localdate()
    session = hours.session_log(actor=tracker.trainee_a, enrolment=tracker.enrolment_a,
                                trainer=tracker.trainer_a, date=day, minutes=90, category="E1")
    e1 = _status(tracker, "E1")
    assert e1.status == "awaiting_review"
    assert e1.missing == ["10:00 more confirmed consultation hours (1:30 logged, waiting for a trainer to confirm)"]
    assert _status(tracker, "E2").status == "not_started"
    client.force_login(tracker.trainee_a)
    page = client.get(reverse("competencies:my_outcomes")).content.decode()
    assert 'id="outcome-E1"' in page and "Awaiting review" in page

    hours.session_confirm(trainer=tracker.trainer_a, session=session, revision=session.revision)
    e1 = _status(tracker, "E1")
    assert e1.status == "in_progress" and e1.missing == ["8:30 more confirmed consultation hours"]


@pytest.mark.parametrize(
    "needed, deciders, met",
    [(1, ["met"], True), (1, ["not_yet"], False), (2, ["met"], False), (2, ["met", "met"], True),
     (2, ["met", "not_yet"], False)],
)
def test_competency_rule_counts_distinct_trainers(tracker, needed, deciders, met):
    program = tracker.cohort.program
    program.competency_signoffs = needed
    program.save()
    _written(tracker)
    # One or two decisions: the first len(deciders) trainers decide, the rest stay silent.
    for trainer, decision in zip((tracker.trainer_a, tracker.trainer_b), deciders, strict=False):
        services.signoff_decide(
            trainer=trainer, enrolment=tracker.enrolment_a, outcome_code="C1",
            decision=decision, comment="" if decision == "met" else "Add a case example.",
        )
    assert _status(tracker, "C1").met is met


def test_a_later_decision_supersedes_the_same_trainers_earlier_one(tracker):
    _written(tracker)
    services.signoff_decide(trainer=tracker.trainer_a, enrolment=tracker.enrolment_a,
                            outcome_code="C1", decision="met")
    assert _status(tracker, "C1").met
    services.signoff_decide(trainer=tracker.trainer_a, enrolment=tracker.enrolment_a,
                            outcome_code="C1", decision="not_yet", comment="On reflection, more needed.")
    c1 = _status(tracker, "C1")
    assert not c1.met and [d.decision for d in c1.decisions] == ["met", "not_yet"]


def test_the_same_trainer_twice_is_not_two_signoffs(tracker):
    program = tracker.cohort.program
    program.competency_signoffs = 2
    program.save()
    _written(tracker)
    for _ in range(2):
        services.signoff_decide(trainer=tracker.trainer_a, enrolment=tracker.enrolment_a,
                                outcome_code="C1", decision="met")
    c1 = _status(tracker, "C1")
    assert not c1.met and c1.missing == ["1 more trainer sign-off from a different trainer"]


def test_knowledge_needs_coursework_and_a_signoff(tracker, client):
    from cms.models import LessonPage

    services.signoff_decide(trainer=tracker.trainer_a, enrolment=tracker.enrolment_a,
                            outcome_code="K3", decision="met")
    assert not _status(tracker, "K3").met
    for lesson in LessonPage.objects.filter(outcome_links__code="K3"):
        now = timezone.now()
        LessonProgress.objects.create(enrolment=tracker.enrolment_a, lesson_id=lesson.pk,
                                      last_opened_at=now, read_at=now, completed_at=now)
    assert _status(tracker, "K3").met


def test_request_then_decisions_flow_and_history(tracker, client, django_capture_on_commit_callbacks):
    from django.core import mail

    item = _written(tracker)
    with django_capture_on_commit_callbacks(execute=True):
        request = services.signoff_request(actor=tracker.trainee_a, enrolment=tracker.enrolment_a,
                                           outcome_code="C1", evidence_ids=[item.pk])
    assert _status(tracker, "C1").status == "awaiting_review"
    assert {to for m in mail.outbox for to in m.to} == {"trainer.a@kapstone.test", "trainer.b@kapstone.test"}
    with django_capture_on_commit_callbacks(execute=True):
        services.signoff_decide(trainer=tracker.trainer_a, enrolment=tracker.enrolment_a,
                                outcome_code="C1", decision="not_yet", comment="Add a second example.",
                                request=request)
    assert mail.outbox[-1].to == ["trainee.a@kapstone.test"] and "Add a second example." in mail.outbox[-1].body
    assert _status(tracker, "C1").status == "in_progress"
    with pytest.raises(ValidationError, match="already been decided"):
        services.signoff_decide(trainer=tracker.trainer_b, enrolment=tracker.enrolment_a,
                                outcome_code="C1", decision="met", request=request)
    again = services.signoff_request(actor=tracker.trainee_a, enrolment=tracker.enrolment_a, outcome_code="C1")
    services.signoff_decide(trainer=tracker.trainer_a, enrolment=tracker.enrolment_a,
                            outcome_code="C1", decision="met", request=again)
    c1 = _status(tracker, "C1")
    assert c1.met and len(c1.decisions) == 2
    with pytest.raises(AppendOnlyError):
        SignOff.objects.filter(enrolment=tracker.enrolment_a).update(decision="not_yet")


@pytest.mark.parametrize(
    "who, message",
    [("trainee_a", "Nobody signs off their own record"),
     ("trainer_unassigned", "Only a trainer assigned"),
     ("trainee_b", "Only a trainer assigned")],
)
def test_only_assigned_trainers_decide_and_never_on_their_own_record(tracker, who, message):
    user = tracker.users()[who]
    with pytest.raises(ValidationError, match=message):
        services.signoff_decide(trainer=user, enrolment=tracker.enrolment_a, outcome_code="C1", decision="met")
    assert not SignOff.objects.exists()


def test_a_trainer_who_is_a_trainee_elsewhere_cannot_sign_their_own_outcomes(tracker):
    from factories.courses import CohortFactory

    other = CohortFactory(program=tracker.cohort.program)
    own = EnrolmentFactory(trainee=tracker.trainer_a, cohort=other,
                           framework_version=tracker.enrolment_a.framework_version)
    TrainerAssignmentFactory(trainer=tracker.trainer_b, trainee=tracker.trainer_a, cohort=other)
    with pytest.raises(ValidationError, match="own record"):
        services.signoff_decide(trainer=tracker.trainer_a, enrolment=own, outcome_code="C1", decision="met")
    services.signoff_decide(trainer=tracker.trainer_b, enrolment=own, outcome_code="C1", decision="met")


@pytest.mark.parametrize(
    "kwargs, field, message",
    [
        ({"decision": "not_yet", "comment": "  "}, "comment", "Say what is still needed"),
        ({"decision": "maybe"}, "decision", "Choose met or not yet"),
        ({"decision": "met", "outcome_code": "E1"}, None, "consultation hours"),
        ({"decision": "met", "outcome_code": "Z9"}, None, "not an outcome"),
    ],
)
def test_bad_decisions_are_refused(tracker, kwargs, field, message):
    params = {"outcome_code": "C1", **kwargs}
    with pytest.raises(ValidationError, match=message):
        services.signoff_decide(trainer=tracker.trainer_a, enrolment=tracker.enrolment_a, **params)
    assert not SignOff.objects.exists()


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("notes.exe", b"MZ\x90\x00", "Upload a"),
        ("fake.pdf", b"<html><script>alert(1)</script>", "not a real PDF"),
        ("huge.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "at most 10 MB"),
        ("empty.txt", b"", "empty"),
        ("latin.txt", "café".encode("latin-1"), "UTF-8"),
        ("drawing.svg", b"<svg onload=alert(1)>", "Upload a"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(tracker, name, content, message):
    with pytest.raises(ValidationError, match=message):
        services.evidence_add(actor=tracker.trainee_a, enrolment=tracker.enrolment_a, outcome_code="C1",
                              kind="file", upload=SimpleUploadedFile(name, content))
    assert not EvidenceItem.objects.exists()


def test_uploads_get_server_chosen_names_and_are_served_as_attachments(tracker, client, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    item = services.evidence_add(actor=tracker.trainee_a, enrolment=tracker.enrolment_a, outcome_code="C1",
                                 kind="file", upload=SimpleUploadedFile("../../etc/passwd.pdf", b"%PDF-1.4 x"))
    assert item.original_name == "passwd.pdf" and ".." not in item.file.name
    assert item.file.name.startswith(f"evidence/{tracker.enrolment_a.pk}/")
    url = reverse("competencies:evidence_file", args=[item.pk])
    for who, status in [("trainee_a", 200), ("trainer_a", 200), ("program_admin", 200),
                        ("trainee_b", 404), ("trainer_unassigned", 404), ("curriculum_editor", 404)]:
        client.force_login(tracker.users()[who])
        response = client.get(url)
        assert response.status_code == status, who
        if status == 200:
            assert response["Content-Disposition"].startswith("attachment")
            assert response["X-Content-Type-Options"] == "nosniff"
    client.logout()
    assert client.get(url).status_code == 302


def test_evidence_may_link_only_own_completed_lessons_and_reflections(tracker):
    from cms.models import LessonPage

    lesson = LessonPage.objects.first()
    with pytest.raises(ValidationError, match="completed"):
        services.evidence_add(actor=tracker.trainee_a, enrolment=tracker.enrolment_a, outcome_code="C1",
                              kind="lesson", lesson_id=lesson.pk)
    with pytest.raises(ValidationError, match="Only the trainee"):
        services.evidence_add(actor=tracker.trainee_b, enrolment=tracker.enrolment_a, outcome_code="C1",
                              kind="written", text="Not mine")
    assert not EvidenceItem.objects.exists()


def test_one_open_request_per_outcome(tracker):
    services.signoff_request(actor=tracker.trainee_a, enrolment=tracker.enrolment_a, outcome_code="C2")
    with pytest.raises(ValidationError, match="already waiting"):
        services.signoff_request(actor=tracker.trainee_a, enrolment=tracker.enrolment_a, outcome_code="C2")
    assert SignOffRequest.objects.count() == 1


def test_pages_walk_the_workflow(tracker, client):
    client.force_login(tracker.trainee_a)
    url = reverse("competencies:my_outcome", args=[tracker.enrolment_a.pk, "C1"])
    client.post(url, {"action": "evidence", "kind": "written", "text": "Case reflection"})
    item = EvidenceItem.objects.get()
    client.post(url, {"action": "request", "message": "Ready", "evidence": [item.pk]})
    request = SignOffRequest.objects.get()
    client.force_login(tracker.trainer_a)
    queue = client.get(reverse("competencies:trainer_queue")).content.decode()
    assert "Case reflection" in queue and "C1" in queue
    decide = reverse("competencies:trainer_decide", args=[tracker.enrolment_a.pk, "C1"])
    page = client.post(decide, {"decision": "not_yet", "comment": "", "request_id": request.pk}, follow=True)
    assert "Say what is still needed" in page.content.decode()
    client.post(decide, {"decision": "met", "request_id": request.pk})
    client.force_login(tracker.trainee_a)
    mine = client.get(reverse("competencies:my_outcomes")).content.decode()
    assert "1 of 23 outcomes met" in mine
    client.force_login(tracker.trainer_unassigned)
    assert client.post(decide, {"decision": "met"}).status_code == 404
    assert "No review requests are waiting" in client.get(reverse("competencies:trainer_queue")).content.decode()


def _requests(world, n):
    """n more trainees of trainer A, each with evidence and an open request on C1."""
    for _ in range(n):
        enrolment = EnrolmentFactory(cohort=world.cohort, framework_version=world.enrolment_a.framework_version)
        TrainerAssignmentFactory(trainer=world.trainer_a, trainee=enrolment.trainee, cohort=world.cohort)
        item = services.evidence_add(actor=enrolment.trainee, enrolment=enrolment, outcome_code="C1",
                                     kind="written", text="Evidence")
        services.signoff_request(actor=enrolment.trainee, enrolment=enrolment, outcome_code="C1",
                                 evidence_ids=[item.pk])


@pytest.mark.parametrize("n", [1, 12])
def test_queue_and_records_run_fixed_queries(tracker, client, django_assert_num_queries, n):
    _requests(tracker, n)
    client.force_login(tracker.trainer_a)
    client.get(reverse("competencies:trainer_queue"))
    # session, user, roles, MFA, requests, evidence, statements, consultation entries,
    # and the navigation's two queue counts
    with django_assert_num_queries(10):
        page = client.get(reverse("competencies:trainer_queue"))
    assert page.content.decode().count("Record decision") == n
    # the record's, the consultation entries waiting for this trainer (shown first), and
    # the navigation's two queue counts
    with django_assert_num_queries(22):
        client.get(reverse("competencies:trainer_trainee", args=[tracker.enrolment_a.pk]))
    client.force_login(tracker.trainee_a)
    _written(tracker)
    # First view: session, user, roles, the trainee's enrolments, program pages and
    # outcomes (the cached fragment's key), then the records (the curriculum tree is
    # cached by the page above)
    with django_assert_num_queries(16):
        first = _unmasked(client.get(reverse("competencies:my_outcomes")))
    # Repeat view, nothing changed: the records come as the fragment rendered above
    with django_assert_num_queries(6):
        assert _unmasked(client.get(reverse("competencies:my_outcomes"))) == first


def _unmasked(response) -> str:
    """The page without its CSRF tokens (masked afresh in every response)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


@pytest.mark.parametrize("extra", [0, 30])
def test_record_set_form_is_fixed_for_a_cohort(tracker, django_assert_num_queries, extra):
    _requests(tracker, extra)
    ids = list(tracker.cohort.enrolments.values_list("pk", flat=True))
    with django_assert_num_queries(13):
        records = outcome_records_for(ids)
    assert len(records) == 2 + extra
    assert all(len(r.outcomes) == 23 for r in records.values())


def test_daily_digest_lists_each_trainers_open_requests(tracker, django_capture_on_commit_callbacks):
    from django.conf import settings
    from django.core import mail

    from competencies.tasks import send_review_digest

    assert settings.CELERY_BEAT_SCHEDULE["review-digest"]["task"] == "competencies.tasks.send_review_digest"
    services.signoff_request(actor=tracker.trainee_a, enrolment=tracker.enrolment_a, outcome_code="C3")
    services.signoff_request(actor=tracker.trainee_a, enrolment=tracker.enrolment_a, outcome_code="C4")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sent = send_review_digest.apply().get()
    assert sent == 2
    bodies = {m.to[0]: m.body for m in mail.outbox}
    assert set(bodies) == {"trainer.a@kapstone.test", "trainer.b@kapstone.test"}
    assert "C3 for" in bodies["trainer.a@kapstone.test"] and "C4 for" in bodies["trainer.a@kapstone.test"]
    assert mail.outbox[0].subject == "[Kapstone] 2 review requests waiting"


def test_published_versions_are_immutable_and_new_versions_leave_enrolments_alone(tracker):
    from competencies.models import Outcome, PublishedVersionError

    v1 = tracker.enrolment_a.framework_version
    outcome = v1.outcomes.get(code="C1")
    outcome.statement = "Changed"
    with pytest.raises(PublishedVersionError):
        outcome.save()
    with pytest.raises(PublishedVersionError):
        outcome.delete()
    v2 = draft_copy(v1.framework)
    assert v2.outcomes.count() == 23 and v2.number == 2
    c1 = v2.outcomes.get(code="C1")
    c1.code, c1.statement = "C1a", "Establishes the therapeutic alliance."
    c1.save()
    publish(v2)
    tracker.enrolment_a.refresh_from_db()
    assert tracker.enrolment_a.framework_version == v1
    assert _status(tracker, "C1").outcome.statement != "Establishes the therapeutic alliance."
    with pytest.raises(PublishedVersionError):
        Outcome(version=v2, code="X1", uri="https://x", category="knowledge",
                statement="x", evidence_rule="coursework").save()


def test_moving_an_enrolment_carries_evidence_and_signoffs_through_the_mapping(tracker):
    from audit.models import AuditEvent

    _written(tracker, "C1")
    services.signoff_decide(trainer=tracker.trainer_a, enrolment=tracker.enrolment_a,
                            outcome_code="C1", decision="met")
    v1 = tracker.enrolment_a.framework_version
    v2 = draft_copy(v1.framework)
    c1 = v2.outcomes.get(code="C1")
    c1.code = "C1a"
    c1.save()
    publish(v2)
    with pytest.raises(ValidationError, match="Not outcomes"):
        services.enrolment_move_version(actor=tracker.admin, enrolment=tracker.enrolment_a,
                                        version=v2, mapping={"C1": "ZZ"})
    services.enrolment_move_version(actor=tracker.admin, enrolment=tracker.enrolment_a,
                                    version=v2, mapping={"C1": "C1a"})
    record = outcome_record(tracker.enrolment_a)
    assert record.get("C1") is None and record.get("C1a").met
    assert "Carried from C1" in record.get("C1a").decisions[-1].comment
    assert SignOff.objects.filter(outcome_code="C1").count() == 1  # the original stays
    event = AuditEvent.objects.get(verb="enrolment.version_moved")
    assert event.details["mapping"] == {"C1": "C1a"}


def test_admin_moves_an_enrolment_from_the_record_page(tracker, client):
    v1 = tracker.enrolment_a.framework_version
    v2 = draft_copy(v1.framework)
    publish(v2)
    client.force_login(tracker.admin)
    url = reverse("competencies:admin_move_version", args=[tracker.enrolment_a.pk])
    page = client.get(url).content.decode()
    assert 'name="map-K1"' in page and f"v{v2.number}" in page
    data = {"version": v2.pk, **{f"map-{c}": c for c in v2.outcomes.values_list("code", flat=True)}}
    assert client.post(url, data).status_code == 302
    tracker.enrolment_a.refresh_from_db()
    assert tracker.enrolment_a.framework_version == v2
    client.force_login(tracker.trainer_a)
    assert client.get(url).status_code == 403


def test_the_queue_shows_a_page_of_requests_at_a_time(tracker, client, django_assert_num_queries):
    from competencies.views import QUEUE_REQUESTS_PER_PAGE as per_page

    _requests(tracker, per_page + 3)
    client.force_login(tracker.trainer_a)
    url = reverse("competencies:trainer_queue")
    first = client.get(url).content.decode()
    assert first.count("Record decision") == per_page
    assert 'href="?requests=2"' in first and f"Requests 1–{per_page}" in first
    with django_assert_num_queries(10):  # the same queries on any page
        second = client.get(url, {"requests": 2}).content.decode()
    assert second.count("Record decision") == 3 and 'href="?requests=1"' in second
    assert f"Requests {per_page + 1}–{per_page + 3}" in second
    ids = lambda page: set(re.findall(r'name="request_id" value="(\d+)"', page))  # noqa: E731
    assert not ids(first) & ids(second)
    # Not a page number: the first page; past the end: an empty page, not an error.
    assert client.get(url, {"requests": "x"}).content.decode().count("Record decision") == per_page
    past = client.get(url, {"requests": "99999999999999"}).content.decode()
    assert "No more review requests." in past
