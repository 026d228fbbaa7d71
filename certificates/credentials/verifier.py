"""Check a credential and explain every check in plain words.

``verify_credential`` never raises on bad input: whatever it is given, it returns a
report whose checks say what passed and what did not. Keys are resolved by the caller
(``resolve_verification_method``), except ``did:key``, which carries its own key; status
lists are fetched by the caller (``fetch_status_list``), so nothing here touches the
network.

Every call is bounded by the counted budgets in :mod:`.limits` (``LIMITS``): past one,
the report's ``outcome`` is ``TOO_COMPLEX`` ("too complex to verify") and its failed
check is named ``"complexity"``.
"""

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from . import jsonld, multibase, status_list
from .jsonld import SafeModeError, issuer_dependent_terms
from .limits import LIMITS, TooComplex, check_shape
from .proof import proofs_of, verify_proof

VC2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
MAX_INPUT_CHARS = LIMITS.max_chars

# What a report amounts to (``VerificationReport.outcome``), for pages and APIs to show.
VERIFIED = "verified"
REVOKED = "revoked"
TOO_COMPLEX = "too complex to verify"
NOT_VERIFIED = "not verified"


class UnknownKey(LookupError):
    pass


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    message: str


@dataclass
class VerificationReport:
    checks: list[Check] = field(default_factory=list)
    revoked: bool = False
    too_complex: bool = False
    credential: dict | None = None

    @property
    def valid(self) -> bool:
        return bool(self.checks) and all(check.ok for check in self.checks)

    @property
    def outcome(self) -> str:
        """``VERIFIED``, ``REVOKED``, ``TOO_COMPLEX`` or ``NOT_VERIFIED``."""
        if self.too_complex:
            return TOO_COMPLEX
        if self.valid:
            return VERIFIED
        return REVOKED if self.revoked else NOT_VERIFIED

    def add_too_complex(self, exc_or_message) -> bool:
        self.too_complex = True
        message = str(exc_or_message)
        prefix = "Too complex to verify: "
        if not message.startswith(prefix):
            message = prefix + message
        return self.add("complexity", False, message)

    def add(self, name: str, ok: bool, message: str) -> bool:
        self.checks.append(Check(name, ok, message))
        return ok


def did_key_public_key(method: str) -> Ed25519PublicKey:
    """``did:key:z6Mk…#z6Mk…`` → its Ed25519 public key."""
    did = method.split("#", 1)[0]
    if not did.startswith("did:key:"):
        raise UnknownKey(f"{method} is not a did:key.")
    return Ed25519PublicKey.from_public_bytes(multibase.public_key_bytes(did[len("did:key:"):]))


def _resolver(resolve_verification_method):
    def resolve(method: str) -> Ed25519PublicKey:
        if method.startswith("did:key:"):
            return did_key_public_key(method)
        return resolve_verification_method(method)

    return resolve


def _issuer_id(document: dict) -> str | None:
    issuer = document.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) and issuer else None


def _parse(value) -> datetime.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)


def _load(credential) -> dict | None:
    if isinstance(credential, (bytes, bytearray)):
        credential = credential.decode("utf-8", errors="replace")
    if isinstance(credential, str):
        if len(credential) > MAX_INPUT_CHARS:
            return None
        try:
            credential = json.loads(credential)
        except (ValueError, RecursionError):
            return None
    return credential if isinstance(credential, dict) else None


def _well_formed(report: VerificationReport, document: dict) -> bool:
    context = document.get("@context")
    if not isinstance(context, list) or not context or context[0] != VC2_CONTEXT:
        return report.add("well formed", False,
                          f"The first @context must be {VC2_CONTEXT} (W3C VC Data Model 2.0).")
    types = document.get("type")
    types = types if isinstance(types, list) else [types]
    if "VerifiableCredential" not in types:
        return report.add("well formed", False, "The type does not include VerifiableCredential.")
    if _issuer_id(document) is None:
        return report.add("well formed", False, "The credential does not name its issuer.")
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    try:
        undefined = issuer_dependent_terms(jsonld.safe_expand(unsecured))
    except TooComplex as exc:
        return report.add_too_complex(exc)
    except SafeModeError as exc:
        return report.add("well formed", False, str(exc))
    except Exception as exc:  # noqa: BLE001 - unknown contexts, invalid JSON-LD
        return report.add("well formed", False, f"The credential is not valid JSON-LD: {str(exc).splitlines()[0]}")
    kind = "an Open Badges 3.0 credential" if "OpenBadgeCredential" in types else "a verifiable credential"
    note = (" It uses terms its contexts do not define (" + ", ".join(undefined[:5]) + ")."
            if undefined else "")
    return report.add("well formed", True, f"It is {kind} (VC Data Model 2.0).{note}")


def _proof_methods(document: dict) -> list[str]:
    proofs = proofs_of(document) or [{}]
    return [p.get("verificationMethod") if isinstance(p.get("verificationMethod"), str) else ""
            for p in proofs]


def _issuer_key(report: VerificationReport, document: dict, what: str = "issuer key") -> bool:
    issuer = _issuer_id(document)
    for method in _proof_methods(document):
        if method.split("#", 1)[0] != issuer:
            return report.add(what, False, f"The key {method or '(none)'} does not belong "
                                           f"to the issuer {issuer}.")
    return report.add(what, True, f"The signing key belongs to the issuer {issuer}.")


def _dates(report: VerificationReport, document: dict, now: datetime.datetime) -> bool:
    valid_from = _parse(document.get("validFrom"))
    if "validFrom" in document and valid_from is None:
        return report.add("dates", False, "validFrom is not a date and time.")
    if valid_from and valid_from > now:
        return report.add("dates", False, f"It is not valid until {valid_from:%d %B %Y %H:%M} UTC.")
    valid_until = _parse(document.get("validUntil"))
    if "validUntil" in document and valid_until is None:
        return report.add("dates", False, "validUntil is not a date and time.")
    if valid_until and valid_until < now:
        return report.add("dates", False, f"It expired on {valid_until:%d %B %Y}.")
    since = f"Valid since {valid_from:%d %B %Y}" if valid_from else "No start date"
    return report.add("dates", True, since + (f", until {valid_until:%d %B %Y}." if valid_until else ", with no expiry."))


def _status(report, document, resolve, fetch_status_list, now) -> bool:
    entries = document.get("credentialStatus")
    if entries is None:
        return report.add("status", True, "The issuer gives no revocation status for it.")
    entries = entries if isinstance(entries, list) else [entries]
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
            return report.add("status", False, "Its status entry is not a BitstringStatusListEntry.")
        url, purpose = entry.get("statusListCredential"), entry.get("statusPurpose")
        try:
            index = int(entry.get("statusListIndex"))
        except (TypeError, ValueError):
            return report.add("status", False, "Its status entry has no valid index.")
        listed = fetch_status_list(url) if isinstance(url, str) else None
        if not isinstance(listed, dict):
            return report.add("status", False, f"The status list {url} could not be obtained.")
        sub = VerificationReport()
        try:
            check_shape(listed)
        except TooComplex as exc:
            report.too_complex = True
            return report.add("status", False, f"The status list is too complex to verify: {exc}")
        proof = verify_proof(listed, resolve)
        if proof.too_complex:
            report.too_complex = True
            detail = proof.message.removeprefix("Too complex to verify: ")
            return report.add("status", False,
                              f"The status list is too complex to verify: {detail}")
        if not proof.ok or not _issuer_key(sub, listed) or _issuer_id(listed) != _issuer_id(document):
            return report.add("status", False, "The status list is not signed by the credential's issuer.")
        subject = listed.get("credentialSubject") or {}
        try:
            bits = status_list.decode(subject.get("encodedList", ""))
            is_set = status_list.bit_is_set(bits, index)
        except Exception:  # noqa: BLE001 - a corrupt list cannot vouch for anything
            return report.add("status", False, "The status list could not be decoded.")
        if is_set:
            if purpose == "revocation":
                report.revoked = True
                return report.add("status", False, f"Revoked by its issuer (status list entry {index}).")
            return report.add("status", False, f"Marked {purpose} by its issuer (entry {index}).")
    return report.add("status", True, "Not revoked (checked against the issuer's signed status list).")


def verify_credential(
    credential,
    *,
    resolve_verification_method: Callable[[str], Ed25519PublicKey],
    fetch_status_list: Callable[[str], dict | None],
    now: datetime.datetime | None = None,
) -> VerificationReport:
    """Check ``credential`` (a dict, or JSON text or bytes) and explain every check.

    Counted budgets (:data:`.limits.LIMITS`) apply before and during JSON-LD work; a
    credential past one is answered ``TOO_COMPLEX`` (see ``VerificationReport.outcome``).
    """
    report = VerificationReport()
    if isinstance(credential, (str, bytes, bytearray)) and len(credential) > MAX_INPUT_CHARS:
        report.add_too_complex(f"It is longer than {MAX_INPUT_CHARS:,} characters.")
        return report
    document = _load(credential)
    if document is None:
        report.add("well formed", False, "This is not a JSON object, so it cannot be a credential.")
        return report
    try:
        check_shape(document)
    except TooComplex as exc:
        report.add_too_complex(exc)
        return report
    report.credential = document
    now = now or datetime.datetime.now(datetime.UTC)
    resolve = _resolver(resolve_verification_method)
    if not _well_formed(report, document):
        return report
    try:
        proof = verify_proof(document, resolve)
        if proof.too_complex:
            report.add_too_complex(proof.message)
            return report
        report.add("signature", proof.ok, proof.message)
        _issuer_key(report, document)
        _dates(report, document, now)
        _status(report, document, resolve, fetch_status_list, now)
    except Exception as exc:  # noqa: BLE001 - a verifier explains, it does not crash
        report.add("verification", False, f"The credential could not be checked: {type(exc).__name__}.")
    return report
