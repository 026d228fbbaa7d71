from django.conf import settings
from django.db import models

from .kinds import Delivery, Kind


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user) -> "NotificationQuerySet":
        return self.filter(user=user)

    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)

    def awaiting_digest(self) -> "NotificationQuerySet":
        """Items a person chose to receive in the daily digest and not yet sent."""
        return self.filter(delivery=Delivery.DIGEST, emailed_at__isnull=True)


class Notification(models.Model):
    """One message to one person: shown in the app (the bell and the notifications
    page) and e-mailed at once or in the daily digest, as they chose for its kind."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    template = models.CharField(max_length=100)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    delivery = models.CharField(max_length=16, choices=Delivery.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # When the e-mail carrying it was queued (at once, or in a digest): a digest run
    # takes only rows still empty here, so no item is ever e-mailed twice.
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_unread"),
            models.Index(fields=["delivery", "emailed_at"], name="notification_digest"),
        ]

    def __str__(self) -> str:
        return self.subject


class Preference(models.Model):
    """How a person wants to be e-mailed about one kind of notification. No row: at
    once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    delivery = models.CharField(max_length=16, choices=Delivery.choices, default=Delivery.IMMEDIATE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.delivery}"
