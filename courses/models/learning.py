"""What trainees do in the curriculum: progress, check attempts, reflections, and
applications to join a program.

Lessons are referenced without a database constraint: unpublishing, moving or even
deleting a lesson page never deletes a trainee's progress or attempts.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from .people import Cohort, Enrolment, Program


def _lesson_fk(**kwargs):
    return models.ForeignKey(
        "cms.LessonPage", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+",
        **kwargs,
    )


class LessonProgressQuerySet(models.QuerySet):
    def completed(self):
        return self.filter(completed_at__isnull=False)


class LessonProgress(models.Model):
    """One trainee's progress through one lesson."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="lesson_progress")
    lesson = _lesson_fk()
    first_opened_at = models.DateTimeField(auto_now_add=True)
    last_opened_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = LessonProgressQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "lesson"], name="progress_once_per_lesson"),
        ]
        indexes = [models.Index(fields=["enrolment", "-last_opened_at"])]

    def __str__(self) -> str:
        return f"{self.enrolment} · lesson {self.lesson_id}"


class KnowledgeCheckAttemptQuerySet(models.QuerySet):
    def passed(self):
        return self.filter(passed=True)


class KnowledgeCheckAttempt(models.Model):
    """One submitted answer sheet. Every attempt is kept, pass or fail."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="check_attempts")
    lesson = _lesson_fk()
    check_id = models.CharField(max_length=64, help_text="The knowledge-check block's id.")
    answers = models.JSONField(help_text="Question id → list of chosen choice ids.")
    score = models.PositiveSmallIntegerField(help_text="Percentage of questions answered right.")
    passed = models.BooleanField()
    submitted_at = models.DateTimeField(auto_now_add=True)
    # The answer sheet's one-time token: a replayed form cannot record a second attempt.
    nonce = models.CharField(max_length=64, unique=True)

    objects = KnowledgeCheckAttemptQuerySet.as_manager()

    class Meta:
        ordering = ["submitted_at", "id"]
        indexes = [models.Index(fields=["enrolment", "lesson", "check_id"])]

    def __str__(self) -> str:
        return f"{self.enrolment} · check {self.check_id[:8]} · {self.score}%"


class KnowledgeCheckGrant(models.Model):
    """More attempts at a knowledge check, given to one trainee by their trainer or a
    program admin once the check's own attempts are used up. Kept, like attempts."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="check_grants")
    lesson = _lesson_fk()
    check_id = models.CharField(max_length=64)
    attempts = models.PositiveSmallIntegerField(default=1)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["granted_at", "id"]
        indexes = [models.Index(fields=["enrolment", "lesson", "check_id"])]

    def __str__(self) -> str:
        return f"{self.enrolment} · check {self.check_id[:8]} · +{self.attempts}"


class Reflection(models.Model):
    """A trainee's private written reflection on a lesson's prompt."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="reflections")
    lesson = _lesson_fk()
    prompt_id = models.CharField(max_length=64)
    prompt = models.TextField(help_text="The prompt as it read when the trainee answered.")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "lesson", "prompt_id"], name="reflection_once_per_prompt"
            ),
        ]

    def __str__(self) -> str:
        return f"Reflection by {self.enrolment.trainee} on lesson {self.lesson_id}"


class Application(models.Model):
    """A request to join a cohort, decided by a program admin."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"

    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications"
    )
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="applications")
    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="applications")
    profession = models.CharField(max_length=16, choices=Enrolment.Profession.choices)
    license_type = models.CharField(max_length=80)
    license_number = models.CharField(max_length=64)
    license_jurisdiction = models.CharField(max_length=80)
    license_expires_on = models.DateField()
    attested_scope_at = models.DateTimeField(
        help_text="When the applicant attested they will practise within their license's scope."
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    submitted_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(blank=True)
    enrolment = models.OneToOneField(
        Enrolment, null=True, blank=True, on_delete=models.PROTECT, related_name="application"
    )

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["applicant", "program"],
                condition=Q(status="pending"),
                name="one_pending_application_per_program",
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""),
                name="declined_application_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.applicant} → {self.cohort} ({self.get_status_display()})"
