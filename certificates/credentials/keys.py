"""The issuer's Ed25519 key, its did:web identifier and DID document.

The key is a multibase secret key, given directly or read from a JSON key file; the
issuer is ``did:web`` for a host name. Which key and host a site uses is settings'
business (``certificates.keys`` reads them): this package imports no Django.
"""

import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from . import multibase


class KeyConfigurationError(ValueError):
    """The configured key or issuer host cannot be used (the message says why)."""


@dataclass(frozen=True)
class SigningKey:
    private_key: Ed25519PrivateKey
    did: str

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @property
    def public_multikey(self) -> str:
        raw = self.public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return multibase.public_multikey(raw)

    @property
    def verification_method(self) -> str:
        return f"{self.did}#key-1"


def did_web_for_host(host: str) -> str:
    """``example.org:8000`` → ``did:web:example.org%3A8000`` (a port is percent-encoded)."""
    host = host.strip().strip("/")
    if not host or "/" in host:
        raise KeyConfigurationError(f"CREDENTIAL_ISSUER_HOST must be a host name, not {host!r}.")
    return "did:web:" + quote(host, safe="")


def private_key_from_multikey(secret: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(multibase.secret_key_bytes(secret))


def _secret_from_file(path: Path) -> str:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise KeyConfigurationError(
            f"No credential signing key: set CREDENTIAL_SIGNING_KEY, or create the key file "
            f"with `manage.py credential_keygen --output {path}`."
        ) from None
    except (OSError, ValueError) as exc:
        raise KeyConfigurationError(f"The credential key file {path} is unreadable: {exc}") from exc
    secret = data.get("secretKeyMultibase") or data.get("privateKeyMultibase")
    if not secret:
        raise KeyConfigurationError(f"The credential key file {path} has no secretKeyMultibase.")
    return secret


@functools.lru_cache(maxsize=4)
def _load(secret: str, host: str) -> SigningKey:
    try:
        private_key = private_key_from_multikey(secret)
    except ValueError as exc:
        raise KeyConfigurationError(f"The credential signing key is not an Ed25519 secret Multikey: {exc}") from exc
    return SigningKey(private_key, did_web_for_host(host))


def signing_key(*, secret: str, key_file: Path, host: str) -> SigningKey:
    """The key ``secret`` names, else the one in ``key_file``; issuer ``did:web`` for ``host``."""
    return _load(secret or _secret_from_file(Path(key_file)), host)


def generate_key_file(path: Path, *, host: str, force: bool = False) -> SigningKey:
    """Write a new key (mode 0600); refuses to overwrite an existing file unless forced."""
    path = Path(path)
    if path.exists() and not force:
        raise FileExistsError(f"{path} already exists; a signing key is never overwritten silently.")
    private_key = Ed25519PrivateKey.generate()
    raw_private = private_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    raw_public = private_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    with os.fdopen(os.open(path, flags, 0o600), "w") as handle:
        json.dump({
            "type": "Multikey",
            "publicKeyMultibase": multibase.public_multikey(raw_public),
            "secretKeyMultibase": multibase.secret_multikey(raw_private),
        }, handle, indent=2)
    os.chmod(path, 0o600)
    return SigningKey(private_key, did_web_for_host(host))


def did_document(key: SigningKey) -> dict:
    method = {
        "id": key.verification_method,
        "type": "Multikey",
        "controller": key.did,
        "publicKeyMultibase": key.public_multikey,
    }
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": key.did,
        "verificationMethod": [method],
        "assertionMethod": [method["id"]],
        "authentication": [method["id"]],
    }
