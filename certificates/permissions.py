"""Who may see which certificates. Views look certificates up through this scope, so a
certificate someone may not see is a 404."""

from core.roles import Role, has_role

from .models import Certificate


def certificates_visible_to(user):
    """Trainees see their own certificates; program admins see all."""
    queryset = Certificate.objects.with_people()
    if has_role(user, Role.PROGRAM_ADMIN):
        return queryset
    return queryset.held_by(user)
