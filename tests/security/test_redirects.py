"""After a POST, "back to where you were" never sends anyone to another site."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from consultation import services
from consultation.models import ConsultationSession

pytestmark = pytest.mark.django_db


def _log(world):
    return services.session_log(
        actor=world.trainee_a, enrolment=world.enrolment_a, trainer=world.trainer_a,
        date=timezone.localdate() - datetime.timedelta(days=1), minutes=60, category="E1",
    )

OFF_SITE = ["/\\evil.example/", "//evil.example/", "https://evil.example/", "\\\\evil.example",
            "/\t/evil.example", "javascript:alert(1)"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_a_trainer_confirming_hours_with_an_off_site_next_lands_on_their_queue(world, client, target):
    session = _log(world)
    client.force_login(world.trainer_a)
    response = client.post(reverse("consultation:session_confirm", args=[session.pk]),
                           {"revision": 1, "next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("competencies:trainer_queue")
    session.refresh_from_db()
    assert session.status == ConsultationSession.Status.CONFIRMED  # the confirmation itself stands


def test_a_path_on_this_site_is_where_the_trainer_goes_back_to(world, client):
    session = _log(world)
    client.force_login(world.trainer_a)
    back = reverse("competencies:trainer_trainee", args=[world.enrolment_a.pk])
    response = client.post(reverse("consultation:session_confirm", args=[session.pk]),
                           {"revision": 1, "next": back})
    assert response["Location"] == back


@pytest.mark.parametrize("target", OFF_SITE)
def test_a_sign_off_decision_with_an_off_site_next_lands_on_the_queue(world, client, target):
    client.force_login(world.trainer_a)
    response = client.post(reverse("competencies:trainer_decide", args=[world.enrolment_a.pk, "C1"]),
                           {"next": target})  # an incomplete decision: refused, shown again
    # The refusal is shown on the trainee's record; the form there goes back to the record,
    # never to the posted address.
    record = reverse("competencies:trainer_trainee", args=[world.enrolment_a.pk])
    page = response.content.decode()
    assert response.status_code == 200 and "Choose met or not yet." in page
    assert page.count('name="next" value=') == page.count(f'name="next" value="{record}"') > 0
