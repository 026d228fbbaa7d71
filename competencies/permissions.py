"""Who may see which outcome records and evidence."""

from django.db.models import Exists, OuterRef, Q

from core.roles import Role, roles_of
from courses.models import Enrolment, TrainerAssignment

from .models import EvidenceItem, SignOffRequest


def evidence_visible_to(user):
    """The trainee's own evidence, that of trainees currently assigned to the trainer
    (in that cohort), or all of it for program admins."""
    qs = EvidenceItem.objects.all()
    if not user.is_authenticated:
        return qs.none()
    if Role.PROGRAM_ADMIN in roles_of(user):
        return qs
    assigned = TrainerAssignment.objects.current().filter(
        trainer=user,
        trainee=OuterRef("enrolment__trainee"),
        cohort=OuterRef("enrolment__cohort"),
    )
    return qs.filter(Q(enrolment__trainee=user) | (Exists(assigned) & ~Q(enrolment__trainee=user)))


def requests_for_trainer(user):
    """Open review requests of the trainer's currently assigned trainees."""
    return SignOffRequest.objects.pending().filter(
        enrolment__in=Enrolment.objects.for_trainer(user)
    )
