"""Which consultation entries each person may see (consultation.permissions)."""

import datetime

import pytest
from django.utils import timezone

from consultation import services
from consultation.permissions import sessions_visible_to
from courses.models import TrainerAssignment
from factories.courses import TrainerAssignmentFactory

pytestmark = pytest.mark.django_db


def _log(world, trainee, enrolment, trainer):
    return services.session_log(
        actor=trainee, enrolment=enrolment, trainer=trainer,
        date=timezone.localdate() - datetime.timedelta(days=1), minutes=60, category="E1",
        case_reference="Client B", notes="Private notes.",
    )


def test_a_trainee_sees_their_own_entries_and_not_another_trainees(world):
    mine = _log(world, world.trainee_a, world.enrolment_a, world.trainer_a)
    TrainerAssignmentFactory(trainer=world.trainer_a, trainee=world.trainee_b, cohort=world.cohort)
    theirs = _log(world, world.trainee_b, world.enrolment_b, world.trainer_a)
    assert list(sessions_visible_to(world.trainee_a)) == [mine]
    assert list(sessions_visible_to(world.trainee_b)) == [theirs]


def test_a_trainer_sees_entries_naming_them_only_while_assigned(world):
    entry = _log(world, world.trainee_a, world.enrolment_a, world.trainer_a)
    assert list(sessions_visible_to(world.trainer_a)) == [entry]
    assert not sessions_visible_to(world.trainer_unassigned).exists()
    today = timezone.localdate()
    TrainerAssignment.objects.filter(trainer=world.trainer_a).update(
        starts_on=today - datetime.timedelta(days=30), ends_on=today - datetime.timedelta(days=1)
    )
    assert not sessions_visible_to(world.trainer_a).exists()


def test_a_program_admin_sees_no_entry_through_this_scope(world):
    _log(world, world.trainee_a, world.enrolment_a, world.trainer_a)
    assert not sessions_visible_to(world.admin).exists()
