"""Wagtail's users app with Kapstone's user forms. Its own module: a second AppConfig
in accounts/apps.py would stop Django choosing AccountsConfig for ``accounts``."""

from wagtail.users.apps import WagtailUsersAppConfig


class KapstoneWagtailUsersConfig(WagtailUsersAppConfig):
    """Wagtail's public hook for a custom user model: the app's ``user_viewset``
    (accounts.wagtail_users), whose forms edit the fields this User really has."""

    user_viewset = "accounts.wagtail_users.UserViewSet"
