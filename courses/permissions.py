"""Who may see which people-records (views look objects up through these scopes), and
who may read a program's curriculum: its course and lesson pages (answered to cms
through cms.hooks, courses.wagtail_hooks) and the documents they use."""

from django.contrib.auth import get_user_model
from django.db.models import Exists

from cms.documents import document_program_ids
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


def is_assigned(trainer, trainee, cohort, on=None) -> bool:
    """True when ``trainer`` is assigned to ``trainee`` in ``cohort`` on the date."""
    if trainer.pk == trainee.pk:
        return False
    return (
        TrainerAssignment.objects.current(on)
        .filter(trainer=trainer, trainee=trainee, cohort=cohort)
        .exists()
    )


def can_read_curriculum(user, program_id: int | None) -> bool:
    """Trainees with an active enrolment in a cohort of the program, their current
    trainers in that program, curriculum editors and program admins."""
    if not user.is_authenticated or not user.is_active or program_id is None:
        return False
    held = roles_of(user)
    if user.is_superuser or {Role.PROGRAM_ADMIN, Role.CURRICULUM_EDITOR} & held:
        return True
    cache = getattr(user, "_kapstone_curriculum", None)
    if cache is None:
        cache = {}
        user._kapstone_curriculum = cache
    if program_id not in cache:
        enrolled = Enrolment.objects.active().filter(trainee=user, cohort__program_id=program_id)
        assigned = TrainerAssignment.objects.current().filter(
            trainer=user, cohort__program_id=program_id
        )
        row = (
            get_user_model().objects.filter(pk=user.pk)
            .annotate(enrolled=Exists(enrolled), assigned=Exists(assigned))
            .values("enrolled", "assigned")
            .first()
        )
        cache[program_id] = bool(row and (row["enrolled"] or row["assigned"]))
    return cache[program_id]


def readable_program_ids(user) -> set[int] | None:
    """Programs whose curriculum the user may read; None means every program."""
    if not user.is_authenticated:
        return set()
    held = roles_of(user)
    if user.is_superuser or {Role.PROGRAM_ADMIN, Role.CURRICULUM_EDITOR} & held:
        return None
    ids = set(
        Enrolment.objects.active().filter(trainee=user).values_list("cohort__program_id", flat=True)
    )
    ids |= set(
        TrainerAssignment.objects.current().filter(trainer=user)
        .values_list("cohort__program_id", flat=True)
    )
    return ids


def can_download_document(user, document) -> bool:
    """For a signed-in user; public documents are let through before this
    (cms.documents says who may download what)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or Role.CURRICULUM_EDITOR in roles_of(user):
        return True
    used_in = document_program_ids(document)
    if not used_in:
        return False
    readable = readable_program_ids(user)  # None: every program (program admins)
    return readable is None or bool(used_in & readable)


def enrolments_grantable_by(user):
    """Whose knowledge-check attempts ``user`` may add to: a program admin any trainee's,
    a trainer those of trainees currently assigned to them; never their own."""
    qs = Enrolment.objects.all()
    if not user.is_authenticated:
        return qs.none()
    held = roles_of(user)
    if Role.PROGRAM_ADMIN in held:
        return qs.exclude(trainee=user)
    if Role.TRAINER in held:
        return qs.for_trainer(user).exclude(trainee=user)
    return qs.none()
