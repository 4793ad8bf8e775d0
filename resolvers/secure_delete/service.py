"""Secure deletion: refuse to cascade silently, hand out a single-use token to confirm.

The confirm token is signed (HMAC with the server secret) over tenant, resource and expiry, so
issuing one writes nothing: the 409 answer can be rolled back with the request. Spending one
inserts a unique row inside the deleting transaction, so a token works once, on any process.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from datetime import datetime, timezone

from resolvers.ids import sha256_hex
from resolvers.secure_delete import repository
from resolvers.secure_delete.schemas import CONFIRM_TOKEN_TTL_SECONDS, Dependency, DependencyExists


async def guard_delete(
    *,
    secret_key: str,
    tenant_id: str,
    resource_type: str,
    resource_id: str,
    dependencies: list[Dependency],
    force: bool,
    confirm_token: str | None,
) -> None:
    """Return when the delete may proceed; raise 409 DEPENDENCY_EXISTS with a token otherwise."""
    present = [d for d in dependencies if d.count > 0]
    if not present:
        return
    subject = _subject(tenant_id, resource_type, resource_id)
    if force and confirm_token:
        expires_at = _verify(secret_key, confirm_token, subject)
        if expires_at is not None and await repository.spend(
            tenant_id, sha256_hex(confirm_token), resource_type, resource_id, expires_at
        ):
            await repository.prune_expired(tenant_id)
            return
        message = "confirm_token is invalid, expired or already used; use this new one"
    else:
        message = None
    raise DependencyExists(present, _issue(secret_key, subject), message)


def _subject(tenant_id: str, resource_type: str, resource_id: str) -> str:
    return f"{tenant_id}:{resource_type}:{resource_id}"


def _issue(secret_key: str, subject: str) -> str:
    payload = {"s": subject, "e": int(time.time()) + CONFIRM_TOKEN_TTL_SECONDS, "n": secrets.token_hex(8)}
    body = _b64(json.dumps(payload, separators=(",", ":")).encode())
    return f"{body}.{_sign(secret_key, body)}"


def _verify(secret_key: str, token: str, subject: str) -> datetime | None:
    body, _, signature = token.partition(".")
    if not body or not hmac.compare_digest(signature, _sign(secret_key, body)):
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except ValueError:
        return None
    if payload.get("s") != subject or int(payload.get("e", 0)) < time.time():
        return None
    return datetime.fromtimestamp(int(payload["e"]), tz=timezone.utc)


def _sign(secret_key: str, body: str) -> str:
    digest = hmac.new(f"confirm-token:{secret_key}".encode(), body.encode(), hashlib.sha256).digest()
    return _b64(digest)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
