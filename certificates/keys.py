"""The site's credential signing key, as settings name it.

``CREDENTIAL_SIGNING_KEY`` (a multibase secret key) or the JSON key file at
``CREDENTIAL_SIGNING_KEY_FILE`` (made by ``manage.py credential_keygen``); the issuer is
``did:web`` for ``CREDENTIAL_ISSUER_HOST``. The key itself is handled by the Django-free
``certificates.credentials.keys``; this module only reads the settings and reports a
key that cannot be used as ImproperlyConfigured.
"""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .credentials import keys as credential_keys
from .credentials.keys import SigningKey, did_document

__all__ = ["SigningKey", "did_document", "generate_key_file", "load_signing_key"]


def _issuer_host() -> str:
    return getattr(settings, "CREDENTIAL_ISSUER_HOST", "localhost")


def load_signing_key() -> SigningKey:
    try:
        return credential_keys.signing_key(
            secret=getattr(settings, "CREDENTIAL_SIGNING_KEY", ""),
            key_file=Path(getattr(settings, "CREDENTIAL_SIGNING_KEY_FILE", "credential-key.json")),
            host=_issuer_host(),
        )
    except credential_keys.KeyConfigurationError as exc:
        raise ImproperlyConfigured(str(exc)) from exc


def generate_key_file(path: Path, *, force: bool = False) -> SigningKey:
    """Write a new key file (mode 0600) for this site's issuer host; refuses to
    overwrite an existing file unless forced."""
    try:
        return credential_keys.generate_key_file(Path(path), host=_issuer_host(), force=force)
    except credential_keys.KeyConfigurationError as exc:
        raise ImproperlyConfigured(str(exc)) from exc
