"""What a trainer reads of one assigned trainee: what waits for them first, the rest after."""

from dataclasses import dataclass, field

from consultation.models import ConsultationSession
from courses.models import Enrolment, Reflection

from ..models import EvidenceItem, Outcome
from .records import EnrolmentRecord, OutcomeRecord, outcome_record, outcome_records_for


@dataclass
class TrainerRecord:
    """One trainee's record split for the trainer deciding on it.

    ``to_decide`` are the outcomes with an open review request, ``sessions`` the
    consultation entries waiting for this trainer's confirmation; ``others`` is every
    remaining outcome, grouped by category, for the page to keep behind a disclosure.
    """

    record: EnrolmentRecord | None
    to_decide: list[OutcomeRecord] = field(default_factory=list)
    sessions: list[ConsultationSession] = field(default_factory=list)
    others: list[tuple[str, list[OutcomeRecord]]] = field(default_factory=list)

    @property
    def waiting(self) -> int:
        return len(self.to_decide) + len(self.sessions)

    @property
    def to_decide_codes(self) -> set[str]:
        return {item.code for item in self.to_decide}

    @property
    def others_count(self) -> int:
        return sum(len(items) for _, items in self.others)


def trainer_record(*, enrolment: Enrolment, trainer) -> TrainerRecord:
    """The record of an enrolment the trainer is assigned to (the caller checks that).

    Queries: the outcome record's (``outcome_record``), the pending entries (1) and,
    only when some evidence is a lesson reflection, the reflections' text (1).
    """
    sessions = list(
        ConsultationSession.objects.pending()
        .filter(trainer=trainer, enrolment=enrolment)
        .visible_columns()
        .order_by("date", "start_time", "id")
    )
    if not enrolment.framework_version_id:
        return TrainerRecord(record=None, sessions=sessions)
    record = outcome_record(enrolment)
    _attach_reflections(record)
    to_decide = [item for item in record.outcomes if item.pending_request is not None]
    others = [
        (category, [item for item in items if item.pending_request is None])
        for category, items in record.by_category()
    ]
    return TrainerRecord(
        record=record, to_decide=to_decide, sessions=sessions,
        others=[(category, items) for category, items in others if items],
    )


def _attach_reflections(record: EnrolmentRecord) -> None:
    """Give each reflection evidence item its reflection's text, read in one query, so
    the trainer reads what the trainee wrote rather than its prompt alone."""
    items = [
        item for outcome in record.outcomes for item in outcome.evidence
        if item.kind == EvidenceItem.Kind.REFLECTION and item.reflection_id
    ]
    if not items:
        return
    texts = dict(
        Reflection.objects.filter(pk__in={item.reflection_id for item in items}).values_list("pk", "text")
    )
    for item in items:
        item.reflection_text = texts.get(item.reflection_id, "")


@dataclass(slots=True)
class HoursProgress:
    """Confirmed consultation minutes against what one experience outcome needs."""

    code: str
    confirmed_minutes: int
    needed_minutes: int

    @property
    def confirmed_hours(self) -> float:
        return self.confirmed_minutes / 60

    @property
    def needed_hours(self) -> float:
        return self.needed_minutes / 60

    @property
    def met(self) -> bool:
        return self.confirmed_minutes >= self.needed_minutes


@dataclass(slots=True)
class TraineeProgress:
    """How far one enrolment has come: outcomes met of all, hours per experience outcome."""

    met: int
    total: int
    hours: list[HoursProgress]


def trainee_progress_for(enrolment_ids) -> dict[int, TraineeProgress]:
    """Each enrolment's progress, from the set form of the records (``outcome_records_for``),
    so a trainer's whole caseload costs the same queries as one trainee."""
    return {
        pk: TraineeProgress(
            met=record.met_count,
            total=len(record.outcomes),
            hours=[
                HoursProgress(item.code, item.minutes_confirmed, item.minutes_needed)
                for item in record.outcomes if item.outcome.evidence_rule == Outcome.EvidenceRule.HOURS
            ],
        )
        for pk, record in outcome_records_for(enrolment_ids).items()
    }
