"""This process's event machinery, composed once: the broadcast, the relay and the hub.

Started by the server's lifespan; `listen` also starts it on first use (an app driven without a
lifespan, as in tests). Its tasks run in a fresh context, so they never inherit a request's
held connection or transaction.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable

from resolvers.events.broadcast import Broadcast, open_broadcast
from resolvers.events.hub import Hub, Listener, Refresh
from resolvers.events.presence import Presence, open_presence
from resolvers.events.relay import Relay
from resolvers.events.schemas import RETENTION_DAYS_DEFAULT, EventRecord
from resolvers.events.tasks import stop
from resolvers.principal import Principal


class Realtime:
    def __init__(
        self,
        broadcast_url: str = "memory://",
        *,
        retention_days: int = RETENTION_DAYS_DEFAULT,
        check_seconds: float = 2.0,
        number_events: bool = True,
    ) -> None:
        self.broadcast: Broadcast = open_broadcast(broadcast_url)
        self.presence: Presence = open_presence(broadcast_url)
        self.relay = Relay(self.broadcast, retention_days=retention_days, numbers=number_events)  # it always publishes
        self.hub = Hub(check_seconds=check_seconds)
        self.relay.local_listeners.append(self.hub.on_event)
        self._relay_task: asyncio.Task[None] | None = None
        self._started = False
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        if self._started:
            return
        async with self._lock:
            if self._started:
                return
            await _in_fresh_context(self._start)

    async def _start(self) -> None:
        self.hub.start()
        await self.presence.start()
        await self.broadcast.start(self.hub.on_message, self.hub.on_reconnect)
        self._relay_task = asyncio.create_task(self.relay.run_forever(), name="event-relay")
        self._started = True

    async def close(self) -> None:
        await stop(self._relay_task)
        self._relay_task = None
        self.relay.close()
        await self.hub.close()
        await self.presence.close()
        await self.broadcast.close()
        self._started = False

    async def listen(
        self, principal: Principal, accepts: Callable[[EventRecord], bool], *, after: int | None = None, refresh: Refresh | None = None,
    ) -> Listener:
        await self.start()
        return await self.hub.listen(principal, accepts, after=after, refresh=refresh)

    def leave(self, listener: Listener) -> None:
        self.hub.leave(listener)


async def _in_fresh_context(start: Callable[[], object]) -> None:
    """Run `start` (which creates the long-lived tasks) in an empty context."""
    task = asyncio.create_task(start(), context=contextvars.Context())  # type: ignore[arg-type]
    await task
