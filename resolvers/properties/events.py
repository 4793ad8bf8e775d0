"""The property events this domain records (through `resolvers.events.service`)."""

from __future__ import annotations

from models.properties import Property
from resolvers.events import service as events
from resolvers.events.schemas import NewEvent
from resolvers.principal import Principal
from resolvers.properties.datatypes import to_api

SETTINGS = ("is_indexed", "is_sortable", "is_unique", "is_required", "default_value", "enum_values", "description")


async def record(kind: str, prop: Property, caller: Principal, changed: list[str] | None = None) -> None:
    data = {"id": prop.id, "object_type_id": prop.object_type_id, "name": prop.name, "data_type": prop.data_type}
    data.update({key: getattr(prop, key) for key in SETTINGS})
    data["default_value"] = None if prop.default_value is None else to_api(prop.data_type, prop.default_value)
    await events.record(
        NewEvent(
            tenant_id=prop.tenant_id,
            type=f"property.{kind}",
            object_type_id=prop.object_type_id,
            data=data,
            changed=changed,
            actor=caller.actor,
        )
    )
