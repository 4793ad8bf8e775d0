"""Saved-view queries."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from resolvers.views import service
from schema.views.types import SavedViewNode


@strawberry.type
class ViewQueries:
    @strawberry.field(description="Saved views of an object type.")
    async def views(self, info: Info, object_type_id: strawberry.ID) -> list[SavedViewNode]:
        return [SavedViewNode.from_model(v) for v in await service.list_views(info.context.principal, str(object_type_id))]
