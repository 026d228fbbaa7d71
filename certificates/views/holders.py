"""What holders (and program admins, for them) download: the PDF and the credential."""

import json

from django.http import FileResponse, HttpResponse
from django.shortcuts import render

from core.access import SIGNED_IN, TRAINEE, access, get_visible_or_404

from .. import linkedin, services
from ..models import Certificate
from ..permissions import certificates_visible_to

JSONLD = "application/ld+json"


# --- trainees ------------------------------------------------------------------------

@access(TRAINEE)
def mine(request):
    certificates = (Certificate.objects.with_people().held_by(request.user)
                    .defer("credential", "snapshot"))
    return render(request, "certificates/mine.html", {"rows": [
        {"certificate": c, "linkedin_url": linkedin.add_to_profile_url(c)} for c in certificates
    ]})


@access(SIGNED_IN)
def certificate_pdf(request, certificate_id: int):
    certificate = get_visible_or_404(request, certificates_visible_to(request.user),
                                     pk=certificate_id)
    # Regenerated here if the stored file has gone missing (same code as the task).
    certificate = services.certificate_pdf_render(certificate.pk)
    response = FileResponse(
        certificate.pdf.open("rb"), as_attachment=True, content_type="application/pdf",
        filename=f"kapstone-certificate-{certificate.serial}.pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@access(SIGNED_IN)
def certificate_credential(request, certificate_id: int):
    certificate = get_visible_or_404(request, certificates_visible_to(request.user),
                                     pk=certificate_id)
    response = HttpResponse(json.dumps(certificate.credential, indent=2, ensure_ascii=False),
                            content_type=JSONLD)
    response["Content-Disposition"] = (
        f'attachment; filename="kapstone-credential-{certificate.serial}.json"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


