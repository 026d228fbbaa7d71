"""Build the benchmark program on PostgreSQL through the project's own services.

The full-size program (``scale=1``): 2,000 trainees in 10 cohorts, 40 trainers with 50
trainees each, the bundled 23-outcome framework, 40 lessons with knowledge checks,
30,000 consultation sessions, 20,000 sign-off decisions and 300 certificates, plus 100
trainees who are ready for a certificate but not yet issued (the issuing benchmark
issues theirs).

People, enrolments, assignments, the curriculum and every certificate go through the
services. For the per-trainee records (lessons, evidence, sign-offs, requests,
sessions) a share of the trainees (``via_services``) goes through the services and the
rest is written in bulk with the same rows: the domain row and its audit event (the
notification e-mail jobs the services would enqueue are left out of the bulk part).
The report says which share went which way and how long each kind took.
"""

import datetime
import secrets
import time
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

BENCH_PROGRAM_SLUG = "kap-certificate"
ADMIN_EMAIL = "bench.admin@kapstone.test"
TOTP_SECRET = "KAPSTONEBENCHKAPSTONEBENCHKAPSTO"
FULL = {
    "trainees": 2000, "cohorts": 10, "trainees_per_trainer": 50, "lessons": 40,
    "sessions": 30000, "signoffs": 20000, "certificates": 300, "ready": 100,
}
# Sessions a complete trainee logs: two-hour sessions for each experience outcome, as
# many as its hours need (five each for the bundled framework's 10 h).
COMPLETE_SESSION_MINUTES = 120
OTHER_SESSION_MINUTES = 60


def plan(scale: float) -> dict:
    """How many of each record the build makes at ``scale`` (1 = the full program)."""
    if not 0 < scale <= 1:
        raise ValueError("--scale is a fraction in (0, 1].")
    trainees = max(50, round(FULL["trainees"] * scale))
    return {
        "trainees": trainees,
        "cohorts": max(1, round(FULL["cohorts"] * scale)),
        "trainers": max(1, trainees // FULL["trainees_per_trainer"]),
        "lessons": FULL["lessons"],
        "sessions": round(FULL["sessions"] * scale),
        "signoffs": round(FULL["signoffs"] * scale),
        "certificates": max(3, round(FULL["certificates"] * scale)),
        # Ready for a certificate, not issued: the issuing benchmark's work, plus four
        # to warm its workers up.
        "ready": max(20, round(FULL["ready"] * scale)) + 4,
    }


@dataclass
class Timings:
    """Seconds and record counts per kind, split by how they were written."""

    rows: dict = field(default_factory=dict)

    def add(self, kind: str, how: str, count: int, seconds: float) -> None:
        row = self.rows.setdefault((kind, how), [0, 0.0])
        row[0] += count
        row[1] += seconds

    def as_list(self) -> list[dict]:
        return [
            {"kind": kind, "how": how, "count": count, "seconds": round(seconds, 2),
             "ms_each": round(1000 * seconds / count, 2) if count else None}
            for (kind, how), (count, seconds) in self.rows.items()
        ]


class _clock:
    def __init__(self, timings: Timings, kind: str, how: str, count: int = 1):
        self.timings, self.kind, self.how, self.count = timings, kind, how, count

    def __enter__(self):
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        if exc[0] is None:
            self.timings.add(self.kind, self.how, self.count, time.perf_counter() - self.started)


def existing_build(scale: float) -> bool:
    """Does this database already hold the program ``plan(scale)`` describes (for --reuse)?"""
    from courses.models import Program

    if not Program.objects.filter(slug=BENCH_PROGRAM_SLUG).exists():
        return False
    p, have = plan(scale), counts()
    return all(have[k] == p[k] for k in ("trainees", "cohorts", "trainers", "lessons", "sessions", "signoffs")) \
        and have["certificates"] >= p["certificates"]


def counts() -> dict:
    from certificates.models import Certificate
    from cms.models import LessonPage
    from competencies.models import Outcome, SignOff
    from consultation.models import ConsultationSession
    from courses.models import Cohort, Enrolment, Program, TrainerAssignment

    program = Program.objects.get(slug=BENCH_PROGRAM_SLUG)
    return {
        "trainees": Enrolment.objects.filter(cohort__program=program).count(),
        "cohorts": Cohort.objects.filter(program=program).count(),
        "trainers": TrainerAssignment.objects.filter(cohort__program=program)
        .values("trainer").distinct().count(),
        "outcomes": Outcome.objects.filter(version__framework=program.framework).count(),
        "lessons": LessonPage.objects.live().count(),
        "sessions": ConsultationSession.objects.count(),
        "signoffs": SignOff.objects.count(),
        "certificates": Certificate.objects.count(),
    }


def _lesson_spec(n: int, outcomes: list[str]) -> dict:
    right = {"text": "The answer the lesson explains", "correct": True,
             "explanation": "This is what the lesson says."}
    wrong = {"text": "A plausible distractor", "correct": False,
             "explanation": "The lesson explains why not."}
    return {
        "title": f"Case seminar {n}",
        "slug": f"case-seminar-{n}",
        "estimated_minutes": 25,
        "outcomes": outcomes,
        "body": [
            {"type": "paragraph", "value": f"<p>Seminar {n}: a worked case, discussed step by step. "
             + "A trainee reads the case, the prescriber's and the therapist's notes, and the "
             "integration plan, then answers the questions below. " * 6 + "</p>"},
            {"type": "knowledge_check", "value": {"questions": [
                {"text": f"Seminar {n}, question {q}", "choices": [right, wrong, wrong]}
                for q in range(1, 4)
            ]}},
        ],
    }


def _people(p: dict, t: Timings):
    from allauth.account.models import EmailAddress
    from django.contrib.auth.models import Group

    from accounts.mfa import totp_activate
    from accounts.models import User
    from core.roles import Role

    with _clock(t, "users (admin + trainers + trainees)", "create_user", 1 + p["trainers"] + p["trainees"]):
        admin = User.objects.create_user(email=ADMIN_EMAIL, password=None, full_name="Bench Admin")
        admin.groups.add(Group.objects.get(name=Role.PROGRAM_ADMIN.value))
        trainers = [
            User.objects.create_user(email=f"bench.trainer{i}@kapstone.test", password=None,
                                     full_name=f"Dr. Trainer {i}")
            for i in range(p["trainers"])
        ]
        trainees = [
            User.objects.create_user(email=f"bench.trainee{i}@kapstone.test", password=None,
                                     full_name=f"Trainee {i}, LMFT")
            for i in range(p["trainees"])
        ]
        EmailAddress.objects.bulk_create(
            EmailAddress(user=u, email=u.email, verified=True, primary=True)
            for u in [admin, *trainers, *trainees]
        )
        for user in [admin, *trainers]:
            totp_activate(user=user, secret=TOTP_SECRET, recovery_codes=True)
        # The role first: an assignment no longer gives it.
        Group.objects.get(name=Role.TRAINER.value).user_set.add(*trainers)
    return admin, trainers, trainees


def _curriculum(p: dict, admin, t: Timings):
    from wagtail.models import Page

    from cms.models import LessonPage, ProgramPage
    from cms.services import course_add, curriculum_load_bundled
    from competencies.models import Outcome
    from competencies.services import framework_load_bundled
    from courses import services
    from courses.models import Cohort, Program
    from demo.management.commands.load_demo import Command as Demo

    with _clock(t, "framework (23 outcomes)", "services"):
        version = framework_load_bundled(actor=admin)
    today = timezone.localdate()
    with _clock(t, "program, cohorts", "services", 1 + p["cohorts"]):
        program = Program(
            slug=BENCH_PROGRAM_SLUG, framework=version.framework,
            name="Postgraduate Certificate in Ketamine-Assisted Psychotherapy",
            summary="The benchmark program.", ce_hours=150,
        )
        services.program_save(program=program, actor=admin)
        cohorts = []
        for i in range(p["cohorts"]):
            cohort = Cohort(program=program, name=f"Cohort {i + 1}", capacity=250,
                            starts_on=today - datetime.timedelta(days=400),
                            ends_on=today + datetime.timedelta(days=300))
            cohorts.append(services.cohort_save(cohort=cohort, actor=admin))
    with _clock(t, f"curriculum ({p['lessons']} lessons)", "services", p["lessons"]):
        Demo()._home_page()
        program_page = curriculum_load_bundled(program=program)
        bundled = LessonPage.objects.live().count()
        codes = [o.code for o in version.outcomes.exclude(category=Outcome.Category.EXPERIENCE).order_by("pk")]
        extra = p["lessons"] - bundled
        if extra > 0:
            course_add(program_page=ProgramPage.objects.get(pk=program_page.pk), spec={
                "title": "Case seminars", "slug": "case-seminars",
                "summary": "Worked cases across the framework.",
                "lessons": [_lesson_spec(n, [codes[n % len(codes)], codes[(n + 10) % len(codes)]])
                            for n in range(1, extra + 1)],
            })
    assert Page.objects.type(LessonPage).live().count() == p["lessons"]
    return program, cohorts


def _enrol(p: dict, admin, trainers, trainees, cohorts, t: Timings):
    """Trainee i joins cohort i % cohorts; trainer j has the 50 trainees i with
    i // 50 == j, as both consultant and assessor."""
    from courses import services

    today = timezone.localdate()
    enrolments = []
    with _clock(t, "enrolments", "services", len(trainees)):
        for i, trainee in enumerate(trainees):
            cohort = cohorts[(i // FULL["trainees_per_trainer"]) % len(cohorts)]
            enrolments.append(services.enrolment_create(
                actor=admin, trainee=trainee, cohort=cohort, profession="therapist",
                license_type="LMFT", license_number=f"B-{i:05d}", license_jurisdiction="California",
                license_expires_on=today + datetime.timedelta(days=700), license_verified=True,
                enrolled_on=cohort.starts_on,
            ))
    with _clock(t, "trainer assignments", "services", 2 * len(trainees)):
        for i, (trainee, enrolment) in enumerate(zip(trainees, enrolments, strict=True)):
            trainer = trainers[min(i // FULL["trainees_per_trainer"], len(trainers) - 1)]
            for role in ("consultant", "assessor"):
                services.assignment_create(actor=admin, trainer=trainer, trainee=trainee,
                                           cohort=enrolment.cohort, role=role,
                                           starts_on=enrolment.cohort.starts_on)
    return enrolments


@dataclass
class TraineePlan:
    """What one trainee's record holds."""

    enrolment: object
    trainer: object
    complete: bool
    lessons: int = 0
    decisions: list = field(default_factory=list)  # (outcome code, decision)
    pending_request: str | None = None
    sessions: list = field(default_factory=list)  # (category, minutes, status)


def _trainee_plans(p, enrolments, trainers, outcomes) -> list[TraineePlan]:
    """Complete trainees are spread over the cohorts (every ``step``-th one); the others
    get a share of the remaining sign-offs and sessions round-robin, so the totals come
    out exactly and every trainer has a mix of pending work."""
    from competencies.models import Outcome

    n = len(enrolments)
    complete_count = p["certificates"] + p["ready"]
    step = max(1, n // complete_count)
    complete = set(range(0, step * complete_count, step))
    kc_codes = [o.code for o in outcomes if o.category != Outcome.Category.EXPERIENCE]
    experience = [o for o in outcomes if o.category == Outcome.Category.EXPERIENCE]
    plans = []
    for i, enrolment in enumerate(enrolments):
        trainer = trainers[min(i // FULL["trainees_per_trainer"], len(trainers) - 1)]
        tp = TraineePlan(enrolment=enrolment, trainer=trainer, complete=i in complete)
        if tp.complete:
            tp.lessons = p["lessons"]
            tp.decisions = [(code, "met") for code in kc_codes]
            for outcome in experience:
                count = -(-outcome.minutes_required // COMPLETE_SESSION_MINUTES)
                tp.sessions += [(outcome.code, COMPLETE_SESSION_MINUTES, "confirmed")] * count
        else:
            tp.lessons = (i % 5) * 8
        plans.append(tp)
    others = [tp for tp in plans if not tp.complete]
    remaining = p["signoffs"] - sum(len(tp.decisions) for tp in plans)
    k = 0
    while remaining > 0 and others:
        code = kc_codes[k // len(others) % len(kc_codes)]
        tp = others[k % len(others)]
        decision = "not_yet" if (k // len(others)) % 4 == 3 else "met"
        tp.decisions.append((code, decision))
        remaining -= 1
        k += 1
    for j, tp in enumerate(others):
        decided = {code for code, _ in tp.decisions}
        tp.pending_request = next((c for c in kc_codes if c not in decided), None) if j % 2 == 0 else None
    remaining = p["sessions"] - sum(len(tp.sessions) for tp in plans)
    k = 0
    while remaining > 0 and others and experience:
        round_ = k // len(others)
        tp = others[k % len(others)]
        status = "pending" if round_ % 8 == 7 else "disputed" if round_ % 16 == 6 else "confirmed"
        tp.sessions.append((experience[round_ % len(experience)].code, OTHER_SESSION_MINUTES, status))
        remaining -= 1
        k += 1
    return plans


def _via_services(tp: TraineePlan, lessons, t: Timings) -> None:
    from competencies import services as records
    from consultation import services as hours
    from consultation.models import ConsultationSession
    from demo.completion import complete_lessons

    enrolment, trainee, trainer = tp.enrolment, tp.enrolment.trainee, tp.trainer
    if tp.lessons:
        with _clock(t, "lessons completed (checks passed, read)", "services", tp.lessons):
            complete_lessons(enrolment, lessons[:tp.lessons])
    for code, decision in tp.decisions:
        if code.startswith("C"):
            with _clock(t, "evidence items", "services"):
                records.evidence_add(actor=trainee, enrolment=enrolment, outcome_code=code,
                                     kind="written", title=f"Practice evidence for {code}",
                                     text=f"A supervised piece of practice showing {code}.")
        with _clock(t, "sign-off decisions", "services"):
            records.signoff_decide(trainer=trainer, enrolment=enrolment, outcome_code=code,
                                   decision=decision,
                                   comment="" if decision == "met" else "Show one more case.")
    if tp.pending_request:
        with _clock(t, "sign-off requests (pending)", "services"):
            records.signoff_request(actor=trainee, enrolment=enrolment, outcome_code=tp.pending_request,
                                    message="Please review.")
    day = timezone.localdate() - datetime.timedelta(days=1)
    for category, minutes, status in tp.sessions:
        with _clock(t, "consultation sessions", "services"):
            session = hours.session_log(actor=trainee, enrolment=enrolment, trainer=trainer, date=day,
                                        minutes=minutes, category=category)
            if status == ConsultationSession.Status.CONFIRMED:
                hours.session_confirm(trainer=trainer, session=session, revision=session.revision)
            elif status == ConsultationSession.Status.DISPUTED:
                hours.session_dispute(trainer=trainer, session=session, revision=session.revision,
                                      comment="The date does not match my notes.")
        day -= datetime.timedelta(days=1)


def _audit(verb, target, actor, details) -> "object":
    from audit.models import AuditEvent

    return AuditEvent(actor=actor, actor_email=actor.email, verb=verb,
                      target_type=target._meta.label_lower, target_id=str(target.pk),
                      target_repr=str(target)[:255], details=details)


@transaction.atomic
def _in_bulk(batch: list[TraineePlan], lessons, t: Timings) -> None:
    """The same rows the services write (domain rows and audit events), in bulk."""
    from audit.models import AuditEvent
    from competencies.models import EvidenceItem, Outcome, SignOff, SignOffRequest
    from consultation.models import ConsultationSession
    from courses.models import KnowledgeCheckAttempt, LessonProgress

    now = timezone.now()
    kinds = dict(Outcome.objects.filter(
        version_id__in={tp.enrolment.framework_version_id for tp in batch}, hours_required__isnull=False,
    ).values_list("code", "consultation_kind"))
    with _clock(t, "lessons completed (checks passed, read)", "bulk", sum(tp.lessons for tp in batch)):
        progress, attempts = [], []
        for tp in batch:
            for lesson in lessons[:tp.lessons]:
                for check_id, spec in lesson.knowledge_checks().items():
                    attempts.append(KnowledgeCheckAttempt(
                        enrolment=tp.enrolment, lesson_id=lesson.pk, check_id=check_id,
                        answers={qid: sorted(correct) for qid, _, correct in spec.questions},
                        score=100, passed=True, nonce=secrets.token_urlsafe(16)))
                progress.append(LessonProgress(enrolment=tp.enrolment, lesson_id=lesson.pk,
                                               last_opened_at=now, read_at=now, completed_at=now))
        KnowledgeCheckAttempt.objects.bulk_create(attempts, batch_size=2000)
        LessonProgress.objects.bulk_create(progress, batch_size=2000)

    evidence, signoffs, requests = [], [], []
    for tp in batch:
        for code, decision in tp.decisions:
            if code.startswith("C"):
                evidence.append(EvidenceItem(enrolment=tp.enrolment, outcome_code=code, kind="written",
                                             title=f"Practice evidence for {code}",
                                             text=f"A supervised piece of practice showing {code}."))
            signoffs.append(SignOff(enrolment=tp.enrolment, outcome_code=code, trainer=tp.trainer,
                                    decision=decision,
                                    comment="" if decision == "met" else "Show one more case."))
        if tp.pending_request:
            requests.append(SignOffRequest(enrolment=tp.enrolment, outcome_code=tp.pending_request,
                                           message="Please review."))
    with _clock(t, "evidence items", "bulk", len(evidence)):
        EvidenceItem.objects.bulk_create(evidence, batch_size=2000)
        AuditEvent.objects.append_many(
            (_audit("evidence.added", e, e.enrolment.trainee, {"outcome": e.outcome_code, "kind": "written"})
             for e in evidence), batch_size=2000)
    with _clock(t, "sign-off decisions", "bulk", len(signoffs)):
        SignOff.objects.bulk_create(signoffs, batch_size=2000)
        AuditEvent.objects.append_many(
            (_audit("signoff.decided", s, s.trainer,
                    {"outcome": s.outcome_code, "decision": s.decision, "request": None})
             for s in signoffs), batch_size=2000)
    with _clock(t, "sign-off requests (pending)", "bulk", len(requests)):
        SignOffRequest.objects.bulk_create(requests, batch_size=2000)
        AuditEvent.objects.append_many(
            (_audit("signoff.requested", r, r.enrolment.trainee, {"outcome": r.outcome_code})
             for r in requests), batch_size=2000)

    sessions = []
    for tp in batch:
        day = timezone.localdate() - datetime.timedelta(days=1)
        for category, minutes, status in tp.sessions:
            sessions.append(ConsultationSession(
                enrolment=tp.enrolment, trainer=tp.trainer, date=day, minutes=minutes,
                category=category, kind=kinds[category], status=status, logged_by=tp.enrolment.trainee,
                decided_at=None if status == "pending" else now,
                trainer_comment="The date does not match my notes." if status == "disputed" else ""))
            day -= datetime.timedelta(days=1)
    with _clock(t, "consultation sessions", "bulk", len(sessions)):
        ConsultationSession.objects.bulk_create(sessions, batch_size=2000)
        events = []
        for s in sessions:
            events.append(_audit("consultation.logged", s, s.logged_by,
                                 {"category": s.category, "minutes": s.minutes,
                                  "date": s.date.isoformat(), "corrects": None}))
            if s.status != "pending":
                events.append(_audit(f"consultation.{s.status}", s, s.trainer,
                                     {"minutes": s.minutes, "category": s.category}))
        AuditEvent.objects.append_many(events, batch_size=2000)


def build(scale: float, via_services: float, log=print) -> dict:
    """Build the program; returns the plan, the counts and the timings."""
    from cms.models import LessonPage
    from competencies.models import Outcome
    from courses.models import Enrolment

    p = plan(scale)
    t = Timings()
    started = time.perf_counter()
    admin, trainers, trainees = _people(p, t)
    log(f"  people: {len(trainees)} trainees, {len(trainers)} trainers")
    program, cohorts = _curriculum(p, admin, t)
    enrolments = _enrol(p, admin, trainers, trainees, cohorts, t)
    log(f"  enrolled and assigned in {time.perf_counter() - started:.0f} s")
    enrolments = list(Enrolment.objects.filter(pk__in=[e.pk for e in enrolments])
                      .select_related("trainee", "cohort__program").order_by("pk"))
    lessons = [page.specific for page in LessonPage.objects.live().order_by("path")]
    outcomes = list(Outcome.objects.filter(version_id=enrolments[0].framework_version_id).order_by("pk"))
    plans = _trainee_plans(p, enrolments, trainers, outcomes)
    # Every n-th trainee goes through the services, complete ones and others alike.
    every = max(1, round(1 / via_services)) if via_services > 0 else 0
    service_plans = [tp for i, tp in enumerate(plans) if every and i % every == 0]
    bulk_plans = [tp for i, tp in enumerate(plans) if not (every and i % every == 0)]
    for n, tp in enumerate(service_plans, 1):
        _via_services(tp, lessons, t)
        if n % 50 == 0:
            log(f"  {n}/{len(service_plans)} trainees through services, "
                f"{time.perf_counter() - started:.0f} s")
    for start in range(0, len(bulk_plans), 200):
        _in_bulk(bulk_plans[start:start + 200], lessons, t)
    log(f"  records written in {time.perf_counter() - started:.0f} s")
    certificates = _issue(p, admin, plans, t)
    log(f"  {certificates} certificates issued in {time.perf_counter() - started:.0f} s")
    with _clock(t, "analyse (planner statistics)", "sql"):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {
        "plan": p, "via_services": {"share": via_services, "trainees": len(service_plans)},
        "seconds": round(time.perf_counter() - started, 1), "kinds": t.as_list(),
    }


def _issue(p, admin, plans, t: Timings) -> int:
    """The first ``certificates`` complete trainees get theirs; ``ready`` stay ready."""
    from certificates.services import certificate_issue

    complete = [tp for tp in plans if tp.complete][:p["certificates"]]
    with _clock(t, "certificates (signed credential + PDF)", "services", len(complete)):
        for tp in complete:
            certificate_issue(actor=admin, enrolment=tp.enrolment)
    return len(complete)
