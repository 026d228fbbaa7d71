"""The site's verifier: what it can vouch for without a network (its own did:web key,
did:key, which carries its key, and its own status lists), and what a result says.

``verify_submitted`` serves the public: the /verify/ page and the VC-API endpoint. It
runs the checks in a killable child process (``sandbox``). ``verify_uploaded`` runs the
same checks in this process, for callers that hold credentials this site issued (the
benchmark, the backup test).
"""

import datetime
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import Resolver404, resolve

from . import keys, sandbox, services, verify_worker
from .credentials import verifier
from .models import Certificate

# A credential names a handful of status entries; more is not a credential's shape.
MAX_STATUS_ENTRIES = 8


def _own_status_list(url: str) -> dict | None:
    site = urlsplit(settings.SITE_URL)
    parts = urlsplit(url)
    if (parts.scheme, parts.netloc) != (site.scheme, site.netloc):
        return None
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    if match.view_name != "certificates:status_list":
        return None
    try:
        return services.status_list_current(int(match.kwargs["list_id"]))
    except services.StatusList.DoesNotExist:
        return None


def _status_urls(credential) -> list[str]:
    entries = credential.get("credentialStatus") if isinstance(credential, dict) else None
    entries = entries if isinstance(entries, list) else [entries]
    urls = [e.get("statusListCredential") for e in entries[:MAX_STATUS_ENTRIES]
            if isinstance(e, dict)]
    return [url for url in urls if isinstance(url, str)]


def verification_job(credential) -> dict:
    """What the checks need from this site, gathered before any JSON-LD work: its key,
    and the status lists of its own that the credential names (a plain JSON read)."""
    try:
        key = keys.load_signing_key()
    except Exception:  # noqa: BLE001 - no key configured: did:key credentials still verify
        own_keys = {}
    else:
        own_keys = {key.verification_method: key.public_multikey}
    lists = {}
    for url in _status_urls(credential):
        listed = _own_status_list(url)
        if listed is not None:
            lists[url] = listed
    return {
        "credential": credential,
        "own_keys": own_keys,
        "status_lists": lists,
        "foreign_status_lists": settings.CREDENTIAL_VERIFY_FOREIGN_STATUS_LISTS,
        "now": datetime.datetime.now(datetime.UTC).isoformat(),
    }


def verify_uploaded(credential) -> verifier.VerificationReport:
    """The checks in this process: only for credentials this site holds."""
    return verify_worker.run(verification_job(credential))


def verify_submitted(credential) -> verifier.VerificationReport:
    """The checks of a credential anyone sent, in a child process with a time limit."""
    return sandbox.run_checks(verification_job(credential)).report


# --- what a result names -------------------------------------------------------------

@dataclass(frozen=True)
class Summary:
    """Who and what a checked credential is about, for the page and the API."""

    holder: str
    achievement: str
    issuer: str
    serial: str
    issued: str
    verification_url: str

    def as_json(self) -> dict:
        return {k: v for k, v in vars(self).items() if v}


def _text(value, limit: int = 300) -> str:
    if isinstance(value, dict):
        value = value.get("@value", "")
    return value.strip()[:limit] if isinstance(value, str) else ""


def _first(value):
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _holder(subject: dict) -> str:
    if _text(subject.get("name")):
        return _text(subject.get("name"))
    # OB 3.0 may name the holder with an unhashed IdentityObject of type "name".
    identifiers = subject.get("identifier")
    for identifier in identifiers if isinstance(identifiers, list) else [identifiers]:
        if (isinstance(identifier, dict) and identifier.get("identityType") == "name"
                and identifier.get("hashed") is False):
            return _text(identifier.get("identityHash"))
    return ""


def _own_certificate(credential: dict, report: verifier.VerificationReport) -> Certificate | None:
    """This site's certificate the credential is, when its signature is ours."""
    signed = any(c.name == "signature" and c.ok for c in report.checks)
    credential_id = credential.get("id")
    issuer = _first(credential.get("issuer"))
    issuer = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not (signed and isinstance(credential_id, str) and credential_id.startswith("urn:uuid:")):
        return None
    try:
        own = keys.load_signing_key().did
    except Exception:  # noqa: BLE001 - no key configured: nothing is ours
        return None
    if issuer != own:
        return None
    try:
        return (Certificate.objects.select_related("enrolment__trainee")
                .only("serial", "verification_code", "issued_at", "enrolment__trainee__full_name",
                      "enrolment__trainee__email")
                .filter(uuid=credential_id[len("urn:uuid:"):]).first())
    except ValidationError:  # not a UUID
        return None


def summarize(report: verifier.VerificationReport) -> Summary | None:
    """The holder (when the credential names one), the achievement, the issuer, the
    serial and the issue date; for this site's own credentials, its public page."""
    credential = report.credential
    if not isinstance(credential, dict):
        return None
    subject = _first(credential.get("credentialSubject"))
    subject = subject if isinstance(subject, dict) else {}
    achievement = subject.get("achievement")
    achievement = achievement if isinstance(achievement, dict) else {}
    issuer = _first(credential.get("issuer"))
    if isinstance(issuer, dict):
        issuer_name = _text(issuer.get("name")) or _text(issuer.get("id"))
    else:
        issuer_name = _text(issuer)
    issued = _text(credential.get("validFrom")) or _text(credential.get("issuanceDate"))
    certificate = _own_certificate(credential, report)
    holder = _holder(subject)
    serial = ""
    url = ""
    if certificate is not None:
        serial = certificate.serial
        url = certificate.get_verify_url()
        holder = holder or certificate.enrolment.trainee.full_name
    return Summary(
        holder=holder,
        achievement=_text(achievement.get("name")) or _text(credential.get("name")),
        issuer=issuer_name,
        serial=serial or _text(credential.get("id")),
        issued=issued[:10],
        verification_url=url,
    )
