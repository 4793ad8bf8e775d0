"""argon2id password hashes, computed off the event loop (about 100 ms each on this box)."""

from __future__ import annotations

import asyncio
import os

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()  # argon2id with the library's defaults (t=3, m=64 MiB, p=4)
# Checked against when the account does not exist, so a login takes as long either way.
_DUMMY = _hasher.hash("basalt timing equaliser")


# Hashes running at once. Each keeps a core busy; more at once than half the cores starve the
# event loop (every other request waits), so later logins queue here instead.
_slots = asyncio.Semaphore(max(1, (os.cpu_count() or 2) // 2))


async def hash_password(password: str) -> str:
    async with _slots:
        return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when `password` matches; a missing hash still costs one verification."""
    async with _slots:
        return await asyncio.to_thread(_verify, stored_hash or _DUMMY, password, stored_hash is not None)


def _verify(stored_hash: str, password: str, real: bool) -> bool:
    try:
        _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return real
