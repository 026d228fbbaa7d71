"""Reads of consultation hours for pages and for the competency tracker."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from core.fragments import PEOPLE, fragment_key, generation, template_sources
from courses.models import Enrolment

from .models import ConsultationKind, ConsultationSession


@dataclass(frozen=True)
class HoursRequirement:
    """An Experience outcome of an enrolment's framework version: the consultation
    category a trainee logs hours under, and how many confirmed hours meet it."""

    code: str
    statement: str
    kind: str
    hours_required: Decimal

    @property
    def minutes_required(self) -> int:
        return int(self.hours_required * 60)

    @property
    def kind_label(self) -> str:
        return str(ConsultationKind(self.kind).label)

    @property
    def label(self) -> str:
        return f"{self.code} — {self.kind_label.lower()}"


_OUTCOME = "framework_version__outcomes__"


def hours_requirements_for(enrolment_ids) -> dict[int, list[HoursRequirement]]:
    """Each enrolment's hours requirements, from the Experience outcomes of the framework
    version it is pinned to, in the framework's order; one query.

    Consultation sits below competencies, so it reads the outcomes through the
    enrolment's version rather than importing their code.
    """
    result: dict[int, list[HoursRequirement]] = {pk: [] for pk in enrolment_ids}
    rows = (
        Enrolment.objects.filter(pk__in=list(result), **{f"{_OUTCOME}hours_required__isnull": False})
        .order_by("pk", f"{_OUTCOME}position", f"{_OUTCOME}pk")
        .values_list("pk", f"{_OUTCOME}code", f"{_OUTCOME}statement",
                     f"{_OUTCOME}consultation_kind", f"{_OUTCOME}hours_required")
    )
    for pk, code, statement, kind, hours in rows:
        result[pk].append(HoursRequirement(code, statement, kind, hours))
    return result


def hours_requirements(enrolment) -> list[HoursRequirement]:
    return hours_requirements_for([enrolment.pk])[enrolment.pk]


def minutes_for(enrolment_ids) -> dict[int, dict[str, dict[str, int]]]:
    """Minutes by enrolment, category (outcome code) and status (confirmed / pending),
    one query. Categories with no entries are absent: read them with ``.get``."""
    totals: dict[int, dict[str, dict[str, int]]] = {e: {} for e in enrolment_ids}
    rows = (
        ConsultationSession.objects.filter(
            enrolment_id__in=list(enrolment_ids),
            status__in=[ConsultationSession.Status.CONFIRMED, ConsultationSession.Status.PENDING],
        )
        .order_by()
        .values("enrolment_id", "category", "status")
        .annotate(total=Sum("minutes"))
    )
    for row in rows:
        by_status = totals[row["enrolment_id"]].setdefault(row["category"], {"confirmed": 0, "pending": 0})
        by_status[row["status"]] = row["total"] or 0
    return totals



def hours_progress(enrolment, requirements: list[HoursRequirement] | None = None) -> list[dict]:
    """Progress towards each hours requirement of the enrolment, for My hours and the
    printable log: the outcome, its kind, and minutes confirmed, pending and needed.
    Pass ``requirements`` when the caller has read them already."""
    if requirements is None:
        requirements = hours_requirements(enrolment)
    totals = minutes_for([enrolment.pk])[enrolment.pk]
    progress = []
    for requirement in requirements:
        logged = totals.get(requirement.code, {})
        confirmed, pending = logged.get("confirmed", 0), logged.get("pending", 0)
        progress.append({
            "category": requirement.code, "label": requirement.label,
            "statement": requirement.statement, "kind": requirement.kind_label,
            # Minutes only: every page and file writes them with core.hours (the |hm filter).
            "needed": requirement.minutes_required, "confirmed": confirmed, "pending": pending,
        })
    return progress


def group_session_already_logged(*, trainer, enrolment_ids, date, start_time, category) -> set[int]:
    """Which of these enrolments already have this session in their log (the entries
    ``group_session_log`` would refuse as duplicates), in one query, for the preview."""
    return set(
        ConsultationSession.objects.same_session(
            trainer=trainer, date=date, start_time=start_time, category=category,
        ).filter(enrolment_id__in=list(enrolment_ids)).values_list("enrolment_id", flat=True)
    )


MY_HOURS_TEMPLATES = ("consultation/my_hours.html",)


def my_hours_keys(enrolment, requirements: list[HoursRequirement]) -> dict[str, str]:
    """The keys of My hours' cached fragments, the progress bars and the log: the
    enrolment's records version (raised with every session logged, confirmed, disputed,
    corrected, reversed or withdrawn), its hours requirements as read for the form (the
    outcomes' wording and hours), the generation of people's names (each entry's
    trainer) and the page's template."""
    parts = (template_sources(*MY_HOURS_TEMPLATES), enrolment.pk, enrolment.records_version,
             [(r.code, r.statement, r.kind, str(r.hours_required)) for r in requirements])
    return {
        "progress": fragment_key("my_hours_progress", *parts),
        "log": fragment_key("my_hours_log", *parts, generation(PEOPLE)),
    }
