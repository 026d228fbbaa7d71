from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models


class UserManager(BaseUserManager):
    """E-mail is the login: there is no username."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    username = None
    first_name = None
    last_name = None
    email = models.EmailField("e-mail address", unique=True)
    full_name = models.CharField(
        max_length=200,
        blank=True,
        help_text="The name printed on certificates, as it appears on the clinician's license.",
    )
    preferred_name = models.CharField(
        max_length=200,
        blank=True,
        help_text="What the person likes to be called on screens and in e-mails.",
    )
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        help_text="IANA time zone every time is shown in; blank: the program's (TIME_ZONE).",
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        if self.preferred_name:
            return self.preferred_name
        return (self.full_name.split(" ")[0] if self.full_name else self.email)


class NameChangeRequestQuerySet(models.QuerySet):
    def pending(self) -> "NameChangeRequestQuerySet":
        return self.filter(status=NameChangeRequest.Status.PENDING)


class NameChangeRequest(models.Model):
    """A person asks for their legal name (the one certificates print) to change; a
    program admin checks it against the license or an identity document and decides."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a program admin"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="name_change_requests")
    current_name = models.CharField(max_length=200, blank=True)
    requested_name = models.CharField(max_length=200)
    reason = models.TextField(
        blank=True, help_text="Why the name changes (e.g. marriage, license reissued)."
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    objects = NameChangeRequestQuerySet.as_manager()

    class Meta:
        ordering = ["requested_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(status="pending"),
                name="one_pending_name_change_per_user",
                violation_error_message="A name change is already waiting for a decision.",
            ),
        ]

    def __str__(self) -> str:
        return f"Name change for {self.user.email}: {self.requested_name}"


class EmailChange(models.Model):
    """An e-mail change a program admin asked for. It takes effect only when the owner
    of the new address confirms it through allauth's verification link; the old
    address is then told (accounts.signals)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="email_changes")
    old_email = models.EmailField()
    new_email = models.EmailField()
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(completed_at__isnull=True),
                name="one_open_email_change_per_user",
                violation_error_message="An e-mail change is already waiting for verification.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.old_email} → {self.new_email}"
