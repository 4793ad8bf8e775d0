"""Fan-out between server processes: `memory://` within one process, `redis://` across several.

Our own small layer on `redis.asyncio` instead of `broadcaster` (see the stack notes: with
redis-py 8 its Redis backend receives nothing, concurrent first subscribers collide, and nothing
reconnects). Each process keeps one subscription to one channel; on every (re)connection it calls
`on_reconnect`, and the hub then catches up from the event log, so whatever was published while
Redis was away is still delivered. Publishing is best effort for the same reason.

A process's own messages come back to it through the channel. It has already delivered them
locally (the relay hands its events to this process's hub first), so the subscriber drops the
messages its instance published (the last `OWN_RECENT`, by their text) before decoding anything.
The wire format stays the same, so processes of different versions still read each other.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Callable, Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from resolvers.events.tasks import stop

log = logging.getLogger("basalt.broadcast")
CHANNEL = "basalt:events"
OWN_RECENT = 10_000  # own messages waiting to come back, at most (each one's text)
_FOREIGN = object()

OnMessage = Callable[[str], None]
OnReconnect = Callable[[], None]


class Broadcast(Protocol):
    reaches_others: bool  # False: one process, whose relay already hands every event to its hub

    async def start(self, on_message: OnMessage, on_reconnect: OnReconnect) -> None: ...
    async def publish(self, *messages: str) -> None: ...
    async def close(self) -> None: ...


class MemoryBroadcast:
    """One process: nobody else to tell. Its relay hands every event to its hub itself (numbered
    by the relay or handed over by a create), so a message would only come back to the process
    that sent it: nothing is carried."""

    reaches_others = False

    async def start(self, on_message: OnMessage, on_reconnect: OnReconnect) -> None:
        on_reconnect()

    async def publish(self, *messages: str) -> None:
        return None

    async def close(self) -> None:
        return None


class RedisBroadcast:
    """Redis pub/sub with a subscriber that reconnects by itself (backoff up to `max_backoff`)."""

    reaches_others = True

    def __init__(self, url: str, *, max_backoff: float = 2.0) -> None:
        self._url = url
        self._own: dict[str, None] = {}  # messages published and not back yet, oldest first
        self._publisher = Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
        self._max_backoff = max_backoff
        self._task: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()  # set while subscribed (tests wait on it)

    async def start(self, on_message: OnMessage, on_reconnect: OnReconnect) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._listen_forever(on_message, on_reconnect), name="broadcast-subscriber")

    async def publish(self, *messages: str) -> None:
        """Several messages go in one round trip (a pipeline, not a transaction)."""
        try:
            self._remember(messages)
            if len(messages) == 1:
                await self._publisher.publish(CHANNEL, messages[0])
            elif messages:
                async with self._publisher.pipeline(transaction=False) as pipe:
                    for message in messages:
                        pipe.publish(CHANNEL, message)
                    await pipe.execute()
        except (RedisError, OSError) as exc:
            log.warning("publish failed (listeners catch up from the event log): %s", exc)

    async def close(self) -> None:
        await stop(self._task)
        self._task = None
        await self._publisher.aclose()

    async def _listen_forever(self, on_message: OnMessage, on_reconnect: OnReconnect) -> None:
        backoff = 0.05
        while True:
            client = Redis.from_url(self._url, socket_connect_timeout=2, health_check_interval=5)
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(CHANNEL)
                self.connected.set()
                backoff = 0.05
                on_reconnect()
                while True:
                    message = await pubsub.get_message(timeout=5.0)
                    if message is not None and message.get("type") == "message":
                        text = self._foreign(message["data"])
                        if text is not None:
                            on_message(text)
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                if self.connected.is_set():
                    log.warning("lost the Redis subscription, reconnecting: %s", exc)
                self.connected.clear()
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                with contextlib.suppress(Exception):
                    await client.aclose()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self._max_backoff)


    def _remember(self, messages: tuple[str, ...]) -> None:
        own = self._own
        for message in messages:
            own[message] = None
        while len(own) > OWN_RECENT:  # never came back (no subscription then): forget the oldest
            del own[next(iter(own))]

    def _foreign(self, data: bytes | str) -> str | None:
        """The message's text, or None when this instance published it. (Another process
        publishing the very same text would be sending the same event again: dropping it is
        what the hub would do with it.)"""
        text = data.decode() if isinstance(data, bytes) else data
        if self._own.pop(text, _FOREIGN) is _FOREIGN:
            return text
        return None


def open_broadcast(url: str) -> Broadcast:
    if url.startswith(("redis://", "rediss://")):
        return RedisBroadcast(url)
    return MemoryBroadcast()
