"""Four eyes, by relationship: who may not issue a trainee's certificate.

Roles do not decide this; what the admin did in this trainee's record does. Whoever
signed off any of the trainee's outcomes, confirmed any of their consultation hours
(individually or in a group session they logged), or has been assigned to the trainee
in that cohort at any time (ended and removed assignments included, from their
history), had a hand in the record the certificate vouches for: another program admin
must issue it. The issue page shows these reasons before the button, and
``certificates.services.certificate_issue`` refuses on them inside its transaction.
"""

from django.db.models import Exists, OuterRef

from competencies.models import SignOff
from consultation.models import ConsultationSession
from courses.models import Enrolment, TrainerAssignment, TrainerAssignmentRecord

OWN_RECORD = "this is your own record"
SIGNED_OFF = "you signed off outcomes in this trainee's record"
CONFIRMED_HOURS = (
    "you confirmed consultation hours in this record (individually or in a group session)"
)
ASSIGNED = "you have been assigned to this trainee as a trainer in this cohort"


def refusal_text(reasons: list[str]) -> str:
    """The sentence an admin reads: why, and who may issue instead."""
    return (f"You cannot issue this certificate: {'; '.join(reasons)}. "
            "Another program admin must issue it.")


def issuer_conflicts(actor, enrolment_ids) -> dict[int, list[str]]:
    """For each enrolment, why ``actor`` may not issue its certificate (an empty list:
    nothing stands in the way). Four queries, whatever the number of enrolments."""
    ids = list(enrolment_ids)
    reasons: dict[int, list[str]] = {pk: [] for pk in ids}
    if not ids:
        return reasons
    assigned = Exists(TrainerAssignment.objects.filter(
        trainer_id=actor.pk, trainee=OuterRef("trainee"), cohort=OuterRef("cohort")
    ))
    remembered = Exists(TrainerAssignmentRecord.objects.filter(
        trainer_id=actor.pk, trainee=OuterRef("trainee"), cohort=OuterRef("cohort")
    ))
    rows = (
        Enrolment.objects.filter(pk__in=ids)
        .annotate(assigned=assigned, remembered=remembered)
        .values_list("pk", "trainee_id", "assigned", "remembered")
    )
    signed = set(
        SignOff.objects.filter(enrolment_id__in=ids, trainer_id=actor.pk)
        .values_list("enrolment_id", flat=True).distinct()
    )
    confirmed = set(
        ConsultationSession.objects.confirmed()
        .filter(enrolment_id__in=ids, trainer_id=actor.pk, reverses__isnull=True)
        .values_list("enrolment_id", flat=True).distinct()
    )
    for pk, trainee_id, was_assigned, was_remembered in rows:
        if trainee_id == actor.pk:
            reasons[pk].append(OWN_RECORD)
        if pk in signed:
            reasons[pk].append(SIGNED_OFF)
        if pk in confirmed:
            reasons[pk].append(CONFIRMED_HOURS)
        if was_assigned or was_remembered:
            reasons[pk].append(ASSIGNED)
    return reasons
