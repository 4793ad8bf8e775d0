"""Object mutations (scope `write`). A batch is one transaction: all items or none."""

from __future__ import annotations

from typing import Optional

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from resolvers.objects import service
from resolvers.objects.schemas import ObjectPatch
from schema.common import Deleted
from schema.objects.types import BatchCreated, ObjectInput, ObjectNode, ObjectUpdateInput, ObjectVersionStamp


@strawberry.type
class ObjectMutations:
    @strawberry.mutation(description="Create an object; values are validated and normalised by their property types.")
    async def create_object(self, info: Info, object_type_id: strawberry.ID, properties: JSON) -> ObjectNode:
        return ObjectNode.from_record(await service.create_object(info.context.principal, str(object_type_id), properties))

    @strawberry.mutation(description="Change some properties (null removes one). expected_version makes it optimistic: 409 if stale.")
    async def update_object(
        self,
        info: Info,
        object_type_id: strawberry.ID,
        id: strawberry.ID,
        properties: JSON,
        expected_version: Optional[int] = None,
    ) -> ObjectNode:
        updated = await service.update_object(
            info.context.principal, str(object_type_id), str(id), properties, expected_version=expected_version
        )
        return ObjectNode.from_record(updated)

    @strawberry.mutation(description="Move to the trash; force=true deletes for good (secure deletion if associations exist).")
    async def delete_object(
        self,
        info: Info,
        object_type_id: strawberry.ID,
        id: strawberry.ID,
        force: bool = False,
        confirm_token: Optional[str] = None,
    ) -> Deleted:
        deleted = await service.delete_object(
            info.context.principal, str(object_type_id), str(id), runtime=info.context.runtime, force=force, confirm_token=confirm_token
        )
        return Deleted(id=strawberry.ID(deleted), deleted=True)

    @strawberry.mutation(description="Bring an object back from the trash.")
    async def restore_object(self, info: Info, object_type_id: strawberry.ID, id: strawberry.ID) -> ObjectNode:
        return ObjectNode.from_record(await service.restore_object(info.context.principal, str(object_type_id), str(id)))

    @strawberry.mutation(description="Create up to 100 objects, all or none.")
    async def batch_create_objects(self, info: Info, object_type_id: strawberry.ID, objects: list[ObjectInput]) -> BatchCreated:
        ids = await service.create_many(info.context.principal, str(object_type_id), [{"properties": o.properties} for o in objects])
        return BatchCreated(created=len(ids), ids=ids)

    @strawberry.mutation(description="Update up to 100 objects, all or none.")
    async def batch_update_objects(
        self, info: Info, object_type_id: strawberry.ID, updates: list[ObjectUpdateInput]
    ) -> list[ObjectVersionStamp]:
        patches = [ObjectPatch(u.object_id, u.properties, u.expected_version) for u in updates]
        updated = await service.update_many(info.context.principal, str(object_type_id), patches)
        return [ObjectVersionStamp(object_id=r.id, version=r.version) for r in updated]
