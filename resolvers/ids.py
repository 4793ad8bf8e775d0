"""Prefixed, URL-safe, unguessable ids (`tn_…`, `key_…`)."""

from __future__ import annotations

import hashlib
import secrets
import string

_ALPHABET = string.ascii_lowercase + string.digits
# A random byte below 252 (7 x 36) maps to one digit without bias; 252-255 are dropped.
_DIGITS = bytes(ord(_ALPHABET[b % 36]) for b in range(256))
_UNEVEN = bytes(range(252, 256))


def new_id(prefix: str, length: int = 20) -> str:
    """`length` uniform base-36 digits from one urandom call: each byte below 252 is a digit
    (`bytes.translate`, in C), 8 spare bytes make up for dropped ones (drawn again in the
    negligible case that more than 8 of them are)."""
    while True:
        digits = secrets.token_bytes(length + 8).translate(_DIGITS, _UNEVEN)
        if len(digits) >= length:
            return f"{prefix}_{digits[:length].decode()}"


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
