"""Multibase and Multikey encodings used by Data Integrity proofs and DID documents."""

import base64

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58)}
ED25519_PUB_PREFIX = b"\xed\x01"   # multicodec ed25519-pub
ED25519_PRIV_PREFIX = b"\x80\x26"  # multicodec ed25519-priv


def b58encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, rem = divmod(number, 58)
        out = _B58[rem] + out
    pad = len(data) - len(data.lstrip(b"\0"))
    return "1" * pad + out


def b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        if char not in _B58_INDEX:
            raise ValueError(f"{char!r} is not a base58btc character.")
        number = number * 58 + _B58_INDEX[char]
    pad = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * pad + body


def encode_base58btc(data: bytes) -> str:
    return "z" + b58encode(data)


def decode_base58btc(text: str) -> bytes:
    if not isinstance(text, str) or not text.startswith("z"):
        raise ValueError("Expected a base58btc multibase value (starting with 'z').")
    return b58decode(text[1:])


def encode_base64url(data: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(data).decode().rstrip("=")


def decode_base64url(text: str) -> bytes:
    if text.startswith("u"):
        text = text[1:]
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_multikey(raw: bytes) -> str:
    return encode_base58btc(ED25519_PUB_PREFIX + raw)


def secret_multikey(raw: bytes) -> str:
    return encode_base58btc(ED25519_PRIV_PREFIX + raw)


def _unprefix(text: str, prefix: bytes, what: str) -> bytes:
    data = decode_base58btc(text)
    if not data.startswith(prefix) or len(data) != len(prefix) + 32:
        raise ValueError(f"Not an Ed25519 {what} Multikey.")
    return data[len(prefix):]


def public_key_bytes(multikey: str) -> bytes:
    return _unprefix(multikey, ED25519_PUB_PREFIX, "public")


def secret_key_bytes(multikey: str) -> bytes:
    return _unprefix(multikey, ED25519_PRIV_PREFIX, "secret")
