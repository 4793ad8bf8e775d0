"""Property queries."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from resolvers.properties import service
from schema.properties.types import PropertyNode


@strawberry.type
class PropertyQueries:
    @strawberry.field(description="The properties of an object type, oldest first.")
    async def properties(self, info: Info, object_type_id: strawberry.ID) -> list[PropertyNode]:
        return [PropertyNode.from_model(p) for p in await service.list_properties(info.context.principal, str(object_type_id))]
