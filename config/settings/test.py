"""Test settings (pytest, pyproject.toml): the base settings with development secrets
and only what makes tests fast and repeatable. pytest-django runs each test with DEBUG
off, as production does."""

# A settings module takes every name of the one it builds on, which only a star import
# does without listing them (F403); the names this file uses are imported by name.
from .base import *  # noqa: F403
from .base import DEVELOPMENT_SECRET_KEY, STORAGES, development_notes_keys

SECRET_KEY = DEVELOPMENT_SECRET_KEY
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
NOTES_ENCRYPTION_KEYS = development_notes_keys(SECRET_KEY)
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
WAGTAILADMIN_BASE_URL = "http://testserver"
# A published test key (W3C vc-di-eddsa test vectors): never a production key.
CREDENTIAL_SIGNING_KEY = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
CREDENTIAL_ISSUER_HOST = "testserver"
