"""Event mutations (scope `write`)."""

from __future__ import annotations

from typing import Optional

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from resolvers.events import service
from schema.events.types import TrackedEvent


@strawberry.type
class EventMutations:
    @strawberry.mutation(description="Record a custom event and publish it to subscribers after commit.")
    async def track_event(self, info: Info, event_type: str, data: Optional[JSON] = None) -> TrackedEvent:
        await service.track(info.context.principal, event_type, data)
        return TrackedEvent(tracked=True)
