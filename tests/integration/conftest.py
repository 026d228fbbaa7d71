"""Integration tests run against PostgreSQL and Redis (make test-integration)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _real_services():
    engine = settings.DATABASES["default"]["ENGINE"]
    assert engine == "django.db.backends.postgresql", "integration tests need DATABASE_URL=postgres://…"
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache"), "integration tests need REDIS_URL"
    assert settings.CELERY_TASK_ALWAYS_EAGER is False


@pytest.fixture
def mail_dir(tmp_path, settings):
    path = tmp_path / "mail"
    path.mkdir()
    return path


@pytest.fixture
def celery_worker(mail_dir):
    """A real Celery worker process on Redis, using the test database."""
    from config.celery import app

    app.control.purge()
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
    }
    log = open(mail_dir.parent / "worker.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
         "--concurrency=1", "-l", "info", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if "ready" in (mail_dir.parent / "worker.log").read_text():
            break
        if proc.poll() is not None:
            raise RuntimeError((mail_dir.parent / "worker.log").read_text())
        time.sleep(0.3)
    else:
        proc.kill()
        raise RuntimeError("Celery worker did not start:\n" + (mail_dir.parent / "worker.log").read_text())
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
