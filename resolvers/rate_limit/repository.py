"""Counter stores for the rate limiter: in-process, or Redis for several server processes."""

from __future__ import annotations

import logging
import math
import time
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger("basalt.rate_limit")


class CounterStore(Protocol):
    async def incr(self, key: str, window_seconds: int) -> tuple[int, int]:
        """Increment the counter of the current window; return (count, seconds left)."""

    async def peek(self, key: str) -> tuple[int, int]:
        """(count, seconds left) of the current window without counting; (0, 0) when none."""

    async def reset(self, key: str) -> None: ...

    async def close(self) -> None: ...


class MemoryCounterStore:
    def __init__(self) -> None:
        self._counters: dict[str, tuple[int, float]] = {}

    async def incr(self, key: str, window_seconds: int) -> tuple[int, int]:
        now = time.monotonic()
        count, resets_at = self._counters.get(key, (0, now + window_seconds))
        if now >= resets_at:
            count, resets_at = 0, now + window_seconds
        self._counters[key] = (count + 1, resets_at)
        if len(self._counters) > 100_000:
            self._prune(now)
        return count + 1, max(1, math.ceil(resets_at - now))

    async def peek(self, key: str) -> tuple[int, int]:
        now = time.monotonic()
        count, resets_at = self._counters.get(key, (0, now))
        return (count, max(1, math.ceil(resets_at - now))) if resets_at > now and count else (0, 0)

    async def reset(self, key: str) -> None:
        self._counters.pop(key, None)

    def _prune(self, now: float) -> None:
        self._counters = {k: v for k, v in self._counters.items() if v[1] > now}

    async def close(self) -> None:
        self._counters.clear()


class RedisCounterStore:
    """INCR plus an expiry set only on the window's first hit, in one round trip.

    While Redis is unreachable the counts fall back to this process (limits still apply, per
    process) instead of failing every rate-limited request.
    """

    def __init__(self, url: str) -> None:
        self.redis = Redis.from_url(url, socket_timeout=2, socket_connect_timeout=1)
        self.fallback = MemoryCounterStore()

    async def incr(self, key: str, window_seconds: int) -> tuple[int, int]:
        redis_key = f"basalt:rl:{key}"
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.incr(redis_key)
                pipe.expire(redis_key, window_seconds, nx=True)
                pipe.ttl(redis_key)
                count, _, ttl = await pipe.execute()
        except (RedisError, OSError) as exc:
            log.warning("rate limit counters fall back to this process: %s", exc)
            return await self.fallback.incr(key, window_seconds)
        return int(count), max(1, int(ttl))

    async def peek(self, key: str) -> tuple[int, int]:
        redis_key = f"basalt:rl:{key}"
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.get(redis_key)
                pipe.ttl(redis_key)
                value, ttl = await pipe.execute()
        except (RedisError, OSError) as exc:
            log.warning("rate limit counters fall back to this process: %s", exc)
            return await self.fallback.peek(key)
        return (int(value), max(1, int(ttl))) if value is not None else (0, 0)

    async def reset(self, key: str) -> None:
        try:
            await self.redis.delete(f"basalt:rl:{key}")
        except (RedisError, OSError) as exc:
            log.warning("rate limit counters fall back to this process: %s", exc)
        await self.fallback.reset(key)

    async def close(self) -> None:
        await self.redis.aclose()
