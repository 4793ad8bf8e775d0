"""Property GraphQL types and inputs."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

import strawberry
from strawberry.scalars import JSON

from models.properties import Property as PropertyModel
from resolvers.properties.service import api_default


@strawberry.type(name="Property", description="A typed field of an object type.")
class PropertyNode:
    id: strawberry.ID
    object_type_id: str
    name: str
    data_type: str
    is_indexed: bool
    is_sortable: bool
    is_unique: bool
    is_required: bool
    default_value: Optional[JSON]
    enum_values: Optional[list[str]]
    description: Optional[str]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_model(cls, row: PropertyModel) -> "PropertyNode":
        return cls(
            id=strawberry.ID(row.id),
            object_type_id=row.object_type_id,
            name=row.name,
            data_type=row.data_type,
            is_indexed=row.is_indexed,
            is_sortable=row.is_sortable,
            is_unique=row.is_unique,
            is_required=row.is_required,
            default_value=api_default(row),
            enum_values=list(row.enum_values) if row.enum_values is not None else None,
            description=row.description,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


@strawberry.input
class CreatePropertyInput:
    name: str
    data_type: str = strawberry.field(description="One of the 22 data types, e.g. string, integer, decimal, enum, reference")
    is_indexed: bool = False
    is_sortable: bool = False
    is_unique: bool = False
    is_required: bool = False
    default_value: Optional[JSON] = None
    enum_values: Optional[list[str]] = None
    description: Optional[str] = None


@strawberry.input(description="Only the fields sent are changed. name and data_type are fixed.")
class UpdatePropertyInput:
    name: Optional[str] = strawberry.UNSET
    data_type: Optional[str] = strawberry.UNSET
    is_indexed: Optional[bool] = strawberry.UNSET
    is_sortable: Optional[bool] = strawberry.UNSET
    is_unique: Optional[bool] = strawberry.UNSET
    is_required: Optional[bool] = strawberry.UNSET
    default_value: Optional[JSON] = strawberry.UNSET
    enum_values: Optional[list[str]] = strawberry.UNSET
    description: Optional[str] = strawberry.UNSET
