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

Both directions talk to redis-py's connections directly, as every create publishes a message and
reads it back: redis-py's pub/sub reader and its pipeline spend more per message on bookkeeping
(retries, health checks, metrics, a dict per message, a timeout per read) than on the message.
Publishing writes a batch's commands at once and reads their replies under one timeout; the
subscriber reads without a timeout per message and pings Redis every `HEALTH_SECONDS` instead:
when not even the reply comes back within the next period, it reconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from typing import Callable, Protocol

from redis.asyncio import Redis
from redis.asyncio.connection import AbstractConnection
from redis.exceptions import RedisError

from resolvers.events.tasks import stop

log = logging.getLogger("basalt.broadcast")
CHANNEL = "basalt:events"
OWN_RECENT = 10_000  # own messages waiting to come back, at most (each one's text)
HEALTH_SECONDS = 5.0  # the subscription pings Redis this often, and reconnects when nothing came back meanwhile
PUBLISH_SECONDS = 5.0  # a publish (its commands written, their replies read) gives up after this
CLIENT_NAME = "basalt-events"  # how Basalt's connections show in Redis's CLIENT LIST
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
        # No socket timeout: a publish has one timeout for all of it (PUBLISH_SECONDS).
        self._publisher = Redis.from_url(url, socket_connect_timeout=2, client_name=CLIENT_NAME)
        self._publishing: AbstractConnection | None = None  # the publisher's own connection, opened on first use
        self._publish_lock = asyncio.Lock()
        self._heard = 0  # replies and messages the subscription has read (the health check counts them)
        self._max_backoff = max_backoff
        self._task: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()  # set while subscribed (tests wait on it)

    async def start(self, on_message: OnMessage, on_reconnect: OnReconnect) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._listen_forever(on_message, on_reconnect), name="broadcast-subscriber")

    async def publish(self, *messages: str) -> None:
        """Several messages go in one round trip (pipelined, not a transaction). A failure
        drops the connection, whose replies are then out of step; the next publish opens another."""
        if not messages:
            return
        self._remember(messages)
        async with self._publish_lock:
            try:
                async with asyncio.timeout(PUBLISH_SECONDS):
                    await self._publish(messages)
            except (RedisError, OSError, TimeoutError) as exc:
                await self._drop_publishing()
                log.warning("publish failed (listeners catch up from the event log): %s", exc)

    async def _publish(self, messages: tuple[str, ...]) -> None:
        connection = self._publishing
        if connection is None:
            connection = self._publishing = self._publisher.connection_pool.make_connection()
        await connection.send_packed_command(connection.pack_commands([("PUBLISH", CHANNEL, m) for m in messages]), check_health=False)
        for _ in messages:
            await connection.read_response()

    async def _drop_publishing(self) -> None:
        connection, self._publishing = self._publishing, None
        if connection is not None:
            await connection.disconnect(nowait=True)

    async def close(self) -> None:
        await stop(self._task)
        self._task = None
        async with self._publish_lock:
            await self._drop_publishing()
        await self._publisher.aclose()

    async def _listen_forever(self, on_message: OnMessage, on_reconnect: OnReconnect) -> None:
        backoff = 0.05
        while True:
            client = Redis.from_url(self._url, socket_connect_timeout=2, client_name=CLIENT_NAME)
            pubsub = client.pubsub()
            try:
                await pubsub.subscribe(CHANNEL)
                self.connected.set()
                backoff = 0.05
                on_reconnect()
                assert pubsub.connection is not None
                await self._receive(pubsub.connection, on_message)
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

    async def _receive(self, connection: AbstractConnection, on_message: OnMessage) -> None:
        """Read the subscription until it fails; meanwhile ping Redis every `HEALTH_SECONDS`,
        and give it up (ConnectionError) when a whole period passed without a reply or a message."""
        reader = asyncio.create_task(self._read(connection, on_message), name="broadcast-reader")
        try:
            while True:
                heard = self._heard
                await self._ping(connection)
                done, _ = await asyncio.wait((reader,), timeout=HEALTH_SECONDS)
                if done:
                    reader.result()  # raises what ended it
                    raise ConnectionError("the subscription stopped reading")
                if self._heard == heard:
                    raise ConnectionError(f"Redis did not answer within {HEALTH_SECONDS} s")
        finally:
            if not reader.done():
                await stop(reader)

    async def _ping(self, connection: AbstractConnection) -> None:
        await connection.send_command("PING", check_health=False)

    async def _read(self, connection: AbstractConnection, on_message: OnMessage) -> None:
        while True:
            response = await connection.read_response(timeout=math.inf, disconnect_on_error=False, push_request=True)
            self._heard += 1
            # [b"message", channel, data]: RESP3 pushes are lists too; confirmations and PONGs are not messages
            if isinstance(response, list) and len(response) == 3 and response[0] == b"message":
                text = self._foreign(response[2])
                if text is not None:
                    on_message(text)

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
