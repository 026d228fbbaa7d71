"""Integration tests: the app on PostgreSQL and Redis, with a real Celery worker
(make test-integration). They refuse to run, rather than skip, without those services."""

import os

import pytest
from django.conf import settings

from support import AppServer, Worker, app_env, delivered, wait_until  # same folder


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


@pytest.fixture
def eventually():
    """``eventually(predicate, timeout=30, what=...)``: poll until it returns something true."""
    return wait_until


@pytest.fixture
def mail_dir(tmp_path):
    path = tmp_path / "mail"
    path.mkdir()
    return path


@pytest.fixture
def wait_for_mail(mail_dir):
    """``wait_for_mail(needle)``: the first message the worker wrote (file e-mail backend)
    that contains ``needle``, waiting at most ``timeout`` seconds for it."""

    def wait(needle: str, timeout: float = 30) -> str:
        return wait_until(
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


@pytest.fixture
def start_worker(transactional_db, mail_dir, worker_media, tmp_path):
    """``start_worker(beat=False, **env)``: start a real worker (see ``app_env``); extra
    ``env`` overrides settings (broker URL, job timings). Every worker started is stopped
    at the end of the test."""
    from config.celery import app

    app.control.purge()
    workers: list[Worker] = []

    def start(*, beat: bool = False, **overrides) -> Worker:
        worker = Worker(app_env(mail_dir, worker_media, **overrides), tmp_path / "worker.log",
                        beat=beat, name=f"integration-{os.getpid()}-{len(workers)}")
        workers.append(worker)
        return worker

    try:
        yield start
    finally:
        for worker in workers:
            worker.stop()
        try:
            app.control.purge()
        except Exception:  # noqa: BLE001 - a test may have pointed the app at a broker now gone
            pass


@pytest.fixture
def celery_worker(start_worker):
    """One real worker, started before the test."""
    return start_worker()


@pytest.fixture
def start_app_server(transactional_db, mail_dir, worker_media, tmp_path):
    """``start_app_server(threads=4, port=None, **env)``: a real gunicorn process on the
    test database and Redis (as ``start_worker``), on ``port`` or a free port from
    INTEGRATION_APP_PORTS (default 8300-8399); ``env`` overrides settings. Stopped at the
    end of the test."""
    servers: list[AppServer] = []

    def start(*, threads: int = 4, port: int | None = None, **overrides) -> AppServer:
        env = app_env(mail_dir, worker_media, **overrides)
        server = AppServer(env, tmp_path / f"app-{len(servers)}.log", threads=threads, port=port)
        servers.append(server)
        return server

    try:
        yield start
    finally:
        for server in servers:
            server.stop()
