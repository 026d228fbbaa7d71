"""The one rule that decides whether a certificate may be issued.

``eligibility(enrolment)`` returns every requirement with met / not met, why, and the
evidence that satisfied it; ``eligibility_for(ids)`` is the same for a whole cohort in a
fixed number of queries. Every screen and the issuing service use these, so what an
admin sees is exactly what issuance checks.
"""

import datetime
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from django.utils import timezone
from django.utils.formats import date_format

from cms.models import ProgramPage
from competencies.models import Outcome
from competencies.selectors import outcome_records_for
from core.cache import CACHE_UNREACHABLE
from core.hours import hours_minutes
from courses.models import Enrolment
from courses.selectors.learning import curriculum_stamp

OUTCOME_KEY_PREFIX = "outcome:"


def outcome_key(code: str) -> str:
    """The requirement key of an outcome, e.g. ``outcome:K3``."""
    return f"{OUTCOME_KEY_PREFIX}{code}"


class Requirement(NamedTuple):
    # A tuple: a cohort matrix shows thousands of these.
    key: str
    label: str
    met: bool
    why: str
    evidence: tuple[str, ...] = ()
    # For outcomes, the tracker's status (not started, in progress, awaiting review, met).
    status: str = ""

    @property
    def outcome_code(self) -> str | None:
        """The outcome's code for an outcome requirement; None for the others."""
        if self.key.startswith(OUTCOME_KEY_PREFIX):
            return self.key.removeprefix(OUTCOME_KEY_PREFIX)
        return None


@dataclass
class EligibilityReport:
    enrolment: Enrolment
    requirements: list[Requirement] = field(default_factory=list)
    # Confirmed consultation minutes by hours outcome code, in the framework's order, as
    # the matrix shows them.
    confirmed_minutes: dict[str, int] = field(default_factory=dict)
    # The matrix's reports: the key their outcomes were cached under (everything they
    # were computed from), which the matrix's cached rows are keyed by in turn.
    standing_key: str = ""

    # Worked out once: a report is complete when made, and the matrix asks each of its
    # 200 reports several times.
    @cached_property
    def eligible(self) -> bool:
        return bool(self.requirements) and all(r.met for r in self.requirements)

    @cached_property
    def missing(self) -> list[Requirement]:
        return [r for r in self.requirements if not r.met]

    def as_snapshot(self) -> dict:
        """A JSON-safe record of the report, stored with a certificate."""
        return {
            "enrolment": self.enrolment.pk,
            # The legal name at issue: the certificate keeps it through later renames.
            "trainee_name": self.enrolment.trainee.full_name,
            "eligible": self.eligible,
            "checked_at": timezone.now().isoformat(),
            "requirements": [
                {"key": r.key, "label": r.label, "met": r.met, "why": r.why, "evidence": list(r.evidence)}
                for r in self.requirements
            ],
        }


def _day(value: datetime.date | datetime.datetime) -> str:
    """A day as people read it ("7 Dec 2026"). A moment is read in the site's time zone,
    not the reader's: reports are cached and kept in certificates' snapshots, shared by
    everyone who reads them."""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value, timezone.get_default_timezone())
    return date_format(value, "j M Y")


def _outcome_names(code: str, statement: str) -> tuple[str, str]:
    return outcome_key(code), f"{code} — {statement}"


def _coursework_line(cw) -> str:
    return (f"{cw.lessons_done}/{cw.lessons_total} aligned lessons complete, "
            f"{cw.checks_passed}/{cw.checks_total} knowledge checks passed")


def _outcome_requirement(record, *, with_evidence: bool = True) -> Requirement:
    outcome = record.outcome
    key, label = _outcome_names(outcome.code, outcome.statement)
    met = record.met
    why = "Met." if met else "; ".join(record.missing) + "."
    if not with_evidence:
        return Requirement(key, label, met, why, (), record.status)
    evidence: list[str] = []
    cw = record.coursework
    if cw is not None and cw.lessons_total:
        evidence.append(_coursework_line(cw))
    if record.decisions:
        for decision in record.current_decisions.values():
            if decision.decision == "met":
                evidence.append(f"Signed off by {decision.trainer} on {_day(decision.decided_at)}")
    for item in record.evidence:
        evidence.append(f"{item.get_kind_display()}: {item.title}")
    if outcome.evidence_rule == Outcome.EvidenceRule.HOURS:
        evidence.append(f"{hours_minutes(record.minutes_confirmed)} of {hours_minutes(record.minutes_needed)} "
                        "consultation hours confirmed")
    return Requirement(key, label, met, why, tuple(evidence), record.status)


def _enrolment_requirements(enrolment: Enrolment, verifier: str, today=None) -> list[Requirement]:
    today = today or timezone.localdate()
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
            f"Verified by {verifier} on {_day(enrolment.license_verified_at)}."
            if verified else "No program admin has verified the license yet.",
            (license_text,),
        ),
        Requirement(
            "license:current", "License current", current,
            f"Expires {_day(enrolment.license_expires_on)}." if current
            else f"Expired on {_day(enrolment.license_expires_on)}.",
            (license_text,),
        ),
        Requirement(
            "program:framework", "Assessed against a published framework version", pinned,
            f"{enrolment.framework_version}." if pinned else "The enrolment has no framework version.",
        ),
    ]


def _confirmed_minutes(record) -> dict[str, int]:
    return {r.code: r.minutes_confirmed for r in record.outcomes
            if r.outcome.evidence_rule == Outcome.EvidenceRule.HOURS}


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
        reports[pk] = EligibilityReport(record.enrolment, requirements, _confirmed_minutes(record))
    return reports


def eligibility(enrolment: Enrolment) -> EligibilityReport:
    return eligibility_for([enrolment.pk])[enrolment.pk]


# --- The cohort matrix's reading: cached standing --------------------------------------

# Long enough to outlive a working day; entries are never stale (see below), so this
# only bounds what an idle cohort keeps in the cache.
STANDING_CACHE_SECONDS = 24 * 60 * 60


def _standing_key(enrolment: Enrolment, stamps: dict[int, str]) -> str:
    """Everything an enrolment's outcome standing is computed from: its records (by
    their version, raised as each change commits), its framework version (which holds
    the hours requirements; a published version never changes), its program's sign-off
    requirements, and the program's curriculum tree."""
    program = enrolment.cohort.program
    return ":".join(str(part) for part in (
        "standing:3", enrolment.pk, enrolment.records_version, enrolment.framework_version_id,
        program.knowledge_signoffs, program.competency_signoffs, stamps.get(program.pk, "-"),
    ))


class Standing(NamedTuple):
    outcomes: list[Requirement]
    confirmed_minutes: dict[str, int]
    key: str


def standing_for(enrolments: list[Enrolment]) -> dict[int, Standing]:
    """Each enrolment's outcome requirements — met, why, status, without the evidence
    lines — and confirmed hours, as the cohort matrix shows them, from the cache
    wherever nothing they were computed from has changed. Issuing never reads this: it
    checks ``eligibility``.

    ``enrolments`` come with ``cohort__program`` loaded. Queries: program pages (1),
    outcome statements (1), plus the record set form's for the enrolments not cached.
    """
    from django.core.cache import cache

    if not enrolments:
        return {}
    stamps = {
        page.program_id: curriculum_stamp(program_page=page)
        for page in ProgramPage.objects.live().filter(
            program_id__in={e.cohort.program_id for e in enrolments}
        )
    }
    names = {
        (version_id, code): _outcome_names(code, statement)
        for version_id, code, statement in Outcome.objects.filter(
            version_id__in={e.framework_version_id for e in enrolments}
        ).values_list("version_id", "code", "statement")
    }
    keys = {e.pk: _standing_key(e, stamps) for e in enrolments}
    try:
        cached = cache.get_many(list(keys.values()))
    except CACHE_UNREACHABLE:
        cached = {}
    missing = [pk for pk, key in keys.items() if key not in cached]
    if missing:
        fresh = {}
        for pk, record in outcome_records_for(missing).items():
            requirements = [_outcome_requirement(r, with_evidence=False) for r in record.outcomes]
            fresh[keys[pk]] = (tuple((r.outcome_code, r.met, r.why, r.status) for r in requirements),
                               _confirmed_minutes(record))
        cached.update(fresh)
        try:
            cache.set_many(fresh, STANDING_CACHE_SECONDS)
        except CACHE_UNREACHABLE:
            pass
    result = {}
    for enrolment in enrolments:
        version = enrolment.framework_version_id
        outcomes, minutes = cached[keys[enrolment.pk]]
        result[enrolment.pk] = Standing([
            Requirement(*names.get((version, code), (outcome_key(code), code)), met, why, (), status)
            for code, met, why, status in outcomes
        ], minutes, keys[enrolment.pk])
    return result


def summaries_for(enrolments: list[Enrolment]) -> dict[int, EligibilityReport]:
    """The cohort matrix's reports: the enrolment checks read now, the outcomes from
    ``standing_for``; no evidence lines. ``enrolments`` come with ``cohort__program``
    and ``framework_version__framework`` loaded and annotated with ``verifier_name``."""
    standings = standing_for(enrolments)
    today = timezone.localdate()
    return {
        e.pk: EligibilityReport(
            e, _enrolment_requirements(e, getattr(e, "verifier_name", None) or "a program admin", today)
            + standings[e.pk].outcomes,
            standings[e.pk].confirmed_minutes,
            standings[e.pk].key,
        )
        for e in enrolments
    }
