"""``python -m certificates.verify_worker``: check one credential, fed as JSON on stdin.

The site runs every check of a credential it did not issue in this child process
(``certificates/sandbox.py``), so that a credential built to make canonicalization
slow costs a process that is killed at the time limit, never a web worker: Python can
stop neither a thread nor, under a threaded server, a signal handler's caller.

The child does not import Django: the parent hands it everything the site vouches for
(its own keys, its own status lists), so starting one costs Python, PyLD and
``cryptography`` only. It warms PyLD's context cache before it reads its job, so a
spare started ahead of time answers at once.

Job (stdin): ``{"credential": {...}, "own_keys": {method: publicKeyMultibase},
"status_lists": {url: signed list}, "foreign_status_lists": bool, "now": iso}``.
Answer (stdout, after a ``ready`` line once warm): ``{"checks": [[name, ok, message],
...], "revoked": bool, "too_complex": bool}``.
"""

import datetime
import json
import os
import sys
import urllib.request

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .credentials import jsonld, multibase, verifier

PROOF_PURPOSE = "assertionMethod"
# A status list credential is a few kilobytes (a 16 KB bitstring, compressed).
FOREIGN_LIST_MAX_BYTES = 256 * 1024
FOREIGN_LIST_TIMEOUT = 1.5
_WARM_CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
]


def _key_resolver(own_keys: dict[str, str]):
    def resolve(method: str):
        if method in own_keys:
            return Ed25519PublicKey.from_public_bytes(multibase.public_key_bytes(own_keys[method]))
        raise verifier.UnknownKey(
            f"{method} is not a key this site can resolve: it resolves did:key and its own "
            f"did:web ({', '.join(sorted(own_keys)) or 'none configured'})."
        )

    return resolve


def _fetch_foreign(url: str) -> dict | None:
    # Only https, only when the operator enabled it (CREDENTIAL_VERIFY_FOREIGN_STATUS_LISTS),
    # bounded in size and time; the whole child is bounded by the parent's time limit too.
    if not url.startswith("https://"):
        return None
    request = urllib.request.Request(
        url, headers={"Accept": "application/vc+ld+json, application/json"})
    try:
        with urllib.request.urlopen(  # nosec B310 - https only, checked above
                request, timeout=FOREIGN_LIST_TIMEOUT) as answer:
            body = answer.read(FOREIGN_LIST_MAX_BYTES + 1)
    except OSError:
        return None
    if len(body) > FOREIGN_LIST_MAX_BYTES:
        return None
    try:
        listed = json.loads(body)
    except ValueError:
        return None
    return listed if isinstance(listed, dict) else None


def _status_fetcher(status_lists: dict[str, dict], foreign: bool):
    def fetch(url: str) -> dict | None:
        if url in status_lists:
            return status_lists[url]
        return _fetch_foreign(url) if foreign else None

    return fetch


def _proofs(credential) -> list:
    proof = credential.get("proof") if isinstance(credential, dict) else None
    return proof if isinstance(proof, list) else [proof] if proof is not None else []


def _purpose_check(report: verifier.VerificationReport, credential) -> None:
    """An issuer's credential is proved for assertionMethod; a proof made for another
    purpose (authentication, say) must not pass as the issuer's assertion."""
    proofs = [p for p in _proofs(credential) if isinstance(p, dict)]
    wrong = sorted({str(p.get("proofPurpose")) for p in proofs
                    if p.get("proofPurpose") != PROOF_PURPOSE})
    if proofs and wrong:
        report.add("proof purpose", False,
                   f"The proof's purpose is {', '.join(wrong)}; an issuer's credential is "
                   f"proved for {PROOF_PURPOSE}.")


def run(job: dict) -> verifier.VerificationReport:
    """Every check of one credential (in this process: the caller bounds its time)."""
    credential = job.get("credential")
    now = datetime.datetime.fromisoformat(job["now"]) if job.get("now") else None
    report = verifier.verify_credential(
        credential,
        resolve_verification_method=_key_resolver(job.get("own_keys") or {}),
        fetch_status_list=_status_fetcher(job.get("status_lists") or {},
                                          bool(job.get("foreign_status_lists"))),
        now=now,
    )
    _purpose_check(report, credential)
    return report


def report_to_json(report: verifier.VerificationReport) -> dict:
    return {"checks": [[c.name, c.ok, c.message] for c in report.checks], "revoked": report.revoked,
            "too_complex": report.too_complex}


def report_from_json(data: dict, credential=None) -> verifier.VerificationReport:
    report = verifier.VerificationReport(
        credential=credential if isinstance(credential, dict) else None)
    for name, ok, message in data["checks"]:
        report.add(str(name), ok is True, str(message))
    report.revoked = data.get("revoked") is True
    report.too_complex = data.get("too_complex") is True
    return report


def warm() -> None:
    """Process the bundled contexts once, so the job itself finds them in PyLD's cache."""
    jsonld.safe_expand({"@context": _WARM_CONTEXTS,
                        "type": ["VerifiableCredential", "OpenBadgeCredential"]})


READY = b"ready\n"


def main() -> int:
    warm()
    # Tell the parent the imports are done: its time limit is for the credential's
    # checks, not for starting Python on a busy machine.
    sys.stdout.buffer.write(READY)
    sys.stdout.flush()
    text = sys.stdin.read()
    if not text.strip():
        return 0  # a spare whose parent went away: nothing to do
    report = run(json.loads(text))
    sys.stdout.write(json.dumps(report_to_json(report)))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    status = main()
    # One job per process: skip the interpreter's teardown (tens of milliseconds of
    # freeing modules) that the waiting web request would otherwise pay for.
    os._exit(status)
