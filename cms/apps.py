from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = "Site pages"

    def ready(self) -> None:
        from . import sites  # noqa: F401 - connects the remembered sites' invalidation
