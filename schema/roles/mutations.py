"""Role changes and assignments (scope `auth`)."""

from __future__ import annotations

from typing import Optional

import strawberry
from strawberry.types import Info

from resolvers.roles import service
from schema.common import Deleted
from schema.inputs import provided_fields
from schema.roles.types import CreateRoleInput, RoleAssigned, RoleNode, RoleRemoved, UpdateRoleInput


@strawberry.type
class RoleMutations:
    @strawberry.mutation(description="Create a role (name, description, parent_role_id, permissions).")
    async def create_role(self, info: Info, input: CreateRoleInput) -> RoleNode:
        return RoleNode.of(await service.create_role(info.context.principal, provided_fields(input)))

    @strawberry.mutation(description="Change a role; a parent that would make a cycle is refused.")
    async def update_role(self, info: Info, id: strawberry.ID, input: UpdateRoleInput) -> RoleNode:
        return RoleNode.of(await service.update_role(info.context.principal, str(id), provided_fields(input)))

    @strawberry.mutation(description="Replace a role's permissions.")
    async def set_role_permissions(self, info: Info, id: strawberry.ID, permissions: list[str]) -> RoleNode:
        return RoleNode.of(await service.set_permissions(info.context.principal, str(id), permissions))

    @strawberry.mutation(description="Delete a role; held or inherited roles need a confirm token (409 first).")
    async def delete_role(self, info: Info, id: strawberry.ID, force: bool = False, confirm_token: Optional[str] = None) -> Deleted:
        deleted = await service.delete_role(info.context.principal, str(id), runtime=info.context.runtime, force=force, confirm_token=confirm_token)
        return Deleted(id=strawberry.ID(deleted), deleted=True)

    @strawberry.mutation(description="Give a user a role.")
    async def assign_role(self, info: Info, user_id: str, role_id: str) -> RoleAssigned:
        return RoleAssigned(**await service.assign(info.context.principal, user_id, role_id))

    @strawberry.mutation(description="Take a role from a user.")
    async def remove_role(self, info: Info, role_id: str, user_id: str) -> RoleRemoved:
        return RoleRemoved(**await service.unassign(info.context.principal, role_id, user_id))
