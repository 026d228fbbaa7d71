"""What the integration tests share besides fixtures: real processes started on the
test database, and waiting for them."""

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections, connection

ROOT = Path(__file__).resolve().parents[2]
WORKER_START_TIMEOUT = 60


def wait_until(predicate, *, timeout: float = 30, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"{what}: not within {timeout}s")


def delivered(mail_dir: Path) -> list[str]:
    return [p.read_text(errors="replace") for p in sorted(mail_dir.glob("*.log"))]


def database_url() -> str:
    from urllib.parse import quote

    db = settings.DATABASES["default"]
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class _Process:
    """A child process a test started, its output in a log file; stopped politely,
    then forcibly."""

    proc: subprocess.Popen
    _log: object

    def poll(self):
        return self.proc.poll()

    def kill(self) -> None:
        """SIGKILL: no cleanup, no acknowledgement, exactly like a lost machine."""
        self.proc.kill()
        self.proc.wait()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


class Worker(_Process):
    """A real ``celery worker`` process (solo pool: the process that runs a task is the
    one a test may kill)."""

    def __init__(self, env: dict, log_path: Path, *, beat: bool, name: str):
        self.log_path = log_path
        self._log = open(log_path, "a")
        command = [str(Path(sys.executable).with_name("celery")), "-A", "config", "worker",
                   "--pool=solo", "-l", "info", "--without-gossip", "--without-mingle",
                   "--without-heartbeat", "-n", f"{name}@%h"]
        if beat:
            command += ["-B", "-s", str(log_path.with_suffix(".beat"))]
        self.proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self._log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.pid = self.proc.pid
        start = log_path.read_text().count(" ready.")
        deadline = time.monotonic() + WORKER_START_TIMEOUT
        while log_path.read_text().count(" ready.") <= start:
            if self.proc.poll() is not None:
                raise RuntimeError("Celery worker exited:\n" + log_path.read_text())
            if time.monotonic() > deadline:
                raise RuntimeError("Celery worker did not start:\n" + log_path.read_text())
            time.sleep(0.2)


def app_env(mail_dir: Path, media: Path, **overrides) -> dict[str, str]:
    """The environment of an app process (a worker, a gunicorn) started by a test: the
    test database pytest-django created (e.g. test_kapstone), this run's Redis, e-mail
    written to ``mail_dir``, files in ``media``; ``overrides`` replace any setting."""
    assert settings.DATABASES["default"]["NAME"].startswith("test_"), settings.DATABASES["default"]
    env = {
        **os.environ,
        # The development configuration on the real services.
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": database_url(),
        "CONN_MAX_AGE": "0",  # no connection left open to the test database
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "MEDIA_ROOT": str(media),
        "CREDENTIAL_SIGNING_KEY": settings.CREDENTIAL_SIGNING_KEY,
        "CREDENTIAL_ISSUER_HOST": settings.CREDENTIAL_ISSUER_HOST,
        "SITE_URL": settings.SITE_URL,
        **{key: str(value) for key, value in overrides.items()},
    }
    env.pop("EMAIL_URL", None)
    return env


# --- Real app processes (gunicorn) --------------------------------------------------

APP_PORTS = os.environ.get("INTEGRATION_APP_PORTS", "8300-8399")
APP_START_TIMEOUT = 60


def free_port() -> int:
    """A free loopback port from INTEGRATION_APP_PORTS."""
    first, last = (int(p) for p in APP_PORTS.split("-"))
    for port in range(first, last + 1):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {APP_PORTS} (INTEGRATION_APP_PORTS)")


class AppServer(_Process):
    """One ``gunicorn`` process serving the app at ``http://127.0.0.1:<port>``."""

    def __init__(self, env: dict, log_path: Path, *, threads: int, port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self._log = open(log_path, "a")
        command = [str(Path(sys.executable).with_name("gunicorn")), "config.wsgi:application",
                   "--bind", f"127.0.0.1:{self.port}", "--workers", "1", "--threads", str(threads),
                   "--access-logfile", "-", "--graceful-timeout", "5"]
        self.proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self._log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + APP_START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("gunicorn exited:\n" + log_path.read_text())
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("gunicorn did not answer /healthz:\n" + log_path.read_text())
            time.sleep(0.2)


def at_once(calls, *, timeout: float = 120) -> list:
    """Run the calls at the same moment in threads, each with its own database
    connection; return what each returned, or the exception it raised."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=30)
            outcomes[i] = call()
        except Exception as error:  # noqa: BLE001 - reported to the test
            outcomes[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    close_old_connections()
    return outcomes
