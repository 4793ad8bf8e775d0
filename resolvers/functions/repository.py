"""Custom function rows and their logs, always tenant-scoped."""

from __future__ import annotations

from datetime import datetime

from models.functions import CustomFunction, FunctionLog
from resolvers.scoping import scoped


async def functions_of(tenant_id: str) -> list[CustomFunction]:
    return await scoped(CustomFunction, tenant_id).order_by("created_at", "id")


async def function(tenant_id: str, function_id: str) -> CustomFunction | None:
    return await scoped(CustomFunction, tenant_id).get_or_none(id=function_id)


async def by_ref(tenant_id: str, ref: str) -> CustomFunction | None:
    """By id, or by name (jobs and actions may name a function)."""
    query = scoped(CustomFunction, tenant_id)
    return await (query.get_or_none(id=ref) if ref.startswith("fn_") else query.get_or_none(name=ref))


async def name_taken(tenant_id: str, name: str, *, other_than: str | None = None) -> bool:
    query = scoped(CustomFunction, tenant_id).filter(name=name)
    if other_than:
        query = query.exclude(id=other_than)
    return await query.exists()


async def count(tenant_id: str) -> int:
    return await scoped(CustomFunction, tenant_id).count()


async def event_functions(tenant_id: str) -> list[CustomFunction]:
    return await scoped(CustomFunction, tenant_id).filter(trigger_type="event", enabled=True).order_by("created_at", "id")


async def logs_page(tenant_id: str, function_id: str, limit: int, offset: int) -> list[FunctionLog]:
    return await scoped(FunctionLog, tenant_id).filter(function_id=function_id).order_by("-created_at", "-id").offset(offset).limit(limit)


async def prune_logs(tenant_id: str, before: datetime) -> int:
    return await scoped(FunctionLog, tenant_id).filter(created_at__lt=before).delete()
