"""Event GraphQL types."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from collections import OrderedDict
from typing import ClassVar, Optional

import strawberry
from strawberry.scalars import JSON

from resolvers.events.schemas import EventRecord


@strawberry.enum(description="What happened to an object.")
class ObjectEventKind(Enum):
    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"
    RESTORED = "restored"


@strawberry.type(name="Event", description="One entry of the tenant's event log.")
class EventNode:
    id: Optional[strawberry.ID] = strawberry.field(description="Monotonic per tenant; resume after it with `after`")
    type: str
    object_type_id: Optional[str]
    object_id: Optional[str]
    data: JSON = strawberry.field(description="For object events, the object as the API shows it")
    changed: Optional[list[str]] = strawberry.field(description="Properties whose value changed (updates)")
    actor: Optional[str]
    created_at: datetime

    # Plain data, the same for every subscriber: identical subscriptions share one result per
    # event (schema/execution.py). A field that depends on the caller must turn this off.
    basalt_shared_result: ClassVar[bool] = True

    @classmethod
    def of(cls, event: EventRecord) -> "EventNode":
        """One node per event for all its subscribers (the shared result is keyed by it)."""
        found = _recent.get(id(event))
        if found is not None and found[0] is event:
            return found[1]
        node = cls.from_record(event)
        _recent[id(event)] = (event, node)
        if len(_recent) > RECENT_NODES:
            _recent.popitem(last=False)
        return node

    @classmethod
    def from_record(cls, event: EventRecord) -> "EventNode":
        public = event.public()
        return cls(
            id=strawberry.ID(public["id"]) if public["id"] is not None else None,
            type=event.type,
            object_type_id=event.object_type_id,
            object_id=event.object_id,
            data=event.data,
            changed=event.changed,
            actor=event.actor,
            created_at=event.created_at,
        )


RECENT_NODES = 1024
_recent: OrderedDict[int, tuple[EventRecord, EventNode]] = OrderedDict()


@strawberry.type
class CustomEventPage:
    events: list[EventNode]
    total: int


@strawberry.type
class TrackedEvent:
    tracked: bool


@strawberry.type(description="Connections and channel subscriptions of /v1/realtime, over all server processes.")
class RealtimeStats:
    total_connections: int
    channels: JSON = strawberry.field(description="Subscribers per channel, e.g. {\"objects:ot_…\": 3}")
    channel_count: int
