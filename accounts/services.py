"""Writes about people: their names, e-mail, roles, active flag and second factor.

Program admins manage people only through these services (the /manage/people/ pages);
Wagtail's user screens are closed (accounts.wagtail_hooks). Each submitted change
writes exactly one audit event naming what changed, in the same transaction as the
change, with the person's row locked. Superusers and staff accounts are made and
changed from the command line only, never here.
"""

import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field

from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import audit_record
from core.roles import Role, forget_roles, roles_of
from notifications.services import preferences_set

from .models import EmailChange, NameChangeRequest, User

ROLE_NAMES = tuple(role.value for role in Role)
_NOT_HERE = "This account is managed from the command line, not from the web."


@dataclass
class PersonChange:
    """What one submission changed, for the audit event and the page's message."""

    user: User
    changed: dict[str, list[str]] = field(default_factory=dict)
    roles_granted: list[str] = field(default_factory=list)
    roles_revoked: list[str] = field(default_factory=list)
    email_requested: str = ""
    mfa_reset: bool = False

    def __bool__(self) -> bool:
        return bool(self.changed or self.roles_granted or self.roles_revoked
                    or self.email_requested or self.mfa_reset)

    def details(self) -> dict:
        details: dict = {}
        if self.changed:
            details["changed"] = self.changed
        if self.roles_granted:
            details["roles_granted"] = self.roles_granted
        if self.roles_revoked:
            details["roles_revoked"] = self.roles_revoked
        if self.email_requested:
            details["email_change_requested"] = [self.user.email, self.email_requested]
        if self.mfa_reset:
            details["mfa_reset"] = True
        return details


def _refuse_command_line_accounts(user: User) -> None:
    if user.is_superuser or user.is_staff:
        raise ValidationError(_NOT_HERE)


def _email_taken(email: str, user: User) -> bool:
    return (
        User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists()
        or EmailAddress.objects.filter(email__iexact=email).exclude(user=user).exists()
    )


def _set_roles(user: User, wanted: set[str]) -> tuple[list[str], list[str]]:
    """Write the person's role groups directly: the submission's one audit event names
    them, so the per-role events of accounts.signals (which audit group changes made
    any other way) must not fire as well."""
    held = set(roles_of(user)) & set(ROLE_NAMES)
    granted, revoked = sorted(wanted - held), sorted(held - wanted)
    through = User.groups.through
    if revoked:
        through.objects.filter(user_id=user.pk, group__name__in=revoked).delete()
    if granted:
        through.objects.bulk_create(
            [through(user_id=user.pk, group_id=group.pk)
             for group in Group.objects.filter(name__in=granted)]
        )
    forget_roles(user)
    return granted, revoked


@transaction.atomic
def person_update(
    *,
    actor: User,
    user: User,
    full_name: str,
    preferred_name: str,
    email: str,
    is_active: bool,
    roles: set[str],
    reset_mfa: bool = False,
    request=None,
) -> PersonChange:
    """Apply one submission of the person form; write one audit event if anything
    changed. A new e-mail address does not replace the old one here: it is sent a
    verification link, and the change happens when its owner confirms it."""
    user = User.objects.select_for_update().get(pk=user.pk)
    _refuse_command_line_accounts(user)
    full_name, preferred_name = full_name.strip(), preferred_name.strip()
    email = email.strip().lower()
    unknown = set(roles) - set(ROLE_NAMES)
    if unknown:
        raise ValidationError({"roles": f"Unknown role: {', '.join(sorted(unknown))}."})
    change = PersonChange(user=user)
    own = actor.pk == user.pk
    errors: dict[str, str] = {}
    if own:
        # Like every other record here, a person's own account is changed by someone
        # else: an admin cannot give themselves roles, re-activate, rename or re-key
        # themselves. Their e-mail changes through their own account page.
        own_rule = "Another program admin must change this on your own account."
        if full_name != user.full_name:
            errors["full_name"] = own_rule
        if email != user.email:
            errors["email"] = "Change your own address on your account page."
        if is_active != user.is_active:
            errors["is_active"] = own_rule
        if set(roles) != set(roles_of(user)) & set(ROLE_NAMES):
            errors["roles"] = own_rule
        if reset_mfa:
            errors["reset_mfa"] = own_rule
    if not full_name:
        errors["full_name"] = "Enter the legal name (the name certificates print)."
    if email != user.email and _email_taken(email, user):
        errors["email"] = "Another account already uses this address."
    if errors:
        raise ValidationError(errors)

    for name, value in (("full_name", full_name), ("preferred_name", preferred_name),
                        ("is_active", is_active)):
        old = getattr(user, name)
        if old != value:
            change.changed[name] = [str(old), str(value)]
            setattr(user, name, value)
    if change.changed:
        user.full_clean(exclude=["password"])
        user.save(update_fields=[*change.changed])
    change.roles_granted, change.roles_revoked = _set_roles(user, set(roles))
    if reset_mfa:
        deleted, _ = Authenticator.objects.filter(user=user).delete()
        change.mfa_reset = deleted > 0
        user.__dict__.pop("_kapstone_has_mfa", None)
    if email != user.email:
        EmailChange.objects.filter(user=user, completed_at__isnull=True).delete()
        EmailChange.objects.create(
            user=user, old_email=user.email, new_email=email, requested_by=actor
        )
        # allauth's own verification: an unverified address with a link to its owner.
        EmailAddress.objects.add_new_email(request, user, email)
        change.email_requested = email
    if change:
        audit_record(verb="person.changed", target=user, actor=actor, request=request,
                     details=change.details())
    return change


@transaction.atomic
def email_change_complete(*, email_address: EmailAddress, request=None) -> EmailChange | None:
    """The owner of an address an admin asked for confirmed it: it becomes the
    person's address, the old one is removed and told. Called from allauth's
    ``email_confirmed`` signal; anything else confirmed is not an admin's change."""
    change = (
        EmailChange.objects.select_for_update()
        .filter(user_id=email_address.user_id, new_email__iexact=email_address.email,
                completed_at__isnull=True)
        .first()
    )
    if change is None:
        return None
    user = User.objects.select_for_update().get(pk=email_address.user_id)
    email_address.set_as_primary()
    for other in EmailAddress.objects.filter(user=user).exclude(pk=email_address.pk):
        other.remove()
    change.completed_at = timezone.now()
    change.save(update_fields=["completed_at"])
    audit_record(
        verb="person.email_changed", target=user, request=request, actor=user,
        details={"changed": {"email": [change.old_email, change.new_email]},
                 "requested_by": change.requested_by_id},
    )
    # The old address hears of it, so a change the person did not ask for is noticed.
    get_adapter().send_notification_mail(
        "account/email/email_changed", user,
        context={"from_email": change.old_email, "to_email": change.new_email},
        email=change.old_email,
    )
    return change


@transaction.atomic
def name_change_request(*, user: User, requested_name: str, reason: str = "") -> NameChangeRequest:
    """A person asks for their legal name to change; an admin verifies and decides."""
    requested_name = requested_name.strip()
    if not requested_name:
        raise ValidationError({"requested_name": "Enter the name as it appears on your license."})
    if requested_name == user.full_name:
        raise ValidationError({"requested_name": "This is already your legal name here."})
    try:
        with transaction.atomic():
            request_obj = NameChangeRequest.objects.create(
                user=user, current_name=user.full_name, requested_name=requested_name,
                reason=reason.strip(),
            )
    except IntegrityError:
        raise ValidationError(
            {"requested_name": "A name change is already waiting for a decision."}
        ) from None
    audit_record(verb="name_change.requested", target=user, actor=user,
                 details={"requested_name": requested_name})
    return request_obj


@transaction.atomic
def name_change_decide(
    *, actor: User, name_request: NameChangeRequest, approve: bool, note: str = ""
) -> NameChangeRequest:
    """Approve (the legal name changes) or reject a pending request; one audit event."""
    name_request = NameChangeRequest.objects.select_for_update().get(pk=name_request.pk)
    if name_request.status != NameChangeRequest.Status.PENDING:
        raise ValidationError("This request has already been decided.")
    if name_request.user_id == actor.pk:
        raise ValidationError("Nobody decides their own name change; another program admin must.")
    user = User.objects.select_for_update().get(pk=name_request.user_id)
    _refuse_command_line_accounts(user)
    if not approve and not note.strip():
        raise ValidationError({"note": "Say why, for the person who asked."})
    name_request.status = (NameChangeRequest.Status.APPROVED if approve
                           else NameChangeRequest.Status.REJECTED)
    name_request.decided_by = actor
    name_request.decided_at = timezone.now()
    name_request.decision_note = note.strip()
    name_request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    details: dict = {"request": name_request.pk}
    if approve:
        details["changed"] = {"full_name": [user.full_name, name_request.requested_name]}
        user.full_name = name_request.requested_name
        user.save(update_fields=["full_name"])
    elif not name_request.current_name and user.full_name == name_request.requested_name:
        # A first name proposed at sign-up that does not match the license is taken
        # back: the person is asked for it again, and nothing prints the rejected one.
        details["changed"] = {"full_name": [user.full_name, ""]}
        user.full_name = ""
        user.save(update_fields=["full_name"])
    audit_record(verb=f"name_change.{name_request.status}", target=user, actor=actor,
                 details=details)
    return name_request


# --- A person's own profile ----------------------------------------------------------


@transaction.atomic
def legal_name_propose(*, user: User, name: str, preferred_name: str = "", request=None) -> NameChangeRequest:
    """A person with no legal name yet gives one (at sign-up, or when asked on their
    profile). It is used at once, so nothing shows their e-mail address in its place,
    and it waits as a name-change request for a program admin to check against the
    license, exactly like a later change; rejected, it is taken back (name_change_decide)."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"full_name": "Enter your name as it appears on your license."})
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.full_name:
        raise ValidationError({"full_name": "You already have a legal name; ask for a change instead."})
    user.full_name = name
    fields = ["full_name"]
    preferred_name = preferred_name.strip()
    if preferred_name:
        user.preferred_name = preferred_name
        fields.append("preferred_name")
    user.save(update_fields=fields)
    proposal = NameChangeRequest.objects.create(
        user=user, current_name="", requested_name=name,
        reason="The name given when the account had none; check it against the license.",
    )
    audit_record(verb="name_change.proposed", target=user, actor=user, request=request,
                 details={"requested_name": name, "request": proposal.pk})
    return proposal


def _valid_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


@transaction.atomic
def profile_update(
    *, user: User, preferred_name: str, time_zone: str, deliveries: Mapping[str, str],
    legal_name: str | None = None, request=None,
) -> list[str]:
    """Save what a person sets about themselves. Their legal name is given here only
    while they have none (``legal_name``, proposed for verification); after that it
    changes through a verified request. Returns the names of the settings that
    changed; one audit event names them."""
    time_zone = time_zone.strip()
    if time_zone and not _valid_zone(time_zone):
        raise ValidationError({"time_zone": "Choose a time zone from the list."})
    if legal_name is not None:
        legal_name_propose(user=user, name=legal_name, request=request)
    user = User.objects.select_for_update().get(pk=user.pk)
    changed: dict[str, list[str]] = {}
    for name, value in (("preferred_name", preferred_name.strip()), ("time_zone", time_zone)):
        if getattr(user, name) != value:
            changed[name] = [getattr(user, name), value]
            setattr(user, name, value)
    if changed:
        user.save(update_fields=[*changed])
    try:
        preferences_set(user=user, deliveries=deliveries)
    except ValueError:
        raise ValidationError("Choose how to be e-mailed from the lists.") from None
    if changed:
        audit_record(verb="person.profile_changed", target=user, actor=user, request=request,
                     details={"changed": changed})
    return [*changed]
