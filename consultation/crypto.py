"""Encryption at rest for consultation notes.

Keys are Fernet keys from settings (``NOTES_ENCRYPTION_KEYS``, newest first). Reading
accepts any listed key; writing always uses the first, so adding a new key in front and
running ``manage.py rotate_notes_key`` re-encrypts every note under it (the cipher is
shared with sealed job payloads: core/crypto.py).
"""

from cryptography.fernet import InvalidToken
from django.db import models
from django.views.decorators.debug import sensitive_variables

from core.crypto import cipher


# The plaintext is a private note: keep it out of error reports' frame variables.
@sensitive_variables()
def encrypt(text: str) -> str:
    return cipher().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return cipher().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        # Never include the token or any plaintext in the message.
        raise ValueError("A consultation note could not be decrypted with the configured keys.") from exc


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token; empty stays empty."""

    def from_db_value(self, value, expression, connection):
        if not value:
            return value or ""
        return decrypt(value)

    @sensitive_variables()
    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return ""
        return encrypt(value)
