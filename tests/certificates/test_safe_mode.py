"""JSON-LD safe mode, signing and verifying alike (issue 16, item 2).

A term JSON-LD would drop, or a type or IRI that does not expand to an absolute IRI, is
an error naming it: Kapstone neither signs such a document nor calls one verified.
Documents "signed unsafely" below are signed the way Kapstone signed before issue 16
(PyLD's plain URDNA2015, which resolves undefined types against its placeholder base).
"""

import copy
import datetime
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certificates.credentials import jsonld, keys, proof, verifier
from credential_helpers import pyld_only_nquads, sign_unsafely  # tests/certificates/

INTEROP = Path(__file__).resolve().parents[1] / "data" / "interop"
NOW = datetime.datetime(2026, 11, 25, tzinfo=datetime.UTC)
EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
SCHEMA_ENTRY = {
    "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
          "ob_v3p0_achievementcredential_schema.json",
    "type": "1EdTechJsonSchemaValidator2019",
}


@pytest.fixture
def key():
    return keys.SigningKey(Ed25519PrivateKey.generate(), "did:web:issuer.example")


@pytest.fixture
def badge(key):
    """The OB 3.0 basic example as Kapstone shaped it before issue 16: a credentialSchema
    typed 1EdTechJsonSchemaValidator2019 without the context that defines that type."""
    document = json.loads((INTEROP / "ob3-examples" / "basic-openbadgecredential.json").read_text())
    document.pop("proof", None)
    document["issuer"] = {"id": key.did, "type": ["Profile"], "name": "Kapstone"}
    document["validFrom"] = "2026-01-01T00:00:00Z"
    document["credentialSchema"] = [dict(SCHEMA_ENTRY)]
    return document


def _verify(document, key):
    def resolve(method):
        if method != key.verification_method:
            raise verifier.UnknownKey(method)
        return key.public_key
    return verifier.verify_credential(document, resolve_verification_method=resolve,
                                      fetch_status_list=lambda url: None, now=NOW)


def test_pyld_alone_signs_an_undefined_type_as_a_placeholder_iri(badge):
    """Why safe mode is needed: this is the triple Kapstone used to sign."""
    nquads = pyld_only_nquads(badge)
    assert "<http://example.org/base/1EdTechJsonSchemaValidator2019>" in nquads


def test_signing_refuses_an_undefined_type_naming_it(badge, key):
    with pytest.raises(jsonld.NotAbsoluteIris, match="1EdTechJsonSchemaValidator2019") as refused:
        proof.sign(badge, key)
    assert refused.value.terms == ["1EdTechJsonSchemaValidator2019"]


def test_with_the_extensions_context_the_type_is_an_iri_and_signing_works(badge, key):
    badge["@context"].append(EXTENSIONS)
    signed = proof.sign(badge, key)
    defined = ("<https://purl.imsglobal.org/spec/vccs/v1p0/context.json"
               "#1EdTechJsonSchemaValidator2019>")
    assert defined in jsonld.canonicalize(badge)
    assert _verify(signed, key).outcome == verifier.VERIFIED


def test_verifying_a_credential_signed_with_an_undefined_type_is_not_verified_with_the_reason(
    badge, key
):
    signed = sign_unsafely(badge, key)
    report = _verify(signed, key)
    assert not report.valid and report.outcome == verifier.NOT_VERIFIED
    failed = [check for check in report.checks if not check.ok]
    assert failed[0].name == "well formed"
    assert "1EdTechJsonSchemaValidator2019" in failed[0].message
    # The signature step alone (the shared canonicalization) refuses it too.
    result = proof.verify_proof(signed, lambda method: key.public_key)
    assert not result.ok and "1EdTechJsonSchemaValidator2019" in result.message


def _relative_type(d):
    d["credentialSubject"]["type"] = ["AchievementSubject", "Graduate"]


def _relative_id(d):
    d["credentialSubject"]["achievement"]["id"] = "achievements/kap"


def _blank_node_type(d):
    d["credentialSubject"]["type"] = ["AchievementSubject", "_:thing"]


def _relative_datatype(d):
    d["credentialSubject"]["achievement"]["name"] = {"@value": "KAP", "@type": "localString"}


def _blank_node_property(d):
    d["@context"].append({"weird": {"@id": "_:weird"}})
    d["credentialSubject"]["weird"] = "x"


def _malformed_iri(d):
    d["credentialSubject"]["achievement"]["id"] = "https://example.org/<kap>"


def _dropped_property(d):
    d["credentialSubject"]["honorary"] = True


UNSAFE = [
    (_relative_type, "Graduate"),
    (_relative_id, "achievements/kap"),
    (_blank_node_type, "_:thing"),
    (_relative_datatype, "localString"),
    (_blank_node_property, "_:weird"),
    (_malformed_iri, "https://example.org/<kap>"),
    (_dropped_property, "honorary"),
]


@pytest.mark.parametrize("make_unsafe, term", UNSAFE, ids=[u[0].__name__ for u in UNSAFE])
def test_signing_and_verifying_refuse_the_same_unsafe_documents(badge, key, make_unsafe, term):
    badge["@context"].append(EXTENSIONS)
    make_unsafe(badge)
    with pytest.raises(jsonld.SafeModeError) as refused:
        proof.sign(badge, key)
    assert term in refused.value.terms
    report = _verify(sign_unsafely(badge, key), key)
    assert report.outcome == verifier.NOT_VERIFIED
    assert any(term in check.message for check in report.checks if not check.ok)


def test_signing_and_verifying_go_through_one_safe_mode_function(badge, key, monkeypatch):
    badge["@context"].append(EXTENSIONS)
    signed = proof.sign(badge, key)
    original = jsonld.safe_expand
    seen = []

    def refusing(document):
        seen.append(document)
        if document.get("name") == badge["name"]:
            raise jsonld.NotAbsoluteIris(["sentinel-term"])
        return original(document)

    monkeypatch.setattr(jsonld, "safe_expand", refusing)
    with pytest.raises(jsonld.NotAbsoluteIris, match="sentinel-term"):
        proof.sign(badge, key)
    signing_calls = len(seen)
    report = _verify(copy.deepcopy(signed), key)
    assert signing_calls >= 1 and len(seen) > signing_calls
    assert report.outcome == verifier.NOT_VERIFIED
    assert "sentinel-term" in report.checks[0].message
    assert not proof.verify_proof(signed, lambda method: key.public_key).ok
