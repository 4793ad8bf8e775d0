"""Comment reads (whoever may read the object)."""

from __future__ import annotations

from typing import Optional

import strawberry
from strawberry.types import Info

from resolvers.comments import service
from schema.comments.types import CommentNode, CommentPage


@strawberry.type
class CommentQueries:
    @strawberry.field(description="An object's comments, newest first.")
    async def comments(
        self, info: Info, object_type_id: str, object_id: str, limit: Optional[int] = None, cursor: Optional[str] = None
    ) -> CommentPage:
        page = await service.list_comments(info.context.principal, object_type_id, object_id, limit=limit, cursor=cursor)
        return CommentPage(results=[CommentNode.of(c) for c in page["results"]], next_cursor=page["next_cursor"], total=page["total"])
