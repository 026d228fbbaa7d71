"""One address for every absolute link: `make demo PORT=…` serves there, and SITE_URL
(and the did:web issuer derived from it) follows the port unless set explicitly."""

import json
import subprocess

import pytest
from django.core import mail
from django.test.utils import override_settings

from certificates import services
from pdf_reading import pdf_text  # tests/
from test_settings import ROOT, _run  # tests/

ADDRESS = "http://127.0.0.1:8123"


def _make_demo_dry_run(*args: str) -> str:
    """What `make demo` would run (make -n prints the recipe without running it)."""
    result = subprocess.run(
        ["make", "-n", "-W", "migrate", "demo", *args], cwd=ROOT, capture_output=True, text=True,
        timeout=60, env={"PATH": "/usr/bin:/bin", "HOME": "/tmp"},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_make_demo_serves_on_the_port_given_and_links_to_it():
    recipe = _make_demo_dry_run("PORT=8123")
    assert "runserver 127.0.0.1:8123" in recipe
    assert recipe.count("SITE_URL=http://127.0.0.1:8123") == 2  # loading and serving
    assert ":8000" not in recipe


def test_make_demo_defaults_to_port_8000_and_keeps_an_explicit_site_url():
    assert "runserver 127.0.0.1:8000" in _make_demo_dry_run()
    recipe = _make_demo_dry_run("PORT=8123", "SITE_URL=https://kap.example")
    assert "runserver 127.0.0.1:8123" in recipe and "SITE_URL=https://kap.example" in recipe
    assert "SITE_URL=http://127.0.0.1:8123" not in recipe


def test_the_issuer_did_names_the_host_and_port_of_site_url():
    probe = "import django; from django.conf import settings; django.setup(); " \
        "print(settings.SITE_URL, settings.CREDENTIAL_ISSUER_HOST, settings.WAGTAILADMIN_BASE_URL)"
    result = _run(["-c", probe], {"SITE_URL": ADDRESS + "/"}, settings="config.settings.local")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [ADDRESS, "127.0.0.1:8123", ADDRESS]


@pytest.mark.django_db
@override_settings(SITE_URL=ADDRESS, CREDENTIAL_ISSUER_HOST="127.0.0.1:8123")
def test_every_absolute_link_of_a_certificate_uses_the_site_address(
    complete, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        certificate, _ = services.certificate_issue(actor=complete.admin, enrolment=complete.enrolment_a)
    certificate.refresh_from_db()
    credential = certificate.credential
    did = "did:web:127.0.0.1%3A8123"
    assert credential["issuer"]["id"] == did
    assert credential["credentialStatus"]["statusListCredential"].startswith(ADDRESS + "/")
    verify_url = f"{ADDRESS}/verify/{certificate.verification_code}/"
    assert certificate.get_verify_url() == verify_url
    assert verify_url in " ".join(pdf_text(certificate.pdf.read()).split())
    assert f"{ADDRESS}/certificates/" in mail.outbox[-1].body
    document = client.get("/.well-known/did.json").json()
    assert document["id"] == did
    assert all(method["controller"] == did for method in document["verificationMethod"])
    status = client.get(credential["credentialStatus"]["statusListCredential"][len(ADDRESS):])
    assert status.status_code == 200
    assert json.loads(status.content)["issuer"] in (did, {"id": did})
