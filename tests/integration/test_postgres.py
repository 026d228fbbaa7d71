"""PostgreSQL settles what the application's own checks cannot: two requests that both
pass "not assigned yet" at the same moment. The partial unique constraint lets exactly
one assignment in; the other caller gets the same clean error as a plain duplicate."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from audit.models import AuditEvent
from courses.models import TrainerAssignment
from factories.accounts import UserFactory, with_totp
from factories.courses import EnrolmentFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _in_threads(calls, *, timeout: float = 30):
    """Run each call in its own thread (so its own database connection), all released
    together; return ("ok", value) / ("refused", messages) / ("error", repr) per call."""
    start = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(i, call):
        try:
            start.wait(timeout=10)
            outcomes[i] = ("ok", call())
        except ValidationError as error:
            outcomes[i] = ("refused", error.messages)
        except Exception as error:  # noqa: BLE001 - reported by the test
            outcomes[i] = ("error", repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(t.is_alive() for t in threads), "a thread is still waiting on the database"
    return outcomes


def test_concurrent_identical_assignments_leave_exactly_one(monkeypatch):
    from courses.services import assignment_create

    assert connection.vendor == "postgresql"
    admin = with_totp(UserFactory(roles=["Program admin"]))
    enrolment = EnrolmentFactory()
    trainer = with_totp(UserFactory(roles=["Trainer"]))

    # Hold both callers after their "already assigned?" check until both have made it:
    # neither sees the other's row, so only the database can refuse the second insert.
    both_checked = threading.Barrier(2)
    full_clean = TrainerAssignment.full_clean

    def full_clean_after_both_checked(self, *args, **kwargs):
        both_checked.wait(timeout=10)
        return full_clean(self, *args, **kwargs)

    monkeypatch.setattr(TrainerAssignment, "full_clean", full_clean_after_both_checked)
    outcomes = _in_threads([
        lambda: assignment_create(actor=admin, trainer=trainer, trainee=enrolment.trainee,
                                  cohort=enrolment.cohort, role="assessor").pk
        for _ in range(2)
    ])

    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"], outcomes
    (winner,) = [value for kind, value in outcomes if kind == "ok"]
    (refusal,) = [value for kind, value in outcomes if kind == "refused"]
    assert refusal == [f"{trainer} is already assigned to {enrolment.trainee} as assessor."]
    assignments = TrainerAssignment.objects.filter(trainer=trainer, trainee=enrolment.trainee)
    assert list(assignments.values_list("pk", flat=True)) == [winner]
    # Only the assignment that exists was audited.
    assert AuditEvent.objects.filter(verb="assignment.created").count() == 1


def test_the_constraint_is_partial_an_ended_assignment_can_be_renewed():
    from courses.services import assignment_create, assignment_end

    admin = with_totp(UserFactory(roles=["Program admin"]))
    enrolment = EnrolmentFactory()
    trainer = with_totp(UserFactory(roles=["Trainer"]))
    args = dict(actor=admin, trainer=trainer, trainee=enrolment.trainee, cohort=enrolment.cohort,
                role="consultant")
    first = assignment_create(**args)
    with pytest.raises(ValidationError):
        assignment_create(**args)
    assignment_end(actor=admin, assignment=first)
    second = assignment_create(**args)
    assert second.pk != first.pk
    assert TrainerAssignment.objects.filter(trainer=trainer, ends_on__isnull=True).count() == 1
