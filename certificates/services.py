"""Issuing, revoking and rendering certificates.

Issuing locks the enrolment row, re-checks eligibility inside that transaction and
relies on a partial unique constraint, so double clicks, two admins and retried tasks
all end with one live certificate and one e-mail. Everything slow or external (the PDF,
the e-mails) happens after commit, in Celery.
"""

import logging
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from audit.services import audit_record
from core.roles import Role, has_role
from courses.models import Enrolment
from jobs.services import enqueue
from notifications.services import notify

from . import badge, keys
from .credentials import conformance, proof, status_list, verifier
from .credentials.jsonld import SafeModeError
from .credentials.limits import TooComplex
from .eligibility import EligibilityReport, eligibility
from .four_eyes import issuer_conflicts, refusal_text
from .models import Certificate, LostSerial, SerialCounter, StatusList

logger = logging.getLogger(__name__)

# A list is retired once this full, so random allocation always finds a free index quickly.
_STATUS_LIST_FILL_LIMIT = 0.5


class NotEligible(ValidationError):
    """Issuing was refused because a requirement is not met; carries the report."""

    def __init__(self, report):
        self.report = report
        missing = "; ".join(f"{r.label}: {r.why}" for r in report.missing)
        super().__init__(f"{report.enrolment.trainee} is not eligible yet — {missing}")


class IssuerConflict(PermissionDenied):
    """Issuing was refused because the admin had a hand in the trainee's record; carries
    the reasons (``certificates.four_eyes``)."""

    def __init__(self, reasons: list[str]):
        self.reasons = reasons
        super().__init__(refusal_text(reasons))


class CredentialNotConformant(ValidationError):
    """A credential was not stored because it fails Kapstone's checks (JSON-LD safe mode,
    a second processor's reading, 1EdTech's OB 3.0 schema); carries the problems."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("The credential was not stored, because it would not verify "
                         "everywhere: " + " ".join(problems[:5]))


def _conformant(build) -> dict:
    """The credential ``build()`` makes, if it passes every check; else
    ``CredentialNotConformant`` (raised inside the caller's transaction, so nothing of
    the issue or re-signing is saved)."""
    try:
        credential = build()
    except (SafeModeError, TooComplex) as exc:
        raise CredentialNotConformant([str(exc)]) from exc
    problems = conformance.credential_problems(credential)
    if problems:
        raise CredentialNotConformant(problems)
    return credential


def _require_program_admin(actor, enrolment: Enrolment) -> None:
    if not has_role(actor, Role.PROGRAM_ADMIN):
        raise PermissionDenied("Only program admins issue and revoke certificates.")
    if actor.pk == enrolment.trainee_id:
        raise PermissionDenied("Nobody issues or revokes their own certificate.")


def _certificates_url() -> str:
    """The trainee's own certificates page, as a link in an e-mail."""
    return settings.SITE_URL + reverse("certificates:mine")


def _serial_take(now) -> str:
    """The year's next serial, in a transaction of its own: the counter's row lock is
    held for this one update, not through eligibility, signing and the audit write, so
    issue jobs on several workers do not queue behind each other. A serial taken here
    whose issue then fails is recorded as lost (``LostSerial``), never handed out again.
    (Inside a caller's own transaction this is a savepoint, and the lock lasts as long as
    the caller's transaction does.)"""
    with transaction.atomic():
        SerialCounter.objects.get_or_create(year=now.year)
        counter = SerialCounter.objects.select_for_update().get(year=now.year)
        counter.last += 1
        counter.save(update_fields=["last"])
    return f"{settings.CERTIFICATE_SERIAL_PREFIX}-{now.year}-{counter.last:05d}"


def _serial_lost(*, serial: str, enrolment: Enrolment, actor, reason: str) -> None:
    """Record a taken serial that no certificate carries, with why (and audit it)."""
    with transaction.atomic():
        LostSerial.objects.create(serial=serial, enrolment=enrolment, reason=reason)
        audit_record(verb="certificate.serial_lost", target=enrolment, actor=actor,
                     details={"serial": serial, "reason": reason})


def _current_status_list() -> StatusList:
    status_list_obj = StatusList.objects.order_by("-pk").first()
    if status_list_obj is None or (
        status_list_obj.entries.count() >= status_list_obj.length * _STATUS_LIST_FILL_LIMIT
    ):
        status_list_obj = StatusList.objects.create()
    return status_list_obj


def _allocate_status_index(certificate: Certificate) -> None:
    """A random free index, never reused: the unique constraint catches the rare clash."""
    for _ in range(20):
        certificate.status_index = secrets.randbelow(certificate.status_list.length)
        try:
            with transaction.atomic():
                certificate.save()
            return
        except IntegrityError as exc:
            if "status_index_used_once" not in str(exc) and not Certificate.objects.filter(
                status_list=certificate.status_list, status_index=certificate.status_index
            ).exists():
                raise
    raise RuntimeError("Could not allocate a free status-list index.")


def certificate_issue(*, actor, enrolment: Enrolment) -> tuple[Certificate, bool]:
    """Issue the enrolment's certificate, or return the live one it already has.

    Returns ``(certificate, created)``. Raises :class:`NotEligible` (nothing saved, unless
    the records changed between the two checks below: then the serial taken is recorded
    as lost) when any requirement is unmet at this moment, :class:`CredentialNotConformant` (the serial
    taken for it recorded as lost, nothing else saved) when the signed credential fails a
    check, ``PermissionDenied`` for anyone but a program admin other than the trainee,
    and :class:`IssuerConflict` (audited) when the admin signed off, confirmed hours in
    or was ever assigned to the trainee's record.

    The checks run twice: first without locks, so that a refusal or a live certificate
    costs no serial; then, with the serial taken, again under the enrolment's row lock,
    which is what decides.
    """
    try:
        existing, _ = _issue_checked(actor=actor, enrolment=enrolment)
        if existing is not None:
            return existing, False
        serial = _serial_take(timezone.now())
        try:
            certificate, created = _certificate_issue(actor=actor, enrolment=enrolment,
                                                      serial=serial)
        except Exception as failure:
            # After the issuing transaction rolled back: the serial stays taken.
            _serial_lost(serial=serial, enrolment=enrolment, actor=actor,
                         reason=f"{type(failure).__name__}: {failure}"[:2000])
            raise
        if not created:
            _serial_lost(serial=serial, enrolment=enrolment, actor=actor,
                         reason="Another issue of this enrolment completed first.")
        return certificate, created
    except IssuerConflict as refusal:
        # Written after the issuing transaction rolled back, so the refusal stays on
        # record (a caller's own transaction keeps it if the caller carries on).
        audit_record(verb="certificate.issue_refused", target=enrolment, actor=actor,
                     details={"reasons": refusal.reasons})
        raise


def _issue_checked(*, actor, enrolment: Enrolment) -> tuple[Certificate | None, EligibilityReport | None]:
    """Who may issue, the four-eyes rule, a live certificate and eligibility, in that
    order: ``(live certificate, None)`` or ``(None, eligibility report)``; raises on the
    first refusal."""
    _require_program_admin(actor, enrolment)
    conflicts = issuer_conflicts(actor, [enrolment.pk])[enrolment.pk]
    if conflicts:
        raise IssuerConflict(conflicts)
    existing = Certificate.objects.live().filter(enrolment=enrolment).first()
    if existing is not None:
        return existing, None
    report = eligibility(enrolment)
    if not report.eligible:
        raise NotEligible(report)
    return None, report


@transaction.atomic
def _certificate_issue(*, actor, enrolment: Enrolment, serial: str) -> tuple[Certificate, bool]:
    # The row lock serialises every issuer of this enrolment, and sign-offs and hours
    # entries, which write to the row too, so the four-eyes check below sees them all;
    # the partial unique constraint is the backstop should any path skip the lock.
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("trainee", "cohort__program")
        .get(pk=enrolment.pk)
    )
    existing, report = _issue_checked(actor=actor, enrolment=enrolment)
    if existing is not None:  # another issue of this enrolment committed meanwhile
        return existing, False
    now = timezone.now()
    certificate = Certificate(
        enrolment=enrolment,
        serial=serial,
        framework_version_id=enrolment.framework_version_id,
        issued_by=actor,
        issued_at=now,
        valid_until=enrolment.cohort.program.credential_valid_until(now),
        snapshot=report.as_snapshot(),
        status_list=_current_status_list(),
        credential={},
    )
    _allocate_status_index(certificate)
    certificate.credential = _conformant(lambda: badge.signed_credential(certificate))
    certificate.save(update_fields=["credential"])
    audit_record(verb="certificate.issued", target=certificate, actor=actor, details={
        "serial": certificate.serial, "enrolment": enrolment.pk,
        "framework_version": enrolment.framework_version_id,
    })
    enqueue("certificates.tasks.render_certificate_pdf", certificate_id=certificate.pk)
    notify(enrolment.trainee, "certificate_issued", {
        "issued_by": str(actor), "program": enrolment.cohort.program.name,
        "serial": certificate.serial, "certificates_url": _certificates_url(),
        "verify_url": certificate.get_verify_url(),
        "no_license_statement": badge.NO_LICENSE_STATEMENT,
    })
    return certificate, True


@transaction.atomic
def certificate_revoke(*, actor, certificate: Certificate, reason: str) -> Certificate:
    """Revoke a live certificate with a reason; its status-list bit is set and the list
    re-signed in the same transaction, so the page and the credential agree."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give the reason for revoking; the trainee is told it."})
    certificate = (
        Certificate.objects.select_for_update(of=("self",))
        .select_related("enrolment__trainee", "enrolment__cohort__program")
        .get(pk=certificate.pk)
    )
    _require_program_admin(actor, certificate.enrolment)
    if not certificate.is_live:
        raise ValidationError("This certificate is already revoked.")
    certificate.status = Certificate.Status.REVOKED
    certificate.revoked_at = timezone.now()
    certificate.revoked_by = actor
    certificate.revocation_reason = reason[:2000]
    certificate.save(update_fields=["status", "revoked_at", "revoked_by", "revocation_reason"])
    status_list_sign(certificate.status_list_id)
    audit_record(verb="certificate.revoked", target=certificate, actor=actor,
                 details={"serial": certificate.serial, "reason": certificate.revocation_reason})
    program = certificate.enrolment.cohort.program
    notify(certificate.enrolment.trainee, "certificate_revoked", {
        "serial": certificate.serial, "program": program.name,
        "revoked_on": certificate.revoked_at, "reason": certificate.revocation_reason,
        "verify_url": certificate.get_verify_url(), "certificates_url": _certificates_url(),
    })
    return certificate


@transaction.atomic
def certificate_renew(*, actor, certificate: Certificate) -> Certificate:
    """Renew an expired certificate: a new one is issued (if the enrolment is still
    eligible, else :class:`NotEligible` and nothing changes) and the expired one is
    withdrawn on the status list, so only the renewal verifies."""
    certificate = (
        Certificate.objects.select_for_update(of=("self",))
        .select_related("enrolment__trainee", "enrolment__cohort__program")
        .get(pk=certificate.pk)
    )
    _require_program_admin(actor, certificate.enrolment)
    if not certificate.is_live or not certificate.has_expired:
        raise ValidationError("Only a certificate that has expired is renewed; this one has not.")
    certificate.status = Certificate.Status.REVOKED
    certificate.revoked_at = timezone.now()
    certificate.revoked_by = actor
    certificate.revocation_reason = f"Expired on {certificate.valid_until:%d %B %Y}; renewed."
    certificate.save(update_fields=["status", "revoked_at", "revoked_by", "revocation_reason"])
    audit_record(verb="certificate.renewed", target=certificate, actor=actor,
                 details={"serial": certificate.serial})
    renewal, _ = certificate_issue(actor=actor, enrolment=certificate.enrolment)
    status_list_sign(certificate.status_list_id)
    return renewal


def status_list_sign(status_list_id: int) -> StatusList:
    """(Re-)sign a status list from the revoked certificates on it."""
    status_list_obj = StatusList.objects.select_for_update().get(pk=status_list_id)
    revoked = set(
        Certificate.objects.filter(status_list=status_list_obj, status=Certificate.Status.REVOKED)
        .values_list("status_index", flat=True)
    )
    now = timezone.now()
    key = keys.load_signing_key()
    unsigned = status_list.status_list_credential(
        id=badge.site_url(reverse("certificates:status_list", args=[status_list_obj.pk])),
        issuer=key.did,
        valid_from=now,
        revoked_indexes=revoked,
        purpose=status_list_obj.purpose,
        length=status_list_obj.length,
    )
    # How long a verifier may keep this list (milliseconds, Bitstring Status List
    # `ttl`): the same lifetime the site serves it with.
    unsigned["credentialSubject"]["ttl"] = settings.STATUS_LIST_MAX_AGE * 1000
    status_list_obj.signed = _conformant(lambda: proof.sign(unsigned, key, created=now))
    status_list_obj.signed_at = now
    status_list_obj.save(update_fields=["signed", "signed_at"])
    return status_list_obj


def status_list_signed(status_list_id: int) -> StatusList:
    """The list with its signed credential, signing it first if it never has been."""
    status_list_obj = StatusList.objects.get(pk=status_list_id)
    if status_list_obj.signed is None:
        with transaction.atomic():
            status_list_obj = status_list_sign(status_list_id)
    return status_list_obj


def status_list_current(status_list_id: int) -> dict:
    """The signed list credential, signing it first if it never has been."""
    return status_list_signed(status_list_id).signed


def _own_key(method: str):
    key = keys.load_signing_key()
    if method != key.verification_method:
        raise verifier.UnknownKey(f"{method} is not this site's key.")
    return key.public_key


def credential_problems_stored(credential) -> list[str]:
    """What today's checks find wrong with a stored credential, its signature by this
    site's key included (empty: nothing to mend)."""
    return conformance.credential_problems(credential, resolve_key=_own_key)


@transaction.atomic
def certificate_credential_mend(*, certificate_id: int) -> list[str]:
    """Re-sign a stored credential that fails today's checks; tell its holder, if the
    certificate is live, that the file was replaced. Returns the problems that were
    mended (empty: the credential was sound and nothing changed), so running it again
    does nothing.

    What was issued is re-signed in today's shape; only if that still fails is the
    credential issued anew from the records, keeping its id, serial, status-list index
    and issue date. Raises ``CredentialNotConformant`` (nothing saved) if neither passes.
    """
    certificate = (
        Certificate.objects.select_for_update(of=("self",)).with_people().get(pk=certificate_id)
    )
    problems = credential_problems_stored(certificate.credential)
    if not problems:
        return []
    now = timezone.now()
    mended = None
    if isinstance(certificate.credential, dict):
        try:
            mended = _conformant(
                lambda: badge.resigned_credential(certificate.credential, created=now))
        except CredentialNotConformant:
            pass  # what was stored cannot be mended as it is: issue it anew below
    certificate.credential = mended or _conformant(
        lambda: badge.signed_credential(certificate, created=now))
    certificate.save(update_fields=["credential"])
    audit_record(verb="certificate.credential_mended", target=certificate,
                 details={"serial": certificate.serial, "problems": problems[:5]})
    if certificate.is_live:
        program = certificate.enrolment.cohort.program
        notify(certificate.enrolment.trainee, "certificate_credential_replaced", {
            "serial": certificate.serial, "program": program.name,
            "certificates_url": _certificates_url(), "verify_url": certificate.get_verify_url(),
        })
    return problems


@transaction.atomic
def status_list_mend(*, status_list_id: int) -> list[str]:
    """Re-sign a status list whose signed copy fails today's checks (returns the
    problems mended; empty: nothing changed). A list never signed is left for
    ``status_list_current`` to sign when it is first asked for."""
    status_list_obj = StatusList.objects.select_for_update().get(pk=status_list_id)
    if status_list_obj.signed is None:
        return []
    problems = credential_problems_stored(status_list_obj.signed)
    if problems:
        status_list_sign(status_list_id)
    return problems


def certificate_pdf_render(certificate_id: int, *, force: bool = False) -> Certificate:
    """Render and store the PDF (idempotent: a stored file is kept unless forced or gone)."""
    from django.core.files.base import ContentFile

    from .pdf import certificate_pdf

    certificate = Certificate.objects.with_people().get(pk=certificate_id)
    if certificate.pdf and not force and certificate.pdf.storage.exists(certificate.pdf.name):
        return certificate
    pdf = certificate_pdf(certificate)
    if certificate.pdf and certificate.pdf.storage.exists(certificate.pdf.name):
        certificate.pdf.storage.delete(certificate.pdf.name)  # forced: replace, never pile up
    certificate.pdf.save("certificate.pdf", ContentFile(pdf), save=False)
    Certificate.objects.filter(pk=certificate.pk).update(pdf=certificate.pdf.name)
    return certificate
