import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from courses.models import Application, Enrolment, TrainerAssignment
from factories.accounts import UserFactory

pytestmark = pytest.mark.django_db


def _form(world, **overrides):
    data = {
        "cohort": world.cohort.pk, "profession": "prescriber", "license_type": "PMHNP",
        "license_number": "NP-1234", "license_jurisdiction": "Oregon",
        "license_expires_on": (timezone.localdate() + datetime.timedelta(days=400)).isoformat(),
        "attest_scope": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def applicant(world, curriculum):
    world.cohort.open_for_applications = True
    world.cohort.save()
    return UserFactory(email="applicant@kapstone.test")


def test_program_page_invites_visitors_to_sign_in_then_apply(client, curriculum, applicant):
    assert b"to apply" in client.get(curriculum.url).content
    client.force_login(applicant)
    assert reverse("courses:apply", args=[curriculum.program.slug]).encode() in client.get(curriculum.url).content


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"attest_scope": None}, "attest_scope", "practise within your license"),
        ({"license_expires_on": "2001-01-01"}, "license_expires_on", "must be current"),
        ({"license_number": ""}, "license_number", "required"),
        ({"profession": "astrologer"}, "profession", "valid choice"),
        ({"cohort": "999999"}, "cohort", "valid choice"),
    ],
)
def test_bad_applications_show_field_errors_and_save_nothing(client, world, applicant, overrides, field, message):
    client.force_login(applicant)
    url = reverse("courses:apply", args=[world.cohort.program.slug])
    response = client.post(url, _form(world, **overrides))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Application.objects.exists()


def test_apply_then_admin_approves_enrolling_with_verified_license(
    client, world, applicant, django_capture_on_commit_callbacks
):
    client.force_login(applicant)
    url = reverse("courses:apply", args=[world.cohort.program.slug])
    assert client.post(url, _form(world)).status_code == 302
    application = Application.objects.get()
    assert application.status == "pending" and application.attested_scope_at is not None
    assert b"waiting for a decision" in client.get(url).content

    client.force_login(world.admin)
    assert b"applicant@kapstone.test" in client.get(reverse("courses:applications")).content
    decide = reverse("courses:application_decide", args=[application.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(decide, {"decision": "approve"})
    application.refresh_from_db()
    enrolment = Enrolment.objects.get(trainee=applicant)
    assert application.status == "approved" and application.enrolment == enrolment
    assert enrolment.license_verified_by == world.admin and enrolment.license_number == "NP-1234"
    assert mail.outbox[-1].to == ["applicant@kapstone.test"] and "approved" in mail.outbox[-1].body
    assert {"application.submitted", "application.approved", "enrolment.created"} <= set(
        AuditEvent.objects.values_list("verb", flat=True)
    )
    # Deciding again changes nothing.
    client.post(decide, {"decision": "decline", "reason": "late"})
    application.refresh_from_db()
    assert application.status == "approved"


def test_declining_needs_a_reason_which_the_applicant_receives(
    client, world, applicant, django_capture_on_commit_callbacks
):
    client.force_login(applicant)
    client.post(reverse("courses:apply", args=[world.cohort.program.slug]), _form(world))
    application = Application.objects.get()
    client.force_login(world.admin)
    decide = reverse("courses:application_decide", args=[application.pk])
    response = client.post(decide, {"decision": "decline", "reason": "  "})
    assert "Give the applicant a reason" in " ".join(response.context["form"].errors["reason"])
    application.refresh_from_db()
    assert application.status == "pending" and not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        client.post(decide, {"decision": "decline", "reason": "Your license could not be verified."})
    application.refresh_from_db()
    assert application.status == "declined"
    assert "Your license could not be verified." in mail.outbox[-1].body
    assert not Enrolment.objects.filter(trainee=applicant).exists()


def test_enrolled_trainees_cannot_apply_again(client, world, applicant):
    client.force_login(world.trainee_a)
    response = client.post(reverse("courses:apply", args=[world.cohort.program.slug]), _form(world))
    assert b"already enrolled" in response.content
    assert not Application.objects.exists()


def test_only_program_admins_decide(client, world, applicant):
    client.force_login(applicant)
    client.post(reverse("courses:apply", args=[world.cohort.program.slug]), _form(world))
    application = Application.objects.get()
    for user in (applicant, world.trainer_a, world.editor):
        client.force_login(user)
        response = client.post(
            reverse("courses:application_decide", args=[application.pk]), {"decision": "approve"}
        )
        assert response.status_code == 403
    application.refresh_from_db()
    assert application.status == "pending"


def test_approving_leads_straight_to_assigning_the_new_trainees_trainers(
    client, world, applicant, django_capture_on_commit_callbacks
):
    client.force_login(applicant)
    client.post(reverse("courses:apply", args=[world.cohort.program.slug]), _form(world))
    application = Application.objects.get()
    client.force_login(world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("courses:application_decide", args=[application.pk]),
                               {"decision": "approve"})
    enrolment = Enrolment.objects.get(trainee=applicant)
    assert response.status_code == 302
    assert response["Location"] == (
        f"{reverse('courses_trainerassignment:add')}?trainee={applicant.pk}&cohort={enrolment.cohort_id}"
    )
    page = client.get(response["Location"])
    assert "Now assign their trainers." in page.content.decode()
    form = page.context["form"]
    assert form["trainee"].value() == applicant.pk and form["cohort"].value() == enrolment.cohort_id
    # Choosing the trainer is all that is left.
    response = client.post(reverse("courses_trainerassignment:add"), {
        "trainer": world.trainer_a.pk, "trainee": applicant.pk, "cohort": enrolment.cohort_id,
        "role": "consultant", "starts_on": timezone.localdate().isoformat(),
    })
    assert response.status_code == 302
    assert TrainerAssignment.objects.filter(trainer=world.trainer_a, trainee=applicant).exists()


def test_the_assignment_screen_ignores_values_that_are_not_ids(client, world):
    client.force_login(world.admin)
    page = client.get(reverse("courses_trainerassignment:add") + "?trainee=x&cohort=-1")
    assert page.status_code == 200 and page.context["form"]["trainee"].value() is None
