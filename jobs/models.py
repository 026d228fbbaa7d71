"""Background work recorded in the database before it is handed to the broker.

A :class:`Job` row is written in the same transaction as the change that needs it (an
issued certificate needs its PDF and its e-mail), so the work is never lost when the
broker is down and never sent for a change that rolled back. The broker only carries
the job's id; the row says whether it has run.
"""

import json
import uuid

from cryptography.fernet import InvalidToken
from django.db import models
from django.utils import timezone

from core.crypto import cipher


class JobQuerySet(models.QuerySet):
    def unfinished(self):
        return self.filter(status__in=Job.UNFINISHED)


class Job(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the broker"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    UNFINISHED = (Status.PENDING, Status.QUEUED, Status.RUNNING)

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200, help_text="Dotted path of the @job function.")
    kwargs = models.JSONField(default=dict)
    # A sealed job's arguments (an e-mail: addresses, body, links) as a Fernet token
    # under the notes keys, instead of ``kwargs``; emptied once the job has run.
    sealed = models.TextField(blank=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=3)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When it was last handed to the broker, and when an attempt last started or ended.
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The sweeper's and the admin page's only question: what has not finished?
            models.Index(
                fields=["status", "created_at"], name="job_unfinished_idx",
                condition=models.Q(status__in=["pending", "queued", "running", "failed"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} #{self.pk} ({self.get_status_display().lower()})"

    def arguments(self) -> dict:
        """What the job function is called with: the sealed payload, opened, or kwargs."""
        if not self.sealed:
            return self.kwargs
        try:
            return json.loads(cipher().decrypt(self.sealed.encode("ascii")))
        except InvalidToken as exc:
            # Never the token or anything of the payload in the message.
            raise ValueError(
                f"Job {self.pk}'s payload could not be opened with the configured keys."
            ) from exc

    @staticmethod
    def seal(kwargs: dict) -> str:
        payload = json.dumps(kwargs).encode("utf-8")  # JSON, as kwargs would be stored
        return cipher().encrypt(payload).decode("ascii")

    @property
    def label(self) -> str:
        """A readable name: ``certificates.tasks.render_certificate_pdf`` → "Render certificate pdf"."""
        return self.name.rsplit(".", 1)[-1].replace("_", " ").capitalize()
