"""Association mutations (scope `write`)."""

from __future__ import annotations

from typing import Optional

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from resolvers.associations import service
from schema.associations.types import AssociationNode
from schema.common import Deleted


@strawberry.type
class AssociationMutations:
    @strawberry.mutation(description="Create or replace the association from one object to another (meta: up to 10 KB).")
    async def put_association(
        self,
        info: Info,
        from_type: strawberry.ID,
        from_id: strawberry.ID,
        association_type: str,
        to_type: strawberry.ID,
        to_id: strawberry.ID,
        meta: Optional[JSON] = None,
    ) -> AssociationNode:
        record = await service.put_association(
            info.context.principal, str(from_type), str(from_id), association_type, str(to_type), str(to_id), meta
        )
        return AssociationNode.from_record(record)

    @strawberry.mutation(description="Remove an association.")
    async def delete_association(
        self,
        info: Info,
        from_type: strawberry.ID,
        from_id: strawberry.ID,
        association_type: str,
        to_type: strawberry.ID,
        to_id: strawberry.ID,
    ) -> Deleted:
        deleted = await service.delete_association(
            info.context.principal, str(from_type), str(from_id), association_type, str(to_type), str(to_id)
        )
        return Deleted(id=strawberry.ID(deleted), deleted=True)
