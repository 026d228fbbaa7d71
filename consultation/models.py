"""Consultation sessions with program trainers, which meet the Experience outcomes.

An entry is pending until its trainer confirms or disputes it. A confirmed entry is
never changed: a correction is a new entry, and confirming it adds a reversing entry
(negative minutes) for the original, so the history shows all three and the totals
count only what stands.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q, Sum

from .crypto import EncryptedTextField


class ConsultationSessionQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(status=ConsultationSession.Status.CONFIRMED)

    def pending(self):
        return self.filter(status=ConsultationSession.Status.PENDING)

    def minutes_by_category(self) -> dict[str, int]:
        rows = self.order_by().values("category").annotate(total=Sum("minutes"))
        return {row["category"]: row["total"] or 0 for row in rows}

    def visible_columns(self):
        """Everything but the notes, for lists, totals and exports."""
        return self.defer("notes")

    def same_session(self, *, trainer, date, start_time, category):
        """Entries that already stand for this session: same trainer, date, start and
        category, not withdrawn, and neither a reversal nor replaced by a confirmed
        correction (a correction of a replaced entry may keep its date and time)."""
        return self.filter(
            trainer=trainer, date=date, start_time=start_time, category=category,
            reverses__isnull=True, reversal__isnull=True,
        ).exclude(status=ConsultationSession.Status.WITHDRAWN)


class ConsultationKind(models.TextChoices):
    """What a consultation is about. An experience outcome of a framework version names
    its kind; the kind decides whose notes a trainer reads (and, later, what booking and
    the case log ask for)."""

    CASES = "cases", "About cases the trainee conducted"
    OWN_EXPERIENCE = "own_experience", "About the trainee's own experience"


class ConsultationSession(models.Model):
    class Format(models.TextChoices):
        INDIVIDUAL = "individual", "Individual"
        GROUP = "group", "Group"

    class Modality(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        VIDEO = "video", "Video"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        CONFIRMED = "confirmed", "Confirmed"
        DISPUTED = "disputed", "Disputed"
        WITHDRAWN = "withdrawn", "Withdrawn"

    enrolment = models.ForeignKey(
        "courses.Enrolment", on_delete=models.PROTECT, related_name="consultation_sessions"
    )
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consultations_given"
    )
    date = models.DateField()
    start_time = models.TimeField(null=True, blank=True)
    minutes = models.SmallIntegerField(help_text="Negative only on a reversing entry.")
    category = models.CharField(
        max_length=16,
        help_text="The code of the experience outcome of the enrolment's framework version "
                  "these minutes count towards, e.g. E1.",
    )
    kind = models.CharField(
        max_length=16, choices=ConsultationKind.choices,
        help_text="The outcome's kind when the session was logged (published versions do not change).",
    )
    format = models.CharField(max_length=12, choices=Format.choices, default=Format.INDIVIDUAL)
    modality = models.CharField(max_length=12, choices=Modality.choices, default=Modality.VIDEO)
    case_reference = models.CharField(
        max_length=120, blank=True,
        help_text="A non-identifying reference, e.g. 'Client B, session 3'. Never a name.",
    )
    notes = EncryptedTextField(blank=True)
    share_notes_with_trainer = models.BooleanField(
        default=False, help_text="Notes on own-experience consultation are private unless you share them "
                                "with the trainer."
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    trainer_comment = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    revision = models.PositiveIntegerField(default=1)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    group = models.UUIDField(null=True, blank=True, default=None, db_index=True)
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversal"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ConsultationSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-start_time", "-id"]
        indexes = [
            models.Index(fields=["enrolment", "status", "category"]),
            models.Index(fields=["trainer", "status"]),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(minutes=0), name="session_minutes_not_zero"),
            models.CheckConstraint(
                condition=Q(minutes__gt=0) | Q(reverses__isnull=False),
                name="only_reversals_are_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} {self.date} {self.minutes} min ({self.get_status_display()})"

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None

    @property
    def hours(self) -> float:
        return self.minutes / 60

    def notes_readable_by(self, user) -> bool:
        """The trainee always; the trainer for consultation about cases the trainee
        conducted, and for consultation about their own experience only when shared."""
        if user.pk == self.enrolment.trainee_id:
            return True
        if user.pk == self.trainer_id:
            return self.kind == ConsultationKind.CASES or self.share_notes_with_trainer
        return False


def new_group_id() -> uuid.UUID:
    return uuid.uuid4()


def export_upload_to(instance, filename: str) -> str:
    return f"exports/hours/{instance.enrolment_id}/{uuid.uuid4().hex}.pdf"


class HoursExport(models.Model):
    """A printable PDF of a trainee's hours log, rendered by a worker."""

    enrolment = models.ForeignKey(
        "courses.Enrolment", on_delete=models.PROTECT, related_name="hours_exports"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(upload_to=export_upload_to, blank=True, max_length=200)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"Hours export {self.pk} for enrolment {self.enrolment_id}"
