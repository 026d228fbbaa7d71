import zlib

from django.conf import settings
from django.db import connections, models, router, transaction
from django.utils import timezone

from . import chain
from .appendonly import AppendOnlyError, AppendOnlyModel, AppendOnlyQuerySet

__all__ = ["AppendOnlyError", "AuditEvent", "AuditEventQuerySet"]

# The PostgreSQL advisory lock that serialises appends to the chain (any fixed bigint;
# derived from a name so that it reads as ours in pg_locks).
CHAIN_LOCK_KEY = zlib.crc32(b"kapstone.audit.chain")


def lock_chain(connection) -> None:
    """Hold the chain until the current transaction ends (PostgreSQL; SQLite already
    allows one writer at a time)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])


class AuditEventQuerySet(AppendOnlyQuerySet):
    def for_target(self, obj) -> "AuditEventQuerySet":
        """Events about one record, newest first."""
        return self.filter(target_type=obj._meta.label_lower, target_id=str(obj.pk))

    def bulk_create(self, objs, *args, **kwargs):
        # Each event links to the one before it: a plain bulk insert would not.
        raise AppendOnlyError(
            "audit events are appended through audit.services.audit_record, or in bulk "
            "through AuditEvent.objects.append_many, which links each to the one before."
        )

    def append_many(self, events, *, batch_size: int = 2000) -> list["AuditEvent"]:
        """Append new events in the order given, each linked to the one before it, in
        one transaction holding the chain lock (for imports and bulk loads: two queries
        plus one insert per ``batch_size`` events, instead of two or three per event)."""
        events = list(events)
        if any(event.pk is not None for event in events):
            raise AppendOnlyError("only new audit events can be appended.")
        connection = connections[self.db]
        with transaction.atomic(using=self.db, savepoint=False):
            lock_chain(connection)
            head = self.model._default_manager.using(self.db).order_by("-id").values_list(
                "hash", flat=True
            ).first() or chain.GENESIS
            for event in events:
                event.link_to(head)
                head = event.hash
            # Rows get their ids in list order, which is the chain's order.
            return super(AppendOnlyQuerySet, self).bulk_create(events, batch_size=batch_size)


class AuditEvent(AppendOnlyModel):
    """One thing that happened, written once and never changed.

    The actor is kept as a loose reference plus the e-mail it had, so that the trail
    outlives the account and no foreign-key cascade ever has to touch it. Events form a
    hash chain in id order (see ``audit/chain.py``).
    """

    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_email = models.CharField(max_length=254, blank=True)
    verb = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=255, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    # Unique: two events can never link to the same predecessor, so even a writer that
    # skipped the lock could not fork the chain — its insert would fail.
    prev_hash = models.CharField(max_length=64, unique=True, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    objects = AuditEventQuerySet.as_manager()

    # Wagtail would otherwise index every new event's references after each insert
    # (four more queries per event); nothing links to events through Wagtail.
    wagtail_reference_index_ignore = True

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]
        # Django's internal paths (save's UPDATE, related lookups) use the refusing
        # queryset too, not a plain manager.
        base_manager_name = "objects"

    def __str__(self) -> str:
        who = self.actor_email or "system"
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} UTC — {who} {self.verb} {self.target_repr}"

    def save(self, *args, **kwargs):
        """Append this event to the chain.

        On PostgreSQL a transaction-level advisory lock is taken before the chain head is
        read and held until commit, so concurrent writers append one after another and
        never both link to the same head. SQLite allows one writer at a time anyway.
        Cost: one query to read the head (plus one for the lock on PostgreSQL).
        """
        # Refuse before the transaction below, so a refusal leaves the caller's intact.
        self.refuse_unless_insert(args, kwargs)
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        connection = connections[using]
        with transaction.atomic(using=using, savepoint=False):
            lock_chain(connection)
            # Under the lock, so the head is the newest committed event (or our own).
            head = (
                type(self)._default_manager.using(using)
                .order_by("-id").values_list("hash", flat=True).first()
            )
            self.link_to(head or chain.GENESIS)
            super().save(**kwargs)

    def link_to(self, prev_hash: str) -> None:
        """Stamp the event and hash it onto the chain after ``prev_hash``."""
        self.occurred_at = timezone.now()
        self.details = chain.normalise_details(self.details)
        self.ip_address = (
            self._meta.get_field("ip_address").get_prep_value(self.ip_address) or None
        )
        self.prev_hash = prev_hash
        self.hash = chain.event_hash(
            {name: getattr(self, name) for name in chain.HASHED_FIELDS}, self.prev_hash
        )
