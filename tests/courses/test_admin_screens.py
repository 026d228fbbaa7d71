"""Program admins manage people in Wagtail's admin; every save goes through services."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from core.roles import roles_of
from courses.models import Enrolment, TrainerAssignment
from factories.accounts import UserFactory
from factories.courses import EnrolmentFactory

pytestmark = pytest.mark.django_db


def _enrolment_post(world, trainee, **overrides):
    data = {
        "trainee": trainee.pk, "cohort": world.cohort.pk, "profession": "therapist",
        "license_type": "LCSW", "license_number": "LCSW-77", "license_jurisdiction": "Washington",
        "license_expires_on": (timezone.localdate() + datetime.timedelta(days=300)).isoformat(),
        "license_verified": "on",
    }
    data.update(overrides)
    return data


def test_admin_enrols_a_trainee_through_the_service(client, world):
    newcomer = UserFactory(email="newcomer@kapstone.test")
    client.force_login(world.admin)
    response = client.post(reverse("courses_enrolment:add"), _enrolment_post(world, newcomer))
    assert response.status_code == 302
    enrolment = Enrolment.objects.get(trainee=newcomer)
    assert enrolment.license_verified_by == world.admin
    newcomer.refresh_from_db()
    assert "Trainee" in roles_of(newcomer)
    assert AuditEvent.objects.filter(verb="enrolment.created", target_id=str(enrolment.pk)).exists()


def test_a_duplicate_enrolment_shows_the_error_and_saves_nothing(client, world):
    client.force_login(world.admin)
    before = (Enrolment.objects.count(), AuditEvent.objects.count())
    response = client.post(reverse("courses_enrolment:add"), _enrolment_post(world, world.trainee_a))
    assert response.status_code == 200
    assert "already enrolled in this cohort" in response.content.decode()
    assert (Enrolment.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"trainer": "self"}, "cannot be assigned to themselves"),
        ({"cohort": "other"}, "is not enrolled in"),
    ],
)
def test_bad_assignments_are_refused_with_a_message(client, world, overrides, message):
    from factories.courses import CohortFactory

    client.force_login(world.admin)
    data = {"trainer": world.trainer_unassigned.pk, "trainee": world.trainee_b.pk,
            "cohort": world.cohort.pk, "role": "assessor", "starts_on": timezone.localdate().isoformat()}
    if overrides.get("trainer") == "self":
        # A trainee who also trains is offered as a trainer; not for themselves.
        world.trainee_b.groups.add(*world.trainer_a.groups.all())
        data["trainer"] = world.trainee_b.pk
    if overrides.get("cohort") == "other":
        data["cohort"] = CohortFactory().pk
    before = TrainerAssignment.objects.count()
    response = client.post(reverse("courses_trainerassignment:add"), data)
    assert response.status_code == 200 and message in response.content.decode()
    assert TrainerAssignment.objects.count() == before


def test_ending_an_assignment_in_the_admin_cuts_access_at_once(client, world):
    assignment = TrainerAssignment.objects.get(trainer=world.trainer_a)
    trainer_client = client.__class__()
    trainer_client.force_login(world.trainer_a)
    record = reverse("competencies:trainer_trainee", args=[world.enrolment_a.pk])
    assert trainer_client.get(record).status_code == 200
    client.force_login(world.admin)
    url = reverse("courses_trainerassignment:edit", args=[assignment.pk])
    response = client.post(url, {"ends_on": (assignment.starts_on - datetime.timedelta(days=1)).isoformat()})
    assert "cannot end before it starts" in response.content.decode()
    client.post(url, {"ends_on": timezone.localdate().isoformat()})
    assert trainer_client.get(record).status_code == 404
    assert AuditEvent.objects.filter(verb="assignment.ended").count() == 1


def test_changing_a_license_in_the_admin_clears_then_reverifies(client, world):
    client.force_login(world.admin)
    url = reverse("courses_enrolment:edit", args=[world.enrolment_a.pk])
    data = {"status": "active", "profession": "therapist", "license_type": "LMFT",
            "license_number": "NEW-1", "license_jurisdiction": "California",
            "license_expires_on": world.enrolment_a.license_expires_on.isoformat()}
    client.post(url, data)
    world.enrolment_a.refresh_from_db()
    assert world.enrolment_a.license_number == "NEW-1" and world.enrolment_a.license_verified_at is None
    client.post(url, {**data, "verify_license": "on"})
    world.enrolment_a.refresh_from_db()
    assert world.enrolment_a.license_verified_by == world.admin


def test_search_and_filters(client, world):
    client.force_login(world.admin)
    page = client.get(reverse("courses_enrolment:index"), {"q": "trainee.a@"}).content.decode()
    assert "trainee.a@kapstone.test" in page or str(world.trainee_a) in page
    assert str(world.trainee_b) not in page
    page = client.get(reverse("courses_enrolment:index"), {"cohort": world.cohort.pk}).content.decode()
    assert str(world.trainee_a) in page and str(world.trainee_b) in page
    events = client.get(reverse("audit_auditevent:index"), {"verb": "role.granted"}).content.decode()
    assert "role.granted" in events


@pytest.mark.parametrize("who", ["curriculum_editor", "trainee_a", "trainer_a"])
def test_others_cannot_open_the_people_admin(client, world, who):
    client.force_login(world.users()[who])
    for name in ("courses_enrolment:index", "courses_trainerassignment:add", "audit_auditevent:index"):
        response = client.get(reverse(name))
        assert response.status_code in (302, 403), (who, name)
        if response.status_code == 302:
            assert response["Location"] in ("/admin/", "/accounts/login/?next=" + reverse(name))


def test_records_are_never_deleted_from_the_admin(client, world):
    from django.urls import NoReverseMatch

    client.force_login(world.admin)
    response = client.get(reverse("courses_enrolment:delete", args=[world.enrolment_a.pk]))
    assert response.status_code in (302, 403)
    assert Enrolment.objects.filter(pk=world.enrolment_a.pk).exists()
    with pytest.raises(NoReverseMatch):
        reverse("audit_auditevent:edit", args=[1])


@pytest.mark.parametrize("extra", [3, 30])
def test_enrolment_listing_runs_fixed_queries(client, world, django_assert_num_queries, extra):
    for _ in range(extra):
        EnrolmentFactory(cohort=world.cohort)
    client.force_login(world.admin)
    client.get(reverse("courses_enrolment:index"))
    # Session, user and Wagtail's admin chrome, then one listing query and its count.
    with django_assert_num_queries(14):
        response = client.get(reverse("courses_enrolment:index"))
    assert response.content.decode().count("/admin/courses_enrolment/edit/") >= extra + 2
