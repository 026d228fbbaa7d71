"""Our credentials verify where others verify (issue 16, item 1).

The running site (gunicorn + a Celery worker on PostgreSQL and Redis) issues, revokes
and re-issues; the holder downloads the credential over HTTP; an independent verifier
(Digital Bazaar's JavaScript VC 2.0 / Data Integrity eddsa-rdfc-2022 / Bitstring Status
List stack, tests/interop_verifier, installed by `make test-integration` from its
lockfile) checks it in JSON-LD safe mode, fetching the issuer's did:web document and the
status list from the site itself. The same credentials go to the site's own VC-API
endpoint, which must agree, and its per-address limit must hold across processes.
"""

import copy
import json
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from certificates.credentials import multibase
from certificates.models import Certificate
from certificates.tasks import issue_certificate
from factories.accounts import PASSWORD
from jobs.services import enqueue
from support import free_port, wait_until  # same folder
from test_auth_integration import Browser  # same folder

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

VERIFIER = Path(__file__).resolve().parents[1] / "interop_verifier"


@pytest.fixture(autouse=True)
def _production_hasher(settings):
    """The app processes run the production settings, which do not read the fast test
    hasher's hashes: users made here get production ones."""
    from django.conf import global_settings

    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS


@pytest.fixture
def site(settings, complete, start_app_server, start_worker):
    """The site at http://127.0.0.1:<port>, its did:web naming that host and port; the
    trainee can sign in with a password."""
    port = free_port()
    settings.SITE_URL = f"http://127.0.0.1:{port}"
    settings.CREDENTIAL_ISSUER_HOST = f"127.0.0.1:{port}"
    complete.trainee_a.set_password(PASSWORD)
    complete.trainee_a.save()
    server = start_app_server(port=port, CREDENTIAL_VERIFY_RATE_LIMIT="1000/m")
    start_worker()
    complete.server = server
    return complete


def outside_verifier(server, document) -> dict:
    assert (VERIFIER / "node_modules").is_dir(), "run `make interop-verifier` (make test-integration does)"
    done = subprocess.run(["node", "verify.mjs", "--origin", server.url, "-"], cwd=VERIFIER,
                          input=json.dumps(document), capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)


def site_verifier(server, document) -> tuple[int, dict]:
    request = urllib.request.Request(f"{server.url}/credentials/verify",
                                     data=json.dumps({"verifiableCredential": document}).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310 - loopback test server
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def get_json(server, path) -> dict:
    with urllib.request.urlopen(server.url + path, timeout=30) as answer:  # noqa: S310
        return json.load(answer)


def issued_by_the_worker(world, *, exclude=()) -> Certificate:
    enqueue(issue_certificate, enrolment_id=world.enrolment_a.pk, actor_id=world.admin.pk)
    return wait_until(
        lambda: Certificate.objects.live().filter(enrolment=world.enrolment_a).exclude(pk__in=exclude).first(),
        timeout=60, what="the worker's certificate",
    )


def downloaded(world, browser, certificate) -> dict:
    status, _, text = browser.request(world.server, "GET", f"/certificates/{certificate.pk}/credential/")
    assert status == 200, text[:300]
    return json.loads(text)


def _proof(c):
    return c["proof"][0]


def _achievement(c):
    return c["credentialSubject"]["achievement"]


# Single-field changes to a fresh credential, each of which an outside verifier must reject.
TAMPERS = {
    "subject identity": lambda c: c["credentialSubject"]["identifier"][0].update(
        identityHash="sha256$" + "0" * 64),
    "achievement name": lambda c: _achievement(c).update(name="Doctor of Medicine"),
    "criteria": lambda c: _achievement(c)["criteria"].update(narrative="Attended one lecture."),
    "alignment": lambda c: _achievement(c)["alignment"][0].update(targetCode="X99"),
    "valid from": lambda c: c.update(validFrom="2020-01-01T00:00:00Z"),
    "valid until added": lambda c: c.update(validUntil="2099-01-01T00:00:00Z"),
    "issuer name": lambda c: c["issuer"].update(name="Another Institute"),
    "proof value": lambda c: _proof(c).update(proofValue=multibase.encode_base58btc(bytes(64))),
    "verification method": lambda c: _proof(c).update(
        verificationMethod=_proof(c)["verificationMethod"].replace("#key-1", "#key-2")),
    "added property": lambda c: c.update(awardedWithHonours=True),
    "removed status": lambda c: c.pop("credentialStatus"),
    "status index": lambda c: c["credentialStatus"].update(statusListIndex="7"),
}


def test_fresh_revoked_and_reissued_credentials_verify_in_an_outside_verifier(site):
    from certificates import services

    server = site.server
    browser = Browser()
    assert browser.sign_in(server, site.trainee_a.email, PASSWORD)[0] == 302

    # Fresh: issued by the worker, downloaded by the holder, verified from outside.
    first = issued_by_the_worker(site)
    fresh = downloaded(site, browser, first)
    assert fresh["issuer"]["id"] == f"did:web:127.0.0.1%3A{server.port}"
    result = outside_verifier(server, fresh)
    assert result == {"verified": True, "revoked": False,
                      "statuses": [{"purpose": "revocation", "set": False}], "errors": []}, result
    assert site_verifier(server, fresh)[0] == 200

    # Each single-field tamper is rejected there (and here).
    for what, change in TAMPERS.items():
        tampered = copy.deepcopy(fresh)
        change(tampered)
        result = outside_verifier(server, tampered)
        assert result["verified"] is False, (what, result)
        assert site_verifier(server, tampered)[0] == 422, what

    # Revoked: the same file now reads revoked there, from the list the site serves.
    services.certificate_revoke(actor=site.admin, certificate=first, reason="Issued in error.")
    result = outside_verifier(server, fresh)
    assert result["verified"] is False and result["revoked"] is True and result["errors"] == [], result
    status, body = site_verifier(server, fresh)
    assert status == 422 and body["revoked"] is True

    # Re-issued after revocation: a new credential, verified; the old one stays revoked.
    second = issued_by_the_worker(site, exclude=[first.pk])
    reissued = downloaded(site, browser, second)
    assert reissued["id"] != fresh["id"]
    result = outside_verifier(server, reissued)
    assert result["verified"] is True and result["revoked"] is False, result
    assert site_verifier(server, reissued)[0] == 200
    assert outside_verifier(server, fresh)["revoked"] is True

    # The status list credential itself, as served, verifies there too.
    listed = get_json(server, f"/credentials/status/{second.status_list_id}/")
    assert outside_verifier(server, listed) == {"verified": True, "revoked": False, "statuses": [],
                                                "errors": []}


def test_the_verify_limit_is_counted_once_across_web_processes(settings, start_app_server):
    """Two gunicorn processes, one Redis: the fourth check from one address is refused,
    whichever process answers it."""
    servers = [start_app_server(CREDENTIAL_VERIFY_RATE_LIMIT="3/m") for _ in range(2)]
    statuses = [site_verifier(servers[i % 2], {})[0] for i in range(4)]
    assert statuses == [422, 422, 422, 429]
