"""Integration tests: the app on PostgreSQL and Redis, with a real Celery worker
(make test-integration). They refuse to run, rather than skip, without those services."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
WORKER_START_TIMEOUT = 60


@pytest.fixture(autouse=True)
def _real_services():
    engine = settings.DATABASES["default"]["ENGINE"]
    assert engine == "django.db.backends.postgresql", "integration tests need DATABASE_URL=postgres://…"
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache"), "integration tests need REDIS_URL"
    assert settings.CELERY_TASK_ALWAYS_EAGER is False
    assert settings.CELERY_BROKER_URL.startswith("redis://")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On CI every integration test must run: a skip is reported as a failure."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped on CI, where every integration test must run: {report.longrepr}"


def _wait_until(predicate, *, timeout: float = 30, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"{what}: not within {timeout}s")


@pytest.fixture
def eventually():
    """``eventually(predicate, timeout=30, what=...)``: poll until it returns something true."""
    return _wait_until


@pytest.fixture
def mail_dir(tmp_path):
    path = tmp_path / "mail"
    path.mkdir()
    return path


def delivered(mail_dir: Path) -> list[str]:
    return [p.read_text(errors="replace") for p in sorted(mail_dir.glob("*.log"))]


@pytest.fixture
def wait_for_mail(mail_dir):
    """``wait_for_mail(needle)``: the first message the worker wrote (file e-mail backend)
    that contains ``needle``, waiting at most ``timeout`` seconds for it."""

    def wait(needle: str, timeout: float = 30) -> str:
        return _wait_until(
            lambda: next((m for m in delivered(mail_dir) if needle in m), None),
            timeout=timeout, what=f"an e-mail containing {needle!r}",
        )

    return wait


@pytest.fixture
def worker_media(tmp_path, settings):
    """A MEDIA_ROOT shared by this process and the worker (files it renders)."""
    path = tmp_path / "media"
    path.mkdir()
    settings.MEDIA_ROOT = str(path)
    return path


def _database_url() -> str:
    from urllib.parse import quote

    db = settings.DATABASES["default"]
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def celery_worker(transactional_db, mail_dir, worker_media, tmp_path):
    """A real ``celery worker`` process: same Redis broker, same test database (the one
    pytest-django created, e.g. test_kapstone), e-mail written to ``mail_dir``."""
    from config.celery import app

    assert settings.DATABASES["default"]["NAME"].startswith("test_"), settings.DATABASES["default"]
    app.control.purge()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": _database_url(),
        "CONN_MAX_AGE": "0",  # no connection left open to the test database
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "MEDIA_ROOT": str(worker_media),
        "CREDENTIAL_SIGNING_KEY": settings.CREDENTIAL_SIGNING_KEY,
        "CREDENTIAL_ISSUER_HOST": settings.CREDENTIAL_ISSUER_HOST,
        "SITE_URL": settings.SITE_URL,
    }
    env.pop("EMAIL_URL", None)
    log_path = tmp_path / "worker.log"
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [str(Path(sys.executable).with_name("celery")), "-A", "config", "worker", "--pool=solo",
         "-l", "info", "--without-gossip", "--without-mingle", "--without-heartbeat",
         "-n", f"integration-{os.getpid()}@%h"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + WORKER_START_TIMEOUT
        while " ready." not in log_path.read_text():
            if proc.poll() is not None:
                raise RuntimeError("Celery worker exited:\n" + log_path.read_text())
            if time.monotonic() > deadline:
                raise RuntimeError("Celery worker did not start:\n" + log_path.read_text())
            time.sleep(0.2)
        proc.log_path = log_path
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()
        app.control.purge()
