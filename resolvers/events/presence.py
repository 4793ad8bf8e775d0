"""Who is connected to /v1/realtime, per tenant, summed over every server process.

Each process counts its own connections and channel subscriptions. With Redis, it writes its
counts for a tenant into the hash `basalt:rt:stats:<tenant>` (one field per process) on every
change, and keeps `basalt:rt:alive:<process>` alive; readers sum the fields of live processes,
so a process that died stops counting within `ALIVE_SECONDS`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections import Counter
from dataclasses import dataclass, field

from redis.asyncio import Redis
from redis.exceptions import RedisError

from models import jsoncodec
from resolvers.events.tasks import stop

log = logging.getLogger("basalt.realtime")
ALIVE_SECONDS = 15
STATS_KEY = "basalt:rt:stats:{}"
ALIVE_KEY = "basalt:rt:alive:{}"


@dataclass
class TenantPresence:
    connections: int = 0
    channels: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, object]:
        return {"connections": self.connections, "channels": {k: v for k, v in self.channels.items() if v > 0}}


@dataclass(frozen=True)
class Stats:
    total_connections: int
    channels: dict[str, int]

    @property
    def channel_count(self) -> int:
        return len(self.channels)


class Presence:
    """In-process counts; `RedisPresence` shares them between processes."""

    def __init__(self) -> None:
        self.process_id = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self._tenants: dict[str, TenantPresence] = {}

    async def connected(self, tenant_id: str, delta: int) -> None:
        self._local(tenant_id).connections += delta
        await self._changed(tenant_id)

    async def joined(self, tenant_id: str, channel: str, delta: int) -> None:
        presence = self._local(tenant_id)
        presence.channels[channel] += delta
        if presence.channels[channel] <= 0:
            del presence.channels[channel]
        await self._changed(tenant_id)

    async def stats(self, tenant_id: str) -> Stats:
        return _summed([self._local(tenant_id).as_dict()])

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    def _local(self, tenant_id: str) -> TenantPresence:
        return self._tenants.setdefault(tenant_id, TenantPresence())

    async def _changed(self, tenant_id: str) -> None:
        presence = self._tenants.get(tenant_id)
        if presence is not None and presence.connections <= 0 and not presence.channels:
            del self._tenants[tenant_id]


class RedisPresence(Presence):
    def __init__(self, url: str) -> None:
        super().__init__()
        self._redis = Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._keep_alive(), name="realtime-presence")

    async def close(self) -> None:
        await stop(self._task)
        self._task = None
        with contextlib.suppress(RedisError, OSError):
            for tenant_id in list(self._tenants):
                await self._redis.hdel(STATS_KEY.format(tenant_id), self.process_id)
            await self._redis.delete(ALIVE_KEY.format(self.process_id))
        await self._redis.aclose()

    async def stats(self, tenant_id: str) -> Stats:
        raw = await self._redis.hgetall(STATS_KEY.format(tenant_id))
        entries = {_text(k): v for k, v in raw.items()}
        if not entries:
            return _summed([])
        processes = sorted(entries)
        alive = await self._redis.mget([ALIVE_KEY.format(p) for p in processes])
        live = [p for p, flag in zip(processes, alive) if flag is not None or p == self.process_id]
        return _summed([jsoncodec.loads(entries[p]) for p in live])

    async def _changed(self, tenant_id: str) -> None:
        presence = self._local(tenant_id)
        key = STATS_KEY.format(tenant_id)
        try:
            await self._mark_alive()
            if presence.connections <= 0 and not presence.channels:
                await self._redis.hdel(key, self.process_id)
            else:
                await self._redis.hset(key, self.process_id, jsoncodec.dumps(presence.as_dict()))
        except (RedisError, OSError) as exc:
            log.warning("could not share realtime presence: %s", exc)
        await super()._changed(tenant_id)

    async def _mark_alive(self) -> None:
        await self._redis.set(ALIVE_KEY.format(self.process_id), "1", ex=ALIVE_SECONDS)

    async def _keep_alive(self) -> None:
        while True:
            try:
                await self._mark_alive()
                for tenant_id, presence in list(self._tenants.items()):  # rewrite after a Redis restart
                    await self._redis.hset(STATS_KEY.format(tenant_id), self.process_id, jsoncodec.dumps(presence.as_dict()))
            except (RedisError, OSError) as exc:
                log.warning("could not refresh realtime presence: %s", exc)
            await asyncio.sleep(ALIVE_SECONDS / 3)


def _summed(snapshots: list[dict[str, object]]) -> Stats:
    total = 0
    channels: Counter[str] = Counter()
    for snapshot in snapshots:
        total += int(snapshot.get("connections", 0))  # type: ignore[call-overload]
        channels.update(snapshot.get("channels", {}))  # type: ignore[arg-type]
    return Stats(total_connections=total, channels={k: v for k, v in sorted(channels.items()) if v > 0})


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def open_presence(url: str) -> Presence:
    return RedisPresence(url) if url.startswith(("redis://", "rediss://")) else Presence()
