from core.roles import Role, roles_of


def roles(request):
    """Role flags for the navigation: one cached query per request, only when asked."""
    user = getattr(request, "user", None)

    def flags():
        held = roles_of(user) if user is not None else frozenset()
        return {
            "trainee": Role.TRAINEE in held,
            "trainer": Role.TRAINER in held,
            "program_admin": Role.PROGRAM_ADMIN in held,
            "curriculum_editor": Role.CURRICULUM_EDITOR in held,
        }

    from django.utils.functional import SimpleLazyObject

    return {"kap_roles": SimpleLazyObject(flags)}
