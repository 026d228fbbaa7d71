"""My outcomes shows the trainee's records from a fragment cached under a key naming
everything they show (competencies/selectors/fragments.py): change any of it and the
next view shows the change, exactly as a view with nothing cached would; change nothing
and the records come from the cache."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accounts import services as accounts
from cms.models import LessonPage
from competencies import services as records
from competencies.models import Outcome
from consultation import services as hours
from demo.completion import complete_lessons
from factories.courses import TrainerAssignmentFactory
from framework_versions import draft_copy, publish  # tests/

pytestmark = pytest.mark.django_db

URL = reverse("competencies:my_outcomes")


def _page(client) -> str:
    response = client.get(URL)
    assert response.status_code == 200
    # The CSRF token is masked afresh on every response; everything else must match.
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def _records_rendered(client) -> bool:
    return "competencies/_record.html" in [t.name for t in client.get(URL).templates]


# Each change: whose page is watched, the change, and a text the page shows only before
# it (-) or only after it (+), or None where the figures change in several places.
def _sign_off_decided(world):
    records.signoff_decide(trainer=world.trainer_a, enrolment=world.enrolment_a, outcome_code="K1",
                           decision="not_yet", comment="Walk me through the evidence again.")


def _hours_confirmed(world):
    b = world.enrolment_b
    hours.session_log(actor=world.trainee_b, enrolment=b, trainer=world.trainer_a,
                      date=timezone.localdate() - datetime.timedelta(days=1), minutes=60, category="E1")
    session = b.consultation_sessions.get()
    hours.session_confirm(trainer=world.trainer_a, session=session, revision=session.revision)


def _lessons_read(world):
    complete_lessons(world.enrolment_b, LessonPage.objects.live().order_by("path")[:2])


def _evidence_added(world):
    records.evidence_add(actor=world.trainee_b, enrolment=world.enrolment_b, outcome_code="C1",
                         kind="written", text="My case write-up")


def _trainer_renamed(world):
    request = accounts.name_change_request(user=world.trainer_a, requested_name="Dr Renamed Trainer")
    accounts.name_change_decide(actor=world.admin, name_request=request, approve=True)


def _lesson_unpublished(world):
    LessonPage.objects.live().order_by("path").first().unpublish()


def _outcome_links_changed(world):
    LessonPage.objects.live().order_by("path").first().outcome_links.all().delete()


def _framework_version_moved(world):
    draft = draft_copy(world.cohort.program.framework)
    draft.outcomes.filter(code="E1").update(hours_required=2)
    records.enrolment_move_version(actor=world.admin, enrolment=world.enrolment_a, version=publish(draft),
                                   mapping={})


def _statement_changed(world):
    # Not something a published version allows; the page must show it all the same.
    Outcome.objects.filter(version=world.enrolment_a.framework_version, code="K1").update(
        statement="A statement nobody has seen before")


def _program_renamed(world):
    program = world.cohort.program
    program.name = "A program renamed"
    program.save()


def _signoff_rule_raised(world):
    program = world.cohort.program
    program.competency_signoffs += 1
    program.save()


def _framework_retitled(world):
    framework = world.cohort.program.framework
    framework.title = "A framework retitled"
    framework.save()


A, B = "trainee_a", "trainee_b"
CHANGES = [
    (A, _sign_off_decided, ("+", "Walk me through the evidence again.")),
    (B, _hours_confirmed, None),
    (B, _lessons_read, None),
    (B, _evidence_added, ("+", "1 evidence item")),
    (A, _trainer_renamed, ("+", "Dr Renamed Trainer")),
    (B, _lesson_unpublished, None),
    (B, _outcome_links_changed, None),
    (A, _framework_version_moved, ("+", "more confirmed consultation hour")),
    (A, _statement_changed, ("+", "A statement nobody has seen before")),
    (A, _program_renamed, ("+", "A program renamed")),
    (A, _signoff_rule_raised, ("+", "more trainer sign-off")),
    (A, _framework_retitled, ("+", "A framework retitled")),
]


@pytest.mark.parametrize(("viewer", "change", "shown"), CHANGES,
                         ids=[c.__name__.strip("_") for _, c, _ in CHANGES])
def test_each_change_shows_at_once_as_a_view_with_nothing_cached_would(
    complete, login, viewer, change, shown, django_capture_on_commit_callbacks
):
    TrainerAssignmentFactory(trainer=complete.trainer_a, trainee=complete.trainee_b, cohort=complete.cohort)
    client = login(getattr(complete, viewer))
    _page(client)
    before = _page(client)
    assert not _records_rendered(client)  # the repeat view came from the cache
    with django_capture_on_commit_callbacks(execute=True):
        change(complete)
    after = _page(client)
    assert after != before, change.__name__
    if shown:
        sign, text = shown
        assert (text in before, text in after) == ((True, False) if sign == "-" else (False, True))
    cache.clear()
    assert _page(login(getattr(complete, viewer))) == after


def test_two_trainees_never_see_each_others_records(complete, login):
    TrainerAssignmentFactory(trainer=complete.trainer_a, trainee=complete.trainee_b, cohort=complete.cohort)
    a = _page(login(complete.trainee_a))
    b = _page(login(complete.trainee_b))
    assert a != b
    assert _page(login(complete.trainee_a)) == a


def test_the_records_are_read_only_when_the_fragment_is_rendered(complete, login, django_assert_num_queries):
    client = login(complete.trainee_a)
    _page(client)
    # session, user, roles, enrolments, program pages, outcomes: no records read
    with django_assert_num_queries(6):
        _page(client)
