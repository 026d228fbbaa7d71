"""The kinds of notification a person can choose how to be e-mailed about.

Plain strings declared here, below the domain apps: each message template
(``templates/email/<template>*``) belongs to one kind, so callers of ``notify`` pass
the template and the kind follows.
"""

from django.db import models


class Kind(models.TextChoices):
    REVIEWS = "reviews", "Outcome reviews (requests and decisions)"
    HOURS = "hours", "Consultation hours (logged, confirmed, disputed)"
    APPLICATIONS = "applications", "Applications to a cohort"
    CERTIFICATES = "certificates", "Certificates (issued, revoked, replaced)"
    REMINDERS = "reminders", "Reminders of work waiting for you"
    LEARNING = "learning", "Lessons and knowledge checks"
    RECORD = "record", "Your data download"


class Delivery(models.TextChoices):
    IMMEDIATE = "immediate", "E-mail me at once"
    DIGEST = "digest", "One daily digest"


# Which kind each message is. A template missing here is refused by notify(), so a new
# message cannot slip past people's preferences.
KIND_OF_TEMPLATE: dict[str, str] = {
    "signoff_requested": Kind.REVIEWS,
    "signoff_decided": Kind.REVIEWS,
    "signoff_review_digest": Kind.REMINDERS,
    "consultation_session_logged": Kind.HOURS,
    "consultation_session_confirmed": Kind.HOURS,
    "consultation_session_disputed": Kind.HOURS,
    "consultation_correction_logged": Kind.HOURS,
    "consultation_group_session_recorded": Kind.HOURS,
    "consultation_pending_reminder": Kind.REMINDERS,
    "application_approved": Kind.APPLICATIONS,
    "application_declined": Kind.APPLICATIONS,
    "certificate_issued": Kind.CERTIFICATES,
    "certificate_revoked": Kind.CERTIFICATES,
    "certificate_credential_replaced": Kind.CERTIFICATES,
    "knowledge_check_attempt_granted": Kind.LEARNING,
    "record_export_ready": Kind.RECORD,
}

# Messages that are already a summary: they go out at once whatever the preference
# (a digest of a digest would only delay it by a day).
ALWAYS_IMMEDIATE = frozenset({"signoff_review_digest", "consultation_pending_reminder"})
