"""Object GraphQL types: the record, its connection, versions and batch results."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Optional, cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from resolvers.objects.schemas import ObjectRecord, Page, VersionRecord
from schema.common import PageInfo, relation
from schema.objects.loaders import associations_loader, object_loader

if TYPE_CHECKING:
    from schema.associations.types import AssociationNode

NESTED_DEFAULT = 20


@strawberry.type(name="Object", description="A record of an object type. `properties` holds the typed values.")
class ObjectNode:
    """The GraphQL shape of an `ObjectRecord`, which stands in for it (`from_record`): each field
    here is an attribute of the record with the same name and value, Strawberry's default
    resolver reads attributes, and the type has no `is_type_of`, so no node is built per row (a
    page of 20 nodes cost 7% of a list's instructions). The methods get the record as `self`.
    `tests/schema/objects/test_types.py` keeps the two aligned."""

    id: strawberry.ID
    object_type_id: str
    tenant_id: str
    properties: JSON
    created_at: datetime
    updated_at: datetime
    created_by: Optional[str]
    version: int
    is_deleted: bool

    @relation("This object's associations (first N per object, batched across the page)")
    async def associations(
        self,
        info: Info,
        direction: str = "both",
        association_type: Optional[str] = None,
        first: int = NESTED_DEFAULT,
    ) -> list[Annotated["AssociationNode", strawberry.lazy("schema.associations.types")]]:
        return await associations_loader(info, direction, association_type, first).load(str(self.id))

    @relation("The object a reference property points to")
    async def ref(self, info: Info, property: str) -> Optional["ObjectNode"]:
        target = self.properties.get(property) if isinstance(self.properties, dict) else None
        return await object_loader(info).load(target) if isinstance(target, str) else None

    @classmethod
    def from_record(cls, record: ObjectRecord) -> "ObjectNode":
        """The record itself, answered as this type (see the class docstring)."""
        return cast("ObjectNode", record)


@strawberry.type
class ObjectEdge:
    node: ObjectNode
    cursor: str  # a plain field, so a page of edges completes in one loop (schema/execution.py)


@strawberry.type(description="A page of objects: Relay edges/pageInfo/totalCount, or flat results/next_cursor/total.")
class ObjectConnection:
    """A `PageConnection` stands in for it (`from_page`), as records do for nodes: every field is
    a plain attribute of the stand-in, so none goes through a resolver, and edges and pageInfo
    are built only when selected (a REST page selects neither). `tests/schema/objects/test_types.py`
    keeps the two aligned."""

    results: list[ObjectNode]
    next_cursor: Optional[str]
    total: int
    edges: list[ObjectEdge]
    page_info: PageInfo
    total_count: int

    @classmethod
    def from_page(cls, page: Page) -> "ObjectConnection":
        return cast("ObjectConnection", PageConnection(page))


class PageConnection:
    """A page, answered as an `ObjectConnection`."""

    __slots__ = ("_page",)

    def __init__(self, page: Page) -> None:
        self._page = page

    @property
    def results(self) -> list[ObjectNode]:
        return cast("list[ObjectNode]", self._page.items)  # records stand in for nodes (see ObjectNode)

    @property
    def next_cursor(self) -> str | None:
        return self._page.next_cursor

    @property
    def total(self) -> int:
        return self._page.total

    total_count = total

    @property
    def edges(self) -> list[ObjectEdge]:
        return [ObjectEdge(node=n, cursor=c) for n, c in zip(self.results, self._page.cursors.all(), strict=True)]

    @property
    def page_info(self) -> PageInfo:
        items = self._page.items
        end_cursor = self._page.cursors.at(len(items) - 1) if items else None
        return PageInfo(has_next_page=self._page.next_cursor is not None, end_cursor=end_cursor)


@strawberry.type(description="A previous state of an object.")
class ObjectVersionNode:
    id: strawberry.ID
    object_id: str
    object_type_id: str
    version: int
    properties: JSON
    created_by: Optional[str] = strawberry.field(description="Who wrote this version")
    created_at: datetime = strawberry.field(description="When this version was written")

    @classmethod
    def from_record(cls, record: VersionRecord) -> "ObjectVersionNode":
        return cls(
            id=strawberry.ID(record.id),
            object_id=record.object_id,
            object_type_id=record.object_type_id,
            version=record.version,
            properties=record.properties,
            created_by=record.created_by,
            created_at=record.created_at,
        )


@strawberry.type
class BatchCreated:
    created: int
    ids: list[str]


@strawberry.type
class ObjectVersionStamp:
    object_id: str
    version: int


@strawberry.input
class ObjectInput:
    properties: JSON


@strawberry.input
class ObjectUpdateInput:
    object_id: str
    properties: JSON
    expected_version: Optional[int] = None
