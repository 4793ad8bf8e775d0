"""Event subscriptions (scope `read`), over graphql-transport-ws on /graphql.

The resolvers are coroutines that check their input and open the listener before returning the
stream, so a bad argument or a missing scope fails the subscription at once (an `error`
message; for SSE, a 4xx answer) instead of after the first event.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated, Optional

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from resolvers.events import listen
from schema import direct_delivery
from schema.events.types import EventNode, ObjectEventKind


@strawberry.type
class EventSubscriptions:
    @strawberry.subscription(description="Object events of the tenant, optionally of one type, some kinds, and objects matching `where`.")
    async def object_events(
        self,
        info: Info,
        object_type_id: Optional[strawberry.ID] = None,
        events: Optional[list[ObjectEventKind]] = None,
        where: Optional[JSON] = None,
        after: Annotated[Optional[str], strawberry.argument(description="Resume after this event id")] = None,
    ) -> AsyncGenerator[EventNode, None]:
        subscription = await listen.subscribe_objects(
            info.context.principal,
            info.context.runtime.realtime,
            object_type=None if object_type_id is None else str(object_type_id),
            kinds=None if events is None else [e.value for e in events],
            where=where,
            after=after,
        )
        return _nodes(subscription)

    @strawberry.subscription(description="Any events of the tenant; `types` are names or prefixes such as object.* (default: all).")
    async def events(
        self,
        info: Info,
        types: Optional[list[str]] = None,
        after: Annotated[Optional[str], strawberry.argument(description="Resume after this event id")] = None,
    ) -> AsyncGenerator[EventNode, None]:
        subscription = await listen.subscribe_events(info.context.principal, info.context.runtime.realtime, types=types, after=after)
        return _nodes(subscription)

    @strawberry.subscription(description="File events (file.*), optionally of one folder.")
    async def file_events(
        self,
        info: Info,
        folder: Optional[str] = None,
        after: Annotated[Optional[str], strawberry.argument(description="Resume after this event id")] = None,
    ) -> AsyncGenerator[EventNode, None]:
        subscription = await listen.subscribe_files(info.context.principal, info.context.runtime.realtime, folder=folder, after=after)
        return _nodes(subscription)


async def _nodes(subscription: listen.Subscription) -> AsyncGenerator[EventNode, None]:
    """The regular path of every event; a transport that writes results itself may take live
    events off it (schema/direct_delivery.py)."""
    direct_delivery.offer_to(subscription.listener, EventNode.of)
    try:
        async for event in subscription.events():
            yield EventNode.of(event)
    finally:
        subscription.close()
