"""The four roles are Django groups; a person may hold several.

Roles say what kind of work someone does. Whether they may act on a particular record
is always decided by the relationship (enrolment, trainer assignment) in the owning
app's ``permissions.py``.
"""

from enum import StrEnum


class Role(StrEnum):
    TRAINEE = "Trainee"
    TRAINER = "Trainer"
    PROGRAM_ADMIN = "Program admin"
    CURRICULUM_EDITOR = "Curriculum editor"


def roles_of(user) -> frozenset[str]:
    """Names of the user's role groups, read once per request and kept on the user."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_kapstone_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._kapstone_roles = cached
    return cached


def has_role(user, role: Role) -> bool:
    return role.value in roles_of(user)


def forget_roles(user) -> None:
    """Drop the per-request cache after the user's groups change."""
    user.__dict__.pop("_kapstone_roles", None)
