"""Digits that are not ASCII digits never reach ``int()`` (penetration test, issue 17,
finding 9): ``"²".isdigit()`` is true and ``int("²")`` raises, which answered 500.

Every id from a query string or a form goes through a form field or a URL converter;
these are the three places the test found, with the kinds of text that broke them.
"""

import pytest
from django.test import Client
from django.urls import reverse

from certificates.models import Certificate

pytestmark = pytest.mark.django_db

# Superscript, Arabic-Indic, full-width, a digit with a combining accent, mathematical.
STRANGE_DIGITS = ["²", "١", "５", "１２", "1\u0301", "\U0001d7d9", "①", "٣٤"]


@pytest.fixture
def admin_client(world):
    client = Client(raise_request_exception=False)
    client.force_login(world.admin)
    return client


@pytest.mark.parametrize("value", STRANGE_DIGITS)
@pytest.mark.parametrize("param", ["trainer", "cohort"])
def test_the_cohort_matrix_ignores_strange_digits_in_its_filters(world, admin_client, param, value):
    url = reverse("certificates:cohort_matrix", args=[world.cohort.pk])
    response = admin_client.get(url, {param: value})
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 302:  # only ever to a cohort that exists
        assert response["Location"].startswith("/manage/cohorts/")
        assert admin_client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize("value", STRANGE_DIGITS)
def test_the_issue_view_refuses_strange_digits_with_a_message(world, admin_client, value):
    url = reverse("certificates:issue", args=[world.cohort.pk])
    response = admin_client.post(url, {"enrolment": [value]})
    assert response.status_code == 302
    page = admin_client.get(response["Location"]).content.decode()
    assert "Select at least one trainee" in page
    response = admin_client.post(url, {"enrolment": [value, str(world.enrolment_a.pk)], "step": "confirm",
                                       "confirm": "on"})
    assert response.status_code in (200, 302)
    assert not Certificate.objects.exists()
