"""The authentication backends, each loading the signed-in user with their count of
unread notifications in the same query.

Every page's navbar shows the bell (templates/notifications/_bell.html); annotating
the one query that already loads the user on each request keeps that count from
costing any page a query of its own."""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from notifications.models import Notification

from .models import User


def users_with_unread():
    unread = (
        Notification.objects.filter(user=OuterRef("pk"), read_at__isnull=True)
        .order_by().values("user").annotate(n=Count("pk")).values("n")
    )
    return User._default_manager.annotate(
        unread_notifications=Coalesce(Subquery(unread, output_field=IntegerField()), 0)
    )


class _UnreadCount:
    def get_user(self, user_id):
        try:
            user = users_with_unread().get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


class ModelBackend(_UnreadCount, DjangoModelBackend):
    pass


class AuthenticationBackend(_UnreadCount, AllauthBackend):
    pass
