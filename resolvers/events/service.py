"""The one event module: every domain records its changes here, inside its transaction.

Recording writes the event row in the caller's transaction and asks the local relay to run once
the transaction commits; the relay numbers the events and publishes them (see `relay`). Nothing
is published before commit, and a committed event is never lost: if this process dies first,
any relay picks the row up on its next pass. Events written by a statement that commits by
itself (an object create) are usually numbered by that statement (`repository._numbered_insert`):
after its commit they go straight to this process's listeners, and the relay only publishes
them to the other processes, which also catch up from the log if that message is lost.
"""

from __future__ import annotations

from datetime import datetime, timezone
from functools import partial
from typing import Any

from models import jsoncodec
from resolvers import db
from resolvers.authz import require_scope
from resolvers.errors import PayloadTooLarge, ValidationError
from resolvers.events import relay, repository
from resolvers.events.presence import Presence, Stats
from resolvers.events.schemas import (
    CUSTOM_TYPE,
    LIST_DEFAULT_LIMIT,
    LIST_MAX_LIMIT,
    MAX_CUSTOM_DATA_BYTES,
    RESERVED_PREFIXES,
    SYSTEM_EVENTS,
    EventRecord,
    NewEvent,
)
from resolvers.principal import Principal


async def record(*events: NewEvent, alongside: repository.PendingWrite | None = None) -> None:
    """Write events in the current transaction; the relay publishes them after commit.
    `alongside`: the change they describe, built but not run, written in the same statement; only
    an INSERT of new rows (objects created), since the events may then be numbered in that
    statement, and no earlier event can concern new rows (see `repository._may_number`)."""
    if not events:
        if alongside is not None:
            await db.execute(alongside[0], alongside[1].params)
        return
    numbered = await repository.insert(list(events), datetime.now(timezone.utc), alongside=alongside)
    if numbered:
        db.on_commit(partial(relay.hand_over, numbered))
    if len(numbered) < len(events):
        db.on_commit(relay.wake_local)


# --- custom events -------------------------------------------------------------------------


async def track(principal: Principal | None, event_type: Any, data: Any) -> None:
    caller = require_scope(principal, "write")
    if not isinstance(event_type, str) or not CUSTOM_TYPE.match(event_type):
        raise ValidationError.single("event_type", "must be 1 to 100 letters, digits, _ . : or -, starting with a letter")
    if event_type.startswith(RESERVED_PREFIXES):
        raise ValidationError.single("event_type", f"may not start with {', '.join(RESERVED_PREFIXES)} (system events)")
    data = {} if data is None else data
    if not isinstance(data, dict):
        raise ValidationError.single("data", "must be a JSON object")
    if len(jsoncodec.dumps(data).encode()) > MAX_CUSTOM_DATA_BYTES:
        raise PayloadTooLarge(f"data may be at most {MAX_CUSTOM_DATA_BYTES // 1024} KB of JSON")
    await record(NewEvent(tenant_id=caller.tenant_id, type=event_type, data=data, actor=caller.actor, custom=True))


async def list_custom(principal: Principal | None, *, limit: int | None, offset: int | None) -> tuple[list[EventRecord], int]:
    caller = require_scope(principal, "read")
    limit = LIST_DEFAULT_LIMIT if limit is None else limit
    offset = 0 if offset is None else offset
    if not 1 <= limit <= LIST_MAX_LIMIT:
        raise ValidationError.single("limit", f"must be between 1 and {LIST_MAX_LIMIT}")
    if offset < 0:
        raise ValidationError.single("offset", "must be 0 or more")
    return await repository.custom_page(caller.tenant_id, limit, offset)


async def realtime_stats(principal: Principal | None, presence: Presence) -> Stats:
    """Connections and channel subscriptions of /v1/realtime for the tenant, over all processes."""
    caller = require_scope(principal, "read")
    return await presence.stats(caller.tenant_id)


async def event_types(principal: Principal | None) -> list[str]:
    """What the tenant can subscribe to: every system type, then its own custom types."""
    caller = require_scope(principal, "read")
    return [*SYSTEM_EVENTS, *await repository.custom_types(caller.tenant_id)]
