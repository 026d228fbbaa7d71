"""Settings come from the environment, in the module the entry point picks
(config/settings/{base,local,production,test}.py); each case runs Django in a fresh
process."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROBE = (
    "import json, django; from django.conf import settings; django.setup();"
    "db = settings.DATABASES['default'];"
    "print(json.dumps({'engine': db['ENGINE'], 'conn_max_age': db.get('CONN_MAX_AGE'),"
    " 'health': db.get('CONN_HEALTH_CHECKS'), 'cache': settings.CACHES['default']['BACKEND'],"
    " 'eager': settings.CELERY_TASK_ALWAYS_EAGER, 'broker': settings.CELERY_BROKER_URL,"
    " 'email': settings.EMAIL_BACKEND, 'secure_cookie': settings.SESSION_COOKIE_SECURE,"
    " 'hsts': settings.SECURE_HSTS_SECONDS, 'ssl_redirect': settings.SECURE_SSL_REDIRECT,"
    " 'proxy_header': settings.SECURE_PROXY_SSL_HEADER}))"
)
PRODUCTION = {
    "REDIS_URL": "redis://127.0.0.1:6379/3",
    "SECRET_KEY": "x" * 20 + "production-grade-secret-key-for-tests-" + "y" * 20,
    "ALLOWED_HOSTS": "kapstone.example",
    "NOTES_ENCRYPTION_KEYS": "HuN92qUeGDFNgbILEvt97LXEFeCOjJRd1aagDcJHefY=",
    # The W3C test-vector key: fine for a settings test, never for a real site.
    "CREDENTIAL_SIGNING_KEY": "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq",
}


def _run(args, env_overrides, *, settings="config.settings.production"):
    """Run our interpreter with ``args`` under the settings module ``settings`` (None:
    whichever the entry point picks itself) and only ``env_overrides`` configured."""
    env = {k: v for k, v in os.environ.items() if k not in {
        "DATABASE_URL", "REDIS_URL", "EMAIL_URL", "EMAIL_BACKEND", "DEBUG", "SECRET_KEY",
        "ALLOWED_HOSTS", "NOTES_ENCRYPTION_KEYS", "CREDENTIAL_SIGNING_KEY", "CREDENTIAL_SIGNING_KEY_FILE",
        "ALLOW_LOCAL_CACHE", "DJANGO_SETTINGS_MODULE",
    }}
    if settings:
        env["DJANGO_SETTINGS_MODULE"] = settings
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def _probe(settings="config.settings.production", **env):
    result = _run(["-c", PROBE], env, settings=settings)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_embedded_default_is_sqlite_eager_tasks_local_cache_console_email():
    s = _probe("config.settings.local")
    assert s["engine"] == "django.db.backends.sqlite3"
    assert s["eager"] is True and s["broker"] == "memory://"
    assert s["cache"].endswith("LocMemCache")
    assert s["email"].endswith("console.EmailBackend")


def test_database_url_and_redis_url_switch_on_postgresql_and_redis():
    s = _probe("config.settings.local", DATABASE_URL="postgres://postgres@127.0.0.1:5432/kapstone",
               REDIS_URL="redis://127.0.0.1:6379/3")
    assert s["engine"] == "django.db.backends.postgresql"
    assert s["conn_max_age"] == 60 and s["health"] is True
    assert s["cache"].endswith("RedisCache")
    assert s["eager"] is False and s["broker"] == "redis://127.0.0.1:6379/3"


def test_smtp_when_configured():
    s = _probe("config.settings.local", EMAIL_URL="smtp+tls://mailer:secret@smtp.example.org:587")
    assert s["email"] == "django.core.mail.backends.smtp.EmailBackend"


def test_production_is_secure_behind_a_proxy():
    s = _probe(**PRODUCTION)
    assert s["secure_cookie"] is True and s["ssl_redirect"] is True
    assert s["hsts"] >= 31536000
    assert s["proxy_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "NOTES_ENCRYPTION_KEYS"])
@pytest.mark.parametrize("value", [None, "", "  "])
def test_production_refuses_to_start_without_a_secret_and_names_it(missing, value):
    """No default for a secret in production: absent or blank, the site does not start
    and the error names the variable to set."""
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    if value is not None:
        env[missing] = value
    result = _run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {missing} must be set in the environment" in result.stderr
    # The first secret missing is the one named: nothing else is blamed.
    others = {"SECRET_KEY", "ALLOWED_HOSTS", "NOTES_ENCRYPTION_KEYS"} - {missing}
    assert not any(f"{name} must be set" in result.stderr for name in others)


def test_check_deploy_refuses_a_site_that_cannot_sign_certificates(tmp_path):
    env = {k: v for k, v in PRODUCTION.items() if k != "CREDENTIAL_SIGNING_KEY"}
    env["CREDENTIAL_SIGNING_KEY_FILE"] = str(tmp_path / "missing.json")
    result = _run(["manage.py", "check", "--deploy"], env)
    assert result.returncode != 0
    assert "certificates.E001" in result.stderr and "credential_keygen" in result.stderr


def test_check_deploy_prints_no_warnings_under_production_settings():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


# --- Fail-safe defaults (issue 17, item 5 and the code review's item 10) -------------------


def test_a_forgotten_variable_cannot_start_a_debug_site():
    """gunicorn and Celery load production settings unless told otherwise: with nothing
    configured they refuse to start instead of running in debug mode on the committed
    development key."""
    for start in ("import config.wsgi", "from config.celery import app; app.conf.broker_url"):
        result = _run(["-c", start], {}, settings=None)
        assert result.returncode != 0, start
        assert "SECRET_KEY must be set in the environment" in result.stderr, start


SHOW_SETTINGS = "from django.conf import settings; print(settings.SETTINGS_MODULE, settings.DEBUG)"


def test_manage_py_picks_the_local_settings():
    """Development by default: make demo, make totp and a developer's shell."""
    result = _run(["manage.py", "shell", "-c", SHOW_SETTINGS], {}, settings=None)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["config.settings.local", "True"]


def test_manage_py_runs_production_when_told():
    env = {**PRODUCTION, "DJANGO_SETTINGS_MODULE": "config.settings.production"}
    result = _run(["manage.py", "shell", "-c", SHOW_SETTINGS], env, settings=None)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["config.settings.production", "False"]


@pytest.mark.parametrize("entry_point", ["config.wsgi", "config.asgi", "config.celery"])
def test_the_app_servers_and_workers_pick_the_production_settings(entry_point):
    probe = (f"import os, {entry_point}; from django.conf import settings;"
             "print(os.environ['DJANGO_SETTINGS_MODULE'], settings.DEBUG, settings.SESSION_COOKIE_SECURE)")
    result = _run(["-c", probe], PRODUCTION, settings=None)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-3:] == ["config.settings.production", "False", "True"]


def test_the_tests_run_on_the_test_settings(settings):
    """pytest (pyproject.toml) loads config.settings.test: development secrets, fast
    password hashing, e-mail kept in memory, the published test signing key."""
    assert settings.SETTINGS_MODULE == "config.settings.test"
    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]
    assert settings.EMAIL_BACKEND == "django.core.mail.backends.locmem.EmailBackend"
    assert settings.CREDENTIAL_SIGNING_KEY.startswith("z3u2")


def test_local_settings_need_nothing_and_run_in_debug():
    probe = ("import django; from django.conf import settings; django.setup();"
             "print(settings.DEBUG, settings.SECRET_KEY == settings.DEVELOPMENT_SECRET_KEY,"
             " len(settings.NOTES_ENCRYPTION_KEYS), settings.ACCOUNT_DEFAULT_HTTP_PROTOCOL)")
    result = _run(["-c", probe], {}, settings="config.settings.local")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-4:] == ["True", "True", "1", "http"]


def test_only_the_apps_the_site_uses_are_installed(settings):
    for unused in ("wagtail.contrib.forms", "wagtail.contrib.settings", "wagtail.embeds",
                   "django_filters"):
        assert unused not in settings.INSTALLED_APPS


def test_the_committed_development_key_is_refused_when_debug_is_off():
    env = {**PRODUCTION, "SECRET_KEY": "kapstone-development-only-not-secret-" + "x" * 24}
    result = _run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "SECRET_KEY is the committed development key" in result.stderr


def test_without_debug_the_site_refuses_a_per_process_cache():
    """Rate limits, one-time codes and throttling counters must be shared by every app
    process; a local-memory cache would give each worker its own."""
    env = {k: v for k, v in PRODUCTION.items() if k != "REDIS_URL"}
    result = _run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "REDIS_URL" in result.stderr and "ALLOW_LOCAL_CACHE" in result.stderr


def test_a_single_process_site_may_say_so_explicitly():
    env = {k: v for k, v in PRODUCTION.items() if k != "REDIS_URL"}
    s = _probe(**env, ALLOW_LOCAL_CACHE="true")
    assert s["cache"].endswith("LocMemCache")
