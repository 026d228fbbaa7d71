"""W3C Bitstring Status List: a GZIP-compressed bitstring, base64url multibase encoded.

Bit 0 is the most significant bit of the first byte. A set bit means the credential at
that index has the list's purpose (here: revoked).
"""

import gzip

from . import multibase

STATUS_LIST_LENGTH = 131_072  # the spec's minimum: 16 KB, herd privacy


def encode(bits, length: int = STATUS_LIST_LENGTH) -> str:
    """``bits``: the set indexes (any iterable of ints) or a bytes-like bitstring."""
    if isinstance(bits, (bytes, bytearray)):
        data = bytearray(bits)
    else:
        data = bytearray(length // 8)
        for index in bits:
            if not 0 <= index < length:
                raise ValueError(f"Index {index} is outside the list (0–{length - 1}).")
            data[index // 8] |= 0x80 >> (index % 8)
    return multibase.encode_base64url(gzip.compress(bytes(data), mtime=0))


def decode(encoded: str) -> bytes:
    return gzip.decompress(multibase.decode_base64url(encoded))


def bit_is_set(decoded: bytes, index: int) -> bool:
    if not 0 <= index < len(decoded) * 8:
        raise IndexError(f"Index {index} is outside the list of {len(decoded) * 8} entries.")
    return bool(decoded[index // 8] & (0x80 >> (index % 8)))


def status_entry(list_url: str, index: int, purpose: str = "revocation") -> dict:
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def status_list_credential(*, id: str, issuer: str, valid_from, revoked_indexes,
                           purpose: str = "revocation", length: int = STATUS_LIST_LENGTH) -> dict:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": id,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": valid_from.replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "credentialSubject": {
            "id": f"{id}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encode(revoked_indexes, length),
        },
    }
