"""Association queries."""

from __future__ import annotations

from typing import Optional

import strawberry
from strawberry.types import Info

from resolvers.associations import service
from resolvers.associations.schemas import LIST_DEFAULT_LIMIT
from schema.associations.types import AssociationConnection


@strawberry.type
class AssociationQueries:
    @strawberry.field(description="An object's associations: outgoing, incoming or both, oldest first.")
    async def associations(
        self,
        info: Info,
        type: strawberry.ID,
        id: strawberry.ID,
        direction: str = "both",
        association_type: Optional[str] = None,
        first: int = LIST_DEFAULT_LIMIT,
        after: Optional[str] = None,
    ) -> AssociationConnection:
        page = await service.list_associations(
            info.context.principal, str(type), str(id), direction=direction, association_type=association_type, limit=first, after=after
        )
        return AssociationConnection.from_page(page)
