"""Signing and verifying W3C Verifiable Credentials (Open Badges 3.0) offline.

- ``jsonld``: bundled JSON-LD contexts and RDF canonicalization (RDFC-1.0 / URDNA2015).
- ``multibase``: base58btc, base64url and Multikey encodings.
- ``keys``: the issuer's Ed25519 key, did:web and its DID document.
- ``proof``: Data Integrity proofs with the ``eddsa-rdfc-2022`` cryptosuite.
- ``status_list``: W3C Bitstring Status List encoding.
- ``verifier``: checks a credential and explains each check.
"""
