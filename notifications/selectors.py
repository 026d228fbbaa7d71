"""Reads for the notifications pages."""

from django.db.models import QuerySet

from .models import Notification


def notifications_of(*, user) -> QuerySet[Notification]:
    """The person's notifications, newest first (the body is left for the detail page)."""
    return Notification.objects.for_user(user).defer("body").order_by("-created_at", "-pk")
