import uuid

from django.db import models
from django.db.models import Q

from consultation.models import ConsultationKind


class PublishedVersionError(Exception):
    """Raised on any attempt to change the outcomes of a published version."""


class Framework(models.Model):
    """An outcome framework (e.g. the KAP certificate's graduate expectations)."""

    identifier = models.UUIDField(
        default=uuid.uuid4, unique=True, help_text="The CASE CFDocument identifier."
    )
    title = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    uri = models.URLField(
        max_length=300, unique=True, help_text="Stable identifier used in CASE exports."
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class FrameworkVersionQuerySet(models.QuerySet):
    def published(self) -> "FrameworkVersionQuerySet":
        return self.filter(published_at__isnull=False)


class FrameworkVersion(models.Model):
    """A numbered edition of a framework. Enrolments are pinned to one version."""

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField()
    published_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)

    objects = FrameworkVersionQuerySet.as_manager()

    class Meta:
        ordering = ["framework", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "number"], name="version_number_unique"),
        ]

    def __str__(self) -> str:
        state = "" if self.published_at else " (draft)"
        return f"{self.framework.title} v{self.number}{state}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class Outcome(models.Model):
    """One graduate outcome, e.g. K3, with the rule that decides when it is met."""

    class Category(models.TextChoices):
        KNOWLEDGE = "knowledge", "Knowledge"
        COMPETENCY = "competency", "Competency"
        EXPERIENCE = "experience", "Experience"

    class EvidenceRule(models.TextChoices):
        COURSEWORK = "coursework", "Coursework and trainer sign-off"
        SIGNOFF = "signoff", "Trainer sign-off with evidence"
        HOURS = "hours", "Confirmed consultation hours"

    version = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="outcomes")
    identifier = models.UUIDField(
        default=uuid.uuid4,
        help_text="The CASE CFItem identifier; kept from version to version for the same outcome.",
    )
    code = models.CharField(max_length=16, help_text="Stable short code, e.g. K3.")
    uri = models.URLField(max_length=300)
    category = models.CharField(max_length=16, choices=Category.choices)
    statement = models.TextField()
    evidence_rule = models.CharField(max_length=16, choices=EvidenceRule.choices)
    position = models.PositiveSmallIntegerField(default=0)
    # Experience outcomes only: met by this many confirmed hours of this kind of consultation.
    hours_required = models.DecimalField(
        "consultation hours required", max_digits=5, decimal_places=1, null=True, blank=True,
        help_text="Experience outcomes: confirmed consultation hours that meet the outcome.",
    )
    consultation_kind = models.CharField(
        max_length=16, choices=ConsultationKind.choices, blank=True,
        help_text="Experience outcomes: what the consultation is about.",
    )

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="outcome_code_unique"),
            models.UniqueConstraint(
                fields=["version", "identifier"], name="outcome_identifier_unique"
            ),
            models.CheckConstraint(
                condition=Q(category="experience", evidence_rule="hours")
                | ~Q(category="experience"),
                name="experience_outcomes_use_hours",
            ),
            models.CheckConstraint(
                condition=(Q(category="experience", hours_required__gt=0)
                           & ~Q(consultation_kind=""))
                | (~Q(category="experience") & Q(hours_required__isnull=True)
                   & Q(consultation_kind="")),
                name="experience_outcomes_say_hours_and_kind",
                violation_error_message="An Experience outcome needs the hours required (more than "
                                        "0) and the kind of consultation; other outcomes have neither.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.statement[:60]}"

    def save(self, *args, **kwargs):
        self._refuse_if_published()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._refuse_if_published()
        return super().delete(*args, **kwargs)

    def _refuse_if_published(self):
        version = FrameworkVersion.objects.filter(pk=self.version_id).values("published_at").first()
        if version and version["published_at"] is not None:
            raise PublishedVersionError(
                "A published framework version is immutable; create a new draft version instead."
            )

    @property
    def minutes_required(self) -> int:
        """Confirmed consultation minutes that meet an Experience outcome (0 for others)."""
        return int((self.hours_required or 0) * 60)
