"""Event records, their wire form, and the event vocabulary."""

from __future__ import annotations

import re
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from models import jsoncodec

# Set while automation or job actions run: the events their changes record carry it, so a chain
# of automations triggering automations can be stopped (see resolvers/actions).
CHAIN_DEPTH: ContextVar[int] = ContextVar("basalt_chain_depth", default=0)

# System event types, by domain. Later domains (files, auth, ...) add theirs here.
OBJECT_EVENTS = ("object.created", "object.updated", "object.deleted", "object.restored")
SCHEMA_EVENTS = (
    "object_type.created",
    "object_type.updated",
    "object_type.deleted",
    "property.created",
    "property.updated",
    "property.deleted",
)
SYSTEM_EVENTS = (*OBJECT_EVENTS, *SCHEMA_EVENTS)
STREAM_PREFIXES = ("object.", "file.")  # what GET /events/stream carries
RESERVED_PREFIXES = ("object.", "object_type.", "property.", "file.", "auth.", "user.", "system.", "comment.")

CUSTOM_TYPE = re.compile(r"^[A-Za-z][A-Za-z0-9_.:-]{0,99}$")
MAX_CUSTOM_DATA_BYTES = 64 * 1024
LIST_DEFAULT_LIMIT = 50
LIST_MAX_LIMIT = 100
RETENTION_DAYS_DEFAULT = 7


@dataclass(frozen=True)
class EventRecord:
    """One sequenced event as listeners receive it; `seq` is its id within the tenant."""

    seq: int
    tenant_id: str
    type: str
    custom: bool
    object_type_id: str | None
    object_id: str | None
    data: Any
    changed: list[str] | None
    actor: str | None
    created_at: datetime
    depth: int = 0  # how many automation runs deep the change that made it was (0: a request)

    def to_message(self) -> str:
        """Its wire form (`from_message` reads it back): fields by name, not `asdict`, which
        deep-copies the data first."""
        return jsoncodec.dumps({
            "seq": self.seq, "tenant_id": self.tenant_id, "type": self.type, "custom": self.custom,
            "object_type_id": self.object_type_id, "object_id": self.object_id, "data": self.data, "changed": self.changed,
            "actor": self.actor, "created_at": self.created_at.isoformat(), "depth": self.depth,
        })

    @classmethod
    def from_message(cls, message: str | bytes) -> "EventRecord":
        fields = jsoncodec.loads(message)
        return cls(**{**fields, "data": jsoncodec.plain(fields["data"]), "created_at": datetime.fromisoformat(fields["created_at"])})

    def public(self) -> dict[str, Any]:
        """The event as every transport shows it."""
        return {
            "id": str(self.seq) if self.seq else None,  # None for the few ms before the relay numbers it
            "type": self.type,
            "object_type_id": self.object_type_id,
            "object_id": self.object_id,
            "data": self.data,
            "changed": self.changed,
            "actor": self.actor,
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True)
class NewEvent:
    """An event to record in the current transaction (its `seq` comes later, from the relay)."""

    tenant_id: str
    type: str
    data: Any
    object_type_id: str | None = None
    object_id: str | None = None
    changed: list[str] | None = None
    actor: str | None = None
    custom: bool = False
