"""GraphQL types of row-level policies and the simulator."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

import strawberry
from strawberry.scalars import JSON

from models.policies import AccessPolicy


@strawberry.type(name="AccessPolicy", description="Which rows of a type a principal may select, insert, update or delete.")
class AccessPolicyNode:
    id: strawberry.ID
    object_type_id: str
    name: str
    action: str
    role: Optional[str]
    condition_json: JSON
    enabled: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: AccessPolicy) -> "AccessPolicyNode":
        condition: Any = row.condition_json or {}
        return cls(
            id=strawberry.ID(row.id), object_type_id=row.object_type_id, name=row.name, action=row.action, role=row.role,
            condition_json=condition, enabled=row.enabled, created_at=row.created_at, updated_at=row.updated_at,
        )


@strawberry.input
class CreateAccessPolicyInput:
    name: str
    action: str
    role: Optional[str] = strawberry.UNSET
    condition_json: Optional[JSON] = strawberry.UNSET
    enabled: Optional[bool] = strawberry.UNSET


@strawberry.input
class UpdateAccessPolicyInput:
    name: Optional[str] = strawberry.UNSET
    action: Optional[str] = strawberry.UNSET
    role: Optional[str] = strawberry.UNSET
    condition_json: Optional[JSON] = strawberry.UNSET
    enabled: Optional[bool] = strawberry.UNSET
