"""A trainee's record against the outcomes: evidence, requests for review, decisions.

Records name outcomes by their stable code within the enrolment's pinned framework
version. Decisions are append-only: a later decision by a trainer supersedes their
earlier one, and the history is never rewritten.
"""

import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models import Q

from audit.appendonly import AppendOnlyModel, AppendOnlyQuerySet


def evidence_upload_to(instance, filename: str) -> str:
    # The server chooses the stored name; the trainee's file name is kept only as a label.
    suffix = Path(filename).suffix.lower()[:10]
    return f"evidence/{instance.enrolment_id}/{uuid.uuid4().hex}{suffix}"


class EvidenceItem(models.Model):
    class Kind(models.TextChoices):
        WRITTEN = "written", "Written reflection"
        FILE = "file", "File"
        LESSON = "lesson", "Completed lesson"
        REFLECTION = "reflection", "Lesson reflection"

    enrolment = models.ForeignKey(
        "courses.Enrolment", on_delete=models.PROTECT, related_name="evidence"
    )
    outcome_code = models.CharField(max_length=16)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    title = models.CharField(max_length=200)
    text = models.TextField(blank=True)
    file = models.FileField(upload_to=evidence_upload_to, blank=True, max_length=200)
    original_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    lesson = models.ForeignKey(
        "cms.LessonPage", null=True, blank=True, on_delete=models.DO_NOTHING,
        db_constraint=False, related_name="+",
    )
    reflection = models.ForeignKey(
        "courses.Reflection", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        indexes = [models.Index(fields=["enrolment", "outcome_code"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"


class SignOffRequestQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(closed_at__isnull=True)


class SignOffRequest(models.Model):
    """A trainee asking their trainers to review an outcome."""

    enrolment = models.ForeignKey(
        "courses.Enrolment", on_delete=models.PROTECT, related_name="signoff_requests"
    )
    outcome_code = models.CharField(max_length=16)
    message = models.TextField(blank=True)
    evidence = models.ManyToManyField(EvidenceItem, blank=True, related_name="requests")
    requested_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = SignOffRequestQuerySet.as_manager()

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "outcome_code"],
                condition=Q(closed_at__isnull=True),
                name="one_open_request_per_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"Review of {self.outcome_code} for {self.enrolment_id}"


class SignOff(AppendOnlyModel):
    """A trainer's decision on one outcome of one trainee. Never edited or deleted."""

    class Decision(models.TextChoices):
        MET = "met", "Met"
        NOT_YET = "not_yet", "Not yet"

    enrolment = models.ForeignKey(
        "courses.Enrolment", on_delete=models.PROTECT, related_name="signoffs"
    )
    outcome_code = models.CharField(max_length=16)
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signoffs_given"
    )
    decision = models.CharField(max_length=8, choices=Decision.choices)
    comment = models.TextField(blank=True)
    request = models.ForeignKey(
        SignOffRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["decided_at", "id"]
        indexes = [models.Index(fields=["enrolment", "outcome_code", "trainer"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision="met") | ~Q(comment=""), name="not_yet_needs_a_comment"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.outcome_code}: {self.get_decision_display()} by {self.trainer}"
