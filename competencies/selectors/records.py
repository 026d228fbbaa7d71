"""Each trainee's standing on every outcome, always computed from the records.

Status is never stored: it follows from coursework, evidence, requests, decisions and
confirmed hours. ``outcome_records_for`` is the set form (a fixed number of queries
for any number of enrolments); the eligibility rule and every page use it.
"""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model

from courses.models import Enrolment

from ..models import EvidenceItem, Outcome, SignOff, SignOffRequest

User = get_user_model()

NOT_STARTED, IN_PROGRESS, AWAITING_REVIEW, MET = (
    "not_started", "in_progress", "awaiting_review", "met",
)
STATUS_LABELS = {
    NOT_STARTED: "Not started", IN_PROGRESS: "In progress",
    AWAITING_REVIEW: "Awaiting review", MET: "Met",
}


@dataclass
class OutcomeRecord:
    outcome: Outcome
    status: str = NOT_STARTED
    missing: list[str] = field(default_factory=list)
    evidence: list[EvidenceItem] = field(default_factory=list)
    decisions: list[SignOff] = field(default_factory=list)
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
    def current_decisions(self) -> dict[int, SignOff]:
        """Each trainer's latest decision: it supersedes their earlier ones."""
        latest: dict[int, SignOff] = {}
        for decision in self.decisions:
            latest[decision.trainer_id] = decision
        return latest


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


def _evaluate(record: OutcomeRecord, program) -> None:
    outcome = record.outcome
    rule = outcome.evidence_rule
    record.signoffs_met = sum(
        1 for d in record.current_decisions.values() if d.decision == SignOff.Decision.MET
    )
    started = bool(record.evidence or record.decisions)
    if rule == Outcome.EvidenceRule.HOURS:
        needed = record.minutes_needed
        if record.minutes_confirmed >= needed:
            record.status = MET
            return
        left = max(needed - record.minutes_confirmed, 0)
        waiting = (f" ({record.minutes_pending / 60:g} logged, waiting for a trainer to confirm)"
                   if record.minutes_pending else "")
        record.missing.append(
            f"{left / 60:g} more confirmed consultation hour{'' if left == 60 else 's'}{waiting}"
        )
        # Logged but unconfirmed hours wait on a trainer, as a review request does.
        if record.minutes_pending:
            record.status = AWAITING_REVIEW
        else:
            record.status = IN_PROGRESS if record.minutes_confirmed else NOT_STARTED
        return
    if rule == Outcome.EvidenceRule.COURSEWORK:
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


def outcome_records_for(enrolment_ids) -> dict[int, EnrolmentRecord]:
    """Every outcome of each enrolment's pinned framework version with its status.

    Queries: enrolments (1), outcomes (1), coursework (8), confirmed minutes (1),
    evidence (1), decisions (1), open requests (1) — the same for one enrolment or a whole cohort.
    """
    from consultation.selectors import minutes_for
    from courses.selectors import coursework_status_for

    enrolments = list(
        Enrolment.objects.filter(pk__in=list(enrolment_ids)).select_related(
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
    evidence: dict[tuple[int, str], list] = {}
    for item in EvidenceItem.objects.filter(enrolment_id__in=ids):
        evidence.setdefault((item.enrolment_id, item.outcome_code), []).append(item)
    decisions: dict[tuple[int, str], list] = {}
    # Only the columns the records use, and each trainer loaded once rather than joined
    # onto every row: the whole program has tens of thousands of decisions and a few
    # dozen trainers.
    rows = list(SignOff.objects.filter(enrolment_id__in=ids).only(
        "enrolment_id", "outcome_code", "trainer_id", "decision", "comment", "request_id", "decided_at",
    ))
    trainers = User.objects.only("full_name", "email").in_bulk({d.trainer_id for d in rows})
    for decision in rows:
        decision.trainer = trainers[decision.trainer_id]
        decisions.setdefault((decision.enrolment_id, decision.outcome_code), []).append(decision)
    pending = {
        (r.enrolment_id, r.outcome_code): r
        for r in SignOffRequest.objects.pending().filter(enrolment_id__in=ids)
    }
    result = {}
    for enrolment in enrolments:
        program = enrolment.cohort.program
        hours_needed = {"E1": program.e1_hours_required, "E2": program.e2_hours_required}
        records = []
        for outcome in outcomes_by_version.get(enrolment.framework_version_id, []):
            key = (enrolment.pk, outcome.code)
            record = OutcomeRecord(
                outcome=outcome,
                evidence=evidence.get(key, []),
                decisions=decisions.get(key, []),
                pending_request=pending.get(key),
                coursework=coursework.get(enrolment.pk, {}).get(outcome.code),
            )
            if outcome.evidence_rule == Outcome.EvidenceRule.HOURS:
                logged = minutes[enrolment.pk].get(outcome.code, {})
                record.minutes_confirmed = logged.get("confirmed", 0)
                record.minutes_pending = logged.get("pending", 0)
                record.minutes_needed = int(hours_needed.get(outcome.code, 0) * 60)
            _evaluate(record, program)
            records.append(record)
        result[enrolment.pk] = EnrolmentRecord(enrolment, records)
    return result


def outcome_record(enrolment: Enrolment) -> EnrolmentRecord:
    return outcome_records_for([enrolment.pk])[enrolment.pk]
