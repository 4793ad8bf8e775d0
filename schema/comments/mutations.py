"""Comment changes: users only; edits and deletes by the author only."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from resolvers.comments import service
from schema.comments.types import CommentDeleted, CommentNode


@strawberry.type
class CommentMutations:
    @strawberry.mutation(description="Comment on an object (a signed-in user).")
    async def create_comment(self, info: Info, object_type_id: str, object_id: str, body: str) -> CommentNode:
        return CommentNode.of(await service.create_comment(info.context.principal, object_type_id, object_id, body))

    @strawberry.mutation(description="Edit your comment.")
    async def update_comment(self, info: Info, object_type_id: str, object_id: str, id: strawberry.ID, body: str) -> CommentNode:
        return CommentNode.of(await service.update_comment(info.context.principal, object_type_id, object_id, str(id), body))

    @strawberry.mutation(description="Delete your comment.")
    async def delete_comment(self, info: Info, object_type_id: str, object_id: str, id: strawberry.ID) -> CommentDeleted:
        return CommentDeleted(deleted=await service.delete_comment(info.context.principal, object_type_id, object_id, str(id)))
