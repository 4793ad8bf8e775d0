"""Object-type mutations (scope `schema`)."""

from __future__ import annotations

from typing import Optional

import strawberry
from strawberry.types import Info

from resolvers.object_types import service
from resolvers.object_types.schemas import TypeCreate, TypePatch
from schema.common import Deleted
from schema.inputs import provided_fields
from schema.object_types.types import CreateObjectTypeInput, ObjectTypeNode, UpdateObjectTypeInput


@strawberry.type
class ObjectTypeMutations:
    @strawberry.mutation(description="Create an object type.")
    async def create_object_type(self, info: Info, input: CreateObjectTypeInput) -> ObjectTypeNode:
        created = await service.create_type(info.context.principal, TypeCreate(**provided_fields(input)))
        return ObjectTypeNode.from_model(created)

    @strawberry.mutation(description="Rename an object type or change its display name.")
    async def update_object_type(self, info: Info, id: strawberry.ID, input: UpdateObjectTypeInput) -> ObjectTypeNode:
        patch = TypePatch(**provided_fields(input))  # type: ignore[typeddict-item]
        return ObjectTypeNode.from_model(await service.update_type(info.context.principal, str(id), patch))

    @strawberry.mutation(description="Destroy a type with everything in it: 409 DEPENDENCY_EXISTS first, then force + confirm_token.")
    async def delete_object_type(
        self, info: Info, id: strawberry.ID, force: bool = False, confirm_token: Optional[str] = None
    ) -> Deleted:
        deleted = await service.delete_type(
            info.context.principal, str(id), runtime=info.context.runtime, force=force, confirm_token=confirm_token
        )
        return Deleted(id=strawberry.ID(deleted), deleted=True)
