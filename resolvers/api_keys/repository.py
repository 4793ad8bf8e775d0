"""API-key queries, always through the tenant scope."""

from __future__ import annotations

from datetime import datetime, timezone

from models.api_keys import ApiKey
from resolvers.scoping import by_secret_hash, scoped


def active(tenant_id: str):
    return scoped(ApiKey, tenant_id).filter(revoked_at__isnull=True)


async def page(tenant_id: str, *, limit: int, offset: int, include_revoked: bool) -> list[ApiKey]:
    query = scoped(ApiKey, tenant_id) if include_revoked else active(tenant_id)
    return await query.order_by("-created_at", "-id").offset(offset).limit(limit)


async def count_active(tenant_id: str) -> int:
    return await active(tenant_id).count()


async def count_children(tenant_id: str, key_id: str) -> int:
    return await active(tenant_id).filter(parent_key_id=key_id).count()


async def descendant_ids(tenant_id: str, key_id: str) -> list[str]:
    """Every active key minted, directly or not, by `key_id` (one query per generation)."""
    found: list[str] = []
    frontier = [key_id]
    while frontier:
        frontier = await active(tenant_id).filter(parent_key_id__in=frontier).values_list("id", flat=True)
        frontier = [k for k in frontier if k not in found and k != key_id]
        found.extend(frontier)
    return found


async def revoke(tenant_id: str, key_ids: list[str]) -> None:
    now = datetime.now(timezone.utc)
    await active(tenant_id).filter(id__in=key_ids).update(revoked_at=now, updated_at=now)


async def reparent(tenant_id: str, old_parent: str, new_parent: str) -> None:
    await active(tenant_id).filter(parent_key_id=old_parent).update(parent_key_id=new_parent)


async def find_by_token_hash(token_hash: str) -> ApiKey | None:
    return await by_secret_hash(ApiKey, token_hash)


async def touch(key_id: str, tenant_id: str, when: datetime) -> None:
    await scoped(ApiKey, tenant_id).filter(id=key_id).update(last_used_at=when)


async def by_ids(tenant_id: str, key_ids: list[str]) -> list[ApiKey]:
    return await scoped(ApiKey, tenant_id).filter(id__in=key_ids)
