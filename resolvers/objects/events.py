"""The object events this domain records (through `resolvers.events.service`, the one event module)."""

from __future__ import annotations

from typing import Any

from resolvers.events import service as events
from resolvers.events.repository import PendingWrite
from resolvers.events.schemas import NewEvent
from resolvers.objects.schemas import ObjectRecord, TypeSchema, api_properties


def event_data(schema: TypeSchema, record: ObjectRecord) -> dict[str, Any]:
    """The object as the API shows it, which is what listeners filter on and receive."""
    return {
        "id": record.id,
        "object_type_id": record.object_type_id,
        "properties": api_properties(schema, record.properties),
        "version": record.version,
        "created_by": record.created_by,
        "updated_by": record.updated_by,
        "created_at": record.created_at.isoformat(),
        "updated_at": record.updated_at.isoformat(),
    }


def _event(kind: str, schema: TypeSchema, record: ObjectRecord, actor: str | None, changed: list[str] | None = None) -> NewEvent:
    return NewEvent(
        tenant_id=record.tenant_id,
        type=f"object.{kind}",
        object_type_id=record.object_type_id,
        object_id=record.id,
        data=event_data(schema, record),
        changed=changed,
        actor=actor,
    )


async def created(
    schema: TypeSchema, records: list[ObjectRecord], actor: str | None, *, alongside: PendingWrite | None = None
) -> None:
    """`alongside`: the INSERT of the records, written with their events (one round trip)."""
    await events.record(*(_event("created", schema, r, actor, sorted(r.properties)) for r in records), alongside=alongside)


async def updated(schema: TypeSchema, before: ObjectRecord, after: ObjectRecord, actor: str | None) -> None:
    keys = set(before.properties) | set(after.properties)
    changed = sorted(k for k in keys if before.properties.get(k, _MISSING) != after.properties.get(k, _MISSING))
    await events.record(_event("updated", schema, after, actor, changed))


async def deleted(schema: TypeSchema, record: ObjectRecord, actor: str | None, *, permanent: bool) -> None:
    event = _event("deleted", schema, record, actor)
    await events.record(NewEvent(**{**event.__dict__, "data": {**event.data, "permanent": permanent}}))


async def restored(schema: TypeSchema, record: ObjectRecord, actor: str | None) -> None:
    await events.record(_event("restored", schema, record, actor))


_MISSING = object()
