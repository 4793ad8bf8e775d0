"""Object-type queries."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from resolvers.object_types import service
from schema.object_types.types import ObjectTypeNode


@strawberry.type
class ObjectTypeQueries:
    @strawberry.field(description="The tenant's object types, by name.")
    async def object_types(self, info: Info) -> list[ObjectTypeNode]:
        return [ObjectTypeNode.from_model(t) for t in await service.list_types(info.context.principal)]

    @strawberry.field(description="One object type, by id or name.")
    async def object_type(self, info: Info, id: strawberry.ID) -> ObjectTypeNode:
        return ObjectTypeNode.from_model(await service.get_type(info.context.principal, str(id)))
