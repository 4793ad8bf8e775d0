"""Event queries (scope `read`)."""

from __future__ import annotations

from typing import Optional

import strawberry
from strawberry.types import Info

from resolvers.events import service
from schema.events.types import CustomEventPage, EventNode, RealtimeStats


@strawberry.type
class EventQueries:
    @strawberry.field(description="Event types the tenant can subscribe to: the system ones, then its custom ones.")
    async def event_types(self, info: Info) -> list[str]:
        return await service.event_types(info.context.principal)

    @strawberry.field(description="Custom events tracked with trackEvent, newest first.")
    async def custom_events(self, info: Info, limit: Optional[int] = None, offset: Optional[int] = None) -> CustomEventPage:
        events, total = await service.list_custom(info.context.principal, limit=limit, offset=offset)
        return CustomEventPage(events=[EventNode.from_record(e) for e in events], total=total)

    @strawberry.field(description="Connections and channels of the realtime WebSocket, summed over every server process.")
    async def realtime_stats(self, info: Info) -> RealtimeStats:
        stats = await service.realtime_stats(info.context.principal, info.context.runtime.realtime.presence)
        return RealtimeStats(total_connections=stats.total_connections, channels=stats.channels, channel_count=stats.channel_count)
