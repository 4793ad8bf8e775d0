"""The object-type events this domain records (through `resolvers.events.service`)."""

from __future__ import annotations

from models.object_types import ObjectType
from resolvers.events import service as events
from resolvers.events.schemas import NewEvent
from resolvers.principal import Principal


async def record(kind: str, object_type: ObjectType, caller: Principal, changed: list[str] | None = None) -> None:
    await events.record(
        NewEvent(
            tenant_id=object_type.tenant_id,
            type=f"object_type.{kind}",
            object_type_id=object_type.id,
            data={"id": object_type.id, "name": object_type.name, "display_name": object_type.display_name},
            changed=changed,
            actor=caller.actor,
        )
    )
