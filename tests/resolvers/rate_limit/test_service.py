"""Rate limiter on both counter stores."""

from __future__ import annotations

import os
import uuid

import pytest

from resolvers.errors import RateLimited
from resolvers.rate_limit.repository import MemoryCounterStore, RedisCounterStore
from resolvers.rate_limit.service import Limit, RateLimiter

REDIS_URL = os.environ.get("BASALT_TEST_REDIS_URL", "")


def stores() -> list[object]:
    params: list[object] = [pytest.param("memory", id="memory")]
    params.append(pytest.param("redis", id="redis", marks=pytest.mark.skipif(not REDIS_URL, reason="needs Redis (make test)")))
    return params


@pytest.mark.parametrize("kind", stores())
async def test_limit_then_429_with_retry_after(kind: str) -> None:
    limiter = RateLimiter(MemoryCounterStore() if kind == "memory" else RedisCounterStore(REDIS_URL))
    bucket = f"test:{uuid.uuid4()}"
    try:
        for _ in range(3):
            await limiter.hit(bucket, Limit(3, window_seconds=30))
        with pytest.raises(RateLimited) as raised:
            await limiter.hit(bucket, Limit(3, window_seconds=30))
        assert 1 <= raised.value.retry_after <= 30
        assert raised.value.headers() == {"Retry-After": str(raised.value.retry_after)}
        await limiter.hit(f"{bucket}:other", Limit(3, window_seconds=30))  # buckets are independent
    finally:
        await limiter.close()


async def test_memory_window_resets(monkeypatch: pytest.MonkeyPatch) -> None:
    import resolvers.rate_limit.repository as repository

    now = [1000.0]
    monkeypatch.setattr(repository.time, "monotonic", lambda: now[0])
    limiter = RateLimiter(MemoryCounterStore())
    await limiter.hit("b", Limit(1, window_seconds=60))
    with pytest.raises(RateLimited):
        await limiter.hit("b", Limit(1, window_seconds=60))
    now[0] += 61
    await limiter.hit("b", Limit(1, window_seconds=60))


async def test_unreachable_redis_falls_back_to_counting_in_this_process() -> None:
    """Nothing listens on port 1: limits still apply, per process, instead of every request failing."""
    limiter = RateLimiter(RedisCounterStore("redis://127.0.0.1:1/0"))
    bucket = f"test:{uuid.uuid4()}"
    try:
        await limiter.hit(bucket, Limit(2, window_seconds=30))
        await limiter.hit(bucket, Limit(2, window_seconds=30))
        with pytest.raises(RateLimited):
            await limiter.hit(bucket, Limit(2, window_seconds=30))
    finally:
        await limiter.close()


@pytest.mark.parametrize("kind", stores())
async def test_counts_can_be_read_without_counting_and_reset(kind: str) -> None:
    limiter = RateLimiter(MemoryCounterStore() if kind == "memory" else RedisCounterStore(REDIS_URL))
    bucket = f"test:{uuid.uuid4()}"
    try:
        assert await limiter.peek(bucket) == (0, 0)
        assert (await limiter.count(bucket, 30))[0] == 1
        assert (await limiter.count(bucket, 30))[0] == 2
        count, seconds_left = await limiter.peek(bucket)
        assert count == 2 and 1 <= seconds_left <= 30
        await limiter.reset(bucket)
        assert await limiter.peek(bucket) == (0, 0)
    finally:
        await limiter.close()
