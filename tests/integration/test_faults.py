"""Faults survived: a worker killed mid-issue, Redis stopped while an admin issues,
PostgreSQL restarted under a running app, a task that keeps failing. Each test injects
one fault into real processes (Celery workers, a private Redis, a private PostgreSQL
cluster, gunicorn) on loopback, and checks that nothing was lost and nothing doubled."""

import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.request import urlopen

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from certificates.models import Certificate
from jobs.models import Job
from support import AppServer, app_env, delivered, free_port  # same folder

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Short timings so a lost job is noticed in seconds, not minutes.
FAST_JOBS = {"JOBS_SWEEP_INTERVAL": 1, "JOBS_PENDING_GRACE": 1, "JOBS_STALE_AFTER": 3,
             "JOBS_RETRY_DELAY": 0.2}


def certificate_mails(mail_dir) -> list[str]:
    return [m for m in delivered(mail_dir) if "Your certificate" in m]


def assert_no_job_lost_or_doubled(certificate_count: int = 1):
    """Every job recorded ran to the end, and the work happened once."""
    not_done = list(Job.objects.exclude(status=Job.Status.DONE).values_list("name", "status", "last_error"))
    assert not_done == [], not_done
    assert Certificate.objects.count() == certificate_count


# --- 1. a worker killed with SIGKILL in the middle of issuing -----------------------------

def test_a_worker_killed_mid_issue_leaves_one_certificate_one_pdf_one_email_after_restart(
    complete, start_worker, mail_dir, worker_media, eventually
):
    from certificates.tasks import issue_certificate
    from jobs.services import enqueue

    # Another transaction holds the enrolment, so the worker's issue stops half-way:
    # the job is claimed (running) and its transaction is open when the worker dies.
    blocker = connection.copy()  # a second connection to the test database
    blocker.connect()
    blocker.set_autocommit(False)
    with blocker.cursor() as cursor:
        cursor.execute("SELECT id FROM courses_enrolment WHERE id = %s FOR UPDATE",
                       [complete.enrolment_a.pk])
    try:
        first = start_worker(**{**FAST_JOBS, "JOBS_STALE_AFTER": 600})  # this one never sweeps it
        job = enqueue(issue_certificate, enrolment_id=complete.enrolment_a.pk, actor_id=complete.admin.pk)
        eventually(lambda: Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).exists(),
                   what="the worker claiming the issue job")
        time.sleep(0.5)  # inside certificate_issue, waiting for the enrolment
        first.kill()
        assert first.poll() == -signal.SIGKILL
    finally:
        blocker.rollback()
        blocker.close()

    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.RUNNING, 1)
    assert Certificate.objects.count() == 0  # the killed attempt's transaction rolled back

    start_worker(beat=True, **FAST_JOBS)  # the sweeper finds the job its worker lost
    eventually(lambda: Job.objects.filter(pk=job.pk, status=Job.Status.DONE).exists(),
               timeout=60, what="the lost issue job re-run")
    certificate = Certificate.objects.get()
    eventually(lambda: Certificate.objects.exclude(pdf="").exists(), what="the PDF")
    eventually(lambda: certificate_mails(mail_dir), what="the certificate e-mail")
    eventually(lambda: not Job.objects.exclude(status=Job.Status.DONE).exists(), what="every job done")
    time.sleep(2)  # a few more sweeps: nothing is sent twice
    certificate.refresh_from_db()
    assert (worker_media / certificate.pdf.name).read_bytes().startswith(b"%PDF")
    assert list(worker_media.rglob("*.pdf")) == [worker_media / certificate.pdf.name]
    assert len(certificate_mails(mail_dir)) == 1
    job.refresh_from_db()
    assert job.attempts == 2
    assert_no_job_lost_or_doubled()


# --- 2. Redis stopped while an admin issues ---------------------------------------------

class PrivateRedis:
    """A throw-away redis-server on its own port, so stopping it disturbs no one else."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.directory = directory
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True,
                             text=True).stdout.strip() != "PONG":
            assert time.monotonic() < deadline, "private redis-server did not start"
            time.sleep(0.1)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


@pytest.fixture
def private_redis(tmp_path, settings):
    """A private Redis as this process's broker and cache (and the workers', via env)."""
    from config.celery import app

    redis = PrivateRedis(tmp_path)
    redis.start()
    keys = ("broker_url", "broker_read_url", "broker_write_url")
    previous = {key: app.conf[key] for key in keys}
    app.conf.update({key: redis.url for key in keys})
    app._after_fork()  # drop pooled connections to the old broker
    settings.CELERY_BROKER_URL = redis.url
    settings.REDIS_URL = redis.url
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": redis.url}}
    try:
        yield redis
    finally:
        redis.stop()
        app.conf.update(previous)
        app._after_fork()


def test_redis_stopped_while_an_admin_issues_the_request_commits_and_the_work_follows_once(
    complete, start_worker, private_redis, mail_dir, worker_media, client, eventually
):
    worker = start_worker(beat=True, **FAST_JOBS)
    private_redis.stop()

    client.force_login(complete.admin)
    started = time.monotonic()
    response = client.post(
        reverse("certificates:issue", args=[complete.cohort.pk]),
        {"step": "confirm", "confirm": "on", "enrolment": [complete.enrolment_a.pk]},
    )
    took = time.monotonic() - started
    assert response.status_code == 302, response.content[:500]
    assert took < 10, f"the request waited {took:.1f}s on a dead broker"
    job = Job.objects.get(name="certificates.tasks.issue_certificate")
    assert job.status == Job.Status.PENDING  # committed with the request, waiting for Redis
    time.sleep(2)
    assert Certificate.objects.count() == 0

    private_redis.start()  # same port: the worker reconnects, its beat sweeps
    if worker.poll() is not None:
        # A worker that held an unacknowledged message when Redis went away exits
        # (kombu fails restoring it); in production its supervisor starts it again, as
        # here. The outbox loses nothing: what it was doing is swept and run again.
        start_worker(beat=True, **FAST_JOBS)
    eventually(lambda: Certificate.objects.exclude(pdf="").exists(), timeout=90,
               what="the certificate and its PDF after Redis came back")
    eventually(lambda: certificate_mails(mail_dir), what="the certificate e-mail")
    eventually(lambda: not Job.objects.exclude(status=Job.Status.DONE).exists(), what="every job done")
    time.sleep(2)
    assert len(certificate_mails(mail_dir)) == 1
    assert len(list(worker_media.rglob("*.pdf"))) == 1
    assert Job.objects.get(pk=job.pk).attempts == 1
    assert_no_job_lost_or_doubled()


# --- 3. PostgreSQL restarted between requests --------------------------------------------

def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


class PrivatePostgres:
    """A throw-away PostgreSQL cluster (initdb in a temporary directory, its own port):
    restarting it disturbs no other test or process."""

    def __init__(self):
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="kapstone-pg-", dir="/tmp"))
        self.data = self.directory / "data"
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres:
            shutil.chown(self.directory, "postgres", "postgres")
        self.options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1"

    def _run(self, *command):
        subprocess.run([*self.as_postgres, *command], check=True, capture_output=True, timeout=120)

    def start(self):
        self._run(_pg_bin("initdb"), "-A", "trust", "-U", "postgres", "-D", str(self.data))
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-o", self.options,
                  "-l", str(self.directory / "log"), "-w", "start")

    def restart(self):
        # -l: the new postmaster must not hold our stdout pipe open
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-o", self.options, "-m", "fast",
                  "-l", str(self.directory / "log"), "-w", "restart")

    def stop(self):
        subprocess.run([*self.as_postgres, _pg_bin("pg_ctl"), "-D", str(self.data), "-m",
                        "immediate", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(self.directory, ignore_errors=True)

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"


def test_the_app_answers_again_after_postgresql_restarts_without_restarting_itself(
    complete, tmp_path, mail_dir, worker_media
):
    from certificates.services import certificate_issue

    certificate, _ = certificate_issue(actor=complete.admin, enrolment=complete.enrolment_a)
    server = PrivatePostgres()
    gunicorn = None
    try:
        server.start()
        # The app's data (the test database, committed) copied into the private cluster.
        subprocess.run([_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(server.port), "-U",
                        "postgres", "kapstone"], check=True, timeout=60)
        source = settings.DATABASES["default"]
        dump = subprocess.run([_pg_bin("pg_dump"), "-Fc", "-h", source["HOST"] or "127.0.0.1",
                               "-p", str(source["PORT"] or 5432), "-U", source["USER"] or "postgres",
                               source["NAME"]], check=True, capture_output=True, timeout=120).stdout
        subprocess.run([_pg_bin("pg_restore"), "--no-owner", "-h", "127.0.0.1", "-p", str(server.port),
                        "-U", "postgres", "-d", "kapstone"], input=dump, check=True, timeout=120)

        env = app_env(mail_dir, worker_media, DATABASE_URL=server.url("kapstone"),
                      CONN_MAX_AGE=600)  # persistent connections: the ones the restart breaks
        gunicorn = AppServer(env, tmp_path / "gunicorn.log", threads=1)  # one process, one thread
        paths = ["/readyz", reverse("certificates:verify", args=[certificate.verification_code])]

        def fetch(path):
            with urlopen(gunicorn.url + path, timeout=10) as response:
                return response.status, response.read().decode()

        def check_all():
            ready = fetch(paths[0])
            verified = fetch(paths[1])
            assert ready == (200, "ready"), ready
            assert verified[0] == 200 and certificate.serial in verified[1], verified[0]
            assert "Valid" in verified[1] or "valid" in verified[1]

        for _ in range(3):
            check_all()
        server.restart()
        for _ in range(3):
            check_all()  # the first request after the restart already answers
        assert gunicorn.poll() is None  # the same process, never restarted
    finally:
        if gunicorn is not None:
            gunicorn.stop()
        server.stop()


# --- 4. a task that fails three times --------------------------------------------------

def test_a_job_failing_three_times_ends_failed_visible_to_admins_and_is_not_retried_again(
    complete, start_worker, client, eventually
):
    from audit.models import AuditEvent
    from certificates.tasks import render_certificate_pdf
    from jobs.services import enqueue

    start_worker(beat=True, **FAST_JOBS)
    job = enqueue(render_certificate_pdf, certificate_id=987654)  # no such certificate
    eventually(lambda: Job.objects.filter(pk=job.pk, status=Job.Status.FAILED).exists(),
               what="the job ending failed")
    time.sleep(4)  # several sweeps later it is still failed, still three attempts
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.FAILED, 3)
    assert "DoesNotExist" in job.last_error
    assert AuditEvent.objects.filter(verb="job.failed", target_id=str(job.pk)).count() == 1

    client.force_login(complete.admin)
    page = client.get(reverse("jobs:list")).content.decode()
    failed_table = page.split("<caption>Failed</caption>", 1)[1].split("</table>", 1)[0]
    assert f"Render certificate pdf #{job.pk}" in failed_table
    assert "DoesNotExist" in failed_table
