"""Reads for the role home pages. Each runs a fixed number of queries."""

from dataclasses import dataclass, field

from django.db.models import Count, Max, Q

from ..models import Cohort, Enrolment, TrainerAssignment


@dataclass
class AssignedTrainer:
    """One trainer of a trainee, once, with every role they hold in that cohort."""

    trainer: object
    roles: list[str] = field(default_factory=list)

    @property
    def consults(self) -> bool:
        return TrainerAssignment.Role.CONSULTANT.label in self.roles


def assigned_trainers(assignments) -> list[AssignedTrainer]:
    """Each trainer once, consultants first: they are whom a trainee logs hours with."""
    by_trainer: dict[int, AssignedTrainer] = {}
    for assignment in assignments:
        entry = by_trainer.setdefault(assignment.trainer_id, AssignedTrainer(assignment.trainer))
        entry.roles.append(assignment.get_role_display())
    for entry in by_trainer.values():
        entry.roles.sort(key=lambda role: role != TrainerAssignment.Role.CONSULTANT.label)
    return sorted(by_trainer.values(), key=lambda t: (not t.consults, str(t.trainer)))


def trainee_enrolments(*, trainee) -> list[Enrolment]:
    """The trainee's enrolments with program, cohort, framework and current trainers
    (``current_assignments``, and ``trainers``: each trainer once, consultants first),
    and the live certificate's id and verification code when there is one
    (``live_certificate_id``, ``live_certificate_code``; in the same query, through the
    relation's name: courses sits below certificates)."""
    current = TrainerAssignment.objects.current().select_related("trainer").order_by("role")
    live = Q(certificates__status="issued")
    enrolments = list(
        Enrolment.objects.for_trainee(trainee)
        .select_related("cohort__program", "framework_version__framework")
        .annotate(live_certificate_id=Max("certificates__pk", filter=live),
                  live_certificate_code=Max("certificates__verification_code", filter=live))
        .order_by("-enrolled_on")
    )
    # One query for every enrolment's trainers, matched on (trainee, cohort) in Python.
    assignments = current.filter(trainee=trainee, cohort__in=[e.cohort_id for e in enrolments])
    by_cohort: dict[int, list[TrainerAssignment]] = {}
    for assignment in assignments:
        by_cohort.setdefault(assignment.cohort_id, []).append(assignment)
    for enrolment in enrolments:
        enrolment.current_assignments = by_cohort.get(enrolment.cohort_id, [])
        enrolment.trainers = assigned_trainers(enrolment.current_assignments)
    return enrolments


def trainer_caseload(*, trainer) -> list[dict]:
    """The trainer's current trainees grouped by cohort, with the roles they hold."""
    assignments = (
        TrainerAssignment.objects.current()
        .for_trainer(trainer)
        .exclude(trainee=trainer)
        .select_related("cohort__program", "trainee")
        .order_by("cohort__starts_on", "cohort__name", "trainee__email", "role")
    )
    enrolments = {
        (e.trainee_id, e.cohort_id): e
        for e in Enrolment.objects.for_trainer(trainer).only(
            "id", "trainee_id", "cohort_id", "status", "license_expires_on",
            "license_verified_at",
        )
    }
    groups: dict[int, dict] = {}
    for assignment in assignments:
        enrolment = enrolments.get((assignment.trainee_id, assignment.cohort_id))
        if enrolment is None:
            continue
        group = groups.setdefault(
            assignment.cohort_id, {"cohort": assignment.cohort, "rows": {}}
        )
        row = group["rows"].setdefault(
            enrolment.pk, {"enrolment": enrolment, "trainee": assignment.trainee, "roles": []}
        )
        row["roles"].append(assignment.get_role_display())
    return [{"cohort": g["cohort"], "rows": list(g["rows"].values())} for g in groups.values()]


def cohort_overview() -> list[Cohort]:
    """Every cohort with its enrolment counts by status and its number of trainers."""
    return list(
        Cohort.objects.select_related("program")
        .annotate(
            active_count=Count("enrolments", filter=Q(enrolments__status="active"), distinct=True),
            paused_count=Count("enrolments", filter=Q(enrolments__status="paused"), distinct=True),
            withdrawn_count=Count(
                "enrolments", filter=Q(enrolments__status="withdrawn"), distinct=True
            ),
            completed_count=Count(
                "enrolments", filter=Q(enrolments__status="completed"), distinct=True
            ),
            unverified_count=Count(
                "enrolments",
                filter=Q(enrolments__license_verified_at__isnull=True)
                & Q(enrolments__status="active"),
                distinct=True,
            ),
            trainer_count=Count(
                "assignments__trainer", filter=Q(assignments__ends_on__isnull=True), distinct=True
            ),
        )
        .order_by("-starts_on", "name")
    )


def enrolment_detail(*, enrolment: Enrolment) -> Enrolment:
    enrolment.current_assignments = list(
        TrainerAssignment.objects.current()
        .filter(trainee_id=enrolment.trainee_id, cohort_id=enrolment.cohort_id)
        .select_related("trainer")
        .order_by("role")
    )
    return enrolment



