"""Certificates, the counter behind their serial numbers, and revocation status lists.

A certificate is never edited after issue except to revoke it; reissuing makes a new
one. The database guarantees at most one live (issued, not revoked) certificate per
enrolment, and that a status-list index is used once, ever.
"""

import datetime
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

# 20 random bytes in Crockford-style base32: 32 characters, 160 bits, no look-alikes.
_CODE_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


def new_verification_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(32))


def pdf_upload_to(certificate: "Certificate", filename: str) -> str:
    # The name is chosen here, never by a user; the code keeps it unguessable on disk too.
    return f"certificates/{certificate.issued_at:%Y}/{certificate.verification_code}.pdf"


class SerialCounter(models.Model):
    """The last serial number taken in a year (row-locked only for the moment it takes
    one: see ``LostSerial``)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class LostSerial(models.Model):
    """A serial number taken for an issue that did not complete (the credential failed a
    check, signing raised, or another issue of the same enrolment won the race).

    Serials are taken in their own short transaction, before the slow signing, so the
    counter's lock is never held through it; a serial so taken is never handed out
    again. Every number up to a year's ``SerialCounter.last`` is therefore either on a
    certificate or here, with the reason.
    """

    serial = models.CharField(max_length=32, unique=True)
    enrolment = models.ForeignKey(
        "courses.Enrolment", on_delete=models.PROTECT, related_name="+"
    )
    lost_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField()

    class Meta:
        ordering = ["serial"]

    def __str__(self) -> str:
        return f"Lost serial {self.serial}"


class StatusList(models.Model):
    """One W3C Bitstring Status List of revocations, served at a stable URL.

    ``signed`` holds the last signed list credential; it is re-signed whenever a
    certificate on the list is revoked.
    """

    purpose = models.CharField(max_length=16, default="revocation")
    length = models.PositiveIntegerField(default=131_072)
    signed = models.JSONField(null=True, blank=True, editable=False)
    signed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(length__gte=131_072), name="status_list_min_length"),
        ]

    def __str__(self) -> str:
        return f"Status list {self.pk} ({self.purpose})"


class CertificateQuerySet(models.QuerySet):
    def live(self) -> "CertificateQuerySet":
        return self.filter(status=Certificate.Status.ISSUED)

    def held_by(self, user) -> "CertificateQuerySet":
        """The certificates issued to ``user`` (in any of their enrolments)."""
        return self.filter(enrolment__trainee=user)

    def with_people(self) -> "CertificateQuerySet":
        return self.select_related(
            "enrolment__trainee", "enrolment__cohort__program", "framework_version__framework",
            "issued_by", "revoked_by",
        )


class Certificate(models.Model):
    """A certificate issued to one enrolment, with the evidence that justified it."""

    class Status(models.TextChoices):
        ISSUED = "issued", "Issued"
        REVOKED = "revoked", "Revoked"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    enrolment = models.ForeignKey(
        "courses.Enrolment", on_delete=models.PROTECT, related_name="certificates"
    )
    serial = models.CharField(max_length=32, unique=True)
    verification_code = models.CharField(
        max_length=32, unique=True, default=new_verification_code, editable=False
    )
    framework_version = models.ForeignKey(
        "competencies.FrameworkVersion", on_delete=models.PROTECT, related_name="+"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField()
    valid_until = models.DateTimeField(
        null=True, blank=True, help_text="When it expires (the credential's validUntil); empty: never.",
    )
    snapshot = models.JSONField(help_text="The eligibility report, with its evidence, at issue.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ISSUED)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revocation_reason = models.TextField(blank=True)
    status_list = models.ForeignKey(StatusList, on_delete=models.PROTECT, related_name="entries")
    status_index = models.PositiveIntegerField()
    credential = models.JSONField(help_text="The signed Open Badges 3.0 credential.")
    pdf = models.FileField(upload_to=pdf_upload_to, blank=True, max_length=200)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment"], condition=Q(status="issued"),
                name="one_live_certificate_per_enrolment",
                violation_error_message="This enrolment already has a live certificate.",
            ),
            models.UniqueConstraint(
                fields=["status_list", "status_index"], name="status_index_used_once",
            ),
            models.CheckConstraint(
                condition=Q(status="issued", revoked_at__isnull=True)
                | Q(status="revoked", revoked_at__isnull=False) & ~Q(revocation_reason=""),
                name="revocation_has_time_and_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Certificate {self.serial}"

    @property
    def is_live(self) -> bool:
        return self.status == self.Status.ISSUED

    @property
    def checked_at(self) -> "datetime.datetime | None":
        """When the eligibility report kept in ``snapshot`` was made (it stores the
        moment as ISO 8601 text), for templates to show in the reader's time zone."""
        try:
            return datetime.datetime.fromisoformat(self.snapshot["checked_at"])
        except (KeyError, TypeError, ValueError):
            return None

    @property
    def has_expired(self) -> bool:
        return self.valid_until is not None and self.valid_until <= timezone.now()

    def get_verify_url(self) -> str:
        from django.urls import reverse

        return settings.SITE_URL + reverse("certificates:verify", args=[self.verification_code])
