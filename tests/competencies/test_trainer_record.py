"""The trainer's record of one trainee: what waits for a decision first, evidence that
opens, compact decision forms that keep a refused choice."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from competencies import services
from competencies.models import SignOff
from consultation import services as hours
from factories.accounts import UserFactory, with_totp
from factories.courses import TrainerAssignmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tracker(world, curriculum):
    world.trainer_b = with_totp(UserFactory(email="trainer.b@kapstone.test", roles=["Trainer"]))
    TrainerAssignmentFactory(trainer=world.trainer_b, trainee=world.trainee_a, cohort=world.cohort)
    world.enrolment_a.refresh_from_db()
    return world


def _asked(world, code="C2", text="How I held boundaries in a session."):
    item = services.evidence_add(actor=world.trainee_a, enrolment=world.enrolment_a, outcome_code=code,
                                 kind="written", text=text)
    return services.signoff_request(actor=world.trainee_a, enrolment=world.enrolment_a, outcome_code=code,
                                    message="Ready for review", evidence_ids=[item.pk])


def _page(client, world, who=None):
    client.force_login(who or world.trainer_a)
    return client.get(reverse("competencies:trainer_trainee", args=[world.enrolment_a.pk])).content.decode()


def test_what_needs_a_decision_comes_first_and_the_rest_is_behind_a_disclosure(tracker, client):
    _asked(tracker, "C2")
    hours.session_log(actor=tracker.trainee_a, enrolment=tracker.enrolment_a, trainer=tracker.trainer_a,
                      date=timezone.localdate(), minutes=60, category="E1")
    page = _page(client, tracker)
    waiting, _, rest = page.partition('<details class="mb-4"')
    assert "Waiting for your decision" in waiting and '<span class="badge text-bg-warning">2</span>' in waiting
    assert 'id="outcome-C2"' in waiting and "Ready for review" in waiting
    assert "Consultation entries to confirm" in waiting and "Confirm</button>" in waiting
    # Every other outcome is there, but folded away, each with its form one click further.
    assert 'id="outcome-C1"' in rest and 'id="outcome-C2"' not in rest
    assert "All other outcomes (22)" in rest
    # One form answers the request at once; the other 21 sign-off outcomes wait in a disclosure each.
    assert waiting.count("Record decision") == 1
    assert rest.count("<summary>Record a decision without a request</summary>") == 20


def test_a_trainee_with_nothing_waiting_says_so(tracker, client):
    assert f"Nothing from {tracker.trainee_a} is waiting for you." in _page(client, tracker)


def test_radios_sit_on_one_line_and_the_comment_box_in_its_card(tracker, client):
    _asked(tracker, "C2")
    page = _page(client, tracker)
    card = page[page.index('id="outcome-C2"'):page.index("</article>", page.index('id="outcome-C2"'))]
    assert card.count('class="form-check form-check-inline"') == 2
    assert '<textarea class="form-control"' in card


def test_not_yet_without_a_comment_keeps_the_choice_and_says_why_beside_the_comment(tracker, client):
    request = _asked(tracker, "C2")
    client.force_login(tracker.trainer_a)
    record = reverse("competencies:trainer_trainee", args=[tracker.enrolment_a.pk])
    response = client.post(reverse("competencies:trainer_decide", args=[tracker.enrolment_a.pk, "C2"]),
                           {"decision": "not_yet", "comment": "", "request_id": request.pk, "next": record})
    assert response.status_code == 200
    page = response.content.decode()
    card = page[page.index('id="outcome-C2"'):page.index("</article>", page.index('id="outcome-C2"'))]
    assert re.search(r'value="not_yet" id="decision-notyet-C2"\s+checked', card)
    assert not re.search(r'value="met" id="decision-met-C2" required\s+checked', card)
    comment = card[card.index('id="comment-C2"'):]
    assert 'aria-invalid="true"' in comment[:200]
    assert '<div class="invalid-feedback" id="comment-error-C2">Say what is still needed' in comment
    assert not SignOff.objects.exists()
    # The comment then goes through, back to where the trainer came from.
    response = client.post(reverse("competencies:trainer_decide", args=[tracker.enrolment_a.pk, "C2"]),
                           {"decision": "not_yet", "comment": "Add a supervised session.",
                            "request_id": request.pk, "next": record})
    assert response.status_code == 302 and response["Location"] == record
    assert SignOff.objects.get().decision == "not_yet"


def test_a_refused_decision_on_an_unrequested_outcome_opens_its_disclosure(tracker, client):
    client.force_login(tracker.trainer_a)
    page = client.post(reverse("competencies:trainer_decide", args=[tracker.enrolment_a.pk, "C3"]),
                       {"decision": "not_yet", "comment": ""}).content.decode()
    assert '<details class="mb-4" open id="other-outcomes">' in page
    assert "<details open><summary>Record a decision without a request</summary>" in page


def test_evidence_opens_from_the_record(tracker, client, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    upload = services.evidence_add(actor=tracker.trainee_a, enrolment=tracker.enrolment_a, outcome_code="C1",
                                   kind="file", upload=SimpleUploadedFile("session-plan.pdf", b"%PDF-1.4 plan"))
    _asked(tracker, "C2", text="I paused the session when the client asked.")
    page = _page(client, tracker)
    link = reverse("competencies:evidence_file", args=[upload.pk])
    assert f'<a href="{link}">' in page
    assert "I paused the session when the client asked." in page
    # The link goes through the permission-checked view: the assigned trainer gets the
    # file, a trainer not assigned to this trainee a 404.
    assert client.get(link).status_code == 200
    client.force_login(tracker.trainer_unassigned)
    assert client.get(link).status_code == 404
    assert client.get(reverse("competencies:trainer_trainee", args=[tracker.enrolment_a.pk])).status_code == 404
