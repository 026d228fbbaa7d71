"""Signatures, status lists and the verifier, against published test data.

The W3C eddsa-rdfc-2022 vectors, 1EdTech's signed fixtures and the W3C/1EdTech status
lists are copies of published files in tests/data/interop (SOURCES.md there gives each
file's origin, commit and licence), not output of this code.
"""

import base64
import copy
import datetime
import gzip
import hashlib
import json
import random
import socket
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from certificates.credentials import jsonld, keys, multibase, proof, status_list, verifier

INTEROP = Path(__file__).resolve().parents[1] / "data" / "interop"
VECTORS = INTEROP / "vc-di-eddsa-vectors"
EDDSA = VECTORS / "eddsa-rdfc-2022"
NOW = datetime.datetime(2026, 11, 25, tzinfo=datetime.UTC)


def _read(path: Path) -> str:
    return path.read_text()


def _json(path: Path):
    return json.loads(path.read_text())


@pytest.fixture
def vector_key():
    pair = _json(VECTORS / "keyPair.json")
    private = keys.private_key_from_multikey(pair["privateKeyMultibase"])

    class VectorKey:
        private_key = private
        verification_method = _json(EDDSA / "proofConfigDataInt.json")["verificationMethod"]

    return VectorKey


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Nothing here may reach the network: contexts are bundled, keys resolved locally."""
    def refuse(*args, **kwargs):
        raise AssertionError("a network connection was attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)


def fragment_key(method: str) -> Ed25519PublicKey:
    """1EdTech's fixtures name their key as a multibase fragment of the issuer URL."""
    return Ed25519PublicKey.from_public_bytes(multibase.public_key_bytes(method.split("#", 1)[1]))


def test_contexts_are_the_published_files():
    index = _json(INTEROP / "jsonld" / "INDEX.json")["contexts"]
    bundled = json.loads((jsonld.CONTEXTS_DIR / "index.json").read_text())
    assert set(bundled) == set(index)
    for url, entry in bundled.items():
        digest = hashlib.sha256((jsonld.CONTEXTS_DIR / entry["file"]).read_bytes()).hexdigest()
        assert digest == index[url]["sha256"], url


def test_w3c_vector_every_intermediate_value(vector_key):
    unsigned = _json(VECTORS / "unsigned.json")
    config = _json(EDDSA / "proofConfigDataInt.json")
    canon_doc = jsonld.canonicalize(unsigned)
    canon_proof = jsonld.canonicalize(config)
    assert canon_doc == _read(EDDSA / "canonDocDataInt.txt")
    assert canon_proof == _read(EDDSA / "proofCanonDataInt.txt")
    doc_hash = hashlib.sha256(canon_doc.encode()).hexdigest()
    proof_hash = hashlib.sha256(canon_proof.encode()).hexdigest()
    assert doc_hash == _read(EDDSA / "docHashDataInt.txt").strip()
    assert proof_hash == _read(EDDSA / "proofHashDataInt.txt").strip()
    combined = proof.hash_data(unsigned, config)
    assert combined.hex() == _read(EDDSA / "combinedHashDataInt.txt").strip()
    signed = proof.sign(unsigned, vector_key, created=datetime.datetime(2023, 2, 24, 23, 36, 38, tzinfo=datetime.UTC))
    signature = multibase.decode_base58btc(signed["proof"]["proofValue"])
    assert signature.hex() == _read(EDDSA / "sigHexDataInt.txt").strip()
    assert signed["proof"]["proofValue"] == _read(EDDSA / "sigBTC58DataInt.txt").strip()
    assert signed == _json(EDDSA / "signedDataInt.json")


def test_w3c_signed_vector_verifies_with_its_did_key():
    result = proof.verify_proof(_json(EDDSA / "signedDataInt.json"), verifier.did_key_public_key)
    assert result.ok, result.message


@pytest.mark.parametrize("path", [
    *sorted((INTEROP / "ob3-examples" / "signed").glob("*.json")),
    *sorted((INTEROP / "clr2-examples").glob("*.json")),
    *sorted((VECTORS / "bitstring-status-list" / "1edtech-validator").glob("*.json")),
], ids=lambda p: p.name)
def test_1edtech_signed_fixtures_verify_with_only_bundled_contexts(path):
    document = _json(path)
    def resolve(method):
        return verifier.did_key_public_key(method) if method.startswith("did:key:") else fragment_key(method)
    result = proof.verify_proof(document, resolve)
    assert result.ok, result.message


@pytest.fixture
def own_key():
    private = Ed25519PrivateKey.generate()
    return keys.SigningKey(private, "did:web:issuer.example")


@pytest.fixture
def badge(own_key):
    document = _json(INTEROP / "ob3-examples" / "basic-openbadgecredential.json")
    document.pop("proof", None)
    document["issuer"] = {"id": own_key.did, "type": ["Profile"], "name": "Kapstone"}
    document["validFrom"] = "2026-01-01T00:00:00Z"
    return proof.sign(document, own_key, created=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))


def _verify(document, key, status=None):
    def resolve(method):
        if method != key.verification_method:
            raise verifier.UnknownKey(method)
        return key.public_key
    return verifier.verify_credential(document, resolve_verification_method=resolve,
                                      fetch_status_list=lambda url: status, now=NOW)


def test_sign_then_verify_round_trip(badge, own_key):
    report = _verify(badge, own_key)
    assert report.valid, report.checks
    assert [c.name for c in report.checks] == ["well formed", "signature", "issuer key", "dates", "status"]
    assert "Open Badges 3.0" in report.checks[0].message


def _tamper_subject(d):
    d["credentialSubject"]["achievement"]["name"] = "Doctor of Medicine"


def _tamper_extra_term(d):
    d["credentialSubject"]["honorary"] = True


def _tamper_created(d):
    d["proof"]["created"] = "2027-01-01T00:00:00Z"


def _tamper_value(d):
    value = d["proof"]["proofValue"]
    d["proof"]["proofValue"] = value[:-2] + ("11" if value[-2:] != "11" else "22")


def _tamper_context(d):
    d["@context"] = d["@context"][:1]  # without the OB 3.0 context its terms mean nothing


@pytest.mark.parametrize("tamper, check", [
    (_tamper_subject, "signature"),
    (_tamper_extra_term, "well formed"),
    (_tamper_created, "signature"),
    (_tamper_value, "signature"),
    (_tamper_context, "well formed"),
    (lambda d: d.pop("proof"), "signature"),
    (lambda d: d["proof"].update(cryptosuite="ecdsa-rdfc-2019"), "signature"),
    (lambda d: d["proof"].update(proofValue="not-base58"), "signature"),
    (lambda d: d.update(validFrom="2030-01-01T00:00:00Z"), "signature"),
])
def test_tampering_is_rejected(badge, own_key, tamper, check):
    tampered = copy.deepcopy(badge)
    tamper(tampered)
    report = _verify(tampered, own_key)
    assert not report.valid
    assert not next(c for c in report.checks if c.name == check).ok


def test_signing_refuses_a_term_no_context_defines(badge, own_key):
    document = {k: v for k, v in badge.items() if k != "proof"}
    document["credentialSubject"]["honorary"] = True
    with pytest.raises(jsonld.UndefinedTerms, match="honorary"):
        proof.sign(document, own_key)


def test_another_key_is_rejected(badge, own_key):
    other = keys.SigningKey(Ed25519PrivateKey.generate(), own_key.did)
    resigned = proof.sign({k: v for k, v in badge.items() if k != "proof"}, other)
    report = _verify(resigned, own_key)
    assert not report.valid and "signature" in [c.name for c in report.checks if not c.ok]


def test_a_key_not_belonging_to_the_issuer_is_rejected(badge, own_key):
    """A valid signature by a did:key that is not the issuer's proves nothing."""
    private = Ed25519PrivateKey.generate()
    did = "did:key:" + multibase.public_multikey(private.public_key().public_bytes_raw())

    class Stranger:
        private_key = private
        verification_method = f"{did}#{did[len('did:key:'):]}"

    signed = proof.sign({k: v for k, v in badge.items() if k != "proof"}, Stranger)
    checks = {c.name: c for c in _verify(signed, own_key).checks}
    assert checks["signature"].ok
    assert not checks["issuer key"].ok and "does not belong to the issuer" in checks["issuer key"].message


def test_an_unknown_context_is_refused_without_the_network(badge, own_key):
    document = copy.deepcopy(badge)
    document["@context"].append("https://contexts.example/evil.jsonld")
    report = _verify(document, own_key)
    assert not report.valid and "not valid JSON-LD" in report.checks[0].message


@pytest.mark.parametrize("garbage", [
    b"\x00\xff", "not json", "[]", "1", "{}", {"@context": 5}, {"@context": ["x"]},
    {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": "VerifiableCredential"},
    "{" * 5000, "x" * 600_000, {"@context": ["https://www.w3.org/ns/credentials/v2"],
                                 "type": ["VerifiableCredential"], "issuer": "did:web:x", "proof": [1, 2]},
])
def test_garbage_gets_failed_checks_not_an_exception(own_key, garbage):
    report = _verify(garbage, own_key)
    assert not report.valid
    assert any(not check.ok and check.message for check in report.checks)


def _independent_bits(encoded: str) -> bytes:
    """Decode a status list with the standard library only (not the code under test)."""
    text = encoded[1:] if encoded.startswith("u") else encoded
    return gzip.decompress(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


def _independent_is_set(bits: bytes, index: int) -> bool:
    return (bits[index // 8] >> (7 - index % 8)) & 1 == 1


def test_w3c_example_list_is_131072_zero_bits():
    listed = _json(VECTORS / "bitstring-status-list" / "w3c-bsl-example-status-list-credential.json")
    bits = status_list.decode(listed["credentialSubject"]["encodedList"])
    assert len(bits) * 8 == 131072 and not any(bits)


def test_1edtech_test_list_has_only_bit_23_and_its_credential_reads_revoked():
    folder = VECTORS / "bitstring-status-list" / "1edtech-validator"
    listed = _json(folder / "testlist.json")
    bits = status_list.decode(listed["credentialSubject"]["encodedList"])
    assert [i for i in range(len(bits) * 8) if status_list.bit_is_set(bits, i)] == [23]
    credential = _json(folder / "credential-status-revoked.json")
    report = verifier.verify_credential(
        credential, resolve_verification_method=fragment_key,
        fetch_status_list=lambda url: listed, now=NOW,
    )
    assert report.revoked and not report.valid


def test_encoded_lists_decode_independently_with_bit_0_first():
    rng = random.Random(7)
    indexes = {0, 7, 8, 131071, *rng.sample(range(131072), 200)}
    encoded = status_list.encode(indexes)
    assert encoded.startswith("u")
    bits = _independent_bits(encoded)
    assert len(bits) == 16384
    assert {i for i in range(131072) if _independent_is_set(bits, i)} == indexes
    assert bits[0] == 0b10000001  # indexes 0 and 7: the most and least significant bits


def test_verifier_reads_revocation_from_a_signed_list(badge, own_key):
    url = "https://issuer.example/status/1"
    document = {k: v for k, v in badge.items() if k != "proof"}
    document["credentialStatus"] = status_list.status_entry(url, 4242)
    signed = proof.sign(document, own_key)

    def listed(revoked):
        return proof.sign(status_list.status_list_credential(
            id=url, issuer=own_key.did, valid_from=NOW, revoked_indexes=revoked), own_key)

    assert _verify(signed, own_key, status=listed(set())).valid
    report = _verify(signed, own_key, status=listed({4242}))
    assert report.revoked and not report.valid
    forged = listed(set())
    forged["credentialSubject"]["encodedList"] = status_list.encode({1})
    assert not _verify(signed, own_key, status=forged).valid
    assert not _verify(signed, own_key, status=None).valid


def test_keygen_command_writes_a_private_file_and_refuses_to_overwrite(tmp_path):
    from django.core.management import CommandError, call_command

    path = tmp_path / "key.json"
    call_command("credential_keygen", "--output", str(path))
    assert path.stat().st_mode & 0o777 == 0o600
    data = json.loads(path.read_text())
    assert data["publicKeyMultibase"].startswith("z6Mk") and data["secretKeyMultibase"].startswith("z3u2")
    with pytest.raises(CommandError, match="already exists"):
        call_command("credential_keygen", "--output", str(path))
    assert json.loads(path.read_text()) == data


def test_did_web_encodes_a_port():
    assert keys.did_web_for_host("kapstone.example:8443") == "did:web:kapstone.example%3A8443"


def test_a_proof_may_be_one_object_or_an_array_of_them(badge, own_key):
    """OB 3.0's schema wants an array, other credentials use an object: both verify."""
    as_array = {**badge, "proof": [badge["proof"]]}
    assert _verify(badge, own_key).valid
    assert _verify(as_array, own_key).valid
    second = proof.sign({k: v for k, v in badge.items() if k != "proof"}, own_key,
                        created=datetime.datetime(2026, 2, 1, tzinfo=datetime.UTC))["proof"]
    proof_set = {**badge, "proof": [badge["proof"], second]}
    assert _verify(proof_set, own_key).valid
    broken = copy.deepcopy(second)
    broken["created"] = "2026-03-01T00:00:00Z"
    report = _verify({**badge, "proof": [badge["proof"], broken]}, own_key)
    assert not report.valid and not next(c for c in report.checks if c.name == "signature").ok
    assert not _verify({**badge, "proof": []}, own_key).valid
    assert not _verify({**badge, "proof": [badge["proof"], "x"]}, own_key).valid
