"""Credentials already issued are mended (issue 16, item 8): ``manage.py
credentials_mend`` re-signs every stored credential that fails today's checks, keeps
what it says, tells live holders, and does nothing the second time."""

import io

import pytest
from django.core import mail
from django.core.management import call_command

from audit.models import AuditEvent
from certificates import badge, keys, services
from certificates.credentials import proof, verifier
from certificates.models import Certificate, StatusList
from credential_helpers import sign_unsafely  # tests/certificates/

pytestmark = pytest.mark.django_db


def _old_shape(credential: dict) -> dict:
    """The credential as Kapstone stored it before issue 16: no extensions context, one
    proof object, signed without safe mode (and so covering a placeholder-base type)."""
    unsecured = {k: v for k, v in credential.items() if k != "proof"}
    unsecured["@context"] = [badge.VC2_CONTEXT, badge.OB3_CONTEXT]
    return sign_unsafely(unsecured, keys.load_signing_key(), created=unsecured["validFrom"])


def _verify(credential: dict, status_list_id: int) -> verifier.VerificationReport:
    key = keys.load_signing_key()
    return verifier.verify_credential(
        credential, resolve_verification_method=lambda method: key.public_key,
        fetch_status_list=lambda url: services.status_list_current(status_list_id))


def _issue(world):
    return services.certificate_issue(actor=world.admin, enrolment=world.enrolment_a)


def _mend(*args) -> str:
    out = io.StringIO()
    call_command("credentials_mend", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def old_credentials(complete, django_capture_on_commit_callbacks):
    """A revoked and a live certificate whose stored credentials have the old shape."""
    with django_capture_on_commit_callbacks(execute=True):
        revoked, _ = _issue(complete)
        services.certificate_revoke(actor=complete.admin, certificate=revoked,
                                    reason="Name misspelt.")
        live, _ = _issue(complete)
    for certificate in (revoked, live):
        old = _old_shape(certificate.credential)
        Certificate.objects.filter(pk=certificate.pk).update(credential=old)
        certificate.refresh_from_db()
    mail.outbox.clear()
    return revoked, live


def test_old_credentials_fail_todays_checks_and_are_not_verified(old_credentials):
    revoked, live = old_credentials
    problems = services.credential_problems_stored(live.credential)
    assert any("1EdTechJsonSchemaValidator2019" in p for p in problems)
    assert any("proof" in p and "array" in p for p in problems)
    report = _verify(live.credential, live.status_list_id)
    assert report.outcome == verifier.NOT_VERIFIED


def test_mend_resigns_every_failing_credential_keeps_what_it_says_and_tells_live_holders(
    old_credentials, complete, django_capture_on_commit_callbacks
):
    revoked, live = old_credentials
    before = {c.pk: c.credential for c in (revoked, live)}
    with django_capture_on_commit_callbacks(execute=True):
        output = _mend()
    assert "Credentials: 2 re-signed, 0 already sound" in output
    assert f"{live.serial}: re-signed" in output and f"{revoked.serial}: re-signed" in output
    for certificate in (revoked, live):
        certificate.refresh_from_db()
        mended, old = certificate.credential, before[certificate.pk]
        assert services.credential_problems_stored(mended) == []
        assert mended["@context"] == badge.CONTEXTS and isinstance(mended["proof"], list)
        # Re-signed, not re-written: every statement but the proof is as issued.
        assert {k: v for k, v in mended.items() if k not in ("@context", "proof")} == \
            {k: v for k, v in old.items() if k not in ("@context", "proof")}
    assert _verify(live.credential, live.status_list_id).outcome == verifier.VERIFIED
    assert _verify(revoked.credential, revoked.status_list_id).outcome == verifier.REVOKED
    # One e-mail, to the holder of the live certificate, through the usual path.
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [complete.trainee_a.email]
    assert live.serial in mail.outbox[0].subject and "replaced" in mail.outbox[0].subject
    assert "/certificates/" in mail.outbox[0].body or "mine" in mail.outbox[0].body.lower()
    assert AuditEvent.objects.filter(verb="certificate.credential_mended").count() == 2


def test_mend_is_idempotent(old_credentials, django_capture_on_commit_callbacks):
    revoked, live = old_credentials
    with django_capture_on_commit_callbacks(execute=True):
        _mend()
    after_first = {c.pk: c.credential for c in Certificate.objects.all()}
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        output = _mend()
    assert "Credentials: 0 re-signed, 2 already sound. Status lists: 0 re-signed." in output
    assert {c.pk: c.credential for c in Certificate.objects.all()} == after_first
    assert len(mail.outbox) == 0
    assert AuditEvent.objects.filter(verb="certificate.credential_mended").count() == 2


def test_a_dry_run_lists_what_it_would_mend_and_changes_nothing(old_credentials):
    revoked, live = old_credentials
    stored = {c.pk: c.credential for c in Certificate.objects.all()}
    output = _mend("--dry-run")
    assert "Credentials: 2 to re-sign" in output and f"{live.serial}: would re-sign" in output
    assert {c.pk: c.credential for c in Certificate.objects.all()} == stored
    assert len(mail.outbox) == 0


def test_a_sound_credential_is_left_alone(complete, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        certificate, _ = _issue(complete)
    stored = certificate.credential
    mail.outbox.clear()
    assert "Credentials: 0 re-signed, 1 already sound" in _mend()
    certificate.refresh_from_db()
    assert certificate.credential == stored and len(mail.outbox) == 0


def test_a_credential_that_cannot_be_resigned_as_stored_is_issued_anew_with_its_serial_and_index(
    complete, django_capture_on_commit_callbacks
):
    certificate, _ = _issue(complete)
    # The schema requires validFrom: re-signing what is stored cannot mend this one.
    broken = {k: v for k, v in certificate.credential.items() if k != "validFrom"}
    Certificate.objects.filter(pk=certificate.pk).update(credential=broken)
    with django_capture_on_commit_callbacks(execute=True):
        problems = services.certificate_credential_mend(certificate_id=certificate.pk)
    assert any("validFrom" in p for p in problems)
    certificate.refresh_from_db()
    mended = certificate.credential
    assert services.credential_problems_stored(mended) == []
    assert mended["id"] == f"urn:uuid:{certificate.uuid}"
    assert certificate.serial in mended["name"]
    assert mended["credentialStatus"]["statusListIndex"] == str(certificate.status_index)
    issued = certificate.issued_at.replace(microsecond=0).isoformat().replace("+00:00", "Z")
    assert mended["validFrom"] == issued
    assert len(mail.outbox) == 1


def test_a_status_list_that_fails_the_checks_is_resigned(complete):
    certificate, _ = _issue(complete)
    listed = services.status_list_current(certificate.status_list_id)
    forged = {**listed, "proof": {**listed["proof"], "created": "2020-01-01T00:00:00Z"}}
    StatusList.objects.filter(pk=certificate.status_list_id).update(signed=forged)
    assert "Status lists: 1 re-signed." in _mend()
    resigned = services.status_list_current(certificate.status_list_id)
    assert services.credential_problems_stored(resigned) == []
    assert proof.verify_proof(resigned, lambda method: keys.load_signing_key().public_key).ok
    assert "Status lists: 0 re-signed." in _mend()
