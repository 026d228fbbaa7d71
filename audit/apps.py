from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit trail"

    def ready(self):
        from .refusals import audit_wagtail_refusals

        audit_wagtail_refusals()
