"""Issuing, revoking and reissuing certificates, with their PDF and notifications."""


import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from audit.models import AuditEvent
from certificates import services
from certificates.credentials import status_list
from certificates.models import Certificate, LostSerial, SerialCounter
from competencies import services as records
from pdf_reading import pdf_text  # tests/

pytestmark = pytest.mark.django_db


def _issue(world):
    return services.certificate_issue(actor=world.admin, enrolment=world.enrolment_a)


def test_issue_stores_serial_code_version_issuer_snapshot_and_a_signed_credential(
    complete, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        certificate, created = _issue(complete)
    assert created
    certificate.refresh_from_db()
    assert certificate.serial.startswith(f"KAP-{certificate.issued_at:%Y}-")
    assert len(certificate.verification_code) == 32
    assert certificate.framework_version_id == complete.enrolment_a.framework_version_id
    assert certificate.issued_by == complete.admin
    assert certificate.snapshot["eligible"] is True
    assert len(certificate.snapshot["requirements"]) == 27
    credential = certificate.credential
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"
    assert credential["issuer"]["id"] == "did:web:testserver"
    alignments = credential["credentialSubject"]["achievement"]["alignment"]
    assert [a["targetCode"] for a in alignments][:3] == ["K1", "K2", "K3"] and len(alignments) == 23
    assert credential["credentialStatus"]["statusListIndex"] == str(certificate.status_index)
    # The trainee's email never appears in the credential, only its salted hash.
    assert complete.trainee_a.email not in str(credential)
    # The PDF was rendered after commit; one e-mail told the trainee, with the links.
    assert certificate.pdf.name.endswith(".pdf")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [complete.trainee_a.email]
    assert certificate.verification_code in mail.outbox[0].body
    assert AuditEvent.objects.filter(verb="certificate.issued", target_id=str(certificate.pk)).count() == 1


def test_pdf_text_has_name_serial_outcomes_hours_and_the_no_license_statement(
    complete, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        certificate, _ = _issue(complete)
    certificate.refresh_from_db()
    text = pdf_text(certificate.pdf.read(), layout=True)
    flat = " ".join(text.split())
    assert complete.trainee_a.full_name in flat
    assert certificate.serial in flat
    assert "K1" in flat and "C12" in flat and "E2" in flat
    assert "confers no license" in flat
    assert "1:00 h of consultation about cases the trainee conducted (E1)" in flat
    assert certificate.verification_code in flat


def test_issuing_again_returns_the_live_certificate_and_sends_nothing(complete, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first, _ = _issue(complete)
        again, created = _issue(complete)
    assert not created and again.pk == first.pk
    assert Certificate.objects.count() == 1
    assert len(mail.outbox) == 1


def test_the_database_refuses_a_second_live_certificate(complete):
    certificate, _ = _issue(complete)
    duplicate = Certificate(
        enrolment=certificate.enrolment, serial="KAP-X-1", framework_version=certificate.framework_version,
        issued_by=complete.admin, issued_at=certificate.issued_at, snapshot={}, credential={},
        status_list=certificate.status_list, status_index=(certificate.status_index + 1) % 131072,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_an_ineligible_enrolment_is_refused_with_the_reasons_and_nothing_is_saved(world, curriculum):
    with pytest.raises(services.NotEligible) as refused:
        services.certificate_issue(actor=world.admin, enrolment=world.enrolment_a)
    assert "not eligible" in refused.value.messages[0]
    assert "K1" in refused.value.messages[0]
    assert Certificate.objects.count() == 0
    assert len(mail.outbox) == 0


def test_eligibility_is_rechecked_at_issue_time(complete):
    records.signoff_decide(trainer=complete.trainer_a, enrolment=complete.enrolment_a, outcome_code="C5",
                           decision="not_yet", comment="Not yet: redo the role play.")
    with pytest.raises(services.NotEligible) as refused:
        _issue(complete)
    assert "C5" in refused.value.messages[0]
    assert not Certificate.objects.exists()


@pytest.mark.parametrize("who", ["trainer_a", "trainee_a", "editor"])
def test_only_program_admins_issue(complete, who):
    with pytest.raises(PermissionDenied):
        services.certificate_issue(actor=getattr(complete, who), enrolment=complete.enrolment_a)
    assert not Certificate.objects.exists()


def test_revocation_needs_a_reason_sets_the_status_bit_resigns_the_list_and_tells_the_trainee(
    complete, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        certificate, _ = _issue(complete)
    mail.outbox.clear()
    with pytest.raises(Exception) as no_reason:
        services.certificate_revoke(actor=complete.admin, certificate=certificate, reason="  ")
    assert "reason" in str(no_reason.value)
    certificate.refresh_from_db()
    assert certificate.is_live

    before = services.status_list_current(certificate.status_list_id)
    with django_capture_on_commit_callbacks(execute=True):
        services.certificate_revoke(actor=complete.admin, certificate=certificate,
                                    reason="Issued in error: license lapsed.")
    certificate.refresh_from_db()
    assert certificate.status == "revoked" and certificate.revoked_by == complete.admin
    signed = services.status_list_current(certificate.status_list_id)
    assert signed["proof"]["proofValue"] != before["proof"]["proofValue"]
    bits = status_list.decode(signed["credentialSubject"]["encodedList"])
    assert status_list.bit_is_set(bits, certificate.status_index)
    assert len(mail.outbox) == 1 and "revoked" in mail.outbox[0].subject
    assert "license lapsed" in mail.outbox[0].body
    event = AuditEvent.objects.get(verb="certificate.revoked")
    assert event.details["reason"] == "Issued in error: license lapsed."


def test_reissue_after_revocation_makes_a_new_certificate_with_a_fresh_code_and_index(complete):
    first, _ = _issue(complete)
    services.certificate_revoke(actor=complete.admin, certificate=first, reason="Name misspelt.")
    second, created = _issue(complete)
    assert created and second.pk != first.pk
    assert second.serial != first.serial
    assert second.verification_code != first.verification_code
    assert second.status_index != first.status_index
    assert Certificate.objects.live().get() == second


def test_a_serial_lost_to_a_failed_signing_is_recorded_and_not_reused(complete, monkeypatch):
    def broken_signing(certificate, **kwargs):
        raise RuntimeError("the signing key could not be read")

    monkeypatch.setattr(services.badge, "signed_credential", broken_signing)
    with pytest.raises(RuntimeError):
        _issue(complete)
    assert not Certificate.objects.exists() and len(mail.outbox) == 0
    lost = LostSerial.objects.get()
    assert lost.serial.endswith("-00001") and "signing key" in lost.reason
    monkeypatch.undo()
    certificate, created = _issue(complete)
    assert created and certificate.serial.endswith("-00002")
    assert SerialCounter.objects.get().last == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # as every real-commit test
def test_the_serial_is_taken_in_its_own_transaction_and_survives_the_issue_rolling_back(
    complete, monkeypatch
):
    def broken_signing(certificate, **kwargs):
        raise RuntimeError("signing failed")

    monkeypatch.setattr(services.badge, "signed_credential", broken_signing)
    with pytest.raises(RuntimeError):
        _issue(complete)
    assert SerialCounter.objects.get().last == 1
    assert LostSerial.objects.filter(serial__endswith="-00001").exists()
    assert not Certificate.objects.exists()


def test_an_issue_that_loses_the_race_returns_the_winner_and_records_its_serial(
    complete, monkeypatch, django_capture_on_commit_callbacks
):
    take = services._serial_take
    won = []

    def another_admin_first(now):
        # The other admin's issue completes between our checks and our lock.
        monkeypatch.setattr(services, "_serial_take", take)
        won.append(services.certificate_issue(actor=complete.admin,
                                              enrolment=complete.enrolment_a)[0])
        return take(now)

    monkeypatch.setattr(services, "_serial_take", another_admin_first)
    with django_capture_on_commit_callbacks(execute=True):
        certificate, created = _issue(complete)
    assert not created and certificate == won[0]
    assert Certificate.objects.count() == 1 and len(mail.outbox) == 1
    lost = LostSerial.objects.get()
    assert lost.serial != certificate.serial and "completed first" in lost.reason
