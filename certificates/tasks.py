from django.contrib.auth import get_user_model

from courses.models import Enrolment
from jobs.registry import job

from . import services


@job
def render_certificate_pdf(certificate_id: int) -> None:
    """Render a certificate's PDF (idempotent: a stored PDF is kept)."""
    services.certificate_pdf_render(certificate_id)


@job
def issue_certificate(enrolment_id: int, actor_id: int) -> int | None:
    """Issue one enrolment's certificate for a bulk action (idempotent: a retried or
    repeated job finds the live certificate and sends nothing)."""
    actor = get_user_model().objects.get(pk=actor_id)
    enrolment = Enrolment.objects.get(pk=enrolment_id)
    try:
        certificate, _ = services.certificate_issue(actor=actor, enrolment=enrolment)
    except services.NotEligible:
        # The matrix shows why; the admin who asked is not e-mailed for each one.
        services.logger.info("Enrolment %s not eligible when its issue job ran", enrolment_id)
        return None
    except services.IssuerConflict:
        # Refused and audited; the issue page showed the admin why before they asked.
        # Retrying would not change who had a hand in the record.
        services.logger.info("Enrolment %s: issuer %s had a hand in the record",
                             enrolment_id, actor_id)
        return None
    return certificate.pk
