"""Reads for the people pages."""

from django.contrib.auth.models import Group
from django.db.models import Count, Prefetch, Q, QuerySet

from core.roles import Role
from notifications.kinds import Delivery, Kind

from .models import EmailChange, NameChangeRequest, User


def people_list(*, search: str = "") -> QuerySet[User]:
    """Everyone but command-line accounts, with their roles in one extra query."""
    people = User.objects.filter(is_superuser=False, is_staff=False)
    search = search.strip()
    if search:
        people = people.filter(
            Q(email__icontains=search) | Q(full_name__icontains=search)
            | Q(preferred_name__icontains=search)
        )
    return people.prefetch_related(
        Prefetch("groups", queryset=Group.objects.filter(name__in=[r.value for r in Role]),
                 to_attr="role_groups")
    ).order_by("email")


def person_detail(*, user_id: int) -> User:
    """One person with what the edit page shows: certificates issued under their
    current name, the e-mail change waiting for verification, pending name requests."""
    return (
        User.objects.filter(pk=user_id, is_superuser=False, is_staff=False)
        # Enrolment → certificates, named by relation: accounts does not import the
        # apps above it.
        .annotate(live_certificates=Count(
            "enrolments__certificates", filter=Q(enrolments__certificates__status="issued")
        ))
        .prefetch_related(
            Prefetch("email_changes", queryset=EmailChange.objects.filter(completed_at__isnull=True),
                     to_attr="open_email_changes"),
            Prefetch("name_change_requests", queryset=NameChangeRequest.objects.pending(),
                     to_attr="pending_name_requests"),
        )
        .get()
    )


def name_requests_pending() -> QuerySet[NameChangeRequest]:
    return NameChangeRequest.objects.pending().select_related("user")


def program_admin_contacts() -> list[User]:
    """Whom a trainee writes to when something only a program admin can fix (no trainer
    assigned, no attempts left): the active program admins, by name; one query."""
    return list(
        User.objects.filter(is_active=True, groups__name=Role.PROGRAM_ADMIN.value)
        .order_by("full_name", "email").distinct()
    )


def latest_name_request(*, user: User) -> NameChangeRequest | None:
    """The person's most recent name-change request (its state shows on their profile)."""
    return user.name_change_requests.order_by("-requested_at", "-pk").first()


def deliveries_of(*, user: User) -> dict[str, str]:
    """How the person is e-mailed about each kind of notification, in one query."""
    chosen = dict(user.notification_preferences.values_list("kind", "delivery"))
    return {kind.value: chosen.get(kind.value, Delivery.IMMEDIATE.value) for kind in Kind}
