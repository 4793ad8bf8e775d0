"""GraphQL types shared by several domains."""

from __future__ import annotations

from typing import Any, Optional

import strawberry

GRAPHQL_ONLY = "graphql_only"


def relation(description: str) -> Any:
    """A nested field resolved through a dataloader: part of GraphQL, left out of REST shapes."""
    return strawberry.field(description=description, metadata={GRAPHQL_ONLY: True})


@strawberry.type(description="The outcome of a delete.")
class Deleted:
    id: strawberry.ID
    deleted: bool


@strawberry.type(description="Relay-style paging state.")
class PageInfo:
    has_next_page: bool
    end_cursor: Optional[str]
