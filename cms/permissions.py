"""Who may read a program's curriculum (course and lesson pages, lesson documents)."""

from django.db.models import Exists

from core.roles import Role, roles_of


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
        from django.contrib.auth import get_user_model

        from courses.models import Enrolment, TrainerAssignment

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
    from courses.models import Enrolment, TrainerAssignment

    ids = set(
        Enrolment.objects.active().filter(trainee=user).values_list("cohort__program_id", flat=True)
    )
    ids |= set(
        TrainerAssignment.objects.current().filter(trainer=user)
        .values_list("cohort__program_id", flat=True)
    )
    return ids


