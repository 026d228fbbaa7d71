"""Encryption at rest with the notes keys (``NOTES_ENCRYPTION_KEYS``, Fernet, newest
first): consultation notes and the payloads of sealed background jobs (e-mails).

Reading accepts any listed key; writing always uses the first, so putting a new key in
front and running ``manage.py rotate_notes_key`` re-encrypts everything under it.
"""

from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


@lru_cache(maxsize=4)
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode() if isinstance(key, str) else key) for key in keys])


def cipher() -> MultiFernet:
    return _cipher(tuple(settings.NOTES_ENCRYPTION_KEYS))
