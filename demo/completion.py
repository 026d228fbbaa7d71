"""Walk one enrolment through every requirement, through the project's own services.

Used by the demo (a trainee ready for a certificate), the tests and the benchmark, so
that "a complete record" means the same rows everywhere: every aligned lesson read
with its knowledge checks passed, evidence and a trainer's sign-off on every Knowledge
and Competency outcome, and confirmed consultation hours up to each threshold.
"""

import datetime
import math

from django.utils import timezone

from cms.models import LessonPage
from competencies import services as records
from competencies.models import Outcome
from consultation import services as hours
from consultation.selectors import hours_requirements
from courses import services as learning
from courses.services import enrolment_verify_license
from courses.services.learning import check_token


def complete_lessons(enrolment, lessons=None) -> int:
    """Pass every knowledge check and mark every lesson read (the program's live lessons
    by default). Returns how many lessons were completed."""
    if lessons is None:
        lessons = LessonPage.objects.live().order_by("path")
    done = 0
    for lesson in lessons:
        lesson = lesson.specific
        for check_id, spec in lesson.knowledge_checks().items():
            learning.knowledge_check_submit(
                enrolment=enrolment, lesson=lesson, check_id=check_id,
                token=check_token(enrolment_id=enrolment.pk, lesson_id=lesson.pk, check_id=check_id),
                answers={qid: sorted(correct) for qid, _, correct in spec.questions},
            )
        learning.lesson_mark_read(enrolment=enrolment, lesson=lesson)
        done += 1
    return done


def sign_off_all(enrolment, trainers) -> int:
    """Evidence (where the rule asks for it) and enough distinct trainers' sign-offs on
    every Knowledge and Competency outcome of the pinned version."""
    program = enrolment.cohort.program
    outcomes = Outcome.objects.filter(version_id=enrolment.framework_version_id).exclude(
        category=Outcome.Category.EXPERIENCE
    )
    decisions = 0
    for outcome in outcomes:
        if outcome.evidence_rule == Outcome.EvidenceRule.SIGNOFF:
            records.evidence_add(
                actor=enrolment.trainee, enrolment=enrolment, outcome_code=outcome.code,
                kind="written", title=f"Practice evidence for {outcome.code}",
                text=f"A supervised piece of practice showing {outcome.code}.",
            )
        needed = (program.knowledge_signoffs if outcome.category == Outcome.Category.KNOWLEDGE
                  else program.competency_signoffs)
        for trainer in trainers[:needed]:
            records.signoff_decide(trainer=trainer, enrolment=enrolment, outcome_code=outcome.code,
                                   decision="met")
            decisions += 1
    return decisions


def confirm_hours(enrolment, trainer, *, session_minutes: int = 120) -> int:
    """Log and confirm sessions with ``trainer`` until every experience outcome of the
    pinned version reaches its hours, one session a day going back from yesterday.
    Returns the sessions logged."""
    day = timezone.localdate() - datetime.timedelta(days=1)
    logged = 0
    for requirement in hours_requirements(enrolment):
        for _ in range(math.ceil(requirement.minutes_required / session_minutes)):
            session = hours.session_log(actor=enrolment.trainee, enrolment=enrolment, trainer=trainer,
                                        date=day, minutes=session_minutes, category=requirement.code)
            hours.session_confirm(trainer=trainer, session=session, revision=session.revision)
            day -= datetime.timedelta(days=1)
            logged += 1
    return logged


def complete_enrolment(enrolment, *, trainers, admin, session_minutes: int = 120) -> None:
    """Every requirement met: license verified, lessons, sign-offs and hours."""
    if enrolment.license_verified_at is None:
        enrolment_verify_license(actor=admin, enrolment=enrolment)
    complete_lessons(enrolment)
    sign_off_all(enrolment, list(trainers))
    confirm_hours(enrolment, trainers[0], session_minutes=session_minutes)
