"""Counted budgets: verification cannot stall (issue 16, item 5).

Every assertion is about counts (calls, permutations, objects, statements), never the
clock; the benchmark reports times.
"""

import datetime
import json
import os
from pathlib import Path
from types import SimpleNamespace

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pyld import jsonld as pyld_jsonld

from certificates.credentials import jsonld, limits, multibase, proof, status_list, verifier
from certificates.credentials.limits import LIMITS, Limits, TooComplex
from credential_helpers import pyld_only_nquads  # tests/certificates/

INTEROP = Path(__file__).resolve().parents[1] / "data" / "interop"
NOW = datetime.datetime(2026, 11, 25, tzinfo=datetime.UTC)
EXAMPLES = ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"]


def _made_up_did_key() -> str:
    public = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    return "did:key:" + multibase.public_multikey(public)


def poison_credential(n: int = 8) -> dict:
    """A credential whose subject holds ``n`` blank nodes all linked to one another,
    "signed" by a made-up did:key: RDFC-1.0's N-degree hashing is factorial on it."""
    did = _made_up_did_key()
    nodes = [{"id": f"_:n{i}", "link": [{"id": f"_:n{j}"} for j in range(n) if j != i]}
             for i in range(n)]
    return {
        "@context": EXAMPLES,
        "type": ["VerifiableCredential"],
        "issuer": did,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:holder", "link": nodes},
        "proof": {
            "type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022",
            "created": "2026-01-01T00:00:00Z", "proofPurpose": "assertionMethod",
            "verificationMethod": f"{did}#{did[len('did:key:'):]}",
            "proofValue": multibase.encode_base58btc(os.urandom(64)),
        },
    }


def _unsecured(document: dict) -> dict:
    return {k: v for k, v in document.items() if k != "proof"}


@pytest.fixture
def canonicalizers(monkeypatch):
    """Every budgeted canonicalizer the code under test creates, to read its counts."""
    made = []
    original = jsonld.budgeted_canonicalizer

    def recording(limits_=LIMITS):
        made.append(original(limits_))
        return made[-1]

    monkeypatch.setattr(jsonld, "budgeted_canonicalizer", recording)
    return made


def _no_key(method):
    raise verifier.UnknownKey(method)  # did:key resolves itself; nothing else should be asked


def _verify(document):
    return verifier.verify_credential(document, resolve_verification_method=_no_key,
                                      fetch_status_list=lambda url: None, now=NOW)


def test_the_poison_credential_is_too_complex_to_verify_once_its_budget_runs_out(canonicalizers):
    document = poison_credential(8)
    assert len(json.dumps(document)) < 2_000
    report = _verify(document)
    assert report.outcome == verifier.TOO_COMPLEX == "too complex to verify"
    assert report.too_complex and not report.valid
    assert report.checks[-1].name == "complexity"
    assert report.checks[-1].message.startswith("Too complex to verify")
    # Stopped by the call budget: exactly one call past it, and no canonicalization ran to
    # the end (the proof options, canonicalized first, have no blank-node puzzle at all).
    stopped = [c for c in canonicalizers if c.n_degree_calls > LIMITS.max_n_degree_calls]
    assert len(stopped) == 1
    assert stopped[0].n_degree_calls == LIMITS.max_n_degree_calls + 1
    assert stopped[0].permutations <= LIMITS.max_permutations


@pytest.mark.parametrize("n, limit, used", [
    (6, "max_n_degree_calls", LIMITS.max_n_degree_calls + 1),
    (8, "max_n_degree_calls", LIMITS.max_n_degree_calls + 1),
    # 9 nodes: the very first call would walk 8! = 40,320 permutations; it is refused
    # before it starts.
    (9, "max_permutations", 40_320),
])
def test_canonicalizing_a_poison_graph_stops_at_its_budget(n, limit, used):
    with pytest.raises(TooComplex) as stopped:
        jsonld.canonicalize(_unsecured(poison_credential(n)))
    assert (stopped.value.limit, stopped.value.used) == (limit, used)


def test_a_small_poison_graph_within_budget_canonicalizes_as_pyld_does():
    """The wrapper counts; it changes nothing it does not stop. 5 mutually linked blank
    nodes take 485 calls and 4,080 permutations, within the budget."""
    document = _unsecured(poison_credential(5))
    canonicalizer = limits.BudgetedURDNA2015()
    ours = canonicalizer.main(jsonld.to_dataset(document), {"format": "application/n-quads"})
    theirs = pyld_only_nquads(document)
    assert ours == theirs
    assert (canonicalizer.n_degree_calls, canonicalizer.permutations) == (485, 4_080)


def test_the_budget_counts_every_recursive_call():
    small = Limits(max_n_degree_calls=14)
    with pytest.raises(TooComplex) as stopped:
        jsonld.canonicalize(_unsecured(poison_credential(3)), small)
    assert stopped.value.used == 15
    canonicalizer = limits.BudgetedURDNA2015(Limits(max_n_degree_calls=15))
    canonicalizer.main(jsonld.to_dataset(_unsecured(poison_credential(3))), {})
    assert canonicalizer.n_degree_calls == 15


def _deep(depth: int):
    node: dict = {"name": "leaf"}
    for _ in range(depth):
        node = {"name": "x", "link": node}
    return node


@pytest.mark.parametrize("subject, limit", [
    (_deep(40), "max_depth"),
    ({"link": [{"name": str(i)} for i in range(LIMITS.max_objects + 1)]}, "max_objects"),
    ({"tags": list(range(LIMITS.max_values + 1))}, "max_values"),
    ({"name": "x" * (LIMITS.max_chars + 1)}, "max_chars"),
])
def test_the_shape_limits_stop_a_credential_before_any_json_ld_work(subject, limit, monkeypatch):
    document = {**poison_credential(1), "credentialSubject": subject}
    with pytest.raises(TooComplex) as stopped:
        limits.check_shape(document)
    assert stopped.value.limit == limit

    def no_json_ld(*args, **kwargs):
        raise AssertionError("JSON-LD work started")

    monkeypatch.setattr(jsonld, "safe_expand", no_json_ld)
    monkeypatch.setattr(pyld_jsonld, "expand", no_json_ld)
    report = _verify(document)
    assert report.outcome == verifier.TOO_COMPLEX
    assert [c.name for c in report.checks] == ["complexity"]


def test_text_past_the_size_limit_is_too_complex_before_it_is_parsed(monkeypatch):
    def no_parsing(*args, **kwargs):
        raise AssertionError("parsed")

    monkeypatch.setattr(json, "loads", no_parsing)
    report = _verify("{" + " " * LIMITS.max_chars + "}")
    assert report.outcome == verifier.TOO_COMPLEX


@pytest.mark.parametrize("small, limit", [
    (Limits(max_statements=6), "max_statements"),
    (Limits(max_blank_nodes=0), "max_blank_nodes"),
])
def test_statements_and_blank_nodes_are_counted_after_json_ld_to_rdf(small, limit):
    document = _unsecured(poison_credential(1))
    document["credentialSubject"]["name"] = "Ada"
    document["credentialSubject"]["link"] = [{"name": "a blank node"}]
    jsonld.canonicalize(document)  # 7 statements, 1 blank node: within the default limits
    with pytest.raises(TooComplex) as stopped:
        jsonld.canonicalize(document, small)
    assert stopped.value.limit == limit


def test_too_many_proofs_are_too_complex():
    document = poison_credential(1)
    document["proof"] = [document["proof"]] * (proof.MAX_PROOFS + 1)
    report = _verify(document)
    assert report.outcome == verifier.TOO_COMPLEX


def _interop_documents():
    for path in sorted(INTEROP.rglob("*.json")):
        if path.parent.name in ("jsonld", "alternates", "ob3-schema") or "case" in path.parts:
            continue
        document = json.loads(path.read_text())
        if isinstance(document, dict) and "@context" in document:
            yield pytest.param(document, id=str(path.relative_to(INTEROP)))


def usage(document: dict) -> dict[str, int]:
    """What canonicalizing ``document`` (without its proof) uses of each budget."""
    unsecured = _unsecured(document)
    dataset = jsonld.to_dataset(unsecured)
    canonicalizer = limits.BudgetedURDNA2015()
    canonicalizer.main(dataset, {})
    blank = {t[p]["value"] for ts in dataset.values() for t in ts for p in ("subject", "object")
             if t[p]["type"] == "blank node"}
    objects = json.dumps(unsecured).count("{")
    return {"max_chars": len(json.dumps(unsecured)), "max_objects": objects,
            "max_statements": sum(len(ts) for ts in dataset.values()),
            "max_blank_nodes": len(blank),
            "max_n_degree_calls": canonicalizer.n_degree_calls,
            "max_permutations": canonicalizer.permutations}


def assert_well_within_budget(document: dict, share: float = 0.25) -> dict[str, int]:
    used = usage(document)
    for name, value in used.items():
        assert value <= getattr(LIMITS, name) * share, (name, value)
    return used


@pytest.mark.parametrize("document", list(_interop_documents()))
def test_every_published_fixture_is_well_within_budget(document):
    assert_well_within_budget(document)


def test_the_complete_ob3_example_is_the_costliest_fixture_and_still_well_within_budget():
    path = INTEROP / "ob3-examples" / "complete-openbadgecredential.json"
    document = json.loads(path.read_text())
    assert assert_well_within_budget(document) == {
        "max_chars": 16_640, "max_objects": 86, "max_statements": 356, "max_blank_nodes": 40,
        "max_n_degree_calls": 20, "max_permutations": 2_896,
    }


def test_the_w3c_vector_canonicalizes_through_the_budgeted_path_unchanged():
    vectors = INTEROP / "vc-di-eddsa-vectors"
    canonicalizer = limits.BudgetedURDNA2015()
    dataset = jsonld.to_dataset(json.loads((vectors / "unsigned.json").read_text()))
    nquads = canonicalizer.main(dataset, {"format": "application/n-quads"})
    assert nquads == (vectors / "eddsa-rdfc-2022" / "canonDocDataInt.txt").read_text()
    assert canonicalizer.n_degree_calls == 0


def test_a_poison_status_list_makes_the_credential_too_complex_to_verify():
    private = Ed25519PrivateKey.generate()
    did = "did:key:" + multibase.public_multikey(private.public_key().public_bytes_raw())
    key = SimpleNamespace(private_key=private, verification_method=f"{did}#{did[len('did:key:'):]}")
    url = "https://issuer.example/status/1"
    credential = {k: v for k, v in poison_credential(1).items() if k != "proof"}
    credential["issuer"] = did
    credential["credentialStatus"] = status_list.status_entry(url, 7)
    signed = proof.sign(credential, key)
    listed = poison_credential(8)
    listed["issuer"] = did
    report = verifier.verify_credential(signed, resolve_verification_method=_no_key,
                                        fetch_status_list=lambda u: listed, now=NOW)
    assert report.outcome == verifier.TOO_COMPLEX
    status = next(c for c in report.checks if c.name == "status")
    assert not status.ok and "too complex to verify" in status.message
    assert next(c for c in report.checks if c.name == "signature").ok
