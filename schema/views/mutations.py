"""Saved-view mutations (scope `write`)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from resolvers.views import service
from resolvers.views.schemas import ViewCreate, ViewPatch
from schema.common import Deleted
from schema.inputs import provided_fields
from schema.views.types import CreateViewInput, SavedViewNode, UpdateViewInput


@strawberry.type
class ViewMutations:
    @strawberry.mutation(description="Save a view; its filters are checked against the schema now.")
    async def create_view(self, info: Info, object_type_id: strawberry.ID, input: CreateViewInput) -> SavedViewNode:
        fields = {k: v for k, v in provided_fields(input).items() if v is not None}
        return SavedViewNode.from_model(await service.create_view(info.context.principal, str(object_type_id), ViewCreate(**fields)))

    @strawberry.mutation(description="Change a saved view.")
    async def update_view(self, info: Info, object_type_id: strawberry.ID, id: strawberry.ID, input: UpdateViewInput) -> SavedViewNode:
        patch = ViewPatch(**provided_fields(input))  # type: ignore[typeddict-item]
        return SavedViewNode.from_model(await service.update_view(info.context.principal, str(object_type_id), str(id), patch))

    @strawberry.mutation(description="Delete a saved view.")
    async def delete_view(self, info: Info, object_type_id: strawberry.ID, id: strawberry.ID) -> Deleted:
        deleted = await service.delete_view(info.context.principal, str(object_type_id), str(id))
        return Deleted(id=strawberry.ID(deleted), deleted=True)
