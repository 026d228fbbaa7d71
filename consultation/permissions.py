"""Who may see which consultation entries. Views look entries up through this scope,
so an entry someone may not see is a 404."""

from django.db.models import Q

from courses.models import Enrolment

from .models import ConsultationSession


def sessions_visible_to(user):
    """The trainee's own entries and those naming the user as a currently assigned
    trainer (with the people and program the pages show)."""
    if not user.is_authenticated:
        return ConsultationSession.objects.none()
    assigned = Enrolment.objects.for_trainer(user).values("pk")
    return ConsultationSession.objects.filter(
        Q(enrolment__trainee=user) | (Q(trainer=user) & Q(enrolment__in=assigned))
    ).select_related("enrolment__trainee", "enrolment__cohort__program", "trainer")
