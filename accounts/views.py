from django.shortcuts import redirect, render

from config.access import SIGNED_IN, access

from .roles import Role, roles_of

# Where each role starts, in the order a person holding several roles is sent.
_ROLE_HOMES = (
    (Role.PROGRAM_ADMIN, "courses:admin_home"),
    (Role.TRAINER, "courses:trainer_home"),
    (Role.TRAINEE, "courses:trainee_home"),
    (Role.CURRICULUM_EDITOR, "wagtailadmin_home"),
)


@access(SIGNED_IN)
def home(request):
    """After login: each role's own page; someone with no role yet is told what's next."""
    held = roles_of(request.user)
    for role, url_name in _ROLE_HOMES:
        if role in held:
            return redirect(url_name)
    return render(request, "accounts/welcome.html")
