"""What graduates ask for after issue: expiry per program with renewal by re-issue, an
"Add to LinkedIn profile" link, and status lists served with a stated cache lifetime."""

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from certificates import services, verification, verify_worker
from certificates.credentials import verifier
from certificates.models import Certificate
from courses.models import Program
from tests.experience import set_experience_hours

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def _issue(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        certificate, _ = services.certificate_issue(actor=world.admin, enrolment=world.enrolment_a)
    mail.outbox.clear()
    return certificate


@pytest.mark.parametrize("issued_at, months, expected", [
    (datetime.datetime(2026, 3, 15, 10, 30, tzinfo=UTC), 12, datetime.datetime(2027, 3, 15, 10, 30, tzinfo=UTC)),
    (datetime.datetime(2026, 1, 31, 9, 0, tzinfo=UTC), 1, datetime.datetime(2026, 2, 28, 9, 0, tzinfo=UTC)),
    (datetime.datetime(2027, 11, 30, 0, 0, tzinfo=UTC), 3, datetime.datetime(2028, 2, 29, 0, 0, tzinfo=UTC)),
    (datetime.datetime(2026, 12, 1, 0, 0, tzinfo=UTC), 24, datetime.datetime(2028, 12, 1, 0, 0, tzinfo=UTC)),
    (datetime.datetime(2026, 12, 1, 0, 0, tzinfo=UTC), None, None),
])
def test_expiry_is_the_same_day_months_later_or_the_months_last_day(issued_at, months, expected):
    assert Program(credential_valid_months=months).credential_valid_until(issued_at) == expected


def test_a_program_cannot_make_certificates_valid_for_zero_months(complete):
    program = complete.cohort.program
    program.credential_valid_months = 0
    with pytest.raises(ValidationError, match="at least one month"):
        program.full_clean()


def test_without_a_validity_the_credential_has_no_valid_until(complete, django_capture_on_commit_callbacks):
    certificate = _issue(complete, django_capture_on_commit_callbacks)
    assert certificate.valid_until is None and "validUntil" not in certificate.credential


def test_a_program_with_a_validity_signs_valid_until_and_verification_says_expired_after_it(
    complete, django_capture_on_commit_callbacks
):
    program = complete.cohort.program
    program.credential_valid_months = 24
    program.save()
    certificate = _issue(complete, django_capture_on_commit_callbacks)
    assert certificate.valid_until == program.credential_valid_until(certificate.issued_at)
    assert certificate.credential["validUntil"] == f"{certificate.valid_until:%Y-%m-%dT%H:%M:%S}Z"
    job = verification.verification_job(certificate.credential)
    assert verify_worker.run(job).outcome == verifier.VERIFIED
    job["now"] = (certificate.valid_until + datetime.timedelta(days=1)).isoformat()
    report = verify_worker.run(job)
    assert report.outcome == verifier.NOT_VERIFIED
    assert f"It expired on {certificate.valid_until:%d %B %Y}." in [c.message for c in report.checks]


def _expire(certificate):
    Certificate.objects.filter(pk=certificate.pk).update(valid_until=timezone.now() - datetime.timedelta(days=1))
    certificate.refresh_from_db()
    return certificate


def test_the_public_page_says_expired_and_the_holder_is_told_to_renew(
    complete, client, login, django_capture_on_commit_callbacks
):
    program = complete.cohort.program
    program.credential_valid_months = 12
    program.save()
    certificate = _issue(complete, django_capture_on_commit_callbacks)
    url = reverse("certificates:verify", args=[certificate.verification_code])
    assert "valid until" in client.get(url).content.decode()
    _expire(certificate)
    page = client.get(url).content.decode()
    assert "Expired" in page and "Valid." not in page
    page = login(complete.trainee_a).get(reverse("certificates:mine")).content.decode()
    assert "Expired" in page and "Ask the program to renew it" in page
    assert "linkedin.com" not in page  # an expired certificate is not offered for a profile


def test_renewal_issues_a_new_certificate_and_withdraws_the_expired_one(
    complete, login, django_capture_on_commit_callbacks
):
    program = complete.cohort.program
    program.credential_valid_months = 12
    program.save()
    old = _issue(complete, django_capture_on_commit_callbacks)
    client = login(complete.admin)
    assert "Renew this certificate" not in client.get(reverse("certificates:detail", args=[old.pk])).content.decode()
    with pytest.raises(ValidationError, match="has not"):
        services.certificate_renew(actor=complete.admin, certificate=old)
    _expire(old)
    assert "Renew this certificate" in client.get(reverse("certificates:detail", args=[old.pk])).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("certificates:reissue", args=[old.pk]))
    new = Certificate.objects.live().get(enrolment=complete.enrolment_a)
    assert response.status_code == 302 and response["Location"] == reverse("certificates:detail", args=[new.pk])
    assert new.pk != old.pk and new.valid_until > timezone.now()
    old.refresh_from_db()
    assert old.status == Certificate.Status.REVOKED and "renewed" in old.revocation_reason
    # Only the renewal verifies: the expired one reads withdrawn on the status list.
    assert verification.verify_uploaded(new.credential).outcome == verifier.VERIFIED
    assert verification.verify_uploaded(old.credential).revoked


def test_renewal_of_an_enrolment_no_longer_eligible_changes_nothing(
    complete, login, django_capture_on_commit_callbacks
):
    program = complete.cohort.program
    program.credential_valid_months = 12
    program.save()
    old = _expire(_issue(complete, django_capture_on_commit_callbacks))
    set_experience_hours(complete.enrolment_a.framework_version_id, E1=500)
    response = login(complete.admin).post(reverse("certificates:reissue", args=[old.pk]), follow=True)
    assert "not eligible" in response.content.decode()
    old.refresh_from_db()
    assert old.is_live and Certificate.objects.filter(enrolment=complete.enrolment_a).count() == 1


def test_my_certificates_links_linkedins_add_to_profile_form(
    complete, login, settings, django_capture_on_commit_callbacks
):
    program = complete.cohort.program
    program.credential_valid_months = 12
    program.save()
    certificate = _issue(complete, django_capture_on_commit_callbacks)
    page = login(complete.trainee_a).get(reverse("certificates:mine")).content.decode()
    start = page.index("https://www.linkedin.com/profile/add?")
    link = page[start:page.index('"', start)].replace("&amp;", "&")
    query = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
    assert query == {
        "startTask": "CERTIFICATION_NAME",
        "name": program.name,
        "organizationName": settings.CREDENTIAL_ISSUER_NAME,
        "issueYear": str(certificate.issued_at.year),
        "issueMonth": str(certificate.issued_at.month),
        "expirationYear": str(certificate.valid_until.year),
        "expirationMonth": str(certificate.valid_until.month),
        "certId": certificate.serial,
        "certUrl": certificate.get_verify_url(),
    }


@pytest.mark.parametrize("reissues", [0, 2])
def test_my_certificates_runs_a_fixed_number_of_queries(
    complete, login, django_assert_num_queries, django_capture_on_commit_callbacks, reissues
):
    certificate = _issue(complete, django_capture_on_commit_callbacks)
    for _ in range(reissues):
        services.certificate_revoke(actor=complete.admin, certificate=certificate, reason="Again.")
        certificate = _issue(complete, django_capture_on_commit_callbacks)
    client = login(complete.trainee_a)
    client.get(reverse("certificates:mine"))  # warm the session and site caches
    with django_assert_num_queries(4):
        page = client.get(reverse("certificates:mine")).content.decode()
    assert page.count('class="card"') == 1 + reissues


def test_status_list_is_served_with_the_cache_lifetime_it_signs_as_its_ttl(
    complete, client, settings, django_capture_on_commit_callbacks
):
    settings.STATUS_LIST_MAX_AGE = 120
    certificate = _issue(complete, django_capture_on_commit_callbacks)
    response = client.get(reverse("certificates:status_list", args=[certificate.status_list_id]))
    assert "max-age=120" in response["Cache-Control"] and "public" in response["Cache-Control"]
    listed = response.json()
    assert listed["credentialSubject"]["ttl"] == 120_000  # milliseconds
    # The ttl is signed: the list still verifies as the issuer's.
    assert verification.verify_uploaded(certificate.credential).outcome == verifier.VERIFIED
