"""The cohort matrix reads each enrolment's standing from the cache, keyed by everything
it was computed from: after any change to the records, the program's requirements or
the curriculum, what it shows is what a fresh eligibility check says."""

import datetime
import socket

import pytest
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from certificates.eligibility import eligibility_for, summaries_for
from cms.models import LessonPage
from competencies import services as records
from consultation import services as hours
from courses.models import Enrolment
from demo.completion import complete_lessons
from factories.courses import TrainerAssignmentFactory
from framework_versions import draft_copy, publish  # tests/

pytestmark = pytest.mark.django_db


def _outcomes(report) -> list[tuple]:
    return [(r.key, r.met, r.why, r.status) for r in report.requirements if r.key.startswith("outcome:")]


def _shown(world) -> dict[int, tuple]:
    """What the matrix shows: each enrolment's outcome cells and whether it is eligible."""
    enrolments = list(Enrolment.objects.filter(cohort=world.cohort).select_related(
        "cohort__program", "framework_version__framework"))
    return {pk: (r.eligible, _outcomes(r)) for pk, r in summaries_for(enrolments).items()}


def _fresh(world) -> dict[int, tuple]:
    ids = Enrolment.objects.filter(cohort=world.cohort).values_list("pk", flat=True)
    return {pk: (r.eligible, _outcomes(r)) for pk, r in eligibility_for(ids).items()}


def _cell(shown, enrolment, code) -> tuple:
    return next(c for c in shown[enrolment.pk][1] if c[0] == f"outcome:{code}")


def test_every_kind_of_change_shows_at_once(complete):
    world = complete
    a, b = world.enrolment_a, world.enrolment_b
    TrainerAssignmentFactory(trainer=world.trainer_a, trainee=world.trainee_b, cohort=world.cohort)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    program = world.cohort.program

    def add_evidence():
        records.evidence_add(actor=world.trainee_b, enrolment=b, outcome_code="C1", kind="written",
                             title="Case write-up", text="What I did.")

    def request_review():
        records.signoff_request(actor=world.trainee_b, enrolment=b, outcome_code="C1")

    def decide_met():
        records.signoff_decide(trainer=world.trainer_a, enrolment=b, outcome_code="C1", decision="met")

    def log_session():
        hours.session_log(actor=world.trainee_b, enrolment=b, trainer=world.trainer_a, date=yesterday,
                          minutes=60, category="E1")

    def confirm_session():
        session = b.consultation_sessions.get()
        hours.session_confirm(trainer=world.trainer_a, session=session, revision=session.revision)

    def read_lessons():
        complete_lessons(b, LessonPage.objects.live().order_by("path")[:2])

    def move_to_a_version_needing_more_hours():
        # Hours required are version data, and a published version never changes: more
        # hours come with a newer version the enrolment moves to.
        draft = draft_copy(program.framework)
        e1 = draft.outcomes.get(code="E1")
        e1.hours_required = 2
        e1.save()
        newer = publish(draft)
        records.enrolment_move_version(actor=world.admin, enrolment=a, version=newer, mapping={})

    def unpublish_a_lesson():
        LessonPage.objects.live().order_by("path").first().unpublish()

    def decide_not_yet():
        records.signoff_decide(trainer=world.trainer_a, enrolment=a, outcome_code="K1",
                               decision="not_yet", comment="Walk me through the evidence again.")

    changes = [
        (add_evidence, b, "C1"), (request_review, b, "C1"), (decide_met, b, "C1"),
        (log_session, b, "E1"), (confirm_session, b, "E1"), (read_lessons, b, "K1"),
        (move_to_a_version_needing_more_hours, a, "E1"), (unpublish_a_lesson, b, "K1"), (decide_not_yet, a, "K1"),
    ]
    for change, enrolment, code in changes:
        before = _shown(world)  # and cached
        assert _shown(world) == before == _fresh(world)
        change()
        after = _shown(world)
        assert after == _fresh(world), change.__name__
        assert _cell(after, enrolment, code) != _cell(before, enrolment, code), change.__name__
    assert _shown(world)[a.pk][0] is False  # the not-yet decision took A's eligibility away


def test_a_write_moves_the_records_version_with_it_and_a_rolled_back_one_does_not(complete):
    b = complete.enrolment_b
    start = Enrolment.objects.get(pk=b.pk).records_version
    records.evidence_add(actor=complete.trainee_b, enrolment=b, outcome_code="C1", kind="written",
                         title="Kept", text="Kept.")
    assert Enrolment.objects.get(pk=b.pk).records_version == start + 1
    with pytest.raises(RuntimeError), transaction.atomic():
        records.evidence_add(actor=complete.trainee_b, enrolment=b, outcome_code="C2", kind="written",
                             title="Rolled back", text="Undone.")
        raise RuntimeError
    assert Enrolment.objects.get(pk=b.pk).records_version == start + 1


def test_only_changed_enrolments_are_computed_again(complete, django_assert_num_queries):
    world = complete
    _shown(world)
    with django_assert_num_queries(3):  # enrolments, program pages, outcome statements
        _shown(world)
    records.evidence_add(actor=world.trainee_b, enrolment=world.enrolment_b, outcome_code="C1",
                         kind="written", title="New", text="New.")
    with django_assert_num_queries(3 + 10):  # and the record set form's, for B alone
        _shown(world)


def test_with_the_cache_down_the_matrix_is_computed_from_the_records(complete, settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    settings.CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{port}/0", "OPTIONS": {"socket_connect_timeout": 1},
    }}
    assert _shown(complete) == _fresh(complete)
    assert _shown(complete)[complete.enrolment_a.pk][0] is True
    cache.close()
