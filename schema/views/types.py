"""Saved-view GraphQL types and inputs."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

import strawberry
from strawberry.scalars import JSON

from models.views import SavedView as SavedViewModel


@strawberry.type(name="SavedView", description="A named filter, sort and column list for an object type.")
class SavedViewNode:
    id: strawberry.ID
    object_type_id: str
    name: str
    filters: JSON = strawberry.field(description="Conditions in the list filter language; all apply")
    sort: JSON = strawberry.field(description='{"field": "score", "order": "desc"} or {}')
    columns: list[str]
    created_by: Optional[str]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_model(cls, row: SavedViewModel) -> "SavedViewNode":
        return cls(
            id=strawberry.ID(row.id),
            object_type_id=row.object_type_id,
            name=row.name,
            filters=row.filters or [],
            sort=row.sort or {},
            columns=list(row.columns or []),
            created_by=row.created_by,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


@strawberry.input
class CreateViewInput:
    name: str
    filters: Optional[JSON] = None
    sort: Optional[JSON] = None
    columns: Optional[list[str]] = None


@strawberry.input(description="Only the fields sent are changed.")
class UpdateViewInput:
    name: Optional[str] = strawberry.UNSET
    filters: Optional[JSON] = strawberry.UNSET
    sort: Optional[JSON] = strawberry.UNSET
    columns: Optional[list[str]] = strawberry.UNSET
