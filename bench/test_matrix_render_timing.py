"""How long the cohort matrix page takes on a 200-trainee cohort: printed, not asserted.

Not part of the suite (pytest's testpaths is ``tests/``); run it on its own, on this
commit and on another, to compare:

    PYTHONPATH=tests .venv/bin/python -m pytest bench/test_matrix_render_timing.py -s -p no:cacheprovider

It reads no field that came or went with issue 18, so the same file runs on commits
before it. Cohort: 200 trainees on the bundled 23-outcome framework, a sign-off on most
outcomes, six consultation sessions each; "first" views clear the cache (standing is
computed), "repeat" views find it cached.
"""

import datetime
import statistics
import time

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from competencies.models import Outcome, SignOff
from competencies.services import framework_load_bundled
from consultation.models import ConsultationSession

try:  # under tests/ since issue 18 moved them out of the apps
    from factories.accounts import UserFactory, with_totp
    from factories.courses import CohortFactory, EnrolmentFactory, TrainerAssignmentFactory
except ImportError:
    from accounts.factories import UserFactory, with_totp
    from courses.factories import CohortFactory, EnrolmentFactory, TrainerAssignmentFactory

pytestmark = pytest.mark.django_db
TRAINEES, RUNS = 200, 7


def _cohort():
    version = framework_load_bundled()
    cohort = CohortFactory(program__framework=version.framework)
    trainer = with_totp(UserFactory(roles=["Trainer"]))
    codes = list(Outcome.objects.filter(version=version).exclude(category="experience")
                 .order_by("position").values_list("code", flat=True))
    has_kind = any(f.name == "kind" for f in ConsultationSession._meta.get_fields())
    signoffs, sessions = [], []
    day = timezone.localdate() - datetime.timedelta(days=1)
    for n in range(TRAINEES):
        enrolment = EnrolmentFactory(cohort=cohort, framework_version=version)
        TrainerAssignmentFactory(trainer=trainer, trainee=enrolment.trainee, cohort=cohort)
        signoffs += [SignOff(enrolment=enrolment, outcome_code=code, trainer=trainer,
                             decision="met" if (n + i) % 5 else "not_yet",
                             comment="" if (n + i) % 5 else "Show one more case.")
                     for i, code in enumerate(codes[: 10 + n % 12])]
        for i, category in enumerate(["E1", "E2"] * 3):
            extra = {"kind": "cases" if category == "E1" else "own_experience"} if has_kind else {}
            sessions.append(ConsultationSession(
                enrolment=enrolment, trainer=trainer, date=day - datetime.timedelta(days=i), minutes=120,
                category=category, status="confirmed" if (n + i) % 4 else "pending",
                logged_by=enrolment.trainee, **extra))
    SignOff.objects.bulk_create(signoffs)
    ConsultationSession.objects.bulk_create(sessions)
    return cohort


def _spread(seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    return (f"median {statistics.median(ms):.0f} ms, min {ms[0]:.0f}, max {ms[-1]:.0f} "
            f"(n={len(ms)})")


def test_cohort_matrix_render_time(client):
    cohort = _cohort()
    admin = with_totp(UserFactory(roles=["Program admin"]))
    client.force_login(admin)
    url = reverse("certificates:cohort_matrix", args=[cohort.pk])
    assert client.get(url).status_code == 200
    first, repeat = [], []
    for _ in range(RUNS):
        cache.clear()
        client.force_login(admin)
        started = time.perf_counter()
        client.get(url)
        first.append(time.perf_counter() - started)
        started = time.perf_counter()
        page = client.get(url)
        repeat.append(time.perf_counter() - started)
    assert page.content.decode().count('<th scope="row">') == TRAINEES
    print(f"\ncohort matrix, {TRAINEES} trainees × 23 outcomes: first view {_spread(first)}; "
          f"repeat view {_spread(repeat)}")
