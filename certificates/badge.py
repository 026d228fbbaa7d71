"""The Open Badges 3.0 credential for a certificate, before and after signing.

One achievement definition per program (a stable URL, served publicly), the program's
outcomes as its alignments, the trainee identified by a salted hash of their email as
OB 3.0 asks, a revocation entry in a bitstring status list, and an eddsa-rdfc-2022
Data Integrity proof by the site's did:web key.
"""

import hashlib
import secrets

from django.conf import settings
from django.urls import reverse

from . import keys
from .credentials import proof, status_list

OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
# Defines 1EdTechJsonSchemaValidator2019, the credentialSchema type; without it that type
# is not an IRI and processors disagree on what the credential says (issue 16).
OB3_EXTENSIONS_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
VC2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
CONTEXTS = [VC2_CONTEXT, OB3_CONTEXT, OB3_EXTENSIONS_CONTEXT]
OB3_SCHEMA = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"

NO_LICENSE_STATEMENT = (
    "This certificate recognises completion of a training program. It is not a license "
    "and confers no license, scope of practice or prescribing authority."
)


def _xsd(dt) -> str:
    return dt.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def site_url(path: str) -> str:
    return settings.SITE_URL + path


def issuer_profile() -> dict:
    key = keys.load_signing_key()
    return {
        "id": key.did,
        "type": ["Profile"],
        "name": settings.CREDENTIAL_ISSUER_NAME,
        "url": settings.SITE_URL + "/",
    }


def achievement(program, version) -> dict:
    """The program's achievement definition: stable per program, aligned to the
    outcomes of the framework version the trainee was assessed against."""
    framework = version.framework
    outcomes = list(version.outcomes.order_by("position"))
    by_category: dict[str, list[str]] = {}
    for outcome in outcomes:
        by_category.setdefault(outcome.get_category_display(), []).append(outcome.code)
    narrative = (
        f"Awarded to licensed clinicians who completed the {program.name}: every outcome of "
        f"{framework.title} ({version}) met — "
        + "; ".join(f"{name}: {', '.join(codes)}" for name, codes in by_category.items())
        + " — each by its evidence rule (coursework with passed knowledge checks, trainer "
        "sign-off with evidence, confirmed consultation hours), with a verified, current "
        "professional license. " + NO_LICENSE_STATEMENT
    )
    data = {
        "id": site_url(reverse("certificates:achievement", args=[program.slug])),
        "type": ["Achievement"],
        "achievementType": "Certificate",
        "name": program.name,
        "description": (program.summary or program.name) + " " + NO_LICENSE_STATEMENT,
        "criteria": {"narrative": narrative},
        "creator": issuer_profile(),
        "alignment": [
            {
                "type": ["Alignment"],
                "targetName": f"{outcome.code}: {outcome.statement}"[:500],
                "targetUrl": outcome.uri,
                "targetCode": outcome.code,
                "targetFramework": framework.title,
                "targetType": "CFItem",
                "targetDescription": f"{outcome.get_category_display()} outcome, "
                                     f"{outcome.get_evidence_rule_display().lower()}.",
            }
            for outcome in outcomes
        ],
    }
    if program.ce_hours:
        data["creditsAvailable"] = float(program.ce_hours)
    return data


def identity_hash(email: str, salt: str) -> str:
    """OB 3.0 IdentityObject hash: ``sha256$`` + hex SHA-256 of the identity plus salt."""
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()


def unsigned_credential(certificate) -> dict:
    enrolment = certificate.enrolment
    program = enrolment.cohort.program
    salt = secrets.token_hex(16)
    list_url = site_url(reverse("certificates:status_list", args=[certificate.status_list_id]))
    return {
        "@context": list(CONTEXTS),
        "id": f"urn:uuid:{certificate.uuid}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{program.name} — {certificate.serial}",
        "description": NO_LICENSE_STATEMENT,
        "issuer": issuer_profile(),
        "validFrom": _xsd(certificate.issued_at),
        **({"validUntil": _xsd(certificate.valid_until)} if certificate.valid_until else {}),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{
                "type": "IdentityObject",
                "identityHash": identity_hash(enrolment.trainee.email, salt),
                "identityType": "emailAddress",
                "hashed": True,
                "salt": salt,
            }],
            "achievement": achievement(program, certificate.framework_version),
        },
        "credentialStatus": status_list.status_entry(list_url, certificate.status_index),
        "credentialSchema": [{"id": OB3_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
        "evidence": [{
            "id": certificate.get_verify_url(),
            "type": ["Evidence"],
            "name": f"Certificate {certificate.serial}",
            "narrative": "The public verification page for this certificate.",
        }],
    }


def _signed(unsigned: dict, created) -> dict:
    # OB 3.0's AchievementCredential schema requires ``proof`` to be an array (a proof
    # set), so the single proof is listed.
    signed = proof.sign(unsigned, keys.load_signing_key(), created=created)
    return {**signed, "proof": [signed["proof"]]}


def signed_credential(certificate, *, created=None) -> dict:
    """The certificate's credential signed by the site key, its proof made at ``created``
    (default: the moment of issue)."""
    return _signed(unsigned_credential(certificate), created or certificate.issued_at)


def resigned_credential(stored: dict, *, created) -> dict:
    """A stored credential in today's shape (today's contexts first, proof as an array),
    signed again at ``created``: what it says, its holder's identity hash included, is
    unchanged."""
    unsigned = {k: v for k, v in stored.items() if k != "proof"}
    context = unsigned.get("@context")
    context = context if isinstance(context, list) else [context]
    unsigned["@context"] = [*CONTEXTS, *(c for c in context if c not in CONTEXTS and c is not None)]
    return _signed(unsigned, created)
