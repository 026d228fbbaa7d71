"""Settings come from the environment; each case runs Django in a fresh process."""

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
    "DEBUG": "False",
    "REDIS_URL": "redis://127.0.0.1:6379/3",
    "SECRET_KEY": "x" * 20 + "production-grade-secret-key-for-tests-" + "y" * 20,
    "ALLOWED_HOSTS": "kapstone.example",
    "NOTES_ENCRYPTION_KEYS": "HuN92qUeGDFNgbILEvt97LXEFeCOjJRd1aagDcJHefY=",
    # The W3C test-vector key: fine for a settings test, never for a real site.
    "CREDENTIAL_SIGNING_KEY": "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq",
}


def _run(args, env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in {
        "DATABASE_URL", "REDIS_URL", "EMAIL_URL", "EMAIL_BACKEND", "DEBUG", "SECRET_KEY",
        "ALLOWED_HOSTS", "NOTES_ENCRYPTION_KEYS", "CREDENTIAL_SIGNING_KEY", "CREDENTIAL_SIGNING_KEY_FILE",
        "ALLOW_LOCAL_CACHE",
    }}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def _probe(**env):
    result = _run(["-c", PROBE], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_embedded_default_is_sqlite_eager_tasks_local_cache_console_email():
    s = _probe(DEBUG="True")
    assert s["engine"] == "django.db.backends.sqlite3"
    assert s["eager"] is True and s["broker"] == "memory://"
    assert s["cache"].endswith("LocMemCache")
    assert s["email"].endswith("console.EmailBackend")


def test_database_url_and_redis_url_switch_on_postgresql_and_redis():
    s = _probe(DEBUG="True", DATABASE_URL="postgres://postgres@127.0.0.1:5432/kapstone",
               REDIS_URL="redis://127.0.0.1:6379/3")
    assert s["engine"] == "django.db.backends.postgresql"
    assert s["conn_max_age"] == 60 and s["health"] is True
    assert s["cache"].endswith("RedisCache")
    assert s["eager"] is False and s["broker"] == "redis://127.0.0.1:6379/3"


def test_smtp_when_configured():
    s = _probe(DEBUG="True", EMAIL_URL="smtp+tls://mailer:secret@smtp.example.org:587")
    assert s["email"] == "django.core.mail.backends.smtp.EmailBackend"


def test_production_is_secure_behind_a_proxy():
    s = _probe(**PRODUCTION)
    assert s["secure_cookie"] is True and s["ssl_redirect"] is True
    assert s["hsts"] >= 31536000
    assert s["proxy_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_secret_key_or_allowed_hosts(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = _run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "SECRET_KEY and ALLOWED_HOSTS must be set" in result.stderr


def test_production_refuses_to_start_without_a_notes_key():
    env = {k: v for k, v in PRODUCTION.items() if k != "NOTES_ENCRYPTION_KEYS"}
    result = _run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "NOTES_ENCRYPTION_KEYS must be set" in result.stderr


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


def test_debug_is_off_unless_set_on_so_a_forgotten_variable_cannot_start_a_debug_site():
    """No DEBUG in the environment is production: without its secrets it refuses to
    start instead of running in debug mode on the committed development key."""
    result = _run(["manage.py", "check"], {})
    assert result.returncode != 0
    assert "SECRET_KEY and ALLOWED_HOSTS must be set" in result.stderr


def test_the_committed_development_key_is_refused_when_debug_is_off():
    env = {**PRODUCTION, "SECRET_KEY": "kapstone-development-only-not-secret-" + "x" * 24}
    result = _run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "development key" in result.stderr


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
