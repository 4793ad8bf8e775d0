"""Policy reads (scope `read`)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from resolvers.policies import service
from schema.policies.types import AccessPolicyNode


@strawberry.type
class PolicyQueries:
    @strawberry.field(description="A type's row-level policies.")
    async def access_policies(self, info: Info, object_type_id: str) -> list[AccessPolicyNode]:
        return [AccessPolicyNode.of(p) for p in await service.list_policies(info.context.principal, object_type_id)]
