"""The one rule that decides whether a certificate may be issued.

``eligibility(enrolment)`` returns every requirement with met / not met, why, and the
evidence that satisfied it; ``eligibility_for(ids)`` is the same for a whole cohort in a
fixed number of queries. Every screen and the issuing service use these, so what an
admin sees is exactly what issuance checks.
"""

from dataclasses import dataclass, field

from django.utils import timezone

from competencies.selectors import outcome_records_for
from courses.models import Enrolment


@dataclass(frozen=True)
class Requirement:
    key: str
    label: str
    met: bool
    why: str
    evidence: tuple[str, ...] = ()
    # For outcomes, the tracker's status (not started, in progress, awaiting review, met).
    status: str = ""


@dataclass
class EligibilityReport:
    enrolment: Enrolment
    requirements: list[Requirement] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return bool(self.requirements) and all(r.met for r in self.requirements)

    @property
    def missing(self) -> list[Requirement]:
        return [r for r in self.requirements if not r.met]

    def as_snapshot(self) -> dict:
        """A JSON-safe record of the report, stored with a certificate."""
        return {
            "enrolment": self.enrolment.pk,
            "eligible": self.eligible,
            "checked_at": timezone.now().isoformat(),
            "requirements": [
                {"key": r.key, "label": r.label, "met": r.met, "why": r.why, "evidence": list(r.evidence)}
                for r in self.requirements
            ],
        }


def _outcome_requirement(record) -> Requirement:
    outcome = record.outcome
    evidence: list[str] = []
    if record.coursework is not None and record.coursework.lessons_total:
        cw = record.coursework
        evidence.append(f"{cw.lessons_done}/{cw.lessons_total} aligned lessons complete, "
                        f"{cw.checks_passed}/{cw.checks_total} knowledge checks passed")
    for decision in record.current_decisions.values():
        if decision.decision == "met":
            evidence.append(f"Signed off by {decision.trainer} on {decision.decided_at:%Y-%m-%d}")
    for item in record.evidence:
        evidence.append(f"{item.get_kind_display()}: {item.title}")
    if outcome.evidence_rule == "hours":
        evidence.append(f"{record.minutes_confirmed / 60:g} of {record.minutes_needed / 60:g} "
                        "consultation hours confirmed")
    return Requirement(
        key=f"outcome:{outcome.code}",
        label=f"{outcome.code} — {outcome.statement}",
        met=record.met,
        why="Met." if record.met else "; ".join(record.missing) + ".",
        evidence=tuple(evidence),
        status=record.status,
    )


def _enrolment_requirements(enrolment: Enrolment, verifier: str) -> list[Requirement]:
    today = timezone.localdate()
    verified = enrolment.license_verified_at is not None
    current = enrolment.license_expires_on >= today
    active = enrolment.status in (Enrolment.Status.ACTIVE, Enrolment.Status.COMPLETED)
    pinned = enrolment.framework_version_id is not None
    license_text = f"{enrolment.license_type} {enrolment.license_number}, {enrolment.license_jurisdiction}"
    return [
        Requirement(
            "enrolment:active", "Enrolment in good standing", active,
            "Active." if active else f"The enrolment is {enrolment.get_status_display().lower()}.",
        ),
        Requirement(
            "license:verified", "License verified by a program admin", verified,
            f"Verified by {verifier} on {enrolment.license_verified_at:%Y-%m-%d}."
            if verified else "No program admin has verified the license yet.",
            (license_text,),
        ),
        Requirement(
            "license:current", "License current", current,
            f"Expires {enrolment.license_expires_on:%Y-%m-%d}." if current
            else f"Expired on {enrolment.license_expires_on:%Y-%m-%d}.",
            (license_text,),
        ),
        Requirement(
            "program:framework", "Assessed against a published framework version", pinned,
            f"{enrolment.framework_version}." if pinned else "The enrolment has no framework version.",
        ),
    ]


def eligibility_for(enrolment_ids) -> dict[int, EligibilityReport]:
    """Set form: every enrolment's report, in the record set form's fixed queries plus
    one for who verified the licenses."""
    records = outcome_records_for(enrolment_ids)
    verifiers = dict(
        Enrolment.objects.filter(pk__in=list(records))
        .values_list("pk", "license_verified_by__full_name")
    )
    reports = {}
    for pk, record in records.items():
        requirements = _enrolment_requirements(record.enrolment, verifiers.get(pk) or "a program admin")
        requirements += [_outcome_requirement(r) for r in record.outcomes]
        reports[pk] = EligibilityReport(record.enrolment, requirements)
    return reports


def eligibility(enrolment: Enrolment) -> EligibilityReport:
    return eligibility_for([enrolment.pk])[enrolment.pk]
