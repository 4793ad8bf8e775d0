"""Prefixed, URL-safe, unguessable ids (`tn_…`, `key_…`)."""

from __future__ import annotations

import hashlib
import secrets
import string

_ALPHABET = string.ascii_lowercase + string.digits


def new_id(prefix: str, length: int = 20) -> str:
    """`length` base-36 digits of one random number from the OS (one urandom call, not one per
    character). 6 bits per digit (a digit needs 5.2) plus 8 spare bytes make the bias negligible."""
    number = int.from_bytes(secrets.token_bytes(length * 6 // 8 + 8), "big")
    digits = []
    for _ in range(length):
        number, digit = divmod(number, 36)
        digits.append(_ALPHABET[digit])
    return f"{prefix}_" + "".join(digits)


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
