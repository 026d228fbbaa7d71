"""A session's minutes count once, whatever the trainee and trainer do with its
corrections (penetration test, issue 17, finding 3).

A chain is an entry the trainee logged, every correction of it, every correction of
those, and the reversals confirming them wrote. Whatever happened, the chain's
confirmed minutes are those of its last confirmed entry: the one nothing reversed.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from audit.models import AuditEvent
from consultation import services
from consultation.models import ConsultationSession
from consultation.selectors import minutes_for

pytestmark = pytest.mark.django_db

Status = ConsultationSession.Status
DAY = timezone.localdate() - datetime.timedelta(days=1)


def _confirmed_e1(world) -> int:
    return minutes_for([world.enrolment_a.pk])[world.enrolment_a.pk]["E1"]["confirmed"]


def _confirm(world, session):
    session.refresh_from_db()
    return services.session_confirm(trainer=world.trainer_a, session=session, revision=session.revision)


def _correct(world, original, minutes, **values):
    values = {"date": original.date, "start_time": original.start_time, "category": original.category,
              **values}
    return services.session_correct(actor=world.trainee_a, original=original, trainer=world.trainer_a,
                                    minutes=minutes, **values)


def test_the_penetration_testers_sequence_counts_the_session_once(world):
    """Confirm 60; correction A; dispute A; correction B; resubmit A; confirm both."""
    original = services.session_log(actor=world.trainee_a, enrolment=world.enrolment_a,
                                    trainer=world.trainer_a, date=DAY, minutes=60, category="E1")
    _confirm(world, original)
    a = _correct(world, original, 60)
    services.session_dispute(trainer=world.trainer_a, session=a, revision=1, comment="Which session?")
    with pytest.raises(ValidationError, match="already open"):
        _correct(world, original, 60, start_time=datetime.time(9, 0))  # B
    assert original.corrections.count() == 1  # nothing saved by the refusal
    a.refresh_from_db()
    services.session_update(actor=world.trainee_a, session=a, revision=a.revision, minutes=60)
    _confirm(world, a)
    assert _confirmed_e1(world) == 60


def test_a_correction_of_an_entry_already_corrected_cannot_be_confirmed(world):
    """Should two corrections of one entry ever both be open (rows written before the
    rule, or by hand), confirming the second is refused rather than counted."""
    original = services.session_log(actor=world.trainee_a, enrolment=world.enrolment_a,
                                    trainer=world.trainer_a, date=DAY, minutes=60, category="E1")
    _confirm(world, original)
    first = _correct(world, original, 45)
    second = ConsultationSession.objects.create(
        enrolment=world.enrolment_a, trainer=world.trainer_a, date=DAY, minutes=50, category="E1",
        logged_by=world.trainee_a, corrects=original,
    )
    _confirm(world, first)
    with pytest.raises(ValidationError, match="already been corrected"):
        _confirm(world, second)
    second.refresh_from_db()
    assert second.status == Status.PENDING
    assert _confirmed_e1(world) == 45
    assert not AuditEvent.objects.filter(verb="consultation.confirmed", target_id=str(second.pk)).exists()


def test_a_withdrawn_correction_makes_room_for_another(world):
    original = services.session_log(actor=world.trainee_a, enrolment=world.enrolment_a,
                                    trainer=world.trainer_a, date=DAY, minutes=60, category="E1")
    _confirm(world, original)
    first = _correct(world, original, 45)
    services.session_withdraw(actor=world.trainee_a, session=first)
    second = _correct(world, original, 30)
    _confirm(world, second)
    assert _confirmed_e1(world) == 30
    # A correction of the correction keeps the session's date and time: the entries it
    # replaces no longer count as duplicates.
    third = _correct(world, second, 40)
    _confirm(world, third)
    assert _confirmed_e1(world) == 40


# --- Random sequences -----------------------------------------------------------------

MINUTES = st.integers(min_value=15, max_value=480)
CATEGORIES = st.sampled_from(["E1", "E2"])
MOVED_TO = st.none() | st.integers(min_value=0, max_value=59).map(lambda m: datetime.time(23, m))


def _chain_totals(sessions, roots: list[int]) -> list[tuple[dict[str, int], dict[str, int]]]:
    """For each chain: confirmed minutes by category as stored, and as they should be
    (the last confirmed entry's minutes in its category)."""
    sessions = {s.pk: s for s in sessions}
    children: dict[int, list[ConsultationSession]] = {}
    for session in sessions.values():
        parent = session.corrects_id or session.reverses_id
        if parent:
            children.setdefault(parent, []).append(session)
    result = []
    for root in roots:
        chain, todo = [], [sessions[root]]
        while todo:
            session = todo.pop()
            chain.append(session)
            todo.extend(children.get(session.pk, []))
        stored = {"E1": 0, "E2": 0}
        for session in chain:
            if session.status == Status.CONFIRMED:
                stored[session.category] += session.minutes
        reversed_ids = {s.reverses_id for s in chain if s.reverses_id}
        standing = [s for s in chain if s.status == Status.CONFIRMED and not s.is_reversal
                    and s.pk not in reversed_ids]
        assert len(standing) <= 1, f"two confirmed entries stand in one chain: {standing}"
        expected = {"E1": 0, "E2": 0}
        for session in standing:
            expected[session.category] = session.minutes
        result.append((stored, expected))
    return result


class CorrectionChains(RuleBasedStateMachine):
    """Trainee and trainer doing anything the services let them, in any order."""

    world = None  # set by the test before the machine runs

    def __init__(self):
        super().__init__()
        # Each example starts from the same world: its writes are rolled back in teardown.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.roots: list[int] = []
        self.logged = 0

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def _pick(self, data, *statuses):
        candidates = list(
            ConsultationSession.objects.filter(status__in=statuses, reverses__isnull=True)
            .order_by("pk").values_list("pk", flat=True)
        )
        if not candidates:
            return None
        return ConsultationSession.objects.get(pk=data.draw(st.sampled_from(candidates)))

    def _attempt(self, call) -> None:
        # A refusal is an allowed outcome; it must change nothing (the savepoint undoes
        # any partial write, as a request's transaction would).
        try:
            with transaction.atomic():
                call()
        except ValidationError:
            pass

    def _log(self, minutes, category):
        self.logged += 1
        session = services.session_log(
            actor=self.world.trainee_a, enrolment=self.world.enrolment_a, trainer=self.world.trainer_a,
            date=DAY, start_time=datetime.time(self.logged // 60, self.logged % 60),
            minutes=minutes, category=category,
        )
        self.roots.append(session.pk)
        return session

    @initialize(minutes=MINUTES, category=CATEGORIES)
    def a_confirmed_session(self, minutes, category):
        # Every run starts where the attack did: one confirmed entry.
        session = self._log(minutes, category)
        services.session_confirm(trainer=self.world.trainer_a, session=session, revision=1)

    # A few sessions, so that the random steps keep meeting the same chains.
    @precondition(lambda self: len(self.roots) < 3)
    @rule(minutes=MINUTES, category=CATEGORIES)
    def log(self, minutes, category):
        self._log(minutes, category)

    @rule(data=st.data())
    def confirm(self, data):
        session = self._pick(data, Status.PENDING)
        if session is not None:
            self._attempt(lambda: services.session_confirm(
                trainer=self.world.trainer_a, session=session, revision=session.revision))

    @rule(data=st.data())
    def dispute(self, data):
        session = self._pick(data, Status.PENDING)
        if session is not None:
            self._attempt(lambda: services.session_dispute(
                trainer=self.world.trainer_a, session=session, revision=session.revision,
                comment="Not as I remember it."))

    @rule(data=st.data(), minutes=MINUTES, category=CATEGORIES, moved_to=MOVED_TO)
    def correct(self, data, minutes, category, moved_to):
        # Confirmed entries mostly (the service refuses the rest, and so it is tried on
        # them too). The correction keeps the session's start or moves it, which the
        # duplicate check cannot catch: the attack in finding 3.
        statuses = data.draw(st.sampled_from([(Status.CONFIRMED,)] * 4 + [tuple(Status.values)]))
        session = self._pick(data, *statuses)
        if session is not None:
            self._attempt(lambda: services.session_correct(
                actor=self.world.trainee_a, original=session, trainer=self.world.trainer_a,
                date=session.date, start_time=moved_to or session.start_time, minutes=minutes,
                category=category))

    @rule(data=st.data(), minutes=MINUTES)
    def resubmit(self, data, minutes):
        session = self._pick(data, Status.DISPUTED, Status.PENDING)
        if session is not None:
            self._attempt(lambda: services.session_update(
                actor=self.world.trainee_a, session=session, revision=session.revision, minutes=minutes))

    @rule(data=st.data())
    def withdraw(self, data):
        session = self._pick(data, Status.PENDING, Status.DISPUTED)
        if session is not None:
            self._attempt(lambda: services.session_withdraw(actor=self.world.trainee_a, session=session))

    @invariant()
    def each_session_counts_once(self):
        sessions = list(ConsultationSession.objects.all())
        open_corrections = [s.corrects_id for s in sessions
                            if s.corrects_id and s.status in (Status.PENDING, Status.DISPUTED)]
        assert len(open_corrections) == len(set(open_corrections)), "two open corrections of one entry"
        totals = minutes_for([self.world.enrolment_a.pk])[self.world.enrolment_a.pk]
        expected = {"E1": 0, "E2": 0}
        for stored, chain_expected in _chain_totals(sessions, self.roots):
            assert stored == chain_expected
            for category, minutes in chain_expected.items():
                expected[category] += minutes
        # What every page and the eligibility rule read agrees.
        assert {c: totals.get(c, {}).get("confirmed", 0) for c in expected} == expected


def test_random_sequences_count_each_session_once(world):
    CorrectionChains.world = world
    run_state_machine_as_test(CorrectionChains, settings=settings(
        max_examples=50, stateful_step_count=20, deadline=None, database=None, derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    ))
