"""A group session is checked before it is saved: trainees already logged for that
session are marked in the preview and left out when the trainer confirms."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from consultation import services
from consultation.models import ConsultationSession
from factories.courses import TrainerAssignmentFactory

pytestmark = pytest.mark.django_db

DAY = timezone.localdate() - datetime.timedelta(days=2)


@pytest.fixture
def group(world):
    TrainerAssignmentFactory(trainer=world.trainer_a, trainee=world.trainee_b, cohort=world.cohort)
    return world


def _posted(world, **extra):
    return {"trainees": [world.enrolment_a.pk, world.enrolment_b.pk], "date": DAY.isoformat(),
            "start_time": "10:00", "minutes": 90, "category": "E2", "modality": "video", **extra}


def _already_logged(world):
    """Trainee A logged this very session (same trainer, date, start, category) herself."""
    return services.session_log(actor=world.trainee_a, enrolment=world.enrolment_a, trainer=world.trainer_a,
                                date=DAY, start_time=datetime.time(10, 0), minutes=90, category="E2")


def test_the_preview_marks_who_is_already_logged_and_saves_nothing(group, client):
    _already_logged(group)
    before = ConsultationSession.objects.count()
    client.force_login(group.trainer_a)
    response = client.post(reverse("consultation:group_session"), _posted(group))
    page = response.content.decode()
    assert response.status_code == 200 and "Check the group session" in page
    row_a = page[page.index(f"{group.trainee_a}</th>") - 200:page.index(f"{group.trainee_a}</th>") + 300]
    row_b = page[page.index(f"{group.trainee_b}</th>") - 200:page.index(f"{group.trainee_b}</th>") + 300]
    assert "Already logged" in row_a and "New entry" in row_b
    assert "Save 1 entry</button>" in page
    assert ConsultationSession.objects.count() == before
    assert not AuditEvent.objects.filter(verb="consultation.group_logged").exists()


def test_confirming_saves_the_rest_and_leaves_the_logged_trainee_as_they_were(group, client):
    mine = _already_logged(group)
    client.force_login(group.trainer_a)
    response = client.post(reverse("consultation:group_session"), _posted(group, step="confirm"), follow=True)
    assert "Group session recorded for 1 trainees; 1 already logged for that session left as they were." \
        in response.content.decode()
    group_entries = ConsultationSession.objects.filter(format="group")
    assert [e.enrolment_id for e in group_entries] == [group.enrolment_b.pk]
    assert group_entries.get().status == "confirmed"
    mine.refresh_from_db()
    assert mine.status == "pending" and mine.format == "individual"
    event = AuditEvent.objects.get(verb="consultation.group_logged")
    assert event.details["trainees"] == 1 and event.details["skipped_already_logged"] == [group.enrolment_a.pk]


def test_an_entry_logged_between_preview_and_confirmation_is_skipped_too(group, client):
    client.force_login(group.trainer_a)
    preview = client.post(reverse("consultation:group_session"), _posted(group)).content.decode()
    assert "Save 2 entries</button>" in preview
    _already_logged(group)  # trainee A logs it while the trainer reads the preview
    client.post(reverse("consultation:group_session"), _posted(group, step="confirm"))
    assert list(ConsultationSession.objects.filter(format="group").values_list("enrolment_id", flat=True)) \
        == [group.enrolment_b.pk]


def test_when_everyone_is_already_logged_there_is_nothing_to_save(group, client):
    _already_logged(group)
    services.session_log(actor=group.trainee_b, enrolment=group.enrolment_b, trainer=group.trainer_a,
                         date=DAY, start_time=datetime.time(10, 0), minutes=90, category="E2")
    client.force_login(group.trainer_a)
    page = client.post(reverse("consultation:group_session"), _posted(group)).content.decode()
    assert "there is nothing to save" in page and 'value="confirm"' not in page
    page = client.post(reverse("consultation:group_session"), _posted(group, step="confirm")).content.decode()
    assert "Every trainee you chose already has this session in their log; nothing was saved." in page
    assert not ConsultationSession.objects.filter(format="group").exists()


def test_change_goes_back_to_the_form_with_what_was_entered(group, client):
    client.force_login(group.trainer_a)
    page = client.post(reverse("consultation:group_session"), _posted(group, change="1")).content.decode()
    assert "Log a group consultation" in page and 'value="90"' in page
    assert not ConsultationSession.objects.exists()


def test_without_the_preview_the_service_still_refuses_a_duplicate(group):
    _already_logged(group)
    with pytest.raises(ValidationError, match="already in your log"):
        services.group_session_log(trainer=group.trainer_a, enrolments=[group.enrolment_a, group.enrolment_b],
                                   date=DAY, start_time=datetime.time(10, 0), minutes=90, category="E2")
    assert not ConsultationSession.objects.filter(format="group").exists()
