"""Custom endpoint reads (scope `read`)."""

from __future__ import annotations

from typing import Optional

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from resolvers.custom_endpoints import service
from schema.custom_endpoints.types import CustomEndpointExecutionNode, CustomEndpointExecutionPage, CustomEndpointNode


@strawberry.type
class CustomEndpointQueries:
    @strawberry.field(description="The tenant's custom endpoints, oldest first.")
    async def custom_endpoints(self, info: Info) -> list[CustomEndpointNode]:
        return [CustomEndpointNode.of(e) for e in await service.list_endpoints(info.context.principal)]

    @strawberry.field(description="One custom endpoint.")
    async def custom_endpoint(self, info: Info, id: strawberry.ID) -> CustomEndpointNode:
        return CustomEndpointNode.of(await service.get_endpoint(info.context.principal, str(id)))

    @strawberry.field(description="A custom endpoint's invocations, newest first.")
    async def custom_endpoint_executions(
        self, info: Info, id: strawberry.ID, limit: Optional[int] = None, cursor: Optional[str] = None
    ) -> CustomEndpointExecutionPage:
        rows, next_cursor = await service.list_executions(info.context.principal, str(id), limit=limit, cursor=cursor)
        return CustomEndpointExecutionPage(executions=[CustomEndpointExecutionNode.of(r) for r in rows], next_cursor=next_cursor)

    @strawberry.field(description="OpenAPI 3.1 for the tenant's enabled custom endpoints.")
    async def custom_endpoints_openapi(self, info: Info) -> JSON:
        document: JSON = await service.openapi_document(info.context.principal)
        return document
