"""Run a credential's checks in a child process with a hard time limit.

Counted budgets inside the verifier stop the poison graphs we know of; this is the
backstop for the ones we don't. The child (``python -m certificates.verify_worker``)
answers or is killed after ``CREDENTIAL_VERIFY_TIME_LIMIT`` seconds, and then the
answer is "too complex to verify". Each child checks one credential and exits, so a
killed one leaves nothing behind.

Starting Python with PyLD costs about 0.3 s (more on a busy machine), so one spare
child is started ahead of time per web process: a request takes the spare (already
warm) and starts the next one. The time limit starts when the child says it is ready,
so a slow start is not blamed on the credential; the start itself is bounded by
``STARTUP_LIMIT``.
"""

import json
import select
import subprocess  # nosec B404 - a fixed command of our own, no shell, no user input in argv
import sys
import threading
import time
from dataclasses import dataclass

from django.conf import settings

from . import verify_worker
from .credentials import verifier

COMMAND = (sys.executable, "-m", "certificates.verify_worker")
# Seconds a cold child may take to import and warm up before it is given up on.
STARTUP_LIMIT = 10.0


@dataclass(frozen=True)
class Outcome:
    report: verifier.VerificationReport
    killed: bool
    seconds: float


class _Spares:
    """One warm child kept ready; taken by one request, then replaced."""

    def __init__(self):
        self._lock = threading.Lock()
        self._spare: subprocess.Popen | None = None

    @staticmethod
    def _start() -> subprocess.Popen:
        return subprocess.Popen(  # nosec B603 - fixed argv
            COMMAND, cwd=settings.BASE_DIR, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, close_fds=True,
        )

    def take(self) -> subprocess.Popen:
        with self._lock:
            child = self._spare
            if child is None or child.poll() is not None:
                child = self._start()
            self._spare = self._start() if settings.CREDENTIAL_VERIFY_SPARE else None
            return child


_spares = _Spares()


def too_complex_report(credential, limit: float) -> verifier.VerificationReport:
    report = verifier.VerificationReport(
        credential=credential if isinstance(credential, dict) else None)
    report.add_too_complex(f"checking it took longer than {limit:g} seconds, the limit this site "
                           "allows; a genuine credential is checked well within it.")
    return report


def run_checks(job: dict, *, time_limit: float | None = None) -> Outcome:
    """The checks of ``job`` (see ``verify_worker``) in a child process, killed after
    ``time_limit`` seconds (default ``CREDENTIAL_VERIFY_TIME_LIMIT``)."""
    limit = settings.CREDENTIAL_VERIFY_TIME_LIMIT if time_limit is None else time_limit
    payload = json.dumps(job).encode()
    started = time.monotonic()
    child = _spares.take()
    if not _ready(child):
        child.kill()
        child.communicate()
        return Outcome(_not_checked(), False, time.monotonic() - started)
    try:
        out, _ = child.communicate(payload, timeout=limit)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        report = too_complex_report(job.get("credential"), limit)
        return Outcome(report, True, time.monotonic() - started)
    seconds = time.monotonic() - started
    try:
        report = verify_worker.report_from_json(json.loads(out), job.get("credential"))
    except (ValueError, KeyError, TypeError):
        # The child died without an answer (out of memory, say): not a verdict on the
        # credential's truth, but it was not verified.
        report = _not_checked()
    return Outcome(report, False, seconds)


def _ready(child: subprocess.Popen) -> bool:
    """Wait (at most STARTUP_LIMIT) for the child's ready line."""
    readable, _, _ = select.select([child.stdout], [], [], STARTUP_LIMIT)
    return bool(readable) and child.stdout.readline() == verify_worker.READY


def _not_checked() -> verifier.VerificationReport:
    report = verifier.VerificationReport()
    report.add("verification", False, "The credential could not be checked (the checker stopped).")
    return report
