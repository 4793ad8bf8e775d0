"""Fixed-window rate limiting, shared across processes when Redis is configured."""

from __future__ import annotations

from dataclasses import dataclass

from resolvers.errors import RateLimited
from resolvers.rate_limit.repository import CounterStore


@dataclass(frozen=True)
class Limit:
    requests: int
    window_seconds: int = 60


class RateLimiter:
    def __init__(self, store: CounterStore) -> None:
        self.store = store

    async def hit(self, bucket: str, limit: Limit, *, message: str | None = None) -> None:
        """Count one request against `bucket`; raise 429 with Retry-After once over the limit."""
        count, ttl = await self.store.incr(bucket, limit.window_seconds)
        if count > limit.requests:
            raise RateLimited(retry_after=ttl, message=message or "Rate limit exceeded; retry later")

    async def count(self, bucket: str, window_seconds: int) -> tuple[int, int]:
        """Count one attempt without refusing it: (count in the window, seconds left). Atomic, so
        concurrent attempts get distinct counts."""
        return await self.store.incr(bucket, window_seconds)

    async def peek(self, bucket: str) -> tuple[int, int]:
        return await self.store.peek(bucket)

    async def reset(self, bucket: str) -> None:
        await self.store.reset(bucket)

    async def close(self) -> None:
        await self.store.close()
