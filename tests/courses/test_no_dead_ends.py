"""No dead ends (issue 19): an applicant sees where their application stands; a
certified trainee's home says so and offers the certificate, not consultation nudges."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from certificates import services as certificates
from courses.models import Application
from courses.services import application_decline
from factories.accounts import UserFactory

pytestmark = pytest.mark.django_db


def _apply(client, world, applicant):
    world.cohort.open_for_applications = True
    world.cohort.save()
    client.force_login(applicant)
    return client.post(reverse("courses:apply", args=[world.cohort.program.slug]), {
        "cohort": world.cohort.pk, "profession": "prescriber", "license_type": "PMHNP",
        "license_number": "NP-1234", "license_jurisdiction": "Oregon",
        "license_expires_on": (timezone.localdate() + datetime.timedelta(days=400)).isoformat(),
        "attest_scope": "on",
    })


def test_an_applicant_lands_on_their_applications_status_then_reads_the_decision(client, world, curriculum):
    applicant = UserFactory(email="applicant@kapstone.test")
    response = _apply(client, world, applicant)
    assert response["Location"] == reverse("courses:my_applications")
    page = client.get(reverse("courses:my_applications")).content.decode()
    assert "Under review" in page and world.cohort.name in page
    welcome = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("courses:my_applications")}"' in welcome

    application_decline(actor=world.admin, application=Application.objects.get(),
                        reason="Your license could not be verified.")
    page = client.get(reverse("courses:my_applications")).content.decode()
    assert "Declined" in page and "Your license could not be verified." in page
    assert "Under review" not in page
    # Another person's applications are never listed.
    client.force_login(world.trainee_b)
    assert "Your license could not be verified." not in client.get(reverse("courses:my_applications")).content.decode()


def test_a_certified_trainee_is_told_so_and_offered_the_certificate(client, complete, django_capture_on_commit_callbacks):
    client.force_login(complete.trainee_a)
    before = client.get(reverse("courses:trainee_home")).content.decode()
    assert "Arrange consultation" in before and "Certified" not in before
    with django_capture_on_commit_callbacks(execute=True):
        certificate, _ = certificates.certificate_issue(actor=complete.admin, enrolment=complete.enrolment_a)
    page = client.get(reverse("courses:trainee_home")).content.decode()
    assert '<span class="badge text-bg-success">Certified</span>' in page
    assert "You are certified." in page and "Arrange consultation" not in page
    assert f'href="{reverse("certificates:pdf", args=[certificate.pk])}"' in page
    assert f'href="{reverse("certificates:verify", args=[certificate.verification_code])}"' in page
