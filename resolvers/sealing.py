"""Secrets we must read back (webhook signing secrets, TOTP keys) are stored encrypted with a key
derived from BASALT_SECRET_KEY and a purpose, so one leaked table does not give them away and
each purpose has its own key."""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet


@lru_cache(maxsize=16)
def _fernet(secret_key: str, purpose: str) -> Fernet:
    digest = hashlib.sha256(f"basalt {purpose}\0".encode() + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(secret_key: str, purpose: str, secret: str) -> str:
    return _fernet(secret_key, purpose).encrypt(secret.encode()).decode()


@lru_cache(maxsize=1024)
def unseal(secret_key: str, purpose: str, sealed: str) -> str:
    """Cached: a sealed text always opens to the same secret (webhooks sign with it per message)."""
    return _fernet(secret_key, purpose).decrypt(sealed.encode()).decode()
