"""Object-type GraphQL types and inputs."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

import strawberry

from models.object_types import ObjectType as ObjectTypeModel


@strawberry.type(name="ObjectType", description="A tenant's data schema: like a table.")
class ObjectTypeNode:
    id: strawberry.ID
    tenant_id: str
    name: str
    display_name: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_model(cls, row: ObjectTypeModel) -> "ObjectTypeNode":
        return cls(
            id=strawberry.ID(row.id),
            tenant_id=row.tenant_id,
            name=row.name,
            display_name=row.display_name,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


@strawberry.input
class CreateObjectTypeInput:
    name: str = strawberry.field(description="^[a-z][a-z0-9_]*$, unique in the tenant")
    display_name: Optional[str] = None


@strawberry.input(description="Only the fields sent are changed.")
class UpdateObjectTypeInput:
    name: Optional[str] = strawberry.UNSET
    display_name: Optional[str] = strawberry.UNSET
