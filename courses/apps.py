from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = "Programs and cohorts"

    def ready(self) -> None:
        from . import signals  # the models must be loaded first

        signals.connect()  # the curriculum cache's invalidation
