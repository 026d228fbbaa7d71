"""Each trainee's standing on every outcome, always computed from the records.

Status is never stored: it follows from coursework, evidence, requests, decisions and
confirmed hours. ``outcome_records_for`` is the set form (a fixed number of queries
for any number of enrolments); the eligibility rule and every page use it.
"""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from consultation.selectors import minutes_for
from core.hours import hours_minutes
from courses.models import Enrolment

from ..models import EvidenceItem, Outcome, SignOff, SignOffRequest
from .coursework import coursework_status_for

User = get_user_model()

NOT_STARTED, IN_PROGRESS, AWAITING_REVIEW, MET = (
    "not_started", "in_progress", "awaiting_review", "met",
)
STATUS_LABELS = {
    NOT_STARTED: "Not started", IN_PROGRESS: "In progress",
    AWAITING_REVIEW: "Awaiting review", MET: "Met",
}


_DECISION_LABELS = dict(SignOff.Decision.choices)
_KIND_LABELS = dict(EvidenceItem.Kind.choices)


@dataclass(slots=True)
class Decision:
    """One sign-off decision as the records read it: a row, not a model instance (the
    whole program has tens of thousands, and each page or report reads only these)."""

    trainer_id: int
    trainer: object
    decision: str
    comment: str
    request_id: int | None
    decided_at: datetime.datetime

    def get_decision_display(self) -> str:
        return _DECISION_LABELS.get(self.decision, self.decision)


@dataclass(slots=True)
class EvidenceSummary:
    """What the set form reads of an evidence item: its kind and title."""

    pk: int
    kind: str
    title: str

    def get_kind_display(self) -> str:
        return _KIND_LABELS.get(self.kind, self.kind)

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"


@dataclass(slots=True)
class OutcomeRecord:
    outcome: Outcome
    status: str = NOT_STARTED
    missing: list[str] = field(default_factory=list)
    # EvidenceSummary rows, or the full items for one enrolment's record (outcome_record).
    evidence: list = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    pending_request: SignOffRequest | None = None
    signoffs_met: int = 0
    signoffs_needed: int = 0
    coursework: object | None = None
    minutes_confirmed: int = 0
    minutes_pending: int = 0
    minutes_needed: int = 0

    @property
    def code(self) -> str:
        return self.outcome.code

    @property
    def met(self) -> bool:
        return self.status == MET

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def current_decisions(self) -> dict[int, Decision]:
        """Each trainer's latest decision: it supersedes their earlier ones."""
        return {decision.trainer_id: decision for decision in self.decisions}


@dataclass
class EnrolmentRecord:
    enrolment: Enrolment
    outcomes: list[OutcomeRecord]

    def by_category(self) -> list[tuple[str, list[OutcomeRecord]]]:
        groups: dict[str, list[OutcomeRecord]] = {}
        for record in self.outcomes:
            groups.setdefault(record.outcome.get_category_display(), []).append(record)
        return list(groups.items())

    def get(self, code: str) -> OutcomeRecord | None:
        return next((r for r in self.outcomes if r.code == code), None)

    @property
    def met_count(self) -> int:
        return sum(r.met for r in self.outcomes)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# Plain strings: an enum member's lookup costs more than the comparison, and a cohort's
# records make tens of thousands of them.
_MET_DECISION = SignOff.Decision.MET.value
_HOURS_RULE = Outcome.EvidenceRule.HOURS.value
_COURSEWORK_RULE = Outcome.EvidenceRule.COURSEWORK.value


def _evaluate(record: OutcomeRecord, program) -> None:
    outcome = record.outcome
    rule = outcome.evidence_rule
    if record.decisions:
        record.signoffs_met = sum(
            1 for d in record.current_decisions.values() if d.decision == _MET_DECISION
        )
    started = bool(record.evidence or record.decisions)
    if rule == _HOURS_RULE:
        needed = record.minutes_needed
        if record.minutes_confirmed >= needed:
            record.status = MET
            return
        left = max(needed - record.minutes_confirmed, 0)
        waiting = (f" ({hours_minutes(record.minutes_pending)} logged, waiting for a trainer to confirm)"
                   if record.minutes_pending else "")
        record.missing.append(f"{hours_minutes(left)} more confirmed consultation hours{waiting}")
        # Logged but unconfirmed hours wait on a trainer, as a review request does.
        if record.minutes_pending:
            record.status = AWAITING_REVIEW
        else:
            record.status = IN_PROGRESS if record.minutes_confirmed else NOT_STARTED
        return
    if rule == _COURSEWORK_RULE:
        record.signoffs_needed = program.knowledge_signoffs
        work = record.coursework
        if work is None or work.lessons_total == 0:
            record.missing.append("No lessons serve this outcome yet; ask your program admin.")
        else:
            if work.lessons_done < work.lessons_total:
                record.missing.append(
                    f"Complete {_plural(work.lessons_total - work.lessons_done, 'more lesson')}"
                    f" ({work.lessons_done} of {work.lessons_total} done)"
                )
            started = started or work.lessons_done > 0 or work.checks_passed > 0
    else:
        record.signoffs_needed = program.competency_signoffs
        if not record.evidence:
            record.missing.append("Attach evidence")
    short = record.signoffs_needed - record.signoffs_met
    if short > 0:
        record.missing.append(
            f"{_plural(short, 'more trainer sign-off')}"
            + (" from a different trainer" if record.signoffs_met else "")
        )
    if not record.missing:
        record.status = MET
    elif record.pending_request is not None:
        record.status = AWAITING_REVIEW
    else:
        record.status = IN_PROGRESS if started else NOT_STARTED


def outcome_records_for(enrolment_ids, *, full_evidence: bool = False) -> dict[int, EnrolmentRecord]:
    """Every outcome of each enrolment's pinned framework version with its status.

    Evidence comes as kind and title (``EvidenceSummary``) unless ``full_evidence``
    asks for the items themselves, as one trainee's outcome page does.

    Queries: enrolments (1), outcomes (1), coursework (6 at most; fewer with the
    curriculum cached), confirmed minutes (1), evidence (1), decisions (1), their
    trainers (1), open requests (1) — the same for one enrolment or a whole cohort.
    """
    enrolments = list(
        # A queryset of ids is read as a subquery here rather than in a query of its own.
        Enrolment.objects.filter(
            pk__in=enrolment_ids if isinstance(enrolment_ids, QuerySet) else list(enrolment_ids)
        ).select_related(
            "trainee", "cohort__program", "framework_version__framework"
        )
    )
    if not enrolments:
        return {}
    outcomes_by_version: dict[int, list[Outcome]] = {}
    for outcome in Outcome.objects.filter(
        version_id__in={e.framework_version_id for e in enrolments}
    ).order_by("position"):
        outcomes_by_version.setdefault(outcome.version_id, []).append(outcome)
    ids = [e.pk for e in enrolments]
    coursework = coursework_status_for(enrolments)
    minutes = minutes_for(ids)
    # Each enrolment's rows by outcome code: the loop below then looks up one small dict
    # per enrolment instead of a (enrolment, code) pair per outcome (46,000 for the program).
    evidence: dict[int, dict[str, list]] = {}
    items = EvidenceItem.objects.filter(enrolment_id__in=ids).order_by("added_at", "pk")
    if full_evidence:
        for item in items:
            evidence.setdefault(item.enrolment_id, {}).setdefault(item.outcome_code, []).append(item)
    else:
        for pk, enrolment_id, code, kind, title in items.values_list(
            "pk", "enrolment_id", "outcome_code", "kind", "title"
        ):
            evidence.setdefault(enrolment_id, {}).setdefault(code, []).append(EvidenceSummary(pk, kind, title))
    decisions: dict[int, dict[str, list[Decision]]] = {}
    # Plain rows, oldest first, and each trainer loaded once rather than joined onto
    # every row: the whole program has tens of thousands of decisions and a few dozen
    # trainers.
    rows = list(
        SignOff.objects.filter(enrolment_id__in=ids).order_by("decided_at", "pk").values_list(
            "enrolment_id", "outcome_code", "trainer_id", "decision", "comment", "request_id", "decided_at",
        )
    )
    trainers = User.objects.only("full_name", "email").in_bulk({row[2] for row in rows})
    for enrolment_id, code, trainer_id, decision, comment, request_id, decided_at in rows:
        decisions.setdefault(enrolment_id, {}).setdefault(code, []).append(
            Decision(trainer_id, trainers[trainer_id], decision, comment, request_id, decided_at)
        )
    pending: dict[int, dict[str, SignOffRequest]] = {}
    for r in SignOffRequest.objects.pending().filter(enrolment_id__in=ids):
        pending.setdefault(r.enrolment_id, {})[r.outcome_code] = r
    # Each version's outcomes with what the loop asks of them, worked out once.
    plans = {
        version_id: [(o, o.code, o.evidence_rule == _HOURS_RULE) for o in outcomes]
        for version_id, outcomes in outcomes_by_version.items()
    }
    nothing: dict = {}
    result = {}
    for enrolment in enrolments:
        pk = enrolment.pk
        program = enrolment.cohort.program
        work = coursework.get(pk, nothing)
        own_evidence = evidence.get(pk, nothing)
        own_decisions = decisions.get(pk, nothing)
        own_pending = pending.get(pk, nothing)
        logged_minutes = minutes[pk]
        records = []
        for outcome, code, by_hours in plans.get(enrolment.framework_version_id, ()):
            record = OutcomeRecord(
                outcome,
                evidence=own_evidence.get(code) or [],
                decisions=own_decisions.get(code) or [],
                pending_request=own_pending.get(code),
                coursework=work.get(code),
            )
            if by_hours:
                logged = logged_minutes.get(code, nothing)
                record.minutes_confirmed = logged.get("confirmed", 0)
                record.minutes_pending = logged.get("pending", 0)
                record.minutes_needed = outcome.minutes_required
            _evaluate(record, program)
            records.append(record)
        result[pk] = EnrolmentRecord(enrolment, records)
    return result


def outcome_record(enrolment: Enrolment) -> EnrolmentRecord:
    """One enrolment's record, with its evidence items in full."""
    return outcome_records_for([enrolment.pk], full_evidence=True)[enrolment.pk]
