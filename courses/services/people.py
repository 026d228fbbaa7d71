"""Writes for programs, cohorts, enrolments and trainer assignments.

Every change goes through here so that it is validated the same way from any screen
and lands in the audit trail exactly once.
"""

import datetime
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import audit_record
from core.roles import Role, roles_of

from ..models import Cohort, Enrolment, Program, TrainerAssignment, TrainerAssignmentRecord

_ENROLMENT_FIELDS = (
    "status", "profession", "license_type", "license_number",
    "license_jurisdiction", "license_expires_on",
)


def _changes(obj, values: dict[str, Any]) -> dict[str, list[str]]:
    changed = {}
    for field, new in values.items():
        old = getattr(obj, field)
        if old != new:
            changed[field] = [str(old), str(new)]
    return changed


@transaction.atomic
def program_save(*, program: Program, actor) -> Program:
    """Create or update a program (from an already validated form instance)."""
    created = program._state.adding
    program.full_clean()
    program.save()
    audit_record(verb="program.created" if created else "program.changed", target=program, actor=actor)
    return program


@transaction.atomic
def cohort_save(*, cohort: Cohort, actor) -> Cohort:
    created = cohort._state.adding
    cohort.full_clean()
    cohort.save()
    audit_record(verb="cohort.created" if created else "cohort.changed", target=cohort, actor=actor)
    return cohort


def _ensure_role(user, role: Role) -> None:
    if role not in roles_of(user):
        # Goes through the groups relation, so the grant is audited by the m2m signal.
        user.groups.add(Group.objects.get(name=role.value))


@transaction.atomic
def enrolment_create(
    *,
    actor,
    trainee,
    cohort: Cohort,
    profession: str,
    license_type: str,
    license_number: str,
    license_jurisdiction: str,
    license_expires_on: datetime.date,
    license_verified: bool = False,
    enrolled_on: datetime.date | None = None,
) -> Enrolment:
    """Enrol a trainee in a cohort, pinned to the program's current framework version,
    and give them the Trainee role."""
    if Enrolment.objects.filter(trainee=trainee, cohort=cohort).exists():
        raise ValidationError({"trainee": f"{trainee} is already enrolled in {cohort}."})
    if actor is not None and actor.pk == trainee.pk:
        # An admin who trains too applies like anyone else; enrolling oneself would skip
        # the admission decision and the license check another admin makes.
        raise ValidationError({"trainee": "Nobody enrols themselves; another program admin must."})
    version = None
    framework = cohort.program.framework
    if framework is not None:
        version = framework.versions.published().order_by("-number").first()
    enrolment = Enrolment(
        trainee=trainee,
        cohort=cohort,
        profession=profession,
        license_type=license_type,
        license_number=license_number,
        license_jurisdiction=license_jurisdiction,
        license_expires_on=license_expires_on,
        framework_version=version,
        enrolled_on=enrolled_on or timezone.localdate(),
    )
    if license_verified:
        enrolment.license_verified_by = actor
        enrolment.license_verified_at = timezone.now()
    enrolment.full_clean()
    enrolment.save()
    _ensure_role(trainee, Role.TRAINEE)
    audit_record(
        verb="enrolment.created",
        target=enrolment,
        actor=actor,
        details={"cohort": cohort.pk, "license_verified": license_verified},
    )
    return enrolment


@transaction.atomic
def enrolment_update(*, actor, enrolment: Enrolment, **values) -> Enrolment:
    """Change status or license details. Changing the license number, jurisdiction or
    expiry clears the verification: the new details have not been checked."""
    unknown = set(values) - set(_ENROLMENT_FIELDS)
    if unknown:
        raise ValueError(f"Not editable here: {', '.join(sorted(unknown))}")
    if actor is not None and actor.pk == enrolment.trainee_id:
        raise ValidationError("Nobody changes their own enrolment; another program admin must.")
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    changed = _changes(enrolment, values)
    if not changed:
        return enrolment
    for field, value in values.items():
        setattr(enrolment, field, value)
    if {"license_number", "license_jurisdiction", "license_expires_on", "license_type"} & set(changed):
        enrolment.license_verified_by = None
        enrolment.license_verified_at = None
    enrolment.full_clean()
    enrolment.save()
    audit_record(verb="enrolment.changed", target=enrolment, actor=actor, details={"changed": changed})
    return enrolment


@transaction.atomic
def enrolment_verify_license(*, actor, enrolment: Enrolment) -> Enrolment:
    """Record that a program admin checked the license with the issuing board."""
    if actor.pk == enrolment.trainee_id:
        raise ValidationError("Nobody verifies their own license.")
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    enrolment.license_verified_by = actor
    enrolment.license_verified_at = timezone.now()
    enrolment.save(update_fields=["license_verified_by", "license_verified_at", "updated_at"])
    audit_record(verb="enrolment.license_verified", target=enrolment, actor=actor)
    return enrolment


@transaction.atomic
def assignment_create(
    *,
    actor,
    trainer,
    trainee,
    cohort: Cohort,
    role: str,
    starts_on: datetime.date | None = None,
) -> TrainerAssignment:
    """Assign a trainer to a trainee in a cohort.

    Four eyes: nobody assigns themselves, and the assignment grants no role — the
    trainer must already hold the Trainer role, given to them separately. The history
    row written here outlives the assignment (see TrainerAssignmentRecord).
    """
    if trainer.pk == trainee.pk:
        raise ValidationError({"trainer": "A trainer cannot be assigned to themselves."})
    if actor is not None and actor.pk == trainee.pk:
        raise ValidationError({"trainee": "Nobody chooses their own trainer; another program admin must."})
    if actor is not None and actor.pk == trainer.pk:
        raise ValidationError(
            {"trainer": "Nobody assigns themselves as a trainer; another program admin must."}
        )
    if Role.TRAINER not in roles_of(trainer):
        raise ValidationError({"trainer": (
            f"{trainer} does not hold the Trainer role. Roles are given on their own, "
            "not by an assignment: have the role given first."
        )})
    if not Enrolment.objects.filter(trainee=trainee, cohort=cohort).exists():
        raise ValidationError({"trainee": f"{trainee} is not enrolled in {cohort}."})
    if TrainerAssignment.objects.filter(
        trainer=trainer, trainee=trainee, cohort=cohort, role=role, ends_on__isnull=True
    ).exists():
        raise ValidationError({"trainer": f"{trainer} is already assigned to {trainee} as {role}."})
    assignment = TrainerAssignment(
        trainer=trainer, trainee=trainee, cohort=cohort, role=role,
        starts_on=starts_on or timezone.localdate(),
    )
    assignment.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            assignment.save()
    except IntegrityError as err:
        # Two admins assigning at once: the database's partial unique index decides.
        raise ValidationError(
            {"trainer": f"{trainer} is already assigned to {trainee} as {role}."}
        ) from err
    TrainerAssignmentRecord.write(assignment, TrainerAssignmentRecord.Event.CREATED, actor)
    audit_record(
        verb="assignment.created",
        target=assignment,
        actor=actor,
        details={"trainer": trainer.pk, "trainee": trainee.pk, "cohort": cohort.pk, "role": role},
    )
    return assignment


@transaction.atomic
def assignment_end(*, actor, assignment: TrainerAssignment, on: datetime.date | None = None) -> TrainerAssignment:
    """End an assignment. From ``on`` (today by default) the trainer has no access."""
    assignment = TrainerAssignment.objects.select_for_update().get(pk=assignment.pk)
    on = on or timezone.localdate()
    if assignment.ends_on is not None and assignment.ends_on <= on:
        return assignment
    assignment.ends_on = max(on, assignment.starts_on)
    assignment.full_clean()
    assignment.save(update_fields=["ends_on"])
    TrainerAssignmentRecord.write(assignment, TrainerAssignmentRecord.Event.ENDED, actor)
    audit_record(
        verb="assignment.ended", target=assignment, actor=actor,
        details={"ends_on": assignment.ends_on.isoformat()},
    )
    return assignment
