"""Helpers the credential tests share (imported by name: tests/certificates is on the
test path)."""

import hashlib

import pyoxigraph
from pyld import jsonld as pyld_jsonld

from certificates.credentials import jsonld, multibase


def pyld_only_nquads(document: dict) -> str:
    """PyLD's URDNA2015 with no safe-mode checks: Kapstone's signing path before issue 16."""
    options = {"algorithm": "URDNA2015", "format": "application/n-quads",
               "documentLoader": jsonld.document_loader}
    return pyld_jsonld.normalize(document, options)


def sign_unsafely(document: dict, key, created: str = "2026-01-01T00:00:00Z") -> dict:
    """Sign as Kapstone did before issue 16 (proof as one object, PyLD's canonicalization
    without safe mode), to make credentials of the kind already issued."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options = {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "created": created,
               "verificationMethod": key.verification_method, "proofPurpose": "assertionMethod"}
    proof_config = {**options, "@context": unsecured["@context"]}
    data = (hashlib.sha256(pyld_only_nquads(proof_config).encode()).digest()
            + hashlib.sha256(pyld_only_nquads(unsecured).encode()).digest())
    value = multibase.encode_base58btc(key.private_key.sign(data))
    return {**unsecured, "proof": {**options, "proofValue": value}}


def canonical_nquads_of(nquads: str) -> str:
    """pyoxigraph's RDFC-1.0 of a dataset given as N-Quads (to tell a graph that differs
    from one only labelled differently)."""
    dataset = pyoxigraph.Dataset(pyoxigraph.parse(nquads, pyoxigraph.RdfFormat.N_QUADS))
    dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
    serialized = pyoxigraph.serialize(dataset, format=pyoxigraph.RdfFormat.N_QUADS).decode()
    return "".join(sorted(line + "\n" for line in serialized.splitlines() if line))
