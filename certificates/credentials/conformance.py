"""Everything a credential Kapstone stores must pass, in one place: issuing refuses a
credential with problems (nothing is saved), and ``credentials_mend`` re-signs stored
ones that have any.

1. JSON-LD safe mode (:func:`.jsonld.safe_expand`, the check signing and verifying
   share) within the counted budgets;
2. a second, independent JSON-LD processor (:mod:`.second_processor`) reads the same
   canonical N-Quads from the JSON-LD document, and from the proof options;
3. Open Badges credentials validate against 1EdTech's OB 3.0 AchievementCredential
   JSON Schema (:mod:`.schema`);
4. given a key resolver, every proof verifies.
"""

from collections.abc import Callable

from pyld.jsonld import JsonLdError

from . import jsonld, schema, second_processor
from .limits import TooComplex
from .proof import proofs_of, verify_proof


def _rdf_problems(document: dict, what: str) -> list[str]:
    try:
        nquads = jsonld.canonicalize(document)
    except (jsonld.SafeModeError, TooComplex, jsonld.UnknownContext) as exc:
        return [f"{what}: {exc}"]
    except JsonLdError as exc:
        return [f"{what} is not valid JSON-LD: {str(exc).splitlines()[0]}"]
    disagreement = second_processor.disagreement(document, nquads)
    return [f"{what}: {disagreement}"] if disagreement else []


def credential_problems(document: dict, *, resolve_key: Callable | None = None) -> list[str]:
    """What is wrong with ``document`` by Kapstone's checks, one sentence each; an empty
    list means it may be stored and handed out."""
    if not isinstance(document, dict):
        return ["It is not a JSON object."]
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    problems = _rdf_problems(unsecured, "The credential")
    for proof in proofs_of(document) or []:
        options = {k: v for k, v in proof.items() if k != "proofValue"}
        options["@context"] = unsecured.get("@context")
        problems += _rdf_problems(options, "Its proof options")
    if schema.is_open_badge(document):
        problems += [f"OB 3.0 schema: {violation}" for violation in schema.ob3_violations(document)]
    if resolve_key is not None:
        result = verify_proof(document, resolve_key)
        if not result.ok:
            problems.append(f"Its proof: {result.message}")
    return problems
