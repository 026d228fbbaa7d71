"""Writes for consultation sessions. Notes never reach the audit trail or e-mails."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from audit.services import audit_record
from courses.models import Enrolment, TrainerAssignment
from jobs.services import enqueue
from notifications.services import notify

from .models import ConsultationSession, new_group_id
from .selectors import hours_progress, hours_requirements

_PATIENT_NAME = re.compile(
    r"\b(?:patient|client|pt|mr|mrs|ms|miss|dr)\.?\s+(?:[A-Z][a-z]+)(?:\s+[A-Z][a-z]+)?"
)
_DATE_OF_BIRTH = re.compile(
    r"\b(?:dob|d\.o\.b\.?|born|date of birth)\b|\b\d{1,2}[/.-]\d{1,2}[/.-](?:19|20)\d{2}\b",
    re.IGNORECASE,
)
_PHONE = re.compile(r"(?:\+?\d[\s().-]?){9,}\d")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


@sensitive_variables("texts")
def identifying_details(*texts: str) -> list[str]:
    """Warnings for text that looks like it identifies a patient."""
    found = []
    joined = "\n".join(t for t in texts if t)
    if _PATIENT_NAME.search(joined):
        found.append("a person's name after a word like patient or client")
    if _DATE_OF_BIRTH.search(joined):
        found.append("a date of birth")
    if _PHONE.search(joined):
        found.append("a phone number")
    if _EMAIL.search(joined):
        found.append("an e-mail address")
    return found


def _trainer_assigned(trainer, enrolment, on: datetime.date) -> bool:
    return (
        trainer.pk != enrolment.trainee_id
        and TrainerAssignment.objects.current(on)
        .filter(trainer=trainer, trainee_id=enrolment.trainee_id, cohort_id=enrolment.cohort_id)
        .exists()
    )


def category_problem(category: str, requirements) -> str | None:
    """Why ``category`` is not one of the experience outcomes hours are logged against."""
    if any(r.code == category for r in requirements):
        return None
    if not requirements:
        return "This enrolment's framework version has no experience outcomes to log hours against."
    return "Choose one of your framework's experience outcomes: " + "; ".join(
        f"{r.code} ({r.kind_label.lower()})" for r in requirements) + "."


ALREADY_LOGGED = "This session is already in your log (same trainer, date, start and category)."


def _validate(*, enrolment, trainer, date, start_time, minutes, category, exclude=()) -> str:
    """Check an entry against the enrolment's rules; returns the kind of consultation its
    category (an experience outcome of the pinned framework version) names."""
    program = enrolment.cohort.program
    errors: dict[str, str] = {}
    requirements = hours_requirements(enrolment)
    if problem := category_problem(category, requirements):
        errors["category"] = problem
    if not isinstance(minutes, int) or not (
        program.session_min_minutes <= minutes <= program.session_max_minutes
    ):
        errors["minutes"] = (
            f"A session lasts between {program.session_min_minutes} and "
            f"{program.session_max_minutes} minutes."
        )
    today = timezone.localdate()
    if date > today:
        errors["date"] = "The date cannot be in the future."
    elif date < enrolment.enrolled_on:
        errors["date"] = f"The date cannot be before your enrolment began ({enrolment.enrolled_on:%d %b %Y})."
    elif trainer is not None and not _trainer_assigned(trainer, enrolment, date):
        errors["trainer"] = f"{trainer} was not assigned to you on {date:%d %b %Y}."
    if errors:
        raise ValidationError(errors)
    duplicate = ConsultationSession.objects.same_session(
        trainer=trainer, date=date, start_time=start_time, category=category,
    ).filter(enrolment=enrolment)
    if exclude:
        duplicate = duplicate.exclude(pk__in=[pk for pk in exclude if pk])
    if duplicate.exists():
        raise ValidationError(ALREADY_LOGGED)
    return next(r.kind for r in requirements if r.code == category)


def _lock_enrolment(enrolment) -> Enrolment:
    # Serialises a trainee's log writes so duplicate checks hold under double submits.
    return (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("cohort__program", "trainee")
        .get(pk=enrolment.pk)
    )


# Notes are private: an error report shows no variable of this or any deeper frame
# (transaction.atomic's wrapper and the database layer hold the notes too).
@sensitive_variables()
@transaction.atomic
def session_log(*, actor, enrolment, trainer, date, minutes, category, start_time=None,
                format=ConsultationSession.Format.INDIVIDUAL,
                modality=ConsultationSession.Modality.VIDEO, case_reference="", notes="",
                share_notes_with_trainer=False, corrects=None) -> ConsultationSession:
    """A trainee logs a session with one of their trainers; it waits for confirmation."""
    enrolment = _lock_enrolment(enrolment)
    if actor.pk != enrolment.trainee_id:
        raise ValidationError("Only the trainee logs sessions in their own record.")
    kind = _validate(enrolment=enrolment, trainer=trainer, date=date, start_time=start_time,
                     minutes=minutes, category=category)
    session = ConsultationSession.objects.create(
        enrolment=enrolment, trainer=trainer, date=date, start_time=start_time, minutes=minutes,
        category=category, kind=kind, format=format, modality=modality,
        case_reference=(case_reference or "").strip()[:120], notes=(notes or "").strip(),
        share_notes_with_trainer=bool(share_notes_with_trainer), logged_by=actor,
        corrects=corrects,
    )
    audit_record(verb="consultation.logged", target=session, actor=actor,
                 details={"category": category, "minutes": minutes, "date": date.isoformat(),
                          "corrects": getattr(corrects, "pk", None)})
    # The notes stay out: the message names the session, never what was said in it.
    notify(trainer, "consultation_session_logged", {
        "trainee": str(enrolment.trainee), "minutes": minutes, "category": category, "date": date,
    })
    return session


_OPEN = (ConsultationSession.Status.PENDING, ConsultationSession.Status.DISPUTED)


def _stands(session) -> bool:
    """A confirmed entry that no confirmed correction has replaced: what counts."""
    return (
        session.status == ConsultationSession.Status.CONFIRMED
        and not session.is_reversal
        and not ConsultationSession.objects.filter(reverses=session).exists()
    )


def _locked(session) -> ConsultationSession:
    # Only the session's row: without ``of`` PostgreSQL would also lock the enrolment,
    # cohort, program and both users for as long as the decision takes.
    return ConsultationSession.objects.select_for_update(of=("self",)).select_related(
        "enrolment__cohort__program", "enrolment__trainee", "trainer"
    ).get(pk=session.pk)


# Notes are private: an error report shows no variable of this or any deeper frame
# (transaction.atomic's wrapper and the database layer hold the notes too).
@sensitive_variables()
@transaction.atomic
def session_update(*, actor, session, revision: int, **values) -> ConsultationSession:
    """Change a pending or disputed entry; it goes back to the trainer as pending."""
    session = _locked(session)
    if actor.pk != session.enrolment.trainee_id:
        raise ValidationError("Only the trainee changes their own entries.")
    if session.status not in _OPEN:
        raise ValidationError("A confirmed entry is locked. Ask for a correction instead.")
    if revision != session.revision:
        raise ValidationError("This entry changed since you opened it. Reload and try again.")
    if session.corrects_id and not _stands(session.corrects):
        raise ValidationError(
            "The entry this corrects has already been corrected; withdraw this correction."
        )
    allowed = {"trainer", "date", "start_time", "minutes", "category", "format", "modality",
               "case_reference", "notes", "share_notes_with_trainer"}
    unknown = set(values) - allowed
    if unknown:
        raise ValidationError(f"Not editable: {', '.join(sorted(unknown))}.")
    for field, value in values.items():
        setattr(session, field, value)
    session.kind = _validate(
        enrolment=session.enrolment, trainer=session.trainer, date=session.date,
        start_time=session.start_time, minutes=session.minutes, category=session.category,
        exclude=(session.pk, session.corrects_id),
    )
    resubmitted = session.status == ConsultationSession.Status.DISPUTED
    session.status = ConsultationSession.Status.PENDING
    session.revision += 1
    session.save()
    audit_record(verb="consultation.resubmitted" if resubmitted else "consultation.changed",
                 target=session, actor=actor, details={"revision": session.revision})
    return session


@transaction.atomic
def session_withdraw(*, actor, session) -> ConsultationSession:
    session = _locked(session)
    if actor.pk != session.enrolment.trainee_id:
        raise ValidationError("Only the trainee withdraws their own entries.")
    if session.status not in _OPEN:
        raise ValidationError("A confirmed entry is locked. Ask for a correction instead.")
    session.status = ConsultationSession.Status.WITHDRAWN
    session.revision += 1
    session.save(update_fields=["status", "revision", "updated_at"])
    audit_record(verb="consultation.withdrawn", target=session, actor=actor)
    return session


def _decide_checks(trainer, session, revision) -> None:
    if trainer.pk != session.trainer_id:
        raise ValidationError("Only the trainer named on the entry confirms or disputes it.")
    if trainer.pk == session.enrolment.trainee_id:
        raise ValidationError("Nobody confirms their own record.")
    if not _trainer_assigned(trainer, session.enrolment, timezone.localdate()):
        raise ValidationError("You are no longer assigned to this trainee.")
    if session.status != ConsultationSession.Status.PENDING:
        raise ValidationError(f"This entry is already {session.get_status_display().lower()}.")
    if revision != session.revision:
        raise ValidationError("The trainee changed this entry since you opened it. Review it again.")


@transaction.atomic
def session_confirm(*, trainer, session, revision: int) -> ConsultationSession:
    """Confirm a pending entry. Confirming a correction reverses the entry it corrects."""
    session = _locked(session)
    _decide_checks(trainer, session, revision)
    original = None
    if session.corrects_id:
        original = _locked(session.corrects)
        if not _stands(original):
            # Counting this correction as well as the one that already replaced the
            # original would count one session twice.
            raise ValidationError(
                "The entry this corrects has already been corrected or no longer counts; "
                "the trainee should withdraw this correction."
            )
    now = timezone.now()
    session.status = ConsultationSession.Status.CONFIRMED
    session.decided_at = now
    session.save(update_fields=["status", "decided_at", "updated_at"])
    if original is not None:
        # Replaces exactly what it corrects: the original's minutes, reversed once (the
        # one-to-one ``reverses`` refuses a second reversal in the database too).
        ConsultationSession.objects.create(
            enrolment=original.enrolment, trainer=original.trainer, date=original.date,
            start_time=original.start_time, minutes=-original.minutes,
            category=original.category, kind=original.kind, format=original.format, modality=original.modality,
            case_reference=f"Reversal of entry {original.pk}",
            status=ConsultationSession.Status.CONFIRMED, decided_at=now, logged_by=trainer,
            reverses=original,
        )
    audit_record(verb="consultation.confirmed", target=session, actor=trainer,
                 details={"minutes": session.minutes, "category": session.category})
    notify(session.enrolment.trainee, "consultation_session_confirmed", {
        "trainer": str(trainer), "minutes": session.minutes, "category": session.category,
        "date": session.date,
    })
    return session


@transaction.atomic
def session_dispute(*, trainer, session, revision: int, comment: str) -> ConsultationSession:
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": "Say what is wrong so the trainee can correct it."})
    session = _locked(session)
    _decide_checks(trainer, session, revision)
    session.status = ConsultationSession.Status.DISPUTED
    session.trainer_comment = comment[:2000]
    session.decided_at = timezone.now()
    session.save(update_fields=["status", "trainer_comment", "decided_at", "updated_at"])
    audit_record(verb="consultation.disputed", target=session, actor=trainer)
    notify(session.enrolment.trainee, "consultation_session_disputed", {
        "trainer": str(trainer), "category": session.category, "date": session.date,
        "comment": comment,
    })
    return session


# Notes are private: an error report shows no variable of this or any deeper frame
# (transaction.atomic's wrapper and the database layer hold the notes too).
@sensitive_variables()
@transaction.atomic
def session_correct(*, actor, original, **values) -> ConsultationSession:
    """Propose a correction of a confirmed entry: a new pending entry that, once
    confirmed, reverses the original."""
    original = _locked(original)
    if actor.pk != original.enrolment.trainee_id:
        raise ValidationError("Only the trainee corrects their own entries.")
    if original.status != ConsultationSession.Status.CONFIRMED or original.is_reversal:
        raise ValidationError("Only a confirmed entry needs a correction; change pending entries directly.")
    if not _stands(original):
        raise ValidationError("This entry has already been corrected.")
    # One open correction per entry (the original's row lock, taken above, serialises
    # this check): a disputed one is still open, and the trainee resubmits or withdraws it.
    if original.corrections.filter(status__in=_OPEN).exists():
        raise ValidationError(
            "A correction of this entry is already open (waiting for the trainer, or disputed). "
            "Change and resubmit that correction, or withdraw it first."
        )
    values.setdefault("trainer", original.trainer)
    # The correction stands in for the original, so it does not count as its duplicate.
    with transaction.atomic():
        return _log_correction(actor, original, values)


def _log_correction(actor, original, values):
    enrolment = _lock_enrolment(original.enrolment)
    kind = _validate(enrolment=enrolment, trainer=values["trainer"], date=values["date"],
                     start_time=values.get("start_time"), minutes=values["minutes"],
                     category=values["category"], exclude=(original.pk,))
    session = ConsultationSession.objects.create(
        enrolment=enrolment, logged_by=actor, corrects=original, kind=kind,
        case_reference=(values.pop("case_reference", "") or "").strip()[:120],
        notes=(values.pop("notes", "") or "").strip(), **values,
    )
    audit_record(verb="consultation.correction_logged", target=session, actor=actor,
                 details={"corrects": original.pk})
    notify(session.trainer, "consultation_correction_logged", {
        "trainee": str(enrolment.trainee), "category": session.category,
        "original_date": original.date,
    })
    return session


@transaction.atomic
def group_session_log(*, trainer, enrolments, date, minutes, category, start_time=None,
                      modality=ConsultationSession.Modality.VIDEO, case_reference="",
                      skip_logged: bool = False) -> list[ConsultationSession]:
    """A trainer logs one group session for several of their assigned trainees; each
    gets an entry already confirmed by that trainer.

    With ``skip_logged`` (the trainer has seen the preview and confirmed) a trainee who
    already has this session in their log is left as they are and the others are saved;
    the check runs under each trainee's row lock, so an entry logged between preview and
    confirmation is skipped too. Without it, such a trainee refuses the whole batch.
    """
    enrolments = list(enrolments)
    if len(enrolments) < 2:
        raise ValidationError({"trainees": "Choose at least two trainees for a group session."})
    group = new_group_id()
    now = timezone.now()
    created, skipped = [], []
    for enrolment in enrolments:
        enrolment = _lock_enrolment(enrolment)
        try:
            kind = _validate(enrolment=enrolment, trainer=trainer, date=date,
                             start_time=start_time, minutes=minutes, category=category)
        except ValidationError as error:
            if skip_logged and error.messages == [ALREADY_LOGGED]:
                skipped.append(enrolment)
                continue
            raise ValidationError(f"{enrolment.trainee}: {' '.join(error.messages)}") from error
        created.append(ConsultationSession.objects.create(
            enrolment=enrolment, trainer=trainer, date=date, start_time=start_time,
            minutes=minutes, category=category, kind=kind, format=ConsultationSession.Format.GROUP,
            modality=modality, case_reference=(case_reference or "").strip()[:120],
            status=ConsultationSession.Status.CONFIRMED, decided_at=now, logged_by=trainer,
            group=group,
        ))
    if not created:
        raise ValidationError("Every trainee you chose already has this session in their log; nothing was saved.")
    audit_record(verb="consultation.group_logged", target=created[0], actor=trainer,
                 details={"group": str(group), "trainees": len(created), "minutes": minutes,
                          "category": category,
                          "skipped_already_logged": [e.pk for e in skipped]})
    for session in created:
        notify(session.enrolment.trainee, "consultation_group_session_recorded", {
            "trainer": str(trainer), "minutes": minutes, "category": category, "date": date,
        })
    return created


def hours_export_request(*, actor, enrolment):
    """Queue a printable PDF of the trainee's log; a worker renders it after commit."""
    from .models import HoursExport

    if actor.pk != enrolment.trainee_id:
        raise ValidationError("Only the trainee exports their own log.")
    export = HoursExport.objects.create(enrolment=enrolment)
    enqueue("consultation.tasks.render_hours_pdf", export_id=export.pk)
    return export


def hours_pdf_render(*, export_id: int) -> None:
    from django.core.files.base import ContentFile
    from django.template.loader import render_to_string
    from weasyprint import HTML

    from .models import HoursExport

    export = HoursExport.objects.select_related("enrolment__trainee", "enrolment__cohort__program").get(pk=export_id)
    if export.completed_at is not None:
        return
    enrolment = export.enrolment
    sessions = (
        ConsultationSession.objects.filter(enrolment=enrolment).visible_columns()
        .select_related("trainer").order_by("date", "start_time", "id")
    )
    html = render_to_string("consultation/hours_pdf.html", {
        "enrolment": enrolment, "sessions": sessions, "generated_at": timezone.now(),
        "progress": hours_progress(enrolment),
    })
    pdf = HTML(string=html).write_pdf()
    export.file.save("hours.pdf", ContentFile(pdf), save=False)
    export.completed_at = timezone.now()
    export.save(update_fields=["file", "completed_at"])


def pending_reminders_send() -> int:
    cutoff_rows = (
        ConsultationSession.objects.pending()
        .select_related("trainer", "enrolment__trainee", "enrolment__cohort__program")
        .order_by("trainer_id", "date")
    )
    now = timezone.now()
    by_trainer: dict[str, list[dict]] = {}
    for session in cutoff_rows:
        days = session.enrolment.cohort.program.pending_reminder_days
        if session.created_at <= now - datetime.timedelta(days=days):
            by_trainer.setdefault(session.trainer.email, []).append({
                "trainee": str(session.enrolment.trainee), "category": session.category,
                "minutes": session.minutes, "date": session.date,
            })
    for email, entries in by_trainer.items():
        notify(email, "consultation_pending_reminder", {"entries": entries})
    return len(by_trainer)
