"""Test settings: the base settings with only what makes tests fast and repeatable."""

import os

# Tests run the development configuration (base.py turns DEBUG off unless told); set
# here, before base.py reads it. pytest-django still runs each test with DEBUG off.
os.environ.setdefault("DEBUG", "True")

# A settings module takes every name of the one it builds on, which only a star import
# does without listing them (F403); the names this file changes are imported by name.
from .base import *  # noqa: E402, F403
from .base import STORAGES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
WAGTAILADMIN_BASE_URL = "http://testserver"
# A published test key (W3C vc-di-eddsa test vectors): never a production key.
CREDENTIAL_SIGNING_KEY = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
CREDENTIAL_ISSUER_HOST = "testserver"
