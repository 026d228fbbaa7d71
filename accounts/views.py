from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from core.access import GET_POST, PROGRAM_ADMIN, SIGNED_IN, access
from core.forms import add_service_errors
from core.paging import window
from core.roles import Role, roles_of

from . import selectors, services
from .forms import NameChangeRequestForm, NameDecisionForm, PersonForm, ProfileForm
from .models import NameChangeRequest, User

# Where each role starts, in the order a person holding several roles is sent.
_ROLE_HOMES = (
    (Role.PROGRAM_ADMIN, "courses:admin_home"),
    (Role.TRAINER, "courses:trainer_home"),
    (Role.TRAINEE, "courses:trainee_home"),
    (Role.CURRICULUM_EDITOR, "wagtailadmin_home"),
)
PEOPLE_PER_PAGE = 50


@access(SIGNED_IN)
def home(request):
    """After login: each role's own page; someone with no role yet is told what's next."""
    held = roles_of(request.user)
    for role, url_name in _ROLE_HOMES:
        if role in held:
            return redirect(url_name)
    return render(request, "accounts/welcome.html")


# --- People (program admins) -----------------------------------------------------


@access(PROGRAM_ADMIN)
def people(request):
    search = request.GET.get("q", "")[:100]
    page = window(selectors.people_list(search=search), request, param="page",
                  per_page=PEOPLE_PER_PAGE)
    return render(request, "accounts/people.html", {
        "window": page, "search": search,
        "pending_name_requests": selectors.name_requests_pending().count(),
    })


@access(PROGRAM_ADMIN, methods=GET_POST)
def person_edit(request, user_id: int):
    try:
        person = selectors.person_detail(user_id=user_id)
    except User.DoesNotExist:
        raise Http404("No such person.") from None
    held = sorted(set(roles_of(person)) & set(services.ROLE_NAMES))
    form = PersonForm(request.POST or None, initial={
        "full_name": person.full_name, "preferred_name": person.preferred_name,
        "email": person.email, "is_active": person.is_active, "roles": held,
    })
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            change = services.person_update(
                actor=request.user, user=person, full_name=data["full_name"],
                preferred_name=data["preferred_name"], email=data["email"],
                is_active=data["is_active"], roles=set(data["roles"]),
                reset_mfa=data["reset_mfa"], request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            _tell_admin(request, person, change)
            return redirect("accounts:person_edit", user_id=person.pk)
    return render(request, "accounts/person_edit.html", {"person": person, "form": form})


def _tell_admin(request, person, change: services.PersonChange) -> None:
    if not change:
        messages.info(request, "Nothing changed.")
        return
    messages.success(request, f"{person.email}: changes saved and recorded in the audit trail.")
    if change.email_requested:
        messages.info(
            request,
            f"A verification link went to {change.email_requested}. The address changes when "
            f"its owner follows it; {person.email} is then told.",
        )
    if "full_name" in change.changed and person.live_certificates:
        old, new = change.changed["full_name"]
        messages.warning(
            request,
            f"{person.email} holds {person.live_certificates} certificate"
            f"{'s' if person.live_certificates != 1 else ''} issued under the name “{old}”. "
            f"A certificate keeps the name it was issued with: re-issue it if it should "
            f"read “{new}”.",
        )


@access(PROGRAM_ADMIN)
def name_requests(request):
    return render(request, "accounts/name_requests.html", {
        "requests": list(selectors.name_requests_pending()),
    })


@access(PROGRAM_ADMIN, methods=GET_POST)
def name_request_decide(request, request_id: int):
    name_request = get_object_or_404(NameChangeRequest.objects.select_related("user"), pk=request_id)
    form = NameDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            name_request = services.name_change_decide(
                actor=request.user, name_request=name_request,
                approve=form.cleaned_data["decision"] == "approve", note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"The name change for {name_request.user.email} is decided.")
            person = selectors.person_detail(user_id=name_request.user_id)
            if name_request.status == NameChangeRequest.Status.APPROVED and person.live_certificates:
                messages.warning(
                    request,
                    f"{person.email} holds {person.live_certificates} certificate"
                    f"{'s' if person.live_certificates != 1 else ''} issued under the name "
                    f"“{name_request.current_name}”. A certificate keeps the name it was issued "
                    f"with: re-issue it if it should read “{name_request.requested_name}”.",
                )
            return redirect("accounts:person_edit", user_id=name_request.user_id)
    return render(request, "accounts/name_request_decide.html",
                  {"name_request": name_request, "form": form})


# --- A person's own legal name ------------------------------------------------------


@access(SIGNED_IN, methods=GET_POST)
def my_name(request):
    """Anyone may ask for their legal name to change; a program admin verifies it."""
    form = NameChangeRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.name_change_request(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Your request is with the program admins. "
                                      "They may ask you for a document showing the new name.")
            return redirect("accounts:my_name")
    latest = request.user.name_change_requests.order_by("-requested_at", "-pk").first()
    return render(request, "accounts/my_name.html", {"form": form, "latest": latest})


# --- A person's own profile -----------------------------------------------------------


@access(SIGNED_IN, methods=GET_POST)
def profile(request):
    """Names, time zone and e-mail preferences. The legal name is asked for here only
    while the person has none; a change to it is a verified request (my_name)."""
    user = request.user
    ask_legal_name = not user.full_name
    initial = {"preferred_name": user.preferred_name, "time_zone": user.time_zone}
    initial |= {f"delivery_{kind}": delivery
                for kind, delivery in selectors.deliveries_of(user=user).items()}
    form = ProfileForm(request.POST or None, initial=initial, ask_legal_name=ask_legal_name)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.profile_update(
                user=user, preferred_name=data["preferred_name"], time_zone=data["time_zone"],
                deliveries=form.deliveries(), request=request,
                legal_name=data["full_name"] if ask_legal_name else None,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Your profile is saved.")
            return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {
        "form": form, "ask_legal_name": ask_legal_name,
        "latest": selectors.latest_name_request(user=user),
    })
