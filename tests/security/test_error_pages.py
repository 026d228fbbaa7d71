"""With DEBUG off, errors show a friendly page: no traceback, no settings, no paths."""

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client
from django.urls import include, path

from core.access import PUBLIC, access

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

MARKER = "kapstone-internal-detail-7f3a"


@access(PUBLIC)
def _crash(request):
    raise RuntimeError(f"database password is {MARKER}")


@access(PUBLIC)
def _suspicious(request):
    raise SuspiciousOperation(f"tampered input {MARKER}")


@access(PUBLIC)
def _forbidden(request):
    raise PermissionDenied(f"internal rule {MARKER}")


urlpatterns = [
    path("crash/", _crash),
    path("suspicious/", _suspicious),
    path("forbidden/", _forbidden),
    path("", include("config.urls")),
]


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    return Client(raise_request_exception=False)


def _leaks(body: str, secret_key: str) -> list[str]:
    telltales = [MARKER, "Traceback", 'File "', ".py", "SECRET_KEY", secret_key,
                 "DATABASES", "Django Version", "Request Method", "URLconf", "/work/"]
    return [t for t in telltales if t in body]


@pytest.mark.parametrize(
    "url, status, heading",
    [
        ("/crash/", 500, "Something went wrong"),
        ("/suspicious/", 400, "This request could not be understood"),
        ("/forbidden/", 403, "You can't do that here"),
        ("/no-such-page/", 404, "Page not found"),
    ],
)
def test_errors_show_a_friendly_page_and_nothing_internal(
    production, settings, url, status, heading
):
    response = production.get(url)
    body = response.content.decode()
    assert response.status_code == status
    assert f"<h1>{heading}" in body
    assert _leaks(body, settings.SECRET_KEY) == []
    # Error pages get the same headers as every other page.
    assert "script-src 'self';" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_a_request_for_an_unknown_host_gets_the_friendly_400(production, settings):
    response = production.get("/", HTTP_HOST="attacker.example")
    assert response.status_code == 400
    body = response.content.decode()
    assert "This request could not be understood" in body
    assert _leaks(body, settings.SECRET_KEY) == []


def test_a_form_posted_without_its_csrf_token_explains_itself(production, settings):
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    response = client.post("/accounts/login/", {"login": "a@kapstone.test", "password": "x"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "This form has expired" in body and "Nothing was saved" in body
    assert _leaks(body, settings.SECRET_KEY) == []
