"""The verifier anyone may call: /verify/ and POST /credentials/verify (W3C CCG VC-API),
both running the checks in a child process with a hard time limit, rate limited per
address in the shared cache, and saying what they verified."""

import copy
import datetime
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from certificates import sandbox, services, verification, verify_worker
from certificates.credentials import multibase, proof, verifier
from certificates.views.api import MAX_REQUEST_BYTES
from test_limits import poison_credential  # same folder

pytestmark = pytest.mark.django_db

API = "/credentials/verify"
VC1 = "https://www.w3.org/2018/credentials/v1"
VC2 = "https://www.w3.org/ns/credentials/v2"
DI1 = "https://w3id.org/security/data-integrity/v1"


@pytest.fixture
def issued(complete, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        certificate, _ = services.certificate_issue(actor=complete.admin, enrolment=complete.enrolment_a)
    mail.outbox.clear()
    complete.certificate = certificate
    return complete


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()


class DidKey:
    """A did:key issuer made for the test: its key travels in its identifier."""

    def __init__(self):
        self.private_key = Ed25519PrivateKey.generate()
        raw = self.private_key.public_key().public_bytes(serialization.Encoding.Raw,
                                                         serialization.PublicFormat.Raw)
        fingerprint = multibase.public_multikey(raw)
        self.did = f"did:key:{fingerprint}"
        self.verification_method = f"{self.did}#{fingerprint}"


def did_key_credential(*, model: str = "2.0", purpose: str = "assertionMethod", **extra) -> dict:
    key = DidKey()
    if model == "2.0":
        document = {"@context": [VC2], "validFrom": "2026-01-01T00:00:00Z"}
    else:
        document = {"@context": [VC1, DI1], "issuanceDate": "2026-01-01T00:00:00Z"}
    document.update({
        "id": "urn:uuid:3c1a5e0a-7d4f-4d7b-9c55-1f0b7c8f2e10",
        "type": ["VerifiableCredential"],
        "issuer": key.did,
        "credentialSubject": {"id": "did:example:holder"},
        **extra,
    })
    return proof.sign(document, key, proof_purpose=purpose)


def post(client, body, **headers):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post(API, data=data, content_type="application/json", **headers)


# --- the child process ---------------------------------------------------------------

def test_own_credential_verifies_in_the_child_process(issued):
    outcome = sandbox.run_checks(verification.verification_job(issued.certificate.credential))
    assert not outcome.killed
    assert outcome.report.outcome == verifier.VERIFIED, outcome.report.checks


def test_a_child_past_the_time_limit_is_killed_and_the_answer_is_too_complex(issued, monkeypatch):
    children = []
    take = sandbox._spares.take
    monkeypatch.setattr(sandbox._spares, "take", lambda: children.append(take()) or children[-1])
    # No check of any credential, however simple, finishes in a millisecond: the limit
    # is what stops it here, as it stops a credential the budgets do not catch.
    outcome = sandbox.run_checks(verification.verification_job(issued.certificate.credential),
                                 time_limit=0.001)
    assert outcome.killed
    assert outcome.report.outcome == verifier.TOO_COMPLEX
    assert "took longer than 0.001 seconds" in outcome.report.checks[0].message
    assert children[0].returncode is not None  # killed and reaped, not left running


def test_the_poison_credential_is_too_complex_by_its_budget_not_the_clock(db):
    outcome = sandbox.run_checks(verification.verification_job(poison_credential(8)), time_limit=30)
    assert not outcome.killed
    assert outcome.report.outcome == verifier.TOO_COMPLEX


def test_a_checker_that_dies_without_answering_is_not_a_verdict_and_not_a_crash(issued, monkeypatch,
                                                                                 settings):
    settings.CREDENTIAL_VERIFY_SPARE = False  # no spare left behind with the stand-in command
    silent = "import sys; print('ready', flush=True); sys.stdin.read()"
    monkeypatch.setattr(sandbox, "COMMAND", (sandbox.sys.executable, "-c", silent))
    monkeypatch.setattr(sandbox._spares, "_spare", None)
    report = sandbox.run_checks(verification.verification_job(issued.certificate.credential)).report
    assert report.outcome == verifier.NOT_VERIFIED
    assert "could not be checked" in report.checks[0].message


def test_a_child_that_never_gets_ready_is_given_up_on_and_not_blamed_on_the_credential(
    issued, monkeypatch, settings
):
    settings.CREDENTIAL_VERIFY_SPARE = False
    monkeypatch.setattr(sandbox, "COMMAND", (sandbox.sys.executable, "-c", "import time; time.sleep(60)"))
    monkeypatch.setattr(sandbox, "STARTUP_LIMIT", 0.5)
    monkeypatch.setattr(sandbox._spares, "_spare", None)
    outcome = sandbox.run_checks(verification.verification_job(issued.certificate.credential))
    assert not outcome.killed and outcome.report.outcome == verifier.NOT_VERIFIED
    assert "could not be checked" in outcome.report.checks[0].message


# --- POST /credentials/verify ---------------------------------------------------------

def test_own_credential_is_verified_with_checks_and_a_summary(issued, client):
    response = post(client, {"verifiableCredential": issued.certificate.credential, "options": {}})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["errors"] == [] and body["warnings"] == []
    assert {"proof", "issuer", "validity", "credentialStatus"} <= set(body["checks"])
    summary = body["summary"]
    certificate = issued.certificate
    assert summary["holder"] == issued.trainee_a.full_name
    assert summary["achievement"] == issued.enrolment_a.cohort.program.name
    assert summary["issuer"] == "Kapstone"
    assert summary["serial"] == certificate.serial
    assert summary["issued"] == f"{certificate.issued_at:%Y-%m-%d}"
    assert summary["verification_url"] == certificate.get_verify_url()


def test_api_needs_no_csrf_token_and_no_session(issued):
    client = Client(enforce_csrf_checks=True)
    response = post(client, {"verifiableCredential": issued.certificate.credential})
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers and response["Cache-Control"] == "no-store"


def test_a_revoked_credential_is_422_and_says_revoked(issued, client):
    services.certificate_revoke(actor=issued.admin, certificate=issued.certificate, reason="Error.")
    response = post(client, {"verifiableCredential": issued.certificate.credential})
    assert response.status_code == 422
    body = response.json()
    assert body["revoked"] is True and any("Revoked" in e for e in body["errors"])


def _tampered(credential, change):
    copied = copy.deepcopy(credential)
    change(copied)
    return copied


def _set_subject_id(c):
    c["credentialSubject"]["id"] = "did:example:someone-else"


def _set(path, value):
    def change(c):
        node = c
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return change


def _proof(c):
    return c["proof"][0] if isinstance(c["proof"], list) else c["proof"]


TAMPERS = {
    "subject": _set_subject_id,
    "achievement name": _set(["credentialSubject", "achievement", "name"], "Brain surgery"),
    "valid from": _set(["validFrom"], "2020-01-01T00:00:00Z"),
    "issuer name": _set(["issuer", "name"], "Someone Else"),
    "proof value": lambda c: _proof(c).update(proofValue=multibase.encode_base58btc(bytes(64))),
    "proof type": lambda c: _proof(c).update(type="Ed25519Signature2020"),
    "no proof": lambda c: c.pop("proof"),
    "added property": lambda c: c.update(honours="cum laude"),
    "no status": lambda c: c.pop("credentialStatus"),
}


@pytest.mark.parametrize("what", TAMPERS)
def test_a_tampered_or_proofless_credential_is_422_with_its_errors(issued, client, what):
    credential = _tampered(issued.certificate.credential, TAMPERS[what])
    response = post(client, {"verifiableCredential": credential})
    assert response.status_code == 422, (what, response.json())
    assert response.json()["errors"]


def test_did_key_credentials_verify_offline_in_vc_2_and_vc_1_1(db, client):
    for model in ("2.0", "1.1"):
        response = post(client, {"verifiableCredential": did_key_credential(model=model)})
        assert response.status_code == 200, (model, response.json())


def test_a_vc_1_1_credential_without_an_issuance_date_is_not_verified(db, client):
    credential = did_key_credential(model="1.1")
    del credential["issuanceDate"]
    response = post(client, {"verifiableCredential": credential})
    assert response.status_code == 422
    assert any("issuanceDate" in e for e in response.json()["errors"])


def test_a_proof_made_for_another_purpose_is_rejected(db, client):
    response = post(client, {"verifiableCredential": did_key_credential(purpose="authentication")})
    assert response.status_code == 422
    assert any("proof purpose" in e for e in response.json()["errors"])


def test_an_expired_credential_says_expired(db, client):
    credential = did_key_credential(validUntil="2026-02-01T00:00:00Z")
    job = verification.verification_job(credential)
    job["now"] = "2026-03-01T00:00:00+00:00"
    report = verify_worker.run(job)
    assert not report.valid
    assert "It expired on 01 February 2026." in [c.message for c in report.checks]


@pytest.mark.parametrize("body, status", [
    (b"not json", 400),
    (b"[1, 2]", 400),
    ({"credential": {}}, 400),
    ({"verifiableCredential": "a string"}, 400),
    ({"verifiableCredential": {}, "options": []}, 400),
    ({"verifiableCredential": {}}, 422),
    ({"verifiableCredential": {"@context": ["https://evil.example/context"], "type": "X"}}, 422),
    (b"[" * 100_000, 400),
])
def test_malformed_requests_are_4xx_with_a_message_never_5xx(db, client, body, status):
    response = post(client, body)
    assert response.status_code == status
    assert response.json()["errors"] and all(isinstance(e, str) for e in response.json()["errors"])


def test_a_body_over_the_limit_is_refused_before_it_is_parsed(db, client, monkeypatch):
    from types import SimpleNamespace

    from certificates.views import api

    monkeypatch.setattr(api, "json", SimpleNamespace(loads=lambda *a, **k: pytest.fail("parsed")))
    response = post(client, b" " * (MAX_REQUEST_BYTES + 1))
    assert response.status_code == 413


def test_only_post_is_taken(db, client):
    assert client.get(API).status_code == 405


def test_foreign_checks_are_limited_per_address_in_the_shared_cache(db, settings):
    settings.CREDENTIAL_VERIFY_RATE_LIMIT = "3/m"
    body = {"verifiableCredential": {}}
    first, second = Client(REMOTE_ADDR="198.51.100.7"), Client(REMOTE_ADDR="198.51.100.7")
    statuses = [post(c, body).status_code for c in (first, second, first, second)]
    assert statuses == [422, 422, 422, 429]
    # The page shares the count: it is the same work.
    page = first.post(reverse("certificates:verify_file"), {"credential_text": "{}"})
    assert page.status_code == 429
    assert post(Client(REMOTE_ADDR="198.51.100.8"), body).status_code == 422
    cache.clear()  # the count lives in the default (shared) cache, nowhere else
    assert post(first, body).status_code == 422


# --- the /verify/ page -----------------------------------------------------------------

def test_page_names_what_it_verified_and_links_our_public_page(issued, client):
    text = json.dumps(issued.certificate.credential)
    page = client.post(reverse("certificates:verify_file"), {"credential_text": text}).content.decode()
    certificate = issued.certificate
    assert "The credential checks out" in page
    for shown in (issued.trainee_a.full_name, issued.enrolment_a.cohort.program.name, "Kapstone",
                  certificate.serial, f"{certificate.issued_at:%Y-%m-%d}", certificate.get_verify_url()):
        assert shown in page


def test_page_names_a_foreign_holder_when_the_credential_carries_a_name(db, client):
    credential = did_key_credential(credentialSubject={"id": "did:example:holder", "name": "Ada Lovelace"})
    page = client.post(reverse("certificates:verify_file"),
                       {"credential_text": json.dumps(credential)}).content.decode()
    assert "The credential checks out" in page
    assert "Ada Lovelace" in page and "Verification page" not in page


def test_page_answers_the_poison_credential_too_complex(db, client):
    page = client.post(reverse("certificates:verify_file"),
                       {"credential_text": json.dumps(poison_credential(8))})
    assert page.status_code == 200
    assert "Too complex to verify" in page.content.decode()


@pytest.mark.parametrize("revocations", [0, 2])
def test_api_and_page_run_a_fixed_number_of_queries(issued, client, django_assert_num_queries, settings,
                                                    revocations):
    settings.CREDENTIAL_VERIFY_RATE_LIMIT = "1000/m"
    certificate = issued.certificate
    for _ in range(revocations):  # more certificates and more revoked bits on the list
        services.certificate_revoke(actor=issued.admin, certificate=certificate, reason="Again.")
        certificate, _ = services.certificate_issue(actor=issued.admin, enrolment=issued.enrolment_a)
    post(client, {"verifiableCredential": certificate.credential})  # signs the list, caches the site
    # The status list, then the certificate the summary names.
    with django_assert_num_queries(2):
        assert post(client, {"verifiableCredential": certificate.credential}).status_code == 200
    with django_assert_num_queries(2):
        page = client.post(reverse("certificates:verify_file"),
                           {"credential_text": json.dumps(certificate.credential)})
    assert certificate.serial in page.content.decode()


def test_checks_of_own_credentials_in_process_and_in_the_child_agree(issued):
    job = verification.verification_job(issued.certificate.credential)
    in_process = verify_worker.run(job)
    child = sandbox.run_checks(job).report
    assert [(c.name, c.ok) for c in in_process.checks] == [(c.name, c.ok) for c in child.checks]
    assert datetime.datetime.fromisoformat(job["now"]).tzinfo is not None


class _Answer:
    def __init__(self, body: bytes):
        self.body = body

    def read(self, limit):
        return self.body[:limit]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.mark.parametrize("enabled", [False, True])
def test_other_issuers_status_lists_are_fetched_only_when_enabled(db, settings, monkeypatch, enabled):
    from certificates.credentials import status_list

    settings.CREDENTIAL_VERIFY_FOREIGN_STATUS_LISTS = enabled
    key = DidKey()
    list_url = "https://lists.example/status/1"
    listed = proof.sign(status_list.status_list_credential(
        id=list_url, issuer=key.did, valid_from=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        revoked_indexes=[42]), key)
    document = {"@context": [VC2], "type": ["VerifiableCredential"], "issuer": key.did,
                "validFrom": "2026-01-01T00:00:00Z", "credentialSubject": {"id": "did:example:holder"},
                "credentialStatus": status_list.status_entry(list_url, 42)}
    credential = proof.sign(document, key)
    fetched = []

    def urlopen(request, timeout):
        fetched.append(request.full_url)
        return _Answer(json.dumps(listed).encode())

    monkeypatch.setattr(verify_worker.urllib.request, "urlopen", urlopen)
    report = verify_worker.run(verification.verification_job(credential))
    assert not report.valid
    if enabled:
        assert fetched == [list_url] and report.revoked
    else:
        assert fetched == [] and not report.revoked
        assert f"The status list {list_url} could not be obtained." in [c.message for c in report.checks]
