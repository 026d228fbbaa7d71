import os

from celery import Celery
from celery.signals import worker_process_init, worker_ready

from core.memory import tune_collector

# Workers and beat run the real site: production settings unless told otherwise. This
# module is imported with the config package (config/__init__.py), before config.wsgi
# sets its default, so the two must name the same module.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("kapstone")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect  # each child of a prefork pool
@worker_ready.connect  # the worker itself, which runs the tasks of a solo or threads pool
def _tune_collector(**kwargs) -> None:
    tune_collector()
