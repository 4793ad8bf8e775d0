"""Custom endpoint rows and their executions, tenant-scoped."""

from __future__ import annotations

from datetime import datetime

from models.custom_endpoints import CustomEndpoint, EndpointExecution
from resolvers.paging import newest_first
from resolvers.scoping import scoped


async def endpoints_of(tenant_id: str, *, enabled_only: bool = False) -> list[CustomEndpoint]:
    query = scoped(CustomEndpoint, tenant_id)
    if enabled_only:
        query = query.filter(enabled=True)
    return await query.order_by("created_at", "id")


async def endpoint(tenant_id: str, endpoint_id: str) -> CustomEndpoint | None:
    return await scoped(CustomEndpoint, tenant_id).get_or_none(id=endpoint_id)


async def count(tenant_id: str) -> int:
    return await scoped(CustomEndpoint, tenant_id).count()


async def record(execution: EndpointExecution) -> None:
    await execution.save(force_create=True)


async def executions_page(tenant_id: str, endpoint_id: str, *, limit: int, cursor: str | None) -> tuple[list[EndpointExecution], str | None]:
    query = scoped(EndpointExecution, tenant_id).filter(endpoint_id=endpoint_id)
    return await newest_first(query, limit=limit, cursor=cursor)


async def has_executions(tenant_id: str, endpoint_id: str) -> bool:
    return await scoped(EndpointExecution, tenant_id).filter(endpoint_id=endpoint_id).exists()


async def prune_executions(tenant_id: str, before: datetime) -> None:
    await scoped(EndpointExecution, tenant_id).filter(created_at__lt=before).delete()
