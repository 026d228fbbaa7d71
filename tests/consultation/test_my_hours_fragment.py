"""My hours shows its progress bars and its log from fragments cached under keys naming
everything they show (consultation.selectors.my_hours_keys): change any of it and the
next view shows the change, exactly as a view with nothing cached would; the form,
with its CSRF token, is rendered on every view."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accounts import services as accounts
from competencies import services as records
from competencies.models import Outcome
from consultation import services
from consultation.models import ConsultationSession
from framework_versions import draft_copy, publish  # tests/
from tests.experience import set_experience_hours

pytestmark = pytest.mark.django_db

URL = reverse("consultation:my_hours")


def _page(client) -> str:
    response = client.get(URL)
    assert response.status_code == 200
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def _logged(world, minutes=60, days_ago=1):
    return services.session_log(actor=world.trainee_a, enrolment=world.enrolment_a, trainer=world.trainer_a,
                                date=timezone.localdate() - datetime.timedelta(days=days_ago), minutes=minutes,
                                category="E1")


def _session_logged(world):
    _logged(world, minutes=75, days_ago=2)


def _session_confirmed(world):
    session = ConsultationSession.objects.get(enrolment=world.enrolment_a)
    services.session_confirm(trainer=world.trainer_a, session=session, revision=session.revision)


def _session_disputed(world):
    session = ConsultationSession.objects.get(enrolment=world.enrolment_a)
    services.session_dispute(trainer=world.trainer_a, session=session, revision=session.revision,
                             comment="That was a group session.")


def _session_withdrawn(world):
    services.session_withdraw(actor=world.trainee_a, session=ConsultationSession.objects.get(
        enrolment=world.enrolment_a))


def _trainer_renamed(world):
    request = accounts.name_change_request(user=world.trainer_a, requested_name="Dr Renamed Trainer")
    accounts.name_change_decide(actor=world.admin, name_request=request, approve=True)


def _framework_version_moved(world):
    draft = draft_copy(world.cohort.program.framework)
    draft.outcomes.filter(code="E1").update(hours_required=7)
    records.enrolment_move_version(actor=world.admin, enrolment=world.enrolment_a, version=publish(draft),
                                   mapping={})


def _statement_changed(world):
    Outcome.objects.filter(version=world.enrolment_a.framework_version, code="E1").update(
        statement="A statement nobody has seen before")


CHANGES = [
    (_session_logged, ("+", ">75<")),
    (_session_confirmed, ("+", "1:00 of 2:00 hours confirmed")),
    (_session_disputed, ("+", "Disputed")),
    (_session_withdrawn, ("+", "Withdrawn")),
    (_trainer_renamed, ("+", "Dr Renamed Trainer")),
    (_framework_version_moved, ("+", "of 7:00 hours confirmed")),
    (_statement_changed, ("+", "A statement nobody has seen before")),
]


@pytest.mark.parametrize(("change", "shown"), CHANGES, ids=[c.__name__.strip("_") for c, _ in CHANGES])
def test_each_change_shows_at_once_as_a_view_with_nothing_cached_would(
    world, login, change, shown, django_capture_on_commit_callbacks
):
    set_experience_hours(world.enrolment_a.framework_version_id, E1=2, E2=1)
    _logged(world)
    cache.clear()
    client = login(world.trainee_a)
    _page(client)
    before = _page(client)
    with django_capture_on_commit_callbacks(execute=True):
        change(world)
    after = _page(client)
    assert after != before, change.__name__
    sign, text = shown
    assert (text in before, text in after) == ((True, False) if sign == "-" else (False, True))
    cache.clear()
    assert _page(login(world.trainee_a)) == after


def test_the_form_is_rendered_on_every_view_with_its_own_token(world, login):
    client = login(world.trainee_a)
    client.get(URL)
    tokens = [re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get(URL).content.decode())
              for _ in range(2)]
    assert tokens[0] and tokens[1] and tokens[0] != tokens[1]
