"""Evidence and review as a trainee meets them (issue 19): evidence editable and
removable until a decision uses it (a pending request that uses it is withdrawn, and
the trainee told), a review request needs evidence (the outcome's starts ticked), a
request can be withdrawn, and the lessons still to complete are named and linked."""

import re

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from competencies import services
from competencies.models import EvidenceItem, SignOffRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def tracker(world, curriculum):
    world.enrolment_a.refresh_from_db()
    return world


def _url(world, code="C1"):
    return reverse("competencies:my_outcome", args=[world.enrolment_a.pk, code])


def _written(world, text="How I held boundaries in a session.", code="C1"):
    return services.evidence_add(actor=world.trainee_a, enrolment=world.enrolment_a, outcome_code=code,
                                 kind="written", text=text)


def test_a_review_request_needs_evidence_which_starts_ticked(tracker, client):
    client.force_login(tracker.trainee_a)
    page = client.get(_url(tracker)).content.decode()
    assert "Add at least one piece of evidence above" in page and "Ask my trainers for review" not in page
    item = _written(tracker)
    page = client.get(_url(tracker)).content.decode()
    assert re.search(rf'<input type="checkbox" name="evidence" value="{item.pk}"[^>]*checked', page)
    page = client.post(_url(tracker), {"action": "request", "message": "Ready"}).content.decode()
    assert "Choose at least one piece of evidence for your trainer to review." in page
    assert not SignOffRequest.objects.exists()
    client.post(_url(tracker), {"action": "request", "evidence": [item.pk]})
    assert SignOffRequest.objects.pending().count() == 1


def test_a_trainee_withdraws_a_request(tracker, client):
    item = _written(tracker)
    request = services.signoff_request(actor=tracker.trainee_a, enrolment=tracker.enrolment_a,
                                       outcome_code="C1", evidence_ids=[item.pk])
    client.force_login(tracker.trainee_b)
    assert client.post(reverse("competencies:request_withdraw", args=[request.pk])).status_code == 404
    client.force_login(tracker.trainee_a)
    assert "Withdraw this request" in client.get(_url(tracker)).content.decode()
    page = client.post(reverse("competencies:request_withdraw", args=[request.pk]), follow=True).content.decode()
    assert "Your review request for C1 is withdrawn." in page
    assert not SignOffRequest.objects.pending().exists()
    assert AuditEvent.objects.filter(verb="signoff.request_withdrawn", actor=tracker.trainee_a).count() == 1


def test_editing_evidence_a_pending_request_uses_withdraws_it_and_says_so(tracker, client):
    item = _written(tracker)
    services.signoff_request(actor=tracker.trainee_a, enrolment=tracker.enrolment_a,
                             outcome_code="C1", evidence_ids=[item.pk])
    client.force_login(tracker.trainee_a)
    edit = reverse("competencies:evidence_edit", args=[item.pk])
    assert "Saving a change withdraws that request" in client.get(edit).content.decode()
    page = client.post(edit, {"title": "Boundaries", "text": "Rewritten."}, follow=True).content.decode()
    assert "Evidence updated." in page and "so it has been withdrawn" in page
    item.refresh_from_db()
    assert (item.title, item.text) == ("Boundaries", "Rewritten.")
    assert not SignOffRequest.objects.pending().exists()
    assert AuditEvent.objects.filter(verb="evidence.updated").count() == 1
    # Bad input changes nothing.
    page = client.post(edit, {"title": "", "text": "x"}).content.decode()
    assert "This field is required." in page
    item.refresh_from_db()
    assert item.text == "Rewritten."


def test_removing_evidence_and_no_change_once_a_decision_used_it(tracker, client):
    keep, drop = _written(tracker, "Kept."), _written(tracker, "Dropped.")
    client.force_login(tracker.trainee_b)
    assert client.post(reverse("competencies:evidence_remove", args=[drop.pk])).status_code == 404
    client.force_login(tracker.trainee_a)
    page = client.post(reverse("competencies:evidence_remove", args=[drop.pk]), follow=True).content.decode()
    assert "removed." in page and not EvidenceItem.objects.filter(pk=drop.pk).exists()
    assert AuditEvent.objects.filter(verb="evidence.removed").count() == 1

    request = services.signoff_request(actor=tracker.trainee_a, enrolment=tracker.enrolment_a,
                                       outcome_code="C1", evidence_ids=[keep.pk])
    services.signoff_decide(trainer=tracker.trainer_a, enrolment=tracker.enrolment_a, outcome_code="C1",
                            decision="not_yet", comment="More detail.", request=request)
    page = client.post(reverse("competencies:evidence_remove", args=[keep.pk]), follow=True).content.decode()
    assert "A trainer has decided on this evidence; it stays as it was." in page
    assert EvidenceItem.objects.filter(pk=keep.pk).exists()


def test_the_lessons_still_to_complete_are_named_and_linked(tracker, client):
    from cms.models import LessonPage

    client.force_login(tracker.trainee_a)
    page = client.get(_url(tracker, "K3")).content.decode()
    aligned = [lesson for lesson in LessonPage.objects.order_by("path")
               if "K3" in [link.code for link in lesson.outcome_links.all()]]
    assert aligned
    listing = re.search(r'<ul class="lessons-left">(.*?)</ul>', page, re.S).group(1)
    for lesson in aligned:
        assert f'<a href="{lesson.url}">{lesson.title}</a>' in listing
