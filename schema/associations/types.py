"""Association GraphQL types."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Optional

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from resolvers.associations.schemas import AssociationPage, AssociationRecord
from schema.common import relation
from schema.objects.loaders import object_loader

if TYPE_CHECKING:
    from schema.objects.types import ObjectNode


@strawberry.type(name="Association", description="A typed link from one object to another.")
class AssociationNode:
    id: strawberry.ID
    from_type: str
    from_id: str
    association_type: str
    to_type: str
    to_id: str
    meta: JSON
    created_at: datetime
    updated_at: datetime

    @relation("The object this association starts from")
    async def from_object(self, info: Info) -> Optional[Annotated["ObjectNode", strawberry.lazy("schema.objects.types")]]:
        return await object_loader(info).load(self.from_id)

    @relation("The object this association points to")
    async def to_object(self, info: Info) -> Optional[Annotated["ObjectNode", strawberry.lazy("schema.objects.types")]]:
        return await object_loader(info).load(self.to_id)

    @classmethod
    def from_record(cls, record: AssociationRecord) -> "AssociationNode":
        return cls(
            id=strawberry.ID(record.id),
            from_type=record.from_type,
            from_id=record.from_id,
            association_type=record.association_type,
            to_type=record.to_type,
            to_id=record.to_id,
            meta=record.meta,
            created_at=record.created_at,
            updated_at=record.updated_at,
        )


@strawberry.type(description="A page of associations.")
class AssociationConnection:
    results: list[AssociationNode]
    next_cursor: Optional[str]
    total: int

    @classmethod
    def from_page(cls, page: AssociationPage) -> "AssociationConnection":
        return cls(results=[AssociationNode.from_record(r) for r in page.items], next_cursor=page.next_cursor, total=page.total)
