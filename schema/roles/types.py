"""GraphQL types of roles and assignments."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

import strawberry

from models.roles import Role


@strawberry.type(name="Role", description="Permissions under a name; a role also grants its parent's.")
class RoleNode:
    id: strawberry.ID
    name: str
    description: Optional[str]
    parent_role_id: Optional[str]
    permissions: list[str]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, role: Role) -> "RoleNode":
        return cls(
            id=strawberry.ID(role.id), name=role.name, description=role.description, parent_role_id=role.parent_role_id,
            permissions=list(role.permissions or []), created_at=role.created_at, updated_at=role.updated_at,
        )


@strawberry.type
class RoleAssigned:
    user_id: str
    role_id: str
    assigned: bool


@strawberry.type
class RoleRemoved:
    user_id: str
    role_id: str
    removed: bool


@strawberry.input
class CreateRoleInput:
    name: str
    description: Optional[str] = strawberry.UNSET
    parent_role_id: Optional[str] = strawberry.UNSET
    permissions: Optional[list[str]] = strawberry.UNSET


@strawberry.input
class UpdateRoleInput:
    name: Optional[str] = strawberry.UNSET
    description: Optional[str] = strawberry.UNSET
    parent_role_id: Optional[str] = strawberry.UNSET
    permissions: Optional[list[str]] = strawberry.UNSET
