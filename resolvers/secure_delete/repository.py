"""Spent confirm tokens: a unique row per use makes each token single-use across processes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tortoise.exceptions import IntegrityError

from models.secure_delete import ConfirmToken
from resolvers.scoping import scoped


async def spend(tenant_id: str, token_hash: str, resource_type: str, resource_id: str, expires_at: datetime) -> bool:
    """Record the token as used; False when it was already used (by any process)."""
    try:
        await ConfirmToken.create(
            tenant_id=tenant_id,
            token_hash=token_hash,
            resource_type=resource_type,
            resource_id=resource_id,
            expires_at=expires_at,
            used_at=datetime.now(timezone.utc),
        )
    except IntegrityError:
        return False
    return True


async def prune_expired(tenant_id: str) -> None:
    """Spent tokens are only needed until they expire; keep the table small."""
    cutoff = datetime.now(timezone.utc) - timedelta(minutes=10)
    await scoped(ConfirmToken, tenant_id).filter(expires_at__lt=cutoff).delete()
