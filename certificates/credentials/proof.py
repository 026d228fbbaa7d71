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
from .jsonld import SafeModeError, canonicalize
from .limits import TooComplex

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
# A proof set (``proof`` as an array) is checked proof by proof, each one canonicalizing
# the whole document again, so the number of proofs is bounded too.
MAX_PROOFS = 4


@dataclass(frozen=True)
class ProofResult:
    ok: bool
    message: str
    verification_method: str = ""
    too_complex: bool = False


def proofs_of(document) -> list | None:
    """The document's proofs as a list (``proof`` may be one object or an array of them),
    or None when there is no proof or it is not made of objects."""
    proof = document.get("proof") if isinstance(document, dict) else None
    proofs = proof if isinstance(proof, list) else [proof]
    if not proofs or not all(isinstance(p, dict) for p in proofs):
        return None
    return proofs


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
    """Check the document's eddsa-rdfc-2022 proof, or each proof of a proof set (all must
    hold). Never raises on bad input."""
    proofs = proofs_of(document)
    if proofs is None:
        return ProofResult(False, "There is no proof: the credential is not signed.")
    if len(proofs) > MAX_PROOFS:
        return ProofResult(False, f"Too complex to verify: it has {len(proofs)} proofs "
                                  f"(limit {MAX_PROOFS}).", too_complex=True)
    results = [_verify_one(document, proof, resolve_key) for proof in proofs]
    failed = next((result for result in results if not result.ok), None)
    if failed is not None or len(results) == 1:
        return failed or results[0]
    methods = ", ".join(result.verification_method for result in results)
    return ProofResult(True, f"Each of its {len(results)} proofs holds ({methods}, {CRYPTOSUITE}).",
                       results[0].verification_method)


def _verify_one(document: dict, proof: dict, resolve_key) -> ProofResult:
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
    except TooComplex as exc:
        return ProofResult(False, f"Too complex to verify: {exc}", method, too_complex=True)
    except SafeModeError as exc:
        return ProofResult(False, f"It cannot be canonicalized safely. {exc}", method)
    except Exception as exc:  # noqa: BLE001 - any JSON-LD failure means "cannot verify"
        return ProofResult(False, f"The credential could not be canonicalized: {exc}".split("\n")[0], method)
    try:
        public_key.verify(signature, data)
    except InvalidSignature:
        return ProofResult(False, "The signature does not match: the credential was changed "
                                  "after signing, or signed by another key.", method)
    return ProofResult(True, f"Signed by {method} ({CRYPTOSUITE}).", method)
