import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

# How long a prepared download is offered before it is deleted.
OFFERED_FOR = datetime.timedelta(hours=24)


class RecordExportQuerySet(models.QuerySet):
    def expired(self, now=None) -> "RecordExportQuerySet":
        return self.filter(expires_at__lte=now or timezone.now())


class RecordExport(models.Model):
    """One download of everything Kapstone holds about a person: a zip of record.json,
    record.pdf and their evidence files, built by a worker, stored encrypted, offered
    for 24 hours and then deleted."""

    class Status(models.TextChoices):
        PREPARING = "preparing", "Being prepared"
        READY = "ready", "Ready to download"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="record_exports"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PREPARING)
    requested_at = models.DateTimeField(auto_now_add=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    # A name in the default storage (which may be S3); the object holds the zip
    # encrypted with the notes keys, never the plain bytes.
    stored_name = models.CharField(max_length=200, blank=True)

    objects = RecordExportQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"Record export {self.pk} for user {self.user_id}"

    def is_offered(self, now=None) -> bool:
        return (self.status == self.Status.READY and self.expires_at is not None
                and self.expires_at > (now or timezone.now()))
