from django.conf import settings
from django.db import models

from .appendonly import AppendOnlyError, AppendOnlyModel, AppendOnlyQuerySet

__all__ = ["AppendOnlyError", "AuditEvent", "AuditEventQuerySet"]


class AuditEventQuerySet(AppendOnlyQuerySet):
    def for_target(self, obj) -> "AuditEventQuerySet":
        """Events about one record, newest first."""
        return self.filter(target_type=obj._meta.label_lower, target_id=str(obj.pk))


class AuditEvent(AppendOnlyModel):
    """One thing that happened, written once and never changed.

    The actor is kept as a loose reference plus the e-mail it had, so that the trail
    outlives the account and no foreign-key cascade ever has to touch it.
    """

    occurred_at = models.DateTimeField(auto_now_add=True, db_index=True)
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

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        who = self.actor_email or "system"
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} UTC — {who} {self.verb} {self.target_repr}"
