import os

from django.core.wsgi import get_wsgi_application

# gunicorn serves the real site: production settings unless told otherwise (a test or
# the integration suite may start it on config.settings.local).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()

from core.memory import tune_collector  # noqa: E402 (after Django is set up)

tune_collector()
