"""GraphQL types of comments."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

import strawberry

from models.comments import Comment


@strawberry.type(name="Comment", description="A user's comment on an object.")
class CommentNode:
    id: strawberry.ID
    object_type_id: str
    object_id: str
    author_id: str
    body: str
    created_at: datetime
    updated_at: datetime
    edited_at: Optional[datetime]

    @classmethod
    def of(cls, row: Comment) -> "CommentNode":
        return cls(
            id=strawberry.ID(row.id), object_type_id=row.object_type_id, object_id=row.object_id, author_id=row.author_id,
            body=row.body, created_at=row.created_at, updated_at=row.updated_at, edited_at=row.edited_at,
        )


@strawberry.type
class CommentPage:
    results: list[CommentNode]
    next_cursor: Optional[str]
    total: int


@strawberry.type
class CommentDeleted:
    deleted: bool
