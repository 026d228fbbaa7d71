"""Data Integrity proofs with the ``eddsa-rdfc-2022`` cryptosuite (W3C vc-di-eddsa).

Signing canonicalizes the document (without proof) and the proof options (with the
document's @context) with RDFC-1.0, hashes each with SHA-256, and signs proof-hash ‖
document-hash with Ed25519. The proof value is the base58btc multibase of the signature.
"""

import copy
import datetime
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from . import multibase
from .jsonld import canonicalize

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"


@dataclass(frozen=True)
class ProofResult:
    ok: bool
    message: str
    verification_method: str = ""


def _xsd_datetime(value: datetime.datetime) -> str:
    value = value.astimezone(datetime.UTC).replace(microsecond=0, tzinfo=None)
    return value.isoformat() + "Z"


def hash_data(document: dict, proof_config: dict) -> bytes:
    """SHA-256(canonical proof config) ‖ SHA-256(canonical document)."""
    proof_hash = hashlib.sha256(canonicalize(proof_config).encode()).digest()
    document_hash = hashlib.sha256(canonicalize(document).encode()).digest()
    return proof_hash + document_hash


def sign(document: dict, key, *, created: datetime.datetime | None = None,
         proof_purpose: str = "assertionMethod") -> dict:
    """A copy of ``document`` with an ``eddsa-rdfc-2022`` proof by ``key``."""
    unsecured = copy.deepcopy({k: v for k, v in document.items() if k != "proof"})
    proof = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": _xsd_datetime(created or datetime.datetime.now(datetime.UTC)),
        "verificationMethod": key.verification_method,
        "proofPurpose": proof_purpose,
    }
    signature = key.private_key.sign(hash_data(unsecured, {**proof, "@context": unsecured["@context"]}))
    return {**unsecured, "proof": {**proof, "proofValue": multibase.encode_base58btc(signature)}}


def verify_proof(document: dict, resolve_key: Callable[[str], Ed25519PublicKey]) -> ProofResult:
    """Check the document's single eddsa-rdfc-2022 proof. Never raises on bad input."""
    proof = document.get("proof") if isinstance(document, dict) else None
    if isinstance(proof, list) and len(proof) == 1:
        proof = proof[0]
    if not isinstance(proof, dict):
        return ProofResult(False, "There is no proof: the credential is not signed.")
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        return ProofResult(False, f"The proof is {proof.get('type')!r}/{proof.get('cryptosuite')!r}; "
                                  f"only {PROOF_TYPE} with {CRYPTOSUITE} is supported.")
    method = proof.get("verificationMethod")
    if not isinstance(method, str) or not method:
        return ProofResult(False, "The proof does not name the key that made it.")
    try:
        signature = multibase.decode_base58btc(proof.get("proofValue"))
    except (ValueError, TypeError):
        return ProofResult(False, "The proof value is not a base58btc signature.", method)
    if len(signature) != 64:
        return ProofResult(False, "The proof value is not an Ed25519 signature (64 bytes).", method)
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    if "@context" in options:
        context = options["@context"]
        doc_context = unsecured.get("@context")
        if (not isinstance(context, list) or not isinstance(doc_context, list)
                or doc_context[:len(context)] != context):
            return ProofResult(False, "The proof's @context does not match the credential's.", method)
    options["@context"] = unsecured.get("@context")
    try:
        public_key = resolve_key(method)
    except (KeyError, LookupError, ValueError) as exc:
        return ProofResult(False, f"The signing key could not be resolved: {exc}", method)
    try:
        data = hash_data(unsecured, options)
    except Exception as exc:  # noqa: BLE001 - any JSON-LD failure means "cannot verify"
        return ProofResult(False, f"The credential could not be canonicalized: {exc}".split("\n")[0], method)
    try:
        public_key.verify(signature, data)
    except InvalidSignature:
        return ProofResult(False, "The signature does not match: the credential was changed "
                                  "after signing, or signed by another key.", method)
    return ProofResult(True, f"Signed by {method} ({CRYPTOSUITE}).", method)
