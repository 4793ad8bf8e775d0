"""GraphQL types shared by several domains."""

from __future__ import annotations

from typing import Optional

import strawberry


@strawberry.type(description="The outcome of a delete.")
class Deleted:
    id: strawberry.ID
    deleted: bool


@strawberry.type(description="Relay-style paging state.")
class PageInfo:
    has_next_page: bool
    end_cursor: Optional[str]
