"""Property mutations (scope `schema`)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from resolvers.properties import service
from resolvers.properties.schemas import PropertyCreate, PropertyPatch
from schema.common import Deleted
from schema.inputs import provided_fields
from schema.properties.types import CreatePropertyInput, PropertyNode, UpdatePropertyInput


@strawberry.type
class PropertyMutations:
    @strawberry.mutation(description="Add a typed property; is_indexed / is_unique create real indexes.")
    async def create_property(self, info: Info, object_type_id: strawberry.ID, input: CreatePropertyInput) -> PropertyNode:
        created = await service.create_property(info.context.principal, str(object_type_id), PropertyCreate(**provided_fields(input)))
        return PropertyNode.from_model(created)

    @strawberry.mutation(description="Change a property's flags, default, enum values or description.")
    async def update_property(
        self, info: Info, object_type_id: strawberry.ID, id: strawberry.ID, input: UpdatePropertyInput
    ) -> PropertyNode:
        patch = PropertyPatch(**provided_fields(input))  # type: ignore[typeddict-item]
        return PropertyNode.from_model(await service.update_property(info.context.principal, str(object_type_id), str(id), patch))

    @strawberry.mutation(description="Remove a property; existing values stay on the objects, untyped.")
    async def delete_property(self, info: Info, object_type_id: strawberry.ID, id: strawberry.ID) -> Deleted:
        deleted = await service.delete_property(info.context.principal, str(object_type_id), str(id))
        return Deleted(id=strawberry.ID(deleted), deleted=True)
