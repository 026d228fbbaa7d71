"""Development settings: what `make demo`, `make totp` and a developer's shell run.

``manage.py`` picks this module unless DJANGO_SETTINGS_MODULE says otherwise. DEBUG is
on and nothing needs configuring: the development secret key (committed, so it signs
nothing that matters), notes encrypted with a key derived from it, SQLite, eager Celery
tasks, a local-memory cache and e-mail on the console. DATABASE_URL, REDIS_URL,
EMAIL_URL and the rest still switch on real services (the integration and browser
tests start their app processes on this module with them).
"""

# A settings module takes every name of the one it builds on, which only a star import
# does without listing them (F403); the names this file uses are imported by name.
from .base import *  # noqa: F403
from .base import DEVELOPMENT_SECRET_KEY, development_notes_keys, env, storages_from_env

DEBUG = True

SECRET_KEY = env("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
NOTES_ENCRYPTION_KEYS = env.list("NOTES_ENCRYPTION_KEYS", default=[]) or development_notes_keys(
    SECRET_KEY
)

# runserver on http://127.0.0.1: links in e-mails are http, security keys work there,
# and static files are served by name (no collectstatic manifest).
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
STORAGES = storages_from_env(env, debug=True)
