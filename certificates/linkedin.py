"""LinkedIn's "Add to profile" link for a certificate (its add-to-profile
certification URL), so a graduate lists it with the serial and verification page."""

from urllib.parse import urlencode

from django.conf import settings

ADD_TO_PROFILE = "https://www.linkedin.com/profile/add"


def add_to_profile_url(certificate) -> str:
    """The prefilled form: name, organisation, issue month and year, expiry when the
    certificate has one, the serial as the certificate id, and the public page."""
    params = {
        "startTask": "CERTIFICATION_NAME",
        "name": certificate.enrolment.cohort.program.name,
        "organizationName": settings.CREDENTIAL_ISSUER_NAME,
        "issueYear": certificate.issued_at.year,
        "issueMonth": certificate.issued_at.month,
    }
    if certificate.valid_until:
        params["expirationYear"] = certificate.valid_until.year
        params["expirationMonth"] = certificate.valid_until.month
    params["certId"] = certificate.serial
    params["certUrl"] = certificate.get_verify_url()
    return f"{ADD_TO_PROFILE}?{urlencode(params)}"
