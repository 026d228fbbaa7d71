import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from competencies.services import framework_load_bundled
from core.roles import roles_of
from courses import services
from courses.models import Enrolment, TrainerAssignment
from factories.accounts import UserFactory
from factories.courses import CohortFactory, ProgramFactory

pytestmark = pytest.mark.django_db

LICENSE = dict(
    profession="therapist", license_type="LMFT", license_number="LMFT 1",
    license_jurisdiction="California",
)


def _expiry(days=365):
    return timezone.localdate() + datetime.timedelta(days=days)


def test_enrolling_pins_the_published_framework_grants_the_role_and_is_audited():
    admin = UserFactory(roles=["Program admin"])
    version = framework_load_bundled()
    cohort = CohortFactory(program=ProgramFactory(framework=version.framework))
    trainee = UserFactory()
    enrolment = services.enrolment_create(
        actor=admin, trainee=trainee, cohort=cohort, license_expires_on=_expiry(),
        license_verified=True, **LICENSE,
    )
    assert enrolment.framework_version == version
    assert version.outcomes.count() == 23
    assert enrolment.license_verified_by == admin
    trainee.refresh_from_db()
    assert "Trainee" in roles_of(trainee)
    verbs = list(AuditEvent.objects.values_list("verb", flat=True))
    assert "enrolment.created" in verbs and "role.granted" in verbs


def test_enrolling_twice_in_one_cohort_is_refused_and_changes_nothing():
    admin = UserFactory()
    cohort = CohortFactory()
    trainee = UserFactory()
    services.enrolment_create(actor=admin, trainee=trainee, cohort=cohort, license_expires_on=_expiry(), **LICENSE)
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError, match="already enrolled"):
        services.enrolment_create(actor=admin, trainee=trainee, cohort=cohort, license_expires_on=_expiry(), **LICENSE)
    assert Enrolment.objects.count() == 1 and AuditEvent.objects.count() == events


def test_changing_license_details_clears_the_verification(world):
    services.enrolment_verify_license(actor=world.admin, enrolment=world.enrolment_a)
    enrolment = services.enrolment_update(
        actor=world.admin, enrolment=world.enrolment_a, license_number="LMFT 999"
    )
    assert enrolment.license_verified_at is None and enrolment.license_verified_by is None
    event = AuditEvent.objects.filter(verb="enrolment.changed").latest("id")
    assert event.details["changed"]["license_number"][1] == "LMFT 999"


def test_status_change_keeps_the_verification(world):
    services.enrolment_verify_license(actor=world.admin, enrolment=world.enrolment_a)
    enrolment = services.enrolment_update(actor=world.admin, enrolment=world.enrolment_a, status="paused")
    assert enrolment.license_verified and enrolment.get_status_display() == "On leave"


def test_nobody_verifies_their_own_license(world):
    with pytest.raises(ValidationError):
        services.enrolment_verify_license(actor=world.trainee_a, enrolment=world.enrolment_a)
    world.enrolment_a.refresh_from_db()
    assert world.enrolment_a.license_verified_at is None


def test_only_known_fields_are_editable(world):
    with pytest.raises(ValueError, match="license_verified_by"):
        services.enrolment_update(actor=world.admin, enrolment=world.enrolment_a, license_verified_by=world.admin)


def test_a_trainer_cannot_be_assigned_to_themselves(world):
    world.trainer_a.groups.add(*world.trainee_a.groups.all())
    with pytest.raises(ValidationError, match="themselves"):
        services.assignment_create(
            actor=world.admin, trainer=world.trainee_a, trainee=world.trainee_a,
            cohort=world.cohort, role="assessor",
        )


def test_assignment_needs_an_enrolment_in_that_cohort(world):
    other = CohortFactory()
    with pytest.raises(ValidationError, match="not enrolled"):
        services.assignment_create(
            actor=world.admin, trainer=world.trainer_a, trainee=world.trainee_b,
            cohort=other, role="assessor",
        )
    assert not TrainerAssignment.objects.filter(cohort=other).exists()


def test_assigning_grants_no_role_and_refuses_duplicates(world):
    newcomer = UserFactory()
    with pytest.raises(ValidationError, match="does not hold the Trainer role"):
        services.assignment_create(
            actor=world.admin, trainer=newcomer, trainee=world.trainee_b, cohort=world.cohort,
            role="consultant",
        )
    newcomer.refresh_from_db()
    assert "Trainer" not in roles_of(newcomer)
    newcomer.groups.add(*world.trainer_a.groups.all())  # the role, given on its own
    newcomer = type(newcomer).objects.get(pk=newcomer.pk)
    services.assignment_create(
        actor=world.admin, trainer=newcomer, trainee=world.trainee_b, cohort=world.cohort, role="consultant"
    )
    with pytest.raises(ValidationError, match="already assigned"):
        services.assignment_create(
            actor=world.admin, trainer=newcomer, trainee=world.trainee_b, cohort=world.cohort, role="consultant"
        )


def test_ending_an_assignment_removes_access_on_the_next_request(world, client):
    client.force_login(world.trainer_a)
    url = f"/trainer/trainees/{world.enrolment_a.pk}/"
    assert client.get(url).status_code == 200
    assignment = TrainerAssignment.objects.get(trainer=world.trainer_a)
    services.assignment_end(actor=world.admin, assignment=assignment)
    assert client.get(url).status_code == 404
    assert b"No trainees are assigned" in client.get("/trainer/").content
    assert AuditEvent.objects.filter(verb="assignment.ended").count() == 1
    assert AuditEvent.objects.filter(verb="access.refused", actor=world.trainer_a).count() == 1


def test_an_assignment_can_start_in_the_future(world, client):
    assignment = services.assignment_create(
        actor=world.admin, trainer=world.trainer_unassigned, trainee=world.trainee_b,
        cohort=world.cohort, role="assessor", starts_on=timezone.localdate() + datetime.timedelta(days=3),
    )
    client.force_login(world.trainer_unassigned)
    assert client.get(f"/trainer/trainees/{world.enrolment_b.pk}/").status_code == 404
    assert not TrainerAssignment.objects.current().filter(pk=assignment.pk).exists()
    assert TrainerAssignment.objects.current(assignment.starts_on).filter(pk=assignment.pk).exists()


def test_loading_the_bundled_framework_twice_changes_nothing():
    first = framework_load_bundled()
    second = framework_load_bundled()
    assert first == second and second.outcomes.count() == 23
    codes = list(second.outcomes.values_list("code", flat=True))
    assert codes[:3] == ["K1", "K2", "K3"] and codes[-2:] == ["E1", "E2"]
    assert sum(c.startswith("C") for c in codes) == 12
