"""What a trainer reads of one assigned trainee: what waits for them first, the rest after."""

from dataclasses import dataclass, field

from consultation.models import ConsultationSession
from courses.models import Enrolment, Reflection

from ..models import EvidenceItem
from .records import EnrolmentRecord, OutcomeRecord, outcome_record


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
