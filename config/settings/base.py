"""Settings every Kapstone process shares; everything comes from the environment.

The settings module is chosen by the entry point, the way cookiecutter-django does it:

- ``config.settings.local`` — ``manage.py`` by default (``make demo``, ``make totp``, a
  developer's shell): DEBUG on, SQLite, eager Celery tasks, a local-memory cache and
  e-mail printed to the console, with development secrets; nothing to configure.
- ``config.settings.production`` — ``config.wsgi``, ``config.asgi`` and the Celery app
  (``celery -A config``) by default, and any ``manage.py`` run with
  ``DJANGO_SETTINGS_MODULE=config.settings.production``: DEBUG off, and it refuses to
  start without SECRET_KEY, ALLOWED_HOSTS, NOTES_ENCRYPTION_KEYS and a shared cache.
- ``config.settings.test`` — pytest (``pyproject.toml``).

This module is none of those: it holds what they share and is DEBUG off. DATABASE_URL,
REDIS_URL, EMAIL_URL and the rest switch on the real services under any of them.
"""

import base64
import hashlib
from pathlib import Path

import environ
from celery.schedules import crontab

from .storage import storages_from_env

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(str(BASE_DIR / ".env"))

DEBUG = False

# Committed to the repository, so it signs development and test sessions only;
# production refuses it.
DEVELOPMENT_SECRET_KEY = "kapstone-development-only-not-secret-" + "x" * 24


def development_notes_keys(secret_key: str) -> list[str]:
    """A Fernet key derived from a development SECRET_KEY, for sites that are given none."""
    digest = hashlib.sha256(("notes:" + secret_key).encode()).digest()
    return [base64.urlsafe_b64encode(digest).decode()]


SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Only the apps the site uses. Not installed, checked against Wagtail 8's admin:
# wagtail.contrib.forms (no form pages), wagtail.contrib.settings (no site settings),
# wagtail.embeds (videos are our own block, cms/blocks.py; no rich text field offers
# the embed feature) and django_filters (the admin imports its filters as a library,
# and its range widgets use Wagtail's own templates).
INSTALLED_APPS = [
    "accounts",
    "audit",
    "courses",
    "competencies",
    "consultation",
    "certificates",
    "jobs",
    "notifications",
    "backups",
    "cms",
    "demo",
    "mydata",
    "wagtail.contrib.redirects",
    "wagtail.sites",
    # Wagtail's users app with Kapstone's user forms (accounts.wagtail_users).
    "accounts.wagtail_apps.KapstoneWagtailUsersConfig",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",  # its widget templates, for FORM_RENDERER below
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.security.SecurityHeadersMiddleware",
    "cms.sites.SiteMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "audit.context.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "audit.refusals.WagtailRefusalMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    "accounts.middleware.TimeZoneMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.RequireMFAMiddleware",
    "accounts.middleware.RetryAfterMiddleware",
    "accounts.middleware.NameRequiredMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

# Forms render through the project's templates (templates/forms/): Bootstrap's
# classes on every control, errors and help beside each field under the ids its
# aria-describedby names (core/rendering.py).
FORM_RENDERER = "core.rendering.FormRenderer"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.roles",
                "config.context_processors.navigation",
            ],
            # {% fragment key %}: a block cached under a key built in Python (core/fragments.py)
            "libraries": {"fragments": "core.templatetags.fragments"},
        },
    },
]

# --- Database -----------------------------------------------------------------
# The embedded demo under concurrent writes: readers never wait for the writer (WAL);
# each transaction takes the write lock as it begins (IMMEDIATE), so two cannot both
# read and then fail to upgrade with "database is locked"; a writer waits its turn
# for up to `timeout` seconds. secure_delete zeroes what is deleted or overwritten,
# so forgotten rows (a sent e-mail's payload) linger neither in the file nor in backups.
SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA secure_delete=ON",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Persistent connections with a health check before reuse: cheap requests, and a
    # restarted PostgreSQL does not turn into a burst of errors.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Parameters bound by the server, and each query prepared once it has run twice on
    # a connection: PostgreSQL stops re-planning the same page queries on every request
    # (planning was most of their time, 1-2 ms for a five-table join). Off behind a
    # pooler in transaction mode (PgBouncer before 1.21), which cannot keep them.
    if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            {"server_side_binding": True, "prepare_threshold": 2}
        )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery ---------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
# Login throttling, one-time codes used once, MFA code limits and /verify/ limits all
# count in the cache. A local-memory cache is one per process: with two gunicorn
# workers every count is halved and a TOTP code can be used once per worker, so
# production refuses to start on one unless ALLOW_LOCAL_CACHE says the site is a
# single process (production.py).
ALLOW_LOCAL_CACHE = env.bool("ALLOW_LOCAL_CACHE", default=False)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "kapstone",
        }
    }
    CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    # No broker: run tasks in-process, and let their errors surface where they happen.
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=90)
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "review-digest": {
        "task": "competencies.tasks.send_review_digest",
        "schedule": crontab(hour=7, minute=0),  # every morning, 07:00 UTC
        "options": {"expires": 60 * 60},
    },
    "consultation-pending-reminders": {
        "task": "consultation.tasks.send_pending_reminders",
        "schedule": crontab(day_of_week="mon", hour=7, minute=30),  # weekly, Monday morning
        "options": {"expires": 60 * 60},
    },
    "notification-digests": {
        "task": "notifications.tasks.send_digests",
        "schedule": crontab(hour=6, minute=30),  # every morning, 06:30 UTC
        "options": {"expires": 60 * 60},
    },
    "record-exports-cleanup": {
        "task": "mydata.tasks.cleanup_record_exports",
        "schedule": crontab(minute=15),  # hourly: downloads are offered for 24 hours
        "options": {"expires": 60 * 30},
    },
    "jobs-sweep": {
        "task": "jobs.tasks.sweep_jobs",
        "schedule": env.float("JOBS_SWEEP_INTERVAL", default=60.0),
        "options": {"expires": 60},
    },
}
# Background jobs (jobs app): recorded with the change that needs them, handed to the
# broker after commit, swept over again if the broker was down or a worker was lost.
JOBS_MAX_ATTEMPTS = env.int("JOBS_MAX_ATTEMPTS", default=3)
JOBS_RETRY_DELAY = env.float("JOBS_RETRY_DELAY", default=30.0)  # seconds, doubling
JOBS_PENDING_GRACE = env.float("JOBS_PENDING_GRACE", default=10.0)  # before a sweep resends
# Longer than the task time limit: a queued or running job older than this was lost.
JOBS_STALE_AFTER = env.float("JOBS_STALE_AFTER", default=300.0)
JOBS_SWEEP_BATCH = env.int("JOBS_SWEEP_BATCH", default=500)
JOBS_KEEP_DONE_DAYS = env.int("JOBS_KEEP_DONE_DAYS", default=30)

# --- E-mail ---------------------------------------------------------------------
EMAIL_URL = env("EMAIL_URL", default="")
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
if EMAIL_URL:
    _smtp = env.email_url("EMAIL_URL")
    EMAIL_BACKEND = _smtp["EMAIL_BACKEND"]
    EMAIL_HOST = _smtp["EMAIL_HOST"]
    EMAIL_PORT = _smtp["EMAIL_PORT"]
    EMAIL_HOST_USER = _smtp["EMAIL_HOST_USER"]
    EMAIL_HOST_PASSWORD = _smtp["EMAIL_HOST_PASSWORD"]
    EMAIL_USE_TLS = _smtp.get("EMAIL_USE_TLS", False)
    EMAIL_USE_SSL = _smtp.get("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Kapstone <no-reply@kapstone.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Every subject starts with it: Kapstone's notifications, allauth's and the admins' errors.
EMAIL_SUBJECT_PREFIX = "[Kapstone] "
if env("EMAIL_FILE_PATH", default=""):
    EMAIL_FILE_PATH = env("EMAIL_FILE_PATH")

# --- Auth and accounts (django-allauth) -----------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Django's and allauth's, each loading the user with their unread notifications.
    "accounts.backends.ModelBackend",
    "accounts.backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
# Sign-up asks for the legal name (and a preferred one): accounts.forms.SignupForm.
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# A reset link proves the mailbox, not the second factor: the new password is then
# used to sign in like any other, authenticator code included.
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
# E-mail, password and second-factor changes ask for the password (or a code) again
# when the last confirmation is older than this.
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
ACCOUNT_SESSION_REMEMBER = False
# Sessions end after this long without a request (accounts.middleware): staff roles
# (trainers, program admins, curriculum editors) sooner than trainees reading lessons;
# and however active, at the absolute lifetime, which is also when the server forgets
# the session row.
SESSION_IDLE_TIMEOUT_STAFF = env.int("SESSION_IDLE_TIMEOUT_STAFF", default=30 * 60)
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=12 * 60 * 60)
SESSION_ABSOLUTE_LIFETIME = env.int("SESSION_ABSOLUTE_LIFETIME", default=24 * 60 * 60)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_LIFETIME
ACCOUNT_EMAIL_SUBJECT_PREFIX = EMAIL_SUBJECT_PREFIX
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"  # local and test: http
# The client address (rate limits, audit trail) is REMOTE_ADDR unless the site runs
# behind this many reverse proxies, each appending to X-Forwarded-For; only then is the
# entry that many places from the right believed. What a client writes there itself
# is never trusted.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# allauth's rate limits are on by default and live in the default cache, which is
# Redis (shared by every app process) whenever REDIS_URL is set.
ACCOUNT_RATE_LIMITS = {
    # Wrong authenticator or recovery codes, per account (allauth's MFA step, reached
    # only with the right password). Passwords are not counted here: allauth's count
    # per account would let anyone lock a named person out; accounts.throttle slows
    # failures per account + address and per address instead (KAPSTONE_LOGIN_THROTTLE).
    "login_failed": "5/15m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}
# Failed passwords (accounts/throttle.py): after `free` failures the client waits
# `base` seconds before its next attempt, doubling with each failure up to `cap`; a
# count is forgotten `window` seconds after its last failure. Never a hard lock.
KAPSTONE_LOGIN_THROTTLE = {
    "account_ip": {
        "free": env.int("LOGIN_FREE_FAILURES_PER_ACCOUNT", default=5),
        "base": 30.0, "cap": 15 * 60.0, "window": 24 * 60 * 60.0,
    },
    "ip": {
        "free": env.int("LOGIN_FREE_FAILURES_PER_ADDRESS", default=30),
        "base": 10.0, "cap": 15 * 60.0, "window": 60 * 60.0,
    },
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = "Kapstone"
MFA_PASSKEY_LOGIN_ENABLED = False
# WebAuthn needs a secure origin; http://127.0.0.1 is only allowed while developing
# (local and test turn this on).
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False
# Roles whose members must enrol a second factor before anything else: everyone who
# signs off, manages people or publishes curriculum (editors upload files and work in
# an admin that allows inline scripts).
KAPSTONE_MFA_REQUIRED_GROUPS = ["Trainer", "Program admin", "Curriculum editor"]
# Failed logins for one e-mail within the window that count as a burst worth auditing.
KAPSTONE_LOGIN_FAILURE_BURST = env.int("KAPSTONE_LOGIN_FAILURE_BURST", default=5)
KAPSTONE_LOGIN_FAILURE_WINDOW = 15 * 60

# --- Consultation notes encryption ------------------------------------------------
# Fernet keys, newest first (generate one with `manage.py rotate_notes_key --new-key`).
# Production requires them; local and test derive one from their development key.
NOTES_ENCRYPTION_KEYS = env.list("NOTES_ENCRYPTION_KEYS", default=[])

# --- Credentials ------------------------------------------------------------------
# Certificates are signed Open Badges 3.0 credentials. The issuer is did:web for the
# site's host; its Ed25519 key is CREDENTIAL_SIGNING_KEY (a multibase secret key) or the
# key file (made with `manage.py credential_keygen --output PATH`).
CREDENTIAL_SIGNING_KEY = env("CREDENTIAL_SIGNING_KEY", default="")
CREDENTIAL_SIGNING_KEY_FILE = env(
    "CREDENTIAL_SIGNING_KEY_FILE", default=str(BASE_DIR / "var" / "credential-key.json")
)
CREDENTIAL_ISSUER_HOST = env("CREDENTIAL_ISSUER_HOST", default=SITE_URL.split("://", 1)[-1])
CREDENTIAL_ISSUER_NAME = env("CREDENTIAL_ISSUER_NAME", default="Kapstone")
CERTIFICATE_SERIAL_PREFIX = env("CERTIFICATE_SERIAL_PREFIX", default="KAP")
# Public verification, counted per client address in the shared cache: looking a
# certificate up by code (codes are unguessable; this bounds scraping), and checking a
# credential someone sends (/verify/ and POST /credentials/verify), which costs a child
# process of up to CREDENTIAL_VERIFY_TIME_LIMIT seconds.
VERIFY_RATE_LIMIT = env("VERIFY_RATE_LIMIT", default="30/m")
CREDENTIAL_VERIFY_RATE_LIMIT = env("CREDENTIAL_VERIFY_RATE_LIMIT", default="10/m")
CREDENTIAL_VERIFY_TIME_LIMIT = env.float("CREDENTIAL_VERIFY_TIME_LIMIT", default=2.0)
# One warm checker process kept ready per web process (about 45 MB; saves ~0.3 s a check).
CREDENTIAL_VERIFY_SPARE = env.bool("CREDENTIAL_VERIFY_SPARE", default=True)
# Fetch status lists of other issuers (https only) when checking their credentials.
CREDENTIAL_VERIFY_FOREIGN_STATUS_LISTS = env.bool("CREDENTIAL_VERIFY_FOREIGN_STATUS_LISTS", default=False)
# How long verifiers may cache a status list (Cache-Control max-age and the list's
# `ttl`): the longest a revocation takes to show to a verifier that caches.
STATUS_LIST_MAX_AGE = env.int("STATUS_LIST_MAX_AGE", default=300)

# --- Security -------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Nothing reads the CSRF token from the cookie: forms carry it, the Wagtail admin's
# scripts get it from the page.
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"  # the Wagtail admin's preview views allow SAMEORIGIN themselves
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Production sends cookies over HTTPS only, under __Host- names, with HSTS and the
# redirect to HTTPS (production.py); these are the values for plain-HTTP development.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# /healthz answers load balancers over plain HTTP inside the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Content Security Policy (config/security.py). The site's pages run no inline script
# or style (tests/security/test_headers.py walks every page and template to keep it so).
_VIDEO_PLAYERS = ("https://www.youtube-nocookie.com", "https://player.vimeo.com")  # cms/blocks.py
CSP_SITE = {
    "default-src": ("'self'",),
    "script-src": ("'self'",),
    # allauth's e-mail change page hides its resend form with style="display: none";
    # that one attribute is allowed by its hash, no other inline style is.
    "style-src": (
        "'self'", "'unsafe-hashes'", "'sha256-ZdHxw9eWtnxUb3mk6tBS+gIiVUPE3pGM470keHPDFlE='"
    ),
    "img-src": ("'self'", "data:"),  # data: for the certificate's QR code
    "font-src": ("'self'",),
    "connect-src": ("'self'",),
    "media-src": ("'self'",),
    "frame-src": _VIDEO_PLAYERS,
    "object-src": ("'none'",),
    "base-uri": ("'none'",),
    "form-action": ("'self'",),
    "frame-ancestors": ("'none'",),
}
# The Wagtail admin still renders inline scripts and styles (widgets, modal responses)
# and frames its own previews; it is reached only by signed-in editors with MFA.
CSP_ADMIN_PATHS = ("/admin/",)
CSP_ADMIN = {
    "default-src": ("'self'",),
    "script-src": ("'self'", "'unsafe-inline'"),
    "style-src": ("'self'", "'unsafe-inline'"),
    "img-src": ("'self'", "data:", "blob:"),
    "font-src": ("'self'", "data:"),
    "connect-src": ("'self'", "https://releases.wagtail.io"),
    "media-src": ("'self'",),
    "frame-src": ("'self'", *_VIDEO_PLAYERS),
    "object-src": ("'none'",),
    "base-uri": ("'self'",),
    "form-action": ("'self'",),
    "frame-ancestors": ("'self'",),
}
# Powerful browser features nobody here needs are off; WebAuthn (security keys) stays on.
PERMISSIONS_POLICY = {
    **{feature: () for feature in (
        "accelerometer", "camera", "display-capture", "geolocation", "gyroscope",
        "magnetometer", "microphone", "midi", "payment", "usb",
    )},
    "publickey-credentials-create": ("self",),
    "publickey-credentials-get": ("self",),
}

# --- i18n, static, media ----------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
# The program is taught and certified in English: the site does not pay for Django's
# translation machinery on every date, number and URL it renders (about 8% of the
# trainer queue's time). Formats are the en-us ones either way.
USE_I18N = False
USE_TZ = True
STATIC_URL = "/static/"
STATIC_ROOT = env("STATIC_ROOT", default=str(BASE_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "assets"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / "media"))
# Stored files: local disk (MEDIA_ROOT) by default, an S3-compatible bucket when
# AWS_STORAGE_BUCKET_NAME is set; static files always on local disk (storage.py),
# hashed names from the manifest except while developing (local, test).
STORAGES = storages_from_env(env, debug=False)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# --- Wagtail ----------------------------------------------------------------------
WAGTAIL_SITE_NAME = "Kapstone"
WAGTAILADMIN_BASE_URL = SITE_URL
# The Wagtail admin signs in through allauth (with MFA); its own password forms are off.
WAGTAILADMIN_LOGIN_URL = "account_login"
WAGTAIL_FRONTEND_LOGIN_URL = "/accounts/login/"
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAILUSERS_PASSWORD_ENABLED = False
# E-mail changes go through allauth (verified, re-authenticated), not Wagtail's form.
WAGTAIL_EMAIL_MANAGEMENT_ENABLED = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "odt", "pptx", "txt", "csv", "xlsx"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 20 * 1024 * 1024
WAGTAILDOCS_SERVE_METHOD = "serve_view"
# Every document downloads as an attachment: none (PDF included) opens inside our origin.
WAGTAILDOCS_INLINE_CONTENT_TYPES: list[str] = []
# No avatars fetched from Gravatar: that would send a hash of each editor's e-mail away.
WAGTAIL_GRAVATAR_PROVIDER_URL = None

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.security.DisallowedHost": {"level": "ERROR"},
        # Wagtail's search and reference-index tasks log every run at INFO.
        "django_tasks": {"level": "WARNING"},
        "django.tasks": {"level": "WARNING"},
        # WeasyPrint logs each of its seven steps for every PDF at INFO.
        "weasyprint.progress": {"level": "WARNING"},
    },
}
