"""Four eyes, by relationship (penetration test, issue 17, finding 2).

An admin who also trained assigned themselves to two trainees, signed off C1, logged
480 confirmed group minutes and could then issue those trainees' certificates. Nobody
assigns themselves as a trainer, an assignment grants no role, and nobody issues a
certificate to a trainee whose record they signed off, whose hours they confirmed or
to whom they have been assigned at any time in that enrolment.
"""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from certificates import services
from certificates.models import Certificate
from competencies import services as records
from consultation import services as hours
from core.roles import Role, roles_of
from courses import services as people
from courses.models import TrainerAssignment
from factories.accounts import UserFactory, with_totp

pytestmark = pytest.mark.django_db

YESTERDAY = timezone.localdate() - datetime.timedelta(days=1)


@pytest.fixture
def dual(world):
    """A program admin who also holds the Trainer role (given to them by someone else)."""
    return with_totp(UserFactory(email="admin.trainer@kapstone.test", roles=["Program admin", "Trainer"]))


def _assign(world, trainer, trainee, role="consultant"):
    return people.assignment_create(actor=world.admin, trainer=trainer, trainee=trainee,
                                    cohort=world.cohort, role=role, starts_on=world.cohort.starts_on)


def _unassign(assignment, world, delete=False):
    people.assignment_end(actor=world.admin, assignment=assignment)
    if delete:
        TrainerAssignment.objects.filter(pk=assignment.pk).delete()


# --- Assigning --------------------------------------------------------------------------

def test_nobody_assigns_themselves_as_a_trainer(world, dual):
    with pytest.raises(ValidationError, match="Nobody assigns themselves"):
        people.assignment_create(actor=dual, trainer=dual, trainee=world.trainee_a,
                                 cohort=world.cohort, role="assessor")
    assert not TrainerAssignment.objects.filter(trainer=dual).exists()


def test_an_assignment_grants_no_role(world):
    newcomer = UserFactory()
    with pytest.raises(ValidationError, match="does not hold the Trainer role"):
        _assign(world, newcomer, world.trainee_b)
    newcomer.refresh_from_db()
    assert Role.TRAINER not in roles_of(newcomer)
    assert not TrainerAssignment.objects.filter(trainer=newcomer).exists()


def test_the_assign_form_offers_only_trainers_and_never_the_admin_themselves(client, world, dual):
    client.force_login(dual)
    page = client.get(reverse("courses_trainerassignment:add")).content.decode()
    trainer_select = page.split('name="trainer"', 1)[1].split("</select>", 1)[0]
    assert world.trainer_a.email in trainer_select or str(world.trainer_a) in trainer_select
    assert str(world.trainee_b) not in trainer_select
    assert str(dual) not in trainer_select
    assert "Only people who hold the Trainer role" in page
    # Posting someone else anyway is refused by the form, and nothing is saved.
    response = client.post(reverse("courses_trainerassignment:add"), {
        "trainer": dual.pk, "trainee": world.trainee_b.pk, "cohort": world.cohort.pk,
        "role": "assessor", "starts_on": timezone.localdate().isoformat(),
    })
    assert response.status_code == 200
    assert not TrainerAssignment.objects.filter(trainer=dual).exists()


def test_the_assign_form_says_so_when_nobody_holds_the_trainer_role(client, world):
    Group.objects.get(name=Role.TRAINER.value).user_set.clear()
    client.force_login(world.admin)
    page = client.get(reverse("courses_trainerassignment:add")).content.decode()
    assert "Nobody holds the Trainer role yet" in page


# --- Issuing ----------------------------------------------------------------------------

def test_the_penetration_testers_admin_cannot_issue_what_they_assessed(complete, dual):
    """Assigned to two trainees, signed off C1, logged a 480-minute group session: the
    certificate is refused, and another program admin can issue it."""
    world = complete
    for trainee in (world.trainee_a, world.trainee_b):
        _assign(world, dual, trainee, role="assessor")
    world.enrolment_a.refresh_from_db()
    records.evidence_add(actor=world.trainee_a, enrolment=world.enrolment_a, outcome_code="C1",
                         kind="written", title="Another piece", text="More practice.")
    records.signoff_decide(trainer=dual, enrolment=world.enrolment_a, outcome_code="C1", decision="met")
    hours.group_session_log(trainer=dual, enrolments=[world.enrolment_a, world.enrolment_b],
                            date=YESTERDAY, minutes=480, category="E1")
    with pytest.raises(PermissionDenied) as refused:
        services.certificate_issue(actor=dual, enrolment=world.enrolment_a)
    message = str(refused.value)
    assert "signed off" in message and "confirmed consultation hours" in message
    assert "assigned" in message and "another program admin must issue" in message.lower()
    assert not Certificate.objects.exists()
    event = AuditEvent.objects.get(verb="certificate.issue_refused")
    assert event.actor == dual and event.target_id == str(world.enrolment_a.pk)
    certificate, created = services.certificate_issue(actor=world.admin, enrolment=world.enrolment_a)
    assert created and certificate.issued_by == world.admin


@pytest.mark.parametrize("relationship, reason", [
    ("signed_off", "signed off"),
    ("confirmed", "confirmed consultation hours"),
    ("group_session", "confirmed consultation hours"),
    ("assigned_then_ended", "assigned"),
    ("assigned_then_deleted", "assigned"),
])
def test_each_relationship_alone_refuses_the_issuer(complete, dual, relationship, reason):
    world = complete
    assignment = _assign(world, dual, world.trainee_a)
    _assign(world, dual, world.trainee_b)
    if relationship == "signed_off":
        records.signoff_decide(trainer=dual, enrolment=world.enrolment_a, outcome_code="K1",
                               decision="not_yet", comment="Read the lesson again.")
    elif relationship == "confirmed":
        session = hours.session_log(actor=world.trainee_a, enrolment=world.enrolment_a, trainer=dual,
                                    date=YESTERDAY, start_time=datetime.time(7, 0), minutes=30,
                                    category="E2")
        hours.session_confirm(trainer=dual, session=session, revision=1)
    elif relationship == "group_session":
        hours.group_session_log(trainer=dual, enrolments=[world.enrolment_a, world.enrolment_b],
                                date=YESTERDAY, minutes=60, category="E2")
    # Un-assigning first does not get around the rule: the relationship is history.
    _unassign(assignment, world, delete=relationship == "assigned_then_deleted")
    with pytest.raises(PermissionDenied, match=reason):
        services.certificate_issue(actor=dual, enrolment=world.enrolment_a)
    assert not Certificate.objects.exists()


def test_an_admin_with_no_part_in_the_record_issues(complete, dual):
    """The rule is about this trainee: training someone else is no bar."""
    _assign(complete, dual, complete.trainee_b)
    certificate, created = services.certificate_issue(actor=dual, enrolment=complete.enrolment_a)
    assert created


def test_the_issue_page_shows_the_refusal_before_the_button_and_issues_nothing(
    complete, dual, client, django_capture_on_commit_callbacks
):
    _assign(complete, dual, complete.trainee_a)
    client.force_login(dual)
    url = reverse("certificates:issue", args=[complete.cohort.pk])
    page = client.post(url, {"enrolment": [complete.enrolment_a.pk]}).content.decode()
    assert "You cannot issue this certificate" in page
    assert "another program admin must issue" in page.lower()
    assert f'name="enrolment" value="{complete.enrolment_a.pk}"' not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"enrolment": [complete.enrolment_a.pk], "step": "confirm",
                                     "confirm": "on"}, follow=True)
    assert "Issuing 0 certificates" in response.content.decode()
    assert "1 for another program admin" in response.content.decode()
    assert not Certificate.objects.exists() and not mail.outbox


def test_reissuing_is_refused_with_the_reason_too(complete, dual, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        certificate, _ = services.certificate_issue(actor=complete.admin, enrolment=complete.enrolment_a)
        services.certificate_revoke(actor=complete.admin, certificate=certificate, reason="Issued in error.")
    _assign(complete, dual, complete.trainee_a)
    client.force_login(dual)
    detail = client.get(reverse("certificates:detail", args=[certificate.pk])).content.decode()
    assert "another program admin must issue" in detail.lower()
    response = client.post(reverse("certificates:reissue", args=[certificate.pk]), follow=True)
    assert "another program admin must issue" in response.content.decode().lower()
    assert Certificate.objects.count() == 1


def test_a_queued_issue_job_for_a_conflicted_admin_ends_without_a_certificate(complete, dual):
    from certificates.tasks import issue_certificate

    _assign(complete, dual, complete.trainee_a)
    assert issue_certificate(enrolment_id=complete.enrolment_a.pk, actor_id=dual.pk) is None
    assert not Certificate.objects.exists()
    assert AuditEvent.objects.filter(verb="certificate.issue_refused").count() == 1
