import calendar
import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from audit.appendonly import AppendOnlyModel, AppendOnlyQuerySet

from ..images import certificate_image_upload_to, validate_certificate_image


class Program(models.Model):
    """A certificate program, e.g. the postgraduate certificate in KAP."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    summary = models.TextField(blank=True)
    ce_hours = models.DecimalField(
        "CE / contact hours", max_digits=6, decimal_places=1, default=0,
        help_text="Continuing-education or contact hours the certificate represents.",
    )
    framework = models.ForeignKey(
        "competencies.Framework", null=True, blank=True, on_delete=models.PROTECT,
        related_name="programs",
        help_text="The outcome framework trainees of this program are assessed against.",
    )
    knowledge_signoffs = models.PositiveSmallIntegerField(
        "trainer sign-offs per Knowledge outcome", choices=[(1, "1"), (2, "2 (distinct trainers)")],
        default=1,
    )
    competency_signoffs = models.PositiveSmallIntegerField(
        "trainer sign-offs per Competency outcome", choices=[(1, "1"), (2, "2 (distinct trainers)")],
        default=1,
    )
    session_min_minutes = models.PositiveSmallIntegerField(
        "shortest consultation session (minutes)", default=15
    )
    session_max_minutes = models.PositiveSmallIntegerField(
        "longest consultation session (minutes)", default=480
    )
    pending_reminder_days = models.PositiveSmallIntegerField(
        "remind trainers of entries pending longer than (days)", default=7
    )
    credential_valid_months = models.PositiveSmallIntegerField(
        "certificates valid for (months)", null=True, blank=True,
        help_text="Certificates issued from now on expire this many months after issue "
                  "(their credential's validUntil); renewal is a re-issue. Empty: they do not expire.",
    )
    signature_image = models.FileField(
        "signature on certificates", upload_to=certificate_image_upload_to, blank=True, max_length=200,
        validators=[validate_certificate_image],
        help_text="A PNG or JPEG of up to 1 MB, ideally on a transparent or white background. "
                  "It is printed on this program's certificate PDFs and never served on its own.",
    )
    signatory = models.CharField(
        "name under the signature", max_length=200, blank=True,
        help_text="Who signs, with their title, e.g. \u201cDr. Ada Lane, Program director\u201d.",
    )
    seal_image = models.FileField(
        "seal on certificates", upload_to=certificate_image_upload_to, blank=True, max_length=200,
        validators=[validate_certificate_image],
        help_text="The program's seal or logo: a PNG or JPEG of up to 1 MB, printed on its certificate "
                  "PDFs and never served on its own.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(credential_valid_months__isnull=True) | Q(credential_valid_months__gte=1),
                name="program_credential_valid_months_positive",
                violation_error_message="A certificate is valid for at least one month, or leave it empty.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def credential_valid_until(self, issued_at: datetime.datetime) -> datetime.datetime | None:
        """When a certificate issued at ``issued_at`` expires: the same day and time
        ``credential_valid_months`` later (the month's last day if it is shorter)."""
        if not self.credential_valid_months:
            return None
        months = issued_at.month - 1 + self.credential_valid_months
        year, month = issued_at.year + months // 12, months % 12 + 1
        return issued_at.replace(year=year, month=month,
                                 day=min(issued_at.day, calendar.monthrange(year, month)[1]))


class CohortQuerySet(models.QuerySet):
    def current(self, on: datetime.date | None = None) -> "CohortQuerySet":
        """Cohorts running on a date (today by default)."""
        on = on or timezone.localdate()
        return self.filter(starts_on__lte=on).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))


class Cohort(models.Model):
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="cohorts")
    name = models.CharField(max_length=120)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    capacity = models.PositiveSmallIntegerField(null=True, blank=True)
    open_for_applications = models.BooleanField(default=False)

    objects = CohortQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "name"]
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="cohort_unique_name_per_program"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="cohort_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program.name} — {self.name}"


class EnrolmentQuerySet(models.QuerySet):
    def active(self) -> "EnrolmentQuerySet":
        return self.filter(status=Enrolment.Status.ACTIVE)

    def for_trainee(self, user) -> "EnrolmentQuerySet":
        return self.filter(trainee=user)

    def for_trainer(self, user, on: datetime.date | None = None) -> "EnrolmentQuerySet":
        """Enrolments whose trainee the user is currently assigned to, in that cohort."""
        assigned = TrainerAssignment.objects.current(on).filter(
            trainer=user, trainee=models.OuterRef("trainee"), cohort=models.OuterRef("cohort")
        )
        return self.filter(models.Exists(assigned)).exclude(trainee=user)

    def with_people(self) -> "EnrolmentQuerySet":
        return self.select_related("trainee", "cohort__program")


class Enrolment(models.Model):
    """A trainee in a cohort, with the license that admits them to the program."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAUSED = "paused", "On leave"
        WITHDRAWN = "withdrawn", "Withdrawn"
        COMPLETED = "completed", "Completed"

    class Profession(models.TextChoices):
        PRESCRIBER = "prescriber", "Prescriber"
        THERAPIST = "therapist", "Therapist"

    trainee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enrolments"
    )
    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="enrolments")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    profession = models.CharField(max_length=16, choices=Profession.choices)
    license_type = models.CharField(
        max_length=80, help_text="e.g. LMFT, LCSW, PsyD, MD, NP, PA."
    )
    license_number = models.CharField(max_length=64)
    license_jurisdiction = models.CharField(
        max_length=80, help_text="The state or country that issued the license."
    )
    license_expires_on = models.DateField()
    license_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    license_verified_at = models.DateTimeField(null=True, blank=True)
    framework_version = models.ForeignKey(
        "competencies.FrameworkVersion", null=True, blank=True, on_delete=models.PROTECT,
        related_name="enrolments",
        help_text="The framework version this trainee is assessed against, fixed at enrolment.",
    )
    enrolled_on = models.DateField(default=timezone.localdate)
    # Goes up in the same transaction as every change to this enrolment's records
    # (coursework, evidence, requests, decisions, hours): cached standing is keyed by it,
    # so a change makes the old entry unreachable as it commits (competencies/standing.py).
    records_version = models.PositiveBigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        ordering = ["cohort", "trainee__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["trainee", "cohort"], name="enrolment_once_per_cohort",
                violation_error_message="This trainee is already enrolled in this cohort.",
            ),
        ]
        indexes = [models.Index(fields=["cohort", "status"])]

    def __str__(self) -> str:
        return f"{self.trainee} in {self.cohort}"

    @property
    def license_verified(self) -> bool:
        return self.license_verified_at is not None

    @property
    def license_expired(self) -> bool:
        return self.license_expires_on < timezone.localdate()


class TrainerAssignmentQuerySet(models.QuerySet):
    def current(self, on: datetime.date | None = None) -> "TrainerAssignmentQuerySet":
        """Assignments in force on a date. ``ends_on`` is exclusive, so ending an
        assignment today removes the trainer's access at once."""
        on = on or timezone.localdate()
        return self.filter(starts_on__lte=on).filter(Q(ends_on__isnull=True) | Q(ends_on__gt=on))

    def for_trainer(self, user) -> "TrainerAssignmentQuerySet":
        return self.filter(trainer=user)


class TrainerAssignment(models.Model):
    """A trainer responsible for a trainee in a cohort, as consultant or assessor."""

    class Role(models.TextChoices):
        CONSULTANT = "consultant", "Consultant"
        ASSESSOR = "assessor", "Assessor"

    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="trainee_assignments"
    )
    trainee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="trainer_assignments"
    )
    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="assignments")
    role = models.CharField(max_length=16, choices=Role.choices)
    starts_on = models.DateField(default=timezone.localdate)
    ends_on = models.DateField(
        null=True, blank=True, help_text="First day the trainer is no longer assigned."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TrainerAssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["cohort", "trainee__email", "role"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(trainer=models.F("trainee")), name="assignment_not_self",
                violation_error_message="A trainer cannot be assigned to themselves.",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="assignment_ends_after_start",
                violation_error_message="An assignment cannot end before it starts.",
            ),
            models.UniqueConstraint(
                fields=["trainer", "trainee", "cohort", "role"],
                condition=Q(ends_on__isnull=True),
                name="assignment_one_open_per_role",
                violation_error_message="This trainer already has this role for this trainee.",
            ),
        ]
        indexes = [models.Index(fields=["trainer", "trainee", "cohort"])]

    def __str__(self) -> str:
        return f"{self.trainer} → {self.trainee} ({self.get_role_display()}, {self.cohort.name})"


class TrainerAssignmentRecord(AppendOnlyModel):
    """The history of trainer assignments, written with each change and never altered.

    An assignment row is ended rather than deleted, but the rule that nobody issues a
    certificate to a trainee they were assigned to must not hang on that: the history
    keeps who was assigned to whom, in which cohort, after the assignment itself has
    gone.
    """

    class Event(models.TextChoices):
        CREATED = "created", "Assigned"
        ENDED = "ended", "Ended"

    # Not a foreign key: the record outlives the assignment.
    assignment_id = models.BigIntegerField()
    event = models.CharField(max_length=8, choices=Event.choices)
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    trainee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=16, choices=TrainerAssignment.Role.choices)
    on = models.DateField(help_text="The first day of the assignment, or the first day without it.")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["recorded_at", "id"]
        indexes = [models.Index(fields=["trainer", "trainee", "cohort"])]

    def __str__(self) -> str:
        return (f"{self.get_event_display()}: {self.trainer_id} → {self.trainee_id} "
                f"({self.role}, {self.on})")

    @classmethod
    def write(cls, assignment: TrainerAssignment, event: str, actor) -> "TrainerAssignmentRecord":
        on = assignment.starts_on if event == cls.Event.CREATED else assignment.ends_on
        return cls.objects.create(
            assignment_id=assignment.pk, event=event, trainer_id=assignment.trainer_id,
            trainee_id=assignment.trainee_id, cohort_id=assignment.cohort_id, role=assignment.role,
            on=on, actor=actor if getattr(actor, "pk", None) else None,
        )
