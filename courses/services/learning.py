"""Writes for the curriculum: opening and reading lessons, knowledge-check attempts,
reflections, and applications to join a program."""

import datetime
import secrets

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from audit.services import audit_record
from core.roles import Role, roles_of
from notifications.services import notify

from ..models import (
    Application,
    Enrolment,
    KnowledgeCheckAttempt,
    KnowledgeCheckGrant,
    LessonProgress,
    Reflection,
)
from ..permissions import is_assigned
from .people import enrolment_create

_CHECK_SALT = "kapstone.knowledge-check"
# An answer sheet is good for a day; an older one must be reloaded.
CHECK_TOKEN_MAX_AGE = 24 * 60 * 60
REFLECTION_MAX_CHARS = 20_000


def check_token(*, enrolment_id: int, lesson_id: int, check_id: str) -> str:
    """A one-time answer-sheet token, embedded in the knowledge-check form."""
    return signing.dumps(
        {"e": enrolment_id, "l": lesson_id, "c": check_id, "n": secrets.token_urlsafe(16)},
        salt=_CHECK_SALT,
    )


def lesson_opened(*, enrolment: Enrolment, lesson) -> LessonProgress:
    """Remember that the trainee opened the lesson (for "continue where you left off")."""
    now = timezone.now()
    updated = LessonProgress.objects.filter(enrolment=enrolment, lesson_id=lesson.pk).update(
        last_opened_at=now
    )
    if updated:
        return LessonProgress.objects.get(enrolment=enrolment, lesson_id=lesson.pk)
    try:
        with transaction.atomic():
            return LessonProgress.objects.create(
                enrolment=enrolment, lesson_id=lesson.pk, last_opened_at=now
            )
    except IntegrityError:  # opened twice at once: the other request created it
        return LessonProgress.objects.get(enrolment=enrolment, lesson_id=lesson.pk)


# How stale a lesson's last_opened_at may grow while it stays the most recently opened
# lesson: "continue where you left off" reads only which lesson that is, so reloading it
# need not write a row (under load, every reload was a write on the same row).
LESSON_OPENED_RESOLUTION = datetime.timedelta(minutes=5)


def lesson_viewed(
    *, enrolment: Enrolment, lesson, progress: LessonProgress | None,
    latest_opened_at: datetime.datetime | None,
) -> LessonProgress:
    """Record a view of the lesson page, given the trainee's progress row for it (None:
    never opened) and the latest last_opened_at of their lessons in the program.

    Writes only when what "continue where you left off" reads would change: the first
    visit, a lesson that is not the most recently opened, or one last opened longer
    ago than LESSON_OPENED_RESOLUTION. ``progress`` is returned as it now stands.
    """
    if progress is None:
        return lesson_opened(enrolment=enrolment, lesson=lesson)
    now = timezone.now()
    latest = progress.last_opened_at >= (latest_opened_at or progress.last_opened_at)
    if latest and now - progress.last_opened_at < LESSON_OPENED_RESOLUTION:
        return progress
    LessonProgress.objects.filter(pk=progress.pk).update(last_opened_at=now)
    progress.last_opened_at = now
    return progress


def _refresh_completion(progress: LessonProgress, lesson) -> None:
    """A lesson is complete once every one of its knowledge checks is passed (passing
    them is reading it: no separate step), or, without checks, once the trainee says
    they have read it."""
    if progress.completed_at is not None:
        return
    if not lesson.check_ids:
        if progress.read_at is not None:
            progress.completed_at = timezone.now()
            progress.save(update_fields=["completed_at"])
        return
    passed = set(
        KnowledgeCheckAttempt.objects.passed()
        .filter(enrolment_id=progress.enrolment_id, lesson_id=lesson.pk)
        .values_list("check_id", flat=True)
    )
    if set(lesson.check_ids) <= passed:
        now = timezone.now()
        progress.read_at = progress.read_at or now
        progress.completed_at = now
        progress.save(update_fields=["read_at", "completed_at"])


@transaction.atomic
def lesson_mark_read(*, enrolment: Enrolment, lesson) -> LessonProgress:
    progress = lesson_opened(enrolment=enrolment, lesson=lesson)
    progress = LessonProgress.objects.select_for_update().get(pk=progress.pk)
    if progress.read_at is None:
        progress.read_at = timezone.now()
        progress.save(update_fields=["read_at"])
    _refresh_completion(progress, lesson)
    return progress


def score_answers(check, answers: dict[str, list[str]]) -> tuple[int, bool]:
    """All-or-nothing per question: a question is right when exactly its correct
    choices are chosen. Returns (percentage, passed)."""
    right = sum(
        1 for qid, _, correct in check.questions if set(answers.get(qid, [])) == correct
    )
    score = round(100 * right / len(check.questions)) if check.questions else 0
    return score, score >= check.pass_mark


def _validate_answers(check, answers: dict[str, list[str]]) -> None:
    unknown_questions = set(answers) - set(check.question_ids)
    if unknown_questions:
        raise ValidationError("The answers do not belong to this knowledge check. Reload the page and try again.")
    all_choices = {cid for _, choices, _ in check.questions for cid in choices}
    for position, (qid, choices, _) in enumerate(check.questions, start=1):
        chosen = answers.get(qid) or []
        if not chosen:
            raise ValidationError(f"Answer question {position} before submitting.")
        if len(set(chosen)) != len(chosen):
            raise ValidationError(f"Question {position} has the same choice twice.")
        for cid in chosen:
            if cid in all_choices and cid not in choices:
                raise ValidationError(f"Question {position} was sent a choice from another question.")
            if cid not in choices:
                raise ValidationError(f"Question {position} was sent a choice that does not exist.")


@transaction.atomic
def knowledge_check_submit(
    *, enrolment: Enrolment, lesson, check_id: str, token: str, answers: dict[str, list[str]]
) -> KnowledgeCheckAttempt:
    """Score and record one attempt. Refuses unknown or foreign choices, missing
    answers, replayed answer sheets and attempts beyond the check's limit."""
    check = lesson.knowledge_checks().get(check_id)
    if check is None:
        raise ValidationError("This knowledge check no longer exists. Reload the lesson.")
    try:
        claims = signing.loads(token, salt=_CHECK_SALT, max_age=CHECK_TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        raise ValidationError(
            "This answer sheet has expired. Reload the lesson and answer again."
        ) from None
    except signing.BadSignature:
        raise ValidationError(
            "This answer sheet is not valid. Reload the lesson and answer again."
        ) from None
    if (claims.get("e"), claims.get("l"), claims.get("c")) != (enrolment.pk, lesson.pk, check_id):
        raise ValidationError("This answer sheet belongs to another check. Reload the lesson.")
    _validate_answers(check, answers)

    # Serialise attempts of one trainee so the attempt limit holds under double clicks.
    Enrolment.objects.select_for_update().filter(pk=enrolment.pk).first()
    previous = KnowledgeCheckAttempt.objects.filter(
        enrolment=enrolment, lesson_id=lesson.pk, check_id=check_id
    )
    if KnowledgeCheckAttempt.objects.filter(nonce=claims["n"]).exists():
        raise ValidationError("This answer sheet was already submitted. Your first submission counts.")
    if previous.filter(passed=True).exists():
        raise ValidationError("You have passed this check already; your pass counts.")
    allowed = attempts_allowed(enrolment=enrolment, lesson=lesson, check_id=check_id,
                               max_attempts=check.max_attempts)
    if allowed is not None and previous.count() >= allowed:
        raise ValidationError(
            f"You have used all {allowed} attempts for this check. "
            "Your trainer or a program admin can give you another."
        )
    score, passed = score_answers(check, answers)
    attempt = KnowledgeCheckAttempt.objects.create(
        enrolment=enrolment, lesson_id=lesson.pk, check_id=check_id,
        answers={qid: sorted(answers[qid]) for qid in check.question_ids},
        score=score, passed=passed, nonce=claims["n"],
    )
    if passed:
        progress = lesson_opened(enrolment=enrolment, lesson=lesson)
        _refresh_completion(progress, lesson)
    return attempt


def attempts_allowed(*, enrolment: Enrolment, lesson, check_id: str, max_attempts: int) -> int | None:
    """The check's own attempts plus any granted to this trainee; None: unlimited."""
    if not max_attempts:
        return None
    granted = KnowledgeCheckGrant.objects.filter(
        enrolment=enrolment, lesson_id=lesson.pk, check_id=check_id
    ).aggregate(total=Sum("attempts"))["total"]
    return max_attempts + (granted or 0)


@transaction.atomic
def knowledge_check_grant(*, actor, enrolment: Enrolment, lesson, check_id: str) -> KnowledgeCheckGrant:
    """Give a trainee one more attempt at a check whose attempts they have used up.
    Their program admin, or a trainer currently assigned to them, may; nobody for
    themselves. Audited; the trainee is told by e-mail."""
    check = lesson.knowledge_checks().get(check_id)
    if check is None:
        raise ValidationError("This knowledge check no longer exists.")
    if actor.pk == enrolment.trainee_id:
        raise ValidationError("Nobody grants attempts to themselves.")
    if Role.PROGRAM_ADMIN not in roles_of(actor) and not is_assigned(actor, enrolment.trainee, enrolment.cohort):
        raise ValidationError("Only a trainer assigned to this trainee or a program admin may grant attempts.")
    # Serialised with the trainee's own submissions (knowledge_check_submit).
    Enrolment.objects.select_for_update().filter(pk=enrolment.pk).first()
    attempts = KnowledgeCheckAttempt.objects.filter(enrolment=enrolment, lesson_id=lesson.pk, check_id=check_id)
    if attempts.filter(passed=True).exists():
        raise ValidationError("This trainee has passed the check already.")
    allowed = attempts_allowed(enrolment=enrolment, lesson=lesson, check_id=check_id,
                               max_attempts=check.max_attempts)
    if allowed is None or attempts.count() < allowed:
        raise ValidationError("This trainee still has attempts left at this check.")
    grant = KnowledgeCheckGrant.objects.create(
        enrolment=enrolment, lesson_id=lesson.pk, check_id=check_id, attempts=1, granted_by=actor,
    )
    audit_record(verb="knowledge_check.attempt_granted", target=enrolment, actor=actor,
                 details={"lesson": lesson.pk, "check": check_id, "allowed": allowed + 1})
    notify(enrolment.trainee, "knowledge_check_attempt_granted", {
        "lesson": lesson.title, "check": check.title, "granted_by": str(actor),
    })
    return grant


# Reflections are private: an error report shows no variable of this or any deeper
# frame (transaction.atomic's wrapper and the database layer hold the text too).
@sensitive_variables()
@transaction.atomic
def reflection_save(*, enrolment: Enrolment, lesson, prompt_id: str, text: str) -> Reflection:
    prompts = lesson.reflection_prompts()
    if prompt_id not in prompts:
        raise ValidationError("This reflection prompt no longer exists. Reload the lesson.")
    text = (text or "").strip()
    if not text:
        raise ValidationError("Write your reflection before saving.")
    if len(text) > REFLECTION_MAX_CHARS:
        raise ValidationError(f"Keep your reflection under {REFLECTION_MAX_CHARS:,} characters.")
    reflection, _ = Reflection.objects.update_or_create(
        enrolment=enrolment, lesson_id=lesson.pk, prompt_id=prompt_id,
        defaults={"text": text, "prompt": prompts[prompt_id]},
    )
    return reflection


@transaction.atomic
def application_submit(*, applicant, cohort, attest_scope: bool, **license_fields) -> Application:
    """Apply to join a cohort that is open for applications."""
    if not attest_scope:
        raise ValidationError({"attest_scope": "You must attest that you will practise within your license's scope."})
    if not cohort.open_for_applications:
        raise ValidationError({"cohort": "This cohort is not taking applications."})
    program = cohort.program
    if Enrolment.objects.filter(trainee=applicant, cohort__program=program).exclude(
        status=Enrolment.Status.WITHDRAWN
    ).exists():
        raise ValidationError("You are already enrolled in this program.")
    if Application.objects.filter(applicant=applicant, program=program, status="pending").exists():
        raise ValidationError("You already have an application waiting for a decision.")
    if license_fields["license_expires_on"] <= timezone.localdate():
        raise ValidationError({"license_expires_on": "Your license must be current to apply."})
    application = Application(
        applicant=applicant, program=program, cohort=cohort,
        attested_scope_at=timezone.now(), **license_fields,
    )
    application.full_clean()
    application.save()
    audit_record(verb="application.submitted", target=application, actor=applicant)
    return application


@transaction.atomic
def application_approve(*, actor, application: Application) -> Enrolment:
    """Approve: enrol the applicant (license verified by the approving admin) and tell them."""
    application = Application.objects.select_for_update(of=("self",)).select_related(
        "cohort__program", "applicant"
    ).get(pk=application.pk)
    if application.status != Application.Status.PENDING:
        raise ValidationError("This application has already been decided.")
    if actor.pk == application.applicant_id:
        raise ValidationError("Nobody decides on their own application.")
    enrolment = enrolment_create(
        actor=actor, trainee=application.applicant, cohort=application.cohort,
        profession=application.profession, license_type=application.license_type,
        license_number=application.license_number,
        license_jurisdiction=application.license_jurisdiction,
        license_expires_on=application.license_expires_on, license_verified=True,
    )
    application.status = Application.Status.APPROVED
    application.decided_by = actor
    application.decided_at = timezone.now()
    application.enrolment = enrolment
    application.save()
    audit_record(verb="application.approved", target=application, actor=actor)
    notify(application.applicant, "application_approved", {"cohort": str(application.cohort)})
    return enrolment


@transaction.atomic
def application_decline(*, actor, application: Application, reason: str) -> Application:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give the applicant a reason."})
    application = (
        Application.objects.select_for_update(of=("self",)).select_related("cohort", "applicant")
        .get(pk=application.pk)
    )
    if application.status != Application.Status.PENDING:
        raise ValidationError("This application has already been decided.")
    if actor.pk == application.applicant_id:
        raise ValidationError("Nobody decides on their own application.")
    application.status = Application.Status.DECLINED
    application.decided_by = actor
    application.decided_at = timezone.now()
    application.decline_reason = reason
    application.save()
    audit_record(verb="application.declined", target=application, actor=actor)
    notify(application.applicant, "application_declined", {
        "cohort": str(application.cohort), "reason": reason,
    })
    return application
