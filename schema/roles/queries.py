"""Role reads (scope `auth`)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from resolvers.roles import service
from schema.roles.types import RoleNode


@strawberry.type
class RoleQueries:
    @strawberry.field(description="The tenant's roles, by name.")
    async def roles(self, info: Info) -> list[RoleNode]:
        return [RoleNode.of(r) for r in await service.list_roles(info.context.principal)]

    @strawberry.field(description="One role.")
    async def role(self, info: Info, id: strawberry.ID) -> RoleNode:
        return RoleNode.of(await service.get_role(info.context.principal, str(id)))

    @strawberry.field(description="The roles a user holds (directly; each also grants its ancestors').")
    async def user_roles(self, info: Info, user_id: str) -> list[RoleNode]:
        return [RoleNode.of(r) for r in await service.roles_of_user(info.context.principal, user_id)]
