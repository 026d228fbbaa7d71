"""Races that only a real database with row locks can settle (PostgreSQL)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from competencies.services import framework_load_bundled
from courses.models import TrainerAssignment
from factories.accounts import UserFactory, with_totp
from factories.courses import CohortFactory, EnrolmentFactory, TrainerAssignmentFactory
from framework_versions import draft_copy, publish  # tests/
from support import at_once  # same folder

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def race(*calls):
    """Run the calls at the same moment (see ``at_once``); each outcome is ("ok", result),
    ("refused", the service's message) or ("error", repr)."""
    def outcome(result):
        if isinstance(result, ValidationError):
            return ("refused", " ".join(result.messages))
        if isinstance(result, Exception):
            return ("error", repr(result))
        return ("ok", result)

    return [outcome(result) for result in at_once(list(calls), timeout=30)]


@pytest.fixture
def pair():
    # Pinned to the bundled framework, whose experience outcomes (E1, E2) hours are
    # logged under.
    version = framework_load_bundled()
    cohort = CohortFactory(program__framework=version.framework)
    admin = with_totp(UserFactory(roles=["Program admin"]))
    trainee = EnrolmentFactory(cohort=cohort, framework_version=version)
    trainer = with_totp(UserFactory(roles=["Trainer"]))
    return admin, trainer, trainee, cohort


def test_two_admins_assigning_at_once_make_one_assignment(pair):
    from courses.services import assignment_create

    admin, trainer, enrolment, cohort = pair
    outcomes = race(*[
        lambda: assignment_create(actor=admin, trainer=trainer, trainee=enrolment.trainee,
                                  cohort=cohort, role="assessor")
        for _ in range(4)
    ])
    assert sorted(kind for kind, _ in outcomes).count("ok") == 1, outcomes
    assert all(kind in ("ok", "refused") for kind, _ in outcomes), outcomes
    assert TrainerAssignment.objects.filter(trainer=trainer).count() == 1


def test_two_trainers_deciding_one_request_leave_one_decision(pair):
    from competencies import services
    from competencies.models import SignOff
    from competencies.services import framework_load_bundled

    admin, trainer, enrolment, cohort = pair
    version = framework_load_bundled()
    enrolment.framework_version = version
    enrolment.save()
    other = with_totp(UserFactory(roles=["Trainer"]))
    for t in (trainer, other):
        TrainerAssignmentFactory(trainer=t, trainee=enrolment.trainee, cohort=cohort)
    request = services.signoff_request(actor=enrolment.trainee, enrolment=enrolment, outcome_code="C2")
    outcomes = race(
        lambda: services.signoff_decide(trainer=trainer, enrolment=enrolment, outcome_code="C2",
                                        decision="met", request=request),
        lambda: services.signoff_decide(trainer=other, enrolment=enrolment, outcome_code="C2",
                                        decision="not_yet", comment="Needs more", request=request),
    )
    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"], outcomes
    assert SignOff.objects.filter(request=request).count() == 1


def test_confirm_and_change_at_once_leave_one_consistent_entry(pair):
    from consultation import services
    from consultation.models import ConsultationSession

    admin, trainer, enrolment, cohort = pair
    TrainerAssignmentFactory(trainer=trainer, trainee=enrolment.trainee, cohort=cohort)
    session = services.session_log(
        actor=enrolment.trainee, enrolment=enrolment, trainer=trainer,
        date=timezone.localdate() - datetime.timedelta(days=1), minutes=60, category="E1",
    )
    outcomes = race(
        lambda: services.session_confirm(trainer=trainer, session=session, revision=1),
        lambda: services.session_update(actor=enrolment.trainee, session=session, revision=1, minutes=90),
    )
    session.refresh_from_db()
    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds == ["ok", "refused"], outcomes
    # Either the trainer confirmed the 60 minutes they saw, or the change won and waits again.
    assert (session.status, session.minutes) in {("confirmed", 60), ("pending", 90)}
    assert ConsultationSession.objects.count() == 1


def test_double_submitted_check_respects_the_attempt_limit(pair):
    from cms.services import curriculum_load
    from courses.models import KnowledgeCheckAttempt
    from courses.services import knowledge_check_submit
    from courses.services.learning import check_token
    from factories.cms import check, curriculum_data, home_page

    admin, trainer, enrolment, cohort = pair
    data = curriculum_data(courses=1, lessons=1, checks=False)
    data["courses"][0]["lessons"][0]["body"].append(check(max_attempts=1))
    home_page()
    curriculum_load(data=data, program=cohort.program)
    from cms.models import LessonPage

    lesson = LessonPage.objects.get()
    check_id = lesson.check_ids[0]
    spec = lesson.knowledge_checks()[check_id]
    answers = {qid: sorted(correct) for qid, _, correct in spec.questions}
    outcomes = race(*[
        (lambda token: lambda: knowledge_check_submit(enrolment=enrolment, lesson=lesson, check_id=check_id,
                                                      token=token, answers=answers))(
            check_token(enrolment_id=enrolment.pk, lesson_id=lesson.pk, check_id=check_id))
        for _ in range(3)
    ])
    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused", "refused"], outcomes
    assert KnowledgeCheckAttempt.objects.count() == 1


def test_confirming_hours_locks_the_entry_not_the_people_or_the_program(pair, monkeypatch):
    """While a trainer's confirmation is being written, the people and the program it
    reads stay free: renaming them does not wait for it (nor time out behind it)."""
    import threading

    from django.db import connection, connections, transaction

    from accounts.models import User
    from consultation import services
    from courses.models import Program

    admin, trainer, enrolment, cohort = pair
    TrainerAssignmentFactory(trainer=trainer, trainee=enrolment.trainee, cohort=cohort)
    session = services.session_log(
        actor=enrolment.trainee, enrolment=enrolment, trainer=trainer,
        date=timezone.localdate() - datetime.timedelta(days=1), minutes=60, category="E1",
    )
    inside, release, outcome = threading.Event(), threading.Event(), {}
    notify = services.notify

    def notify_when_released(*args, **kwargs):
        inside.set()  # the confirmation holds its locks until this returns and it commits
        release.wait(timeout=15)
        return notify(*args, **kwargs)

    monkeypatch.setattr(services, "notify", notify_when_released)

    def confirm():
        try:
            outcome["session"] = services.session_confirm(trainer=trainer, session=session, revision=1)
        except Exception as error:  # noqa: BLE001 - reported by the test
            outcome["error"] = repr(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=confirm)
    thread.start()
    try:
        assert inside.wait(timeout=15), outcome
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            User.objects.filter(pk=trainer.pk).update(full_name="Trainer, renamed meanwhile")
            User.objects.filter(pk=enrolment.trainee_id).update(full_name="Trainee, renamed meanwhile")
            Program.objects.filter(pk=cohort.program_id).update(name="Program, renamed meanwhile")
    finally:
        release.set()
        thread.join(timeout=20)
    assert "error" not in outcome, outcome
    assert outcome["session"].status == "confirmed"
    assert User.objects.get(pk=trainer.pk).full_name == "Trainer, renamed meanwhile"


def test_an_admin_moves_a_record_to_a_new_framework_version(world, curriculum):
    """Locking the enrolment with its (nullable) version joined is refused by PostgreSQL
    unless only the enrolment's row is locked: the move must work here, not only on
    SQLite."""
    from competencies import services
    from competencies.selectors import outcome_record

    enrolment = world.enrolment_a
    enrolment.refresh_from_db()
    services.evidence_add(actor=world.trainee_a, enrolment=enrolment, outcome_code="C1",
                          kind="written", text="How I held boundaries in a session.")
    services.signoff_decide(trainer=world.trainer_a, enrolment=enrolment, outcome_code="C1", decision="met")
    v1 = enrolment.framework_version
    v2 = draft_copy(v1.framework)
    publish(v2)
    services.enrolment_move_version(actor=world.admin, enrolment=enrolment, version=v2, mapping={})
    enrolment.refresh_from_db()
    assert enrolment.framework_version_id == v2.pk
    assert outcome_record(enrolment).get("C1").met  # the decision carried to the new version


def test_a_group_session_confirmed_while_a_trainee_logs_it_leaves_one_entry_each(pair):
    """The trainer confirms the preview while trainee A logs the same session herself:
    whichever commits first, A has one entry for it and B gets the group's."""
    from consultation import services
    from consultation.models import ConsultationSession

    admin, trainer, enrolment_a, cohort = pair
    enrolment_b = EnrolmentFactory(cohort=cohort, framework_version=enrolment_a.framework_version)
    for enrolment in (enrolment_a, enrolment_b):
        TrainerAssignmentFactory(trainer=trainer, trainee=enrolment.trainee, cohort=cohort)
    day, start = timezone.localdate() - datetime.timedelta(days=1), datetime.time(9, 0)
    outcomes = race(
        lambda: services.group_session_log(trainer=trainer, enrolments=[enrolment_a, enrolment_b], date=day,
                                           start_time=start, minutes=60, category="E1", skip_logged=True),
        lambda: services.session_log(actor=enrolment_a.trainee, enrolment=enrolment_a, trainer=trainer,
                                     date=day, start_time=start, minutes=60, category="E1"),
    )
    assert outcomes[0][0] == "ok", outcomes
    assert outcomes[1][0] in ("ok", "refused"), outcomes
    standing = ConsultationSession.objects.same_session(trainer=trainer, date=day, start_time=start, category="E1")
    assert standing.filter(enrolment=enrolment_a).count() == 1
    assert standing.filter(enrolment=enrolment_b, format="group").count() == 1
