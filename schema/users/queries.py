"""User administration queries (scope `auth`)."""

from __future__ import annotations

from typing import Optional

import strawberry
from strawberry.types import Info

from resolvers.users import service
from schema.auth.types import AuthUserNode
from schema.users.types import UserPage


@strawberry.type
class UserQueries:
    @strawberry.field(description="The tenant's end users, newest first; `search` matches email, phone or id.")
    async def users(
        self, info: Info, limit: Optional[int] = None, offset: Optional[int] = None, search: Optional[str] = None, role: Optional[str] = None
    ) -> UserPage:
        rows, total = await service.list_users(info.context.principal, limit=limit, offset=offset, search=search, role=role)
        return UserPage(users=[AuthUserNode.of(u) for u in rows], total=total)

    @strawberry.field(description="One end user.")
    async def user(self, info: Info, id: strawberry.ID) -> AuthUserNode:
        return AuthUserNode.of(await service.get_user(info.context.principal, str(id)))
