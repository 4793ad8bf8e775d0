"""Object queries: one object, a filtered page, a batch by ids, the trash, versions."""

from __future__ import annotations

from typing import Annotated, Optional

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from resolvers.objects import service
from resolvers.objects.schemas import LIST_DEFAULT_LIMIT, VERSIONS_DEFAULT_LIMIT
from schema.objects.types import ObjectConnection, ObjectNode, ObjectVersionNode


@strawberry.type
class ObjectQueries:
    @strawberry.field(description="A page of live objects, filtered, sorted and counted in the database.")
    async def objects(
        self,
        info: Info,
        object_type_id: strawberry.ID,
        where: Annotated[Optional[JSON], strawberry.argument(description='Filter, e.g. {"score": {"gte": 10}}')] = None,
        order_by: Annotated[Optional[str], strawberry.argument(description="created_at, updated_at or a sortable property")] = None,
        order: Annotated[Optional[str], strawberry.argument(description="asc or desc")] = None,
        first: int = LIST_DEFAULT_LIMIT,
        after: Optional[str] = None,
        view_id: Annotated[Optional[str], strawberry.argument(description="Apply a saved view's filters and sort")] = None,
    ) -> ObjectConnection:
        page = await service.list_objects(
            info.context.principal, str(object_type_id), where=where, sort=order_by, order=order, limit=first, after=after, view_id=view_id
        )
        return ObjectConnection.from_page(page)

    @strawberry.field(description="One live object.")
    async def object(self, info: Info, object_type_id: strawberry.ID, id: strawberry.ID) -> ObjectNode:
        return ObjectNode.from_record(await service.get_object(info.context.principal, str(object_type_id), str(id)))

    @strawberry.field(description="Up to 100 live objects by id, in the order asked (unknown ids are left out).")
    async def objects_by_ids(self, info: Info, object_type_id: strawberry.ID, object_ids: list[str]) -> list[ObjectNode]:
        found = await service.read_many(info.context.principal, str(object_type_id), object_ids)
        return [ObjectNode.from_record(r) for r in found]

    @strawberry.field(description="Objects in the trash, most recently deleted first.")
    async def trashed_objects(
        self, info: Info, object_type_id: strawberry.ID, first: int = LIST_DEFAULT_LIMIT, after: Optional[str] = None
    ) -> ObjectConnection:
        return ObjectConnection.from_page(await service.list_trash(info.context.principal, str(object_type_id), limit=first, after=after))

    @strawberry.field(description="Previous versions of an object, newest first.")
    async def object_versions(
        self, info: Info, object_type_id: strawberry.ID, object_id: strawberry.ID, limit: int = VERSIONS_DEFAULT_LIMIT
    ) -> list[ObjectVersionNode]:
        found = await service.list_versions(info.context.principal, str(object_type_id), str(object_id), limit=limit)
        return [ObjectVersionNode.from_record(v) for v in found]
