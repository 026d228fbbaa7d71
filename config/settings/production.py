"""Production settings: what gunicorn (``config.wsgi``), ``config.asgi`` and the Celery
workers and beat (``celery -A config``) run unless DJANGO_SETTINGS_MODULE says otherwise;
``manage.py`` on a real site is run with DJANGO_SETTINGS_MODULE=config.settings.production.

Secrets have no default: a site that forgets one refuses to start and names the
variable, instead of running on a development key. It also refuses a per-process cache
(rate limits and one-time codes must be counted once for every app process).
"""

from django.core.exceptions import ImproperlyConfigured

# A settings module takes every name of the one it builds on, which only a star import
# does without listing them (F403); the names this file uses are imported by name.
from .base import *  # noqa: F403
from .base import ALLOW_LOCAL_CACHE, DEVELOPMENT_SECRET_KEY, REDIS_URL, env


def _required(name: str, *, meaning: str) -> str:
    value = env(name, default="").strip()
    if not value:
        raise ImproperlyConfigured(
            f"{name} must be set in the environment: {meaning} "
            "(production settings, config.settings.production; for development run "
            "config.settings.local, manage.py's default)."
        )
    return value


DEBUG = False

SECRET_KEY = _required("SECRET_KEY", meaning="the key that signs sessions, tokens and links")
if SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is the committed development key; set a secret one in production."
    )
ALLOWED_HOSTS = [
    host.strip()
    for host in _required(
        "ALLOWED_HOSTS", meaning="the host names this site answers to, comma-separated"
    ).split(",")
    if host.strip()
]
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must list at least one host in production.")
NOTES_ENCRYPTION_KEYS = [
    key.strip()
    for key in _required(
        "NOTES_ENCRYPTION_KEYS",
        meaning="the Fernet keys, newest first, that encrypt consultation notes and waiting "
        "e-mail jobs",
    ).split(",")
    if key.strip()
]

if not (REDIS_URL or ALLOW_LOCAL_CACHE):
    raise ImproperlyConfigured(
        "REDIS_URL must be set in production: rate limits and one-time codes need a cache "
        "shared by every app process. A site that runs exactly one process may set "
        "ALLOW_LOCAL_CACHE=true instead."
    )

# HTTPS only, behind a proxy that terminates TLS and sets X-Forwarded-Proto.
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# __Host- cookies are only accepted over HTTPS, for this exact host, path /: no
# subdomain or plain-HTTP page can plant or overwrite them.
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
