"""Saved-view queries, tenant-scoped."""

from __future__ import annotations

from models.views import SavedView
from resolvers.scoping import scoped


async def of_type(tenant_id: str, type_id: str) -> list[SavedView]:
    return await scoped(SavedView, tenant_id).filter(object_type_id=type_id).order_by("created_at", "id")


async def by_id(tenant_id: str, type_id: str, view_id: str) -> SavedView | None:
    return await scoped(SavedView, tenant_id).get_or_none(id=view_id, object_type_id=type_id)


async def count(tenant_id: str, type_id: str) -> int:
    return await scoped(SavedView, tenant_id).filter(object_type_id=type_id).count()
