from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _resync_roles(sender, apps=None, **kwargs):
    # flush (transactional tests) sends post_migrate without the migration state.
    from django.apps import apps as global_apps

    from .roles import sync_role_groups

    sync_role_groups(apps or global_apps)


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from . import signals  # noqa: F401

        # After every migrate (the last app's signal), so new models' permissions
        # reach the role groups without a hand-written migration each time.
        post_migrate.connect(_resync_roles, sender=self, dispatch_uid="kapstone-roles")
