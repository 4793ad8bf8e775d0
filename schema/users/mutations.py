"""User administration mutations (scope `auth`)."""

from __future__ import annotations

from typing import Optional

import strawberry
from strawberry.types import Info

from resolvers.users import service
from schema.auth.types import AuthUserNode
from schema.inputs import provided_fields
from schema.users.types import CreateUserInput, DeletedUser, UpdateUserInput


@strawberry.type
class UserMutations:
    @strawberry.mutation(description="Create an end user (without a password they cannot log in by password).")
    async def create_user(self, info: Info, input: CreateUserInput) -> AuthUserNode:
        return AuthUserNode.of(await service.create_user(info.context.principal, provided_fields(input)))

    @strawberry.mutation(description="Change an end user; `banned: true` ends their sessions at once.")
    async def update_user(self, info: Info, id: strawberry.ID, input: UpdateUserInput) -> AuthUserNode:
        return AuthUserNode.of(await service.update_user(info.context.principal, str(id), provided_fields(input)))

    @strawberry.mutation(description="Delete an end user; a secure deletion when they created objects.")
    async def delete_user(
        self, info: Info, id: strawberry.ID, force: Optional[bool] = False, confirm_token: Optional[str] = None
    ) -> DeletedUser:
        deleted = await service.delete_user(
            info.context.principal, str(id), runtime=info.context.runtime, force=bool(force), confirm_token=confirm_token
        )
        return DeletedUser(user_id=deleted, deleted=True)
