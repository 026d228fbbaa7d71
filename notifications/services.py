"""One way to tell a person something: :func:`notify`.

Every message is a set of templates under ``templates/email/``: ``<name>_subject.txt``
(one line; the site's prefix is added here), ``<name>.txt`` (the body) and, where links
or layout help, ``<name>.html`` (sent as the HTML alternative). The message is rendered
now. For each person (a user, or an address that belongs to one) it is stored as a
:class:`~notifications.models.Notification` for the bell and the notifications page,
and e-mailed either at once or in the daily digest, as they chose for its kind
(:mod:`notifications.kinds`). E-mails are sealed ``send_email`` jobs recorded in the
caller's transaction, so they go out once it commits and never if it rolls back.
"""

import datetime
import decimal
import zoneinfo
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone

from jobs.services import enqueue

from .kinds import ALWAYS_IMMEDIATE, KIND_OF_TEMPLATE, Delivery, Kind
from .models import Notification, Preference

# What a context may hold. The rendered text is what gets sealed and sent; a model
# instance would let a template reach fields (consultation notes, say) the caller never
# meant to put in an e-mail, so callers pass the few values a message shows.
_PLAIN = (str, int, float, decimal.Decimal, bool, datetime.date, datetime.time, type(None))


def _check_plain(value, path: str) -> None:
    if isinstance(value, _PLAIN):
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            _check_plain(item, f"{path}.{key}")
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_plain(item, f"{path}[{index}]")
        return
    raise TypeError(
        f"notify() context {path} is a {type(value).__name__}; pass plain values "
        "(strings, numbers, dates, and lists or dicts of them)."
    )


def render(template: str, context: Mapping) -> tuple[str, str, str]:
    """``(subject, text, html)`` of the message ``template`` (html is "" when the
    message has no HTML template). Raises ``TemplateDoesNotExist`` for a missing
    subject or text template."""
    for key, value in context.items():
        _check_plain(value, key)
    subject = render_to_string(f"email/{template}_subject.txt", context)
    # One line, whatever the template's trailing newline: a header cannot carry more.
    subject = settings.EMAIL_SUBJECT_PREFIX + " ".join(subject.split())
    # Blank lines around the template's tags are layout, not message: one final newline.
    text = render_to_string(f"email/{template}.txt", context).strip("\n") + "\n"
    try:
        html = render_to_string(f"email/{template}.html", context)
    except TemplateDoesNotExist:
        html = ""
    return subject, text, html


def _recipients(to) -> tuple[list, list[str]]:
    """Split ``to`` into users and bare addresses. Addresses that belong to an account
    are resolved to it (one query), so every person's message is kept for the app."""
    items = [to] if isinstance(to, str) or not isinstance(to, Iterable) else list(to)
    users, addresses, seen = [], [], set()
    for item in items:
        if isinstance(item, str):
            addresses.append(item)
        elif item.pk not in seen:
            seen.add(item.pk)
            users.append(item)
    if addresses:
        known = {
            user.email.lower(): user
            for user in get_user_model().objects.filter(email__in=[a.lower() for a in addresses])
        }
        unresolved = []
        for address in addresses:
            user = known.get(address.lower())
            if user is None:
                unresolved.append(address)
            elif user.pk not in seen:
                seen.add(user.pk)
                users.append(user)
        addresses = unresolved
    return users, addresses


def deliveries(users: list, kind: str) -> dict[int, str]:
    """Each user's chosen delivery for ``kind`` (one query; no choice: at once)."""
    chosen = dict(
        Preference.objects.filter(user__in=[u.pk for u in users], kind=kind)
        .values_list("user_id", "delivery")
    )
    return {user.pk: chosen.get(user.pk, Delivery.IMMEDIATE) for user in users}


def notify(to, template: str, context: Mapping) -> None:
    """Tell ``to`` — a user, an address, or several of either — the message
    ``template`` rendered with ``context``.

    Each person with an account gets it in the app and by e-mail at once or in their
    daily digest (their preference for the template's kind); an address with no account
    gets the e-mail alone. E-mails go out once the current transaction commits; several
    immediate recipients share one message, as before. No recipient, no message."""
    # Rendered even for nobody, so a broken template or context fails where it is used.
    subject, text, html = render(template, context)
    if template not in KIND_OF_TEMPLATE:
        raise LookupError(f"notify(): {template!r} has no kind in notifications.kinds.")
    users, addresses = _recipients(to)
    if not users and not addresses:
        return
    kind = KIND_OF_TEMPLATE[template]
    now = timezone.now()
    chosen = deliveries(users, kind) if template not in ALWAYS_IMMEDIATE else {
        user.pk: Delivery.IMMEDIATE for user in users
    }
    shown_subject = subject.removeprefix(settings.EMAIL_SUBJECT_PREFIX)
    if users:
        Notification.objects.bulk_create([
            Notification(
                user=user, kind=kind, template=template, subject=shown_subject[:300], body=text,
                delivery=chosen[user.pk],
                emailed_at=now if chosen[user.pk] == Delivery.IMMEDIATE else None,
            )
            for user in users
        ])
    immediate = [u.email for u in users if chosen[u.pk] == Delivery.IMMEDIATE] + addresses
    if immediate:
        enqueue("notifications.tasks.send_email", to=immediate, subject=subject, body=text,
                html=html)


# --- Reading and preferences ---------------------------------------------------------


def notification_open(*, user, notification_id: int) -> Notification:
    """The person's own notification, marked read. Anyone else's is not found."""
    notification = Notification.objects.for_user(user).get(pk=notification_id)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user) -> int:
    """Mark every unread notification of the person read; returns how many."""
    return Notification.objects.for_user(user).unread().update(read_at=timezone.now())


@transaction.atomic
def preferences_set(*, user, deliveries: Mapping[str, str]) -> None:
    """Store the person's e-mail choice per kind (``{kind: delivery}``)."""
    unknown = set(deliveries) - set(Kind.values)
    if unknown or set(deliveries.values()) - set(Delivery.values):
        raise ValueError("Unknown kind or delivery.")
    for kind, delivery in deliveries.items():
        Preference.objects.update_or_create(user=user, kind=kind, defaults={"delivery": delivery})


# --- The daily digest ----------------------------------------------------------------


def digests_send() -> int:
    """Send each person one e-mail listing their items waiting for the digest, oldest
    first; returns how many e-mails were queued.

    Idempotent: each person's items are locked, stamped ``emailed_at`` and the e-mail
    job recorded in one transaction, so a second run (or two at once) finds nothing
    left to send and no item is ever e-mailed twice."""
    user_ids = list(
        Notification.objects.awaiting_digest().values_list("user_id", flat=True).distinct()
    )
    sent = 0
    for user_id in user_ids:
        if _digest_send_one(user_id=user_id):
            sent += 1
    return sent


def _zone_of(user) -> zoneinfo.ZoneInfo:
    """The zone the person reads times in (their profile's, else the program's)."""
    try:
        return zoneinfo.ZoneInfo(getattr(user, "time_zone", "") or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


@transaction.atomic
def _digest_send_one(*, user_id: int) -> bool:
    items = list(
        Notification.objects.awaiting_digest().filter(user_id=user_id)
        .select_for_update(skip_locked=True).select_related("user").order_by("created_at", "pk")
    )
    if not items:
        return False
    user = items[0].user
    zone = _zone_of(user)
    context = {
        "name": user.get_short_name(),
        "items": [
            {"subject": item.subject, "body": item.body,
             "created_at": timezone.localtime(item.created_at, zone).strftime("%d %b %Y %H:%M %Z")}
            for item in items
        ],
    }
    subject, text, html = render("notification_digest", context)
    Notification.objects.filter(pk__in=[item.pk for item in items]).update(
        emailed_at=timezone.now()
    )
    enqueue("notifications.tasks.send_email", to=[user.email], subject=subject, body=text,
            html=html)
    return True
