"""Everything Kapstone holds about one person, gathered for their download.

A fixed number of queries (one per kind of record) whatever the size of the record.
Every query is scoped to the person's own rows — their account, their enrolments — so
nothing about anyone else is read: a group consultation session is stored one row per
trainee, and only their own row is theirs."""

from django.db.models import Prefetch

from accounts.models import NameChangeRequest, User
from certificates.models import Certificate
from competencies.models import EvidenceItem, SignOff, SignOffRequest
from consultation.models import ConsultationSession
from courses.models import Application, Enrolment, Reflection
from notifications.models import Notification, Preference

from .models import RecordExport


def _when(value) -> str | None:
    return value.isoformat() if value is not None else None


def _person(user) -> str:
    return user.get_full_name() if user is not None else ""


def record_of(*, user: User) -> dict:
    """The person's record as plain data (JSON-ready), plus the evidence items whose
    files go into the download under ``"_files"`` (not serialised)."""
    enrolments = list(
        Enrolment.objects.filter(trainee=user)
        .select_related("cohort__program", "framework_version__framework", "license_verified_by")
        .prefetch_related(
            Prefetch("signoffs", queryset=SignOff.objects.select_related("trainer")
                     .order_by("decided_at", "pk")),
        )
        .order_by("enrolled_on", "pk")
    )
    ids = [e.pk for e in enrolments]
    requests = list(SignOffRequest.objects.filter(enrolment_id__in=ids).order_by("requested_at", "pk"))
    evidence = list(EvidenceItem.objects.filter(enrolment_id__in=ids).order_by("added_at", "pk"))
    sessions = list(
        ConsultationSession.objects.filter(enrolment_id__in=ids).select_related("trainer")
        .order_by("date", "start_time", "pk")
    )
    certificates = list(
        Certificate.objects.filter(enrolment_id__in=ids).select_related("issued_by")
        .order_by("issued_at", "pk")
    )
    reflections = list(Reflection.objects.filter(enrolment_id__in=ids).order_by("created_at", "pk"))
    applications = list(Application.objects.filter(applicant=user)
                        .select_related("cohort", "decided_by").order_by("pk"))
    names = list(NameChangeRequest.objects.filter(user=user).select_related("decided_by")
                 .order_by("requested_at", "pk"))
    notifications = list(Notification.objects.filter(user=user).order_by("created_at", "pk"))
    preferences = dict(Preference.objects.filter(user=user).values_list("kind", "delivery"))

    def of(rows, enrolment):
        return [row for row in rows if row.enrolment_id == enrolment.pk]

    return {
        "profile": {
            "email": user.email, "legal_name": user.full_name,
            "preferred_name": user.preferred_name, "time_zone": user.time_zone,
            "joined": _when(user.date_joined), "email_preferences": preferences,
        },
        "name_changes": [
            {"requested_name": n.requested_name, "previous_name": n.current_name,
             "reason": n.reason, "status": n.get_status_display(),
             "requested_at": _when(n.requested_at), "decided_by": _person(n.decided_by),
             "decided_at": _when(n.decided_at), "note": n.decision_note}
            for n in names
        ],
        "applications": [
            {"cohort": a.cohort.name, "profession": a.get_profession_display(),
             "status": a.get_status_display(), "submitted_at": _when(a.submitted_at),
             "decided_by": _person(a.decided_by)}
            for a in applications
        ],
        "enrolments": [
            {
                "program": e.cohort.program.name, "cohort": e.cohort.name,
                "status": e.get_status_display(), "profession": e.get_profession_display(),
                "license": {"type": e.license_type, "number": e.license_number,
                            "jurisdiction": e.license_jurisdiction,
                            "expires_on": _when(e.license_expires_on),
                            "verified_by": _person(e.license_verified_by),
                            "verified_at": _when(e.license_verified_at)},
                "framework": (f"{e.framework_version.framework.title} v{e.framework_version.number}"
                              if e.framework_version else ""),
                "enrolled_on": _when(e.enrolled_on),
                "decisions": [
                    {"outcome": s.outcome_code, "decision": s.get_decision_display(),
                     "trainer": _person(s.trainer), "comment": s.comment,
                     "decided_at": _when(s.decided_at)}
                    for s in e.signoffs.all()
                ],
                "review_requests": [
                    {"outcome": r.outcome_code, "message": r.message,
                     "requested_at": _when(r.requested_at), "closed_at": _when(r.closed_at)}
                    for r in of(requests, e)
                ],
                "evidence": [
                    {"id": item.pk, "outcome": item.outcome_code, "kind": item.get_kind_display(),
                     "title": item.title, "text": item.text,
                     "file": f"evidence/{item.pk}-{item.original_name}" if item.file else "",
                     "added_at": _when(item.added_at)}
                    for item in of(evidence, e)
                ],
                "hours": [
                    {"date": _when(s.date), "minutes": s.minutes, "category": s.category,
                     "format": s.get_format_display(), "modality": s.get_modality_display(),
                     "trainer": _person(s.trainer), "status": s.get_status_display(),
                     "trainer_comment": s.trainer_comment, "case_reference": s.case_reference,
                     "your_notes": s.notes}
                    for s in of(sessions, e)
                ],
                "reflections": [
                    {"lesson_id": r.lesson_id, "prompt": r.prompt, "text": r.text,
                     "written_at": _when(r.created_at)}
                    for r in of(reflections, e)
                ],
                "certificates": [
                    {"serial": c.serial, "status": c.get_status_display(),
                     "issued_at": _when(c.issued_at), "issued_by": _person(c.issued_by),
                     "valid_until": _when(c.valid_until), "revoked_at": _when(c.revoked_at),
                     "revocation_reason": c.revocation_reason}
                    for c in of(certificates, e)
                ],
            }
            for e in enrolments
        ],
        "notifications": [
            {"subject": n.subject, "kind": n.get_kind_display(), "at": _when(n.created_at),
             "read": n.read_at is not None}
            for n in notifications
        ],
        "_files": [item for item in evidence if item.file],
    }


def exports_of(*, user: User) -> list[RecordExport]:
    """The person's latest downloads, newest first."""
    return list(RecordExport.objects.filter(user=user)[:5])
