"""Custom endpoint changes (scope `schema`) and invoking one (its own rules decide)."""

from __future__ import annotations

from typing import Optional

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from resolvers.custom_endpoints import service
from resolvers.custom_endpoints.dispatch import Invocation, invoke
from schema.custom_endpoints.types import (
    CreateCustomEndpointInput,
    CustomEndpointDeleted,
    CustomEndpointNode,
    CustomEndpointResponse,
    UpdateCustomEndpointInput,
)
from schema.extensions import own_transactions
from schema.inputs import provided_fields


@strawberry.type
class CustomEndpointMutations:
    @strawberry.mutation(description="Define an endpoint; it is live at once at /v1/x/<path> on every server.")
    async def create_custom_endpoint(self, info: Info, input: CreateCustomEndpointInput) -> CustomEndpointNode:
        return CustomEndpointNode.of(await service.create_endpoint(info.context.principal, provided_fields(input), runtime=info.context.runtime))

    @strawberry.mutation(description="Change an endpoint.")
    async def update_custom_endpoint(self, info: Info, id: strawberry.ID, input: UpdateCustomEndpointInput) -> CustomEndpointNode:
        return CustomEndpointNode.of(await service.update_endpoint(info.context.principal, str(id), provided_fields(input)))

    @strawberry.mutation(description="Delete an endpoint (its executions stay readable until pruned).")
    async def delete_custom_endpoint(self, info: Info, id: strawberry.ID) -> CustomEndpointDeleted:
        deleted = await service.delete_endpoint(info.context.principal, str(id))
        return CustomEndpointDeleted(deleted=True, id=strawberry.ID(deleted))

    @strawberry.mutation(**own_transactions(
        "Call a custom endpoint as an HTTP request would (`GET /v1/x/<path>`): match, condition, actions, response. "
        "`path` is percent-encoded like a URL path; `tenantId` names the tenant for an anonymous call to a public endpoint."
    ))
    async def invoke_custom_endpoint(
        self, info: Info, method: str, path: str, query: Optional[JSON] = None, body: Optional[JSON] = None, tenant_id: Optional[str] = None,
    ) -> CustomEndpointResponse:
        invocation = Invocation(
            method=method.upper(), path=path, query={} if query is None else query, body=body, tenant_id=tenant_id,
            request_id=info.context.request_id, client_ip=info.context.client_ip,
        )
        return CustomEndpointResponse.of(await invoke(info.context.principal, invocation, info.context.runtime))
