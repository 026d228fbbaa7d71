"""Races that only a real database with row locks can settle (PostgreSQL)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.factories import UserFactory, with_totp
from courses.factories import CohortFactory, EnrolmentFactory, TrainerAssignmentFactory
from courses.models import TrainerAssignment

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
    cohort = CohortFactory()
    admin = with_totp(UserFactory(roles=["Program admin"]))
    trainee = EnrolmentFactory(cohort=cohort)
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
    from cms.factories import check, curriculum_data, home_page
    from cms.services import curriculum_load
    from courses.models import KnowledgeCheckAttempt
    from courses.services import knowledge_check_submit
    from courses.services.learning import check_token

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
