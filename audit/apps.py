from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit trail"

    def ready(self):
        # Connects the access_refused receiver.
        from . import refusals  # noqa: F401
