from django.apps import AppConfig


class CompetenciesConfig(AppConfig):
    name = "competencies"
    verbose_name = "Outcome frameworks"

    def ready(self) -> None:
        from . import standing

        standing.connect()
