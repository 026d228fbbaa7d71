"""Who may see which people-records. Views look objects up through these scopes."""

from core.roles import Role, roles_of

from .models import Enrolment, TrainerAssignment


def enrolments_visible_to(user):
    """A trainee sees their own enrolments; a trainer those of trainees currently
    assigned to them in that cohort; a program admin sees all."""
    qs = Enrolment.objects.all()
    if not user.is_authenticated:
        return qs.none()
    held = roles_of(user)
    if Role.PROGRAM_ADMIN in held:
        return qs
    scopes = qs.none()
    if Role.TRAINEE in held:
        scopes = scopes | qs.for_trainee(user)
    if Role.TRAINER in held:
        scopes = scopes | qs.for_trainer(user)
    return scopes


def can_manage_people(user) -> bool:
    return Role.PROGRAM_ADMIN in roles_of(user)


def is_assigned(trainer, trainee, cohort, on=None) -> bool:
    """True when ``trainer`` is assigned to ``trainee`` in ``cohort`` on the date."""
    if trainer.pk == trainee.pk:
        return False
    return (
        TrainerAssignment.objects.current(on)
        .filter(trainer=trainer, trainee=trainee, cohort=cohort)
        .exists()
    )
