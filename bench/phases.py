"""The parts of the benchmark that run inside Django, one per process:

    python -m bench.phases build --scale 0.1 --via-services 0.1 [--reuse]
    python -m bench.phases logins
    python -m bench.phases batch --workers 2

Each prints its result as one JSON line prefixed ``BENCH-JSON `` (progress goes to
stderr). bench/run.py runs them with the environment from bench/env.py.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def emit(result: dict) -> None:
    print("BENCH-JSON " + json.dumps(result, default=str), flush=True)


def phase_build(args) -> dict:
    from django.core.management import call_command

    from bench import build

    call_command("migrate", verbosity=0, interactive=False)
    from django.db import connection

    saved = ROOT / "var" / "bench" / f"build-{connection.settings_dict['NAME']}.json"
    if args.reuse and build.existing_build(args.scale):
        log("Reusing the program already in this database.")
        previous = json.loads(saved.read_text()) if saved.exists() else {}
        return {**previous, "reused": True, "counts": build.counts()}
    from courses.models import Program

    if Program.objects.exists():
        raise SystemExit(
            "The benchmark database already holds data that is not this build; drop it "
            "(dropdb) or run with --reuse at the scale it was built with."
        )
    result = build.build(args.scale, args.via_services, log=log)
    result["counts"] = build.counts()
    saved.parent.mkdir(parents=True, exist_ok=True)
    saved.write_text(json.dumps(result, default=str))
    return result


def _login_cookie(user) -> str:
    """A session as if the user had signed in (with their second factor, for the
    roles that need one: the middleware asks only that an authenticator exists)."""
    import time
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from accounts.middleware import session_stamps

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = user._meta.pk.value_to_string(user)
    store[BACKEND_SESSION_KEY] = "accounts.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    # The idle-timeout clocks a real sign-in starts (accounts.signals).
    store.update(session_stamps(user, time.time()))
    store.save()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def phase_logins(args) -> dict:
    """The pages to load, who loads them, and what each must contain."""
    from allauth.mfa.models import Authenticator

    from bench.build import ADMIN_EMAIL, BENCH_PROGRAM_SLUG
    from certificates.models import Certificate
    from cms.models import LessonPage, ProgramPage
    from consultation.models import ConsultationSession
    from courses.models import Enrolment, Program, TrainerAssignment

    program = Program.objects.get(slug=BENCH_PROGRAM_SLUG)
    cohort = program.cohorts.order_by("pk").first()
    # The trainer with the first 50 trainees, and one of theirs part-way through.
    trainer = TrainerAssignment.objects.filter(cohort=cohort).order_by("pk").first().trainer
    enrolment = (
        Enrolment.objects.filter(cohort=cohort, certificates__isnull=True,
                                 trainee__trainer_assignments__trainer=trainer)
        .filter(consultation_sessions__status=ConsultationSession.Status.PENDING).order_by("pk").distinct().first()
    )
    trainee = enrolment.trainee
    admin = program.cohorts.model._meta.apps.get_model("accounts", "User").objects.get(email=ADMIN_EMAIL)
    for user in (trainer, admin):
        assert Authenticator.objects.filter(user=user).exists(), f"{user} has no second factor"
    lesson = LessonPage.objects.live().order_by("path")[5]
    certificate = Certificate.objects.live().order_by("pk").first()
    trainee_cookie, trainer_cookie, admin_cookie = (_login_cookie(u) for u in (trainee, trainer, admin))
    trainees_of_trainer = (TrainerAssignment.objects.current().filter(trainer=trainer)
                           .values("trainee").distinct().count())
    return {
        "who": {"trainee": trainee.email, "trainer": trainer.email, "admin": admin.email,
                "trainer_trainees": trainees_of_trainer,
                "matrix_trainees": cohort.enrolments.count()},
        "pages": [
            # name, path, cookie, text the page must contain
            ["healthz", "/healthz", None, "ok"],
            ["public program page", ProgramPage.objects.get(program=program).url, None, program.name],
            ["lesson page", lesson.url, trainee_cookie, lesson.title],
            ["trainee home", "/trainee/", trainee_cookie, program.name],
            ["my outcomes", "/trainee/outcomes/", trainee_cookie, "C12"],
            ["my hours", "/trainee/hours/", trainee_cookie, "E2"],
            ["trainer queue", "/trainer/queue/", trainer_cookie,
             ConsultationSession.objects.filter(trainer=trainer, status="pending")
             .select_related("enrolment__trainee").order_by("pk").first().enrolment.trainee.full_name],
            ["cohort matrix", f"/manage/cohorts/{cohort.pk}/", admin_cookie,
             cohort.enrolments.order_by("-pk").first().trainee.full_name],
            ["verification page", f"/verify/{certificate.verification_code}/", None, certificate.serial],
        ],
    }


def phase_eligibility(args) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from certificates.eligibility import eligibility_for
    from courses.models import Enrolment

    ids = list(Enrolment.objects.values_list("pk", flat=True))
    runs = []
    for _ in range(3):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            reports = eligibility_for(ids)
            runs.append(time.perf_counter() - started)
    eligible = sum(1 for r in reports.values() if r.eligible)
    return {"enrolments": len(ids), "eligible": eligible, "seconds": round(min(runs), 3),
            "first_seconds": round(runs[0], 3), "queries": len(queries.captured_queries)}


def phase_verification(args) -> dict:
    from certificates.models import Certificate
    from certificates.verification import verify_uploaded

    credentials = list(Certificate.objects.live().order_by("pk").values_list("credential", flat=True)[:200])
    verify_uploaded(credentials[0])  # warm the key and the status list
    started = time.perf_counter()
    failures = 0
    for credential in credentials:
        report = verify_uploaded(credential)
        failures += not report.valid
    seconds = time.perf_counter() - started
    return {"credentials": len(credentials), "failures": failures, "seconds": round(seconds, 3),
            "per_second": round(len(credentials) / seconds, 1), **_public_verifier(credentials[0])}


def _poison_credential(n: int = 8) -> dict:
    """Issue 16's poison graph: ``n`` blank nodes all linked to one another, "signed" by
    a made-up did:key (RDFC-1.0's N-degree hashing is factorial on it)."""

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from certificates.credentials import multibase

    raw = Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    fingerprint = multibase.public_multikey(raw)
    nodes = [{"id": f"_:n{i}", "link": [{"id": f"_:n{j}"} for j in range(n) if j != i]} for i in range(n)]
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "type": ["VerifiableCredential"], "issuer": f"did:key:{fingerprint}",
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:holder", "link": nodes},
        "proof": {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022",
                  "created": "2026-01-01T00:00:00Z", "proofPurpose": "assertionMethod",
                  "verificationMethod": f"did:key:{fingerprint}#{fingerprint}",
                  "proofValue": multibase.encode_base58btc(os.urandom(64))},
    }


def _public_verifier(credential) -> dict:
    """What a public check costs: one credential through the killable child process
    (a warm spare ready), and the poison credential under the budgets and time limit."""
    from certificates import sandbox
    from certificates.verification import verification_job

    job = verification_job(credential)
    sandbox.run_checks(job)  # start the spare
    runs = []
    for _ in range(5):
        time.sleep(1)  # let the next spare warm up, as between real requests
        started = time.perf_counter()
        sandbox.run_checks(job)
        runs.append(time.perf_counter() - started)
    time.sleep(1)
    started = time.perf_counter()
    poison = sandbox.run_checks(verification_job(_poison_credential()))
    return {"child_ms": round(sorted(runs)[2] * 1000), "poison_seconds": round(time.perf_counter() - started, 2),
            "poison_outcome": poison.report.outcome + (" (killed)" if poison.killed else "")}


def _start_workers(count: int, log_dir: Path) -> list:
    procs = []
    for n in range(count):
        log_path = log_dir / f"worker{n}.log"
        procs.append((subprocess.Popen(
            [str(Path(sys.executable).with_name("celery")), "-A", "config", "worker", "--pool=solo",
             "-l", "info", "--without-gossip", "--without-mingle", "--without-heartbeat",
             "-n", f"bench{n}@%h"],
            cwd=ROOT, env=os.environ.copy(), stdout=open(log_path, "w"), stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        ), log_path))
    deadline = time.monotonic() + 60
    for proc, log_path in procs:
        while " ready." not in log_path.read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("A Celery worker did not start:\n" + log_path.read_text())
            time.sleep(0.2)
    return [proc for proc, _ in procs]


def _wait_for_pdfs(certificate_filter, count: int, timeout: float) -> None:
    from certificates.models import Certificate

    deadline = time.monotonic() + timeout
    while Certificate.objects.filter(**certificate_filter).exclude(pdf="").count() < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"Only {Certificate.objects.filter(**certificate_filter).exclude(pdf='').count()}"
                               f" of {count} certificates were issued with a PDF in {timeout:.0f} s.")
        time.sleep(0.2)


def phase_issuance(args) -> dict:
    """Issue certificates to ready trainees through real Celery workers, as the admin's
    bulk action does (one issue job each, which signs the credential and enqueues the
    PDF and the e-mail). Workers are started and warmed first; the rate is measured
    between the first and the last certificate whose PDF is stored."""
    from django.db import transaction

    from bench.build import ADMIN_EMAIL
    from certificates.eligibility import eligibility_for
    from certificates.models import Certificate
    from certificates.tasks import issue_certificate
    from courses.models import Enrolment
    from jobs.models import Job
    from jobs.services import enqueue

    admin = Enrolment._meta.apps.get_model("accounts", "User").objects.get(email=ADMIN_EMAIL)
    candidates = list(Enrolment.objects.filter(certificates__isnull=True).values_list("pk", flat=True))
    reports = eligibility_for(candidates)
    ready = [pk for pk in candidates if reports[pk].eligible]
    warm, measured = ready[:2 * args.workers], ready[2 * args.workers:]
    log_dir = ROOT / "var" / "bench"
    log_dir.mkdir(parents=True, exist_ok=True)
    started_at = time.time()
    workers = _start_workers(args.workers, log_dir)
    try:
        with transaction.atomic():
            for pk in warm:
                enqueue(issue_certificate, enrolment_id=pk, actor_id=admin.pk)
        _wait_for_pdfs({"enrolment_id__in": warm}, len(warm), 120)
        t0 = time.perf_counter()
        with transaction.atomic():
            for pk in measured:
                enqueue(issue_certificate, enrolment_id=pk, actor_id=admin.pk)
        _wait_for_pdfs({"enrolment_id__in": measured}, len(measured), 600)
        wall = time.perf_counter() - t0
    finally:
        for proc in workers:
            proc.terminate()
        for proc in workers:
            proc.wait(timeout=30)
    pdf_jobs = Job.objects.filter(name__endswith="render_certificate_pdf", created_at__gte=_ts(started_at),
                                  kwargs__certificate_id__in=list(Certificate.objects.filter(
                                      enrolment_id__in=measured).values_list("pk", flat=True)))
    finished = sorted(pdf_jobs.values_list("finished_at", flat=True))
    failed = Job.objects.filter(created_at__gte=_ts(started_at), status=Job.Status.FAILED).count()
    span = (finished[-1] - finished[0]).total_seconds()
    rate = (len(finished) - 1) / span if span > 0 else 0.0
    # Leave the database as built, so --reuse measures the same work next time.
    issued = Certificate.objects.filter(enrolment_id__in=warm + measured)
    for certificate in issued:
        certificate.pdf.delete(save=False)
    issued.delete()
    return {"certificates": len(measured), "workers": args.workers, "warm_up": len(warm),
            "seconds": round(span, 2), "wall_seconds": round(wall, 2), "failed_jobs": failed,
            "per_second": round(rate, 2), "per_second_per_worker": round(rate / args.workers, 2)}


def _ts(epoch: float):
    import datetime

    return datetime.datetime.fromtimestamp(epoch, tz=datetime.timezone.utc)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("phase", choices=["build", "logins", "eligibility", "verification", "issuance"])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--via-services", type=float, default=0.1)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    import django

    django.setup()
    from core.memory import tune_collector

    # The batch phases stand in for a web or task worker: the collector as they set it.
    tune_collector()
    emit(globals()[f"phase_{args.phase}"](args))


if __name__ == "__main__":
    main()
