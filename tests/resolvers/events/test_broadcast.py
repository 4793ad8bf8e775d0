"""The fan-out layer (`resolvers.events.broadcast`): what one process publishes, every subscriber
receives, in order, including several messages published in one call (one Redis round trip);
a subscription or a publishing connection that Redis drops, or that hears nothing back, is
replaced by a new one."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timezone

import pytest
from redis.asyncio import Redis

from resolvers.events.broadcast import CLIENT_NAME, Broadcast, MemoryBroadcast, RedisBroadcast
from resolvers.events.schemas import EventRecord
from tests.conftest import REDIS_URL

# Real event messages of a tenant that does not exist: the suite's servers, which share the Redis
# channel, read them and drop them.
A, B, C, D, E = (
    EventRecord(
        seq=seq, tenant_id="tn_broadcasttest", type="probe", custom=True, object_type_id=None, object_id=None,
        data={}, changed=None, actor=None, created_at=datetime.now(timezone.utc),
    ).to_message()
    for seq in range(1, 6)
)


async def received_after_publishing(publisher: Broadcast, subscriber: Broadcast, *batches: tuple[str, ...]) -> list[str]:
    """The messages of `batches` the subscriber received, in its order (the suite's servers
    publish on the same Redis channel: their messages are left out)."""
    ours = {message for batch in batches for message in batch}
    got: list[str] = []
    connected = asyncio.Event()
    await subscriber.start(lambda message: got.append(message) if message in ours else None, connected.set)
    await asyncio.wait_for(connected.wait(), timeout=5)
    for batch in batches:
        await publisher.publish(*batch)
    for _ in range(500):
        if len(got) >= len(ours):
            break
        await asyncio.sleep(0.01)
    return got


async def test_memory_carries_nothing_its_one_process_has_every_event_already() -> None:
    broadcast = MemoryBroadcast()
    got: list[str] = []
    connected = asyncio.Event()
    await broadcast.start(got.append, connected.set)
    await broadcast.publish(A, B)
    assert connected.is_set() and got == [] and broadcast.reaches_others is False


@pytest.mark.skipif(not REDIS_URL, reason="needs Redis (run through make test)")
async def test_redis_delivers_single_and_pipelined_messages_to_another_connection_in_order() -> None:
    publisher, subscriber = RedisBroadcast(REDIS_URL), RedisBroadcast(REDIS_URL)
    try:
        got = await received_after_publishing(publisher, subscriber, (A,), (B, C, D), (), (E,))
    finally:
        await subscriber.close()
        await publisher.close()
    assert got == [A, B, C, D, E]


@pytest.mark.skipif(not REDIS_URL, reason="needs Redis (run through make test)")
async def test_redis_skips_its_own_messages_and_reads_the_others() -> None:
    """A process has delivered its own events locally before publishing them: its subscriber
    drops them when they come back. Another process's messages, and its own sent again later by
    someone else, are read as they are."""
    own, other = RedisBroadcast(REDIS_URL), RedisBroadcast(REDIS_URL)
    got: list[str] = []
    try:
        connected = asyncio.Event()
        await own.start(lambda message: got.append(message) if message in (A, B, C) else None, connected.set)
        await asyncio.wait_for(connected.wait(), timeout=5)
        await own.publish(A, C)
        await other.publish(B)
        await other.publish(A)  # back once already: read this time
        for _ in range(500):
            if len(got) >= 2:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)  # time for a wrongly delivered own message to arrive as well
    finally:
        await own.close()
        await other.close()
    assert got == [B, A]
    assert own._own == {}  # nothing left waiting


def test_own_messages_that_never_come_back_are_forgotten_oldest_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("resolvers.events.broadcast.OWN_RECENT", 2)
    broadcast = RedisBroadcast("redis://127.0.0.1:1/0")
    broadcast._remember((A, B))
    broadcast._remember((C,))
    assert list(broadcast._own) == [B, C]
    assert broadcast._foreign(A.encode()) == A
    assert broadcast._foreign(B.encode()) is None


async def our_clients(admin: Redis, kind: str) -> set[str]:
    """Ids of Basalt's connections of this kind ("pubsub" or "normal") that Redis lists."""
    return {c["id"] for c in await admin.client_list(_type=kind) if c.get("name") == CLIENT_NAME}


async def eventually(condition: Callable[[], bool]) -> bool:
    """Whether `condition` holds within 5 s."""
    for _ in range(500):
        if condition():
            return True
        await asyncio.sleep(0.01)
    return False


async def subscribed(subscriber: RedisBroadcast, wanted: tuple[str, ...], got: list[str]) -> list[None]:
    """Start `subscriber`, collecting the `wanted` messages it reads into `got`, and wait for its
    subscription; returns the list that grows by one per (re)connection."""
    connections: list[None] = []
    await subscriber.start(lambda message: got.append(message) if message in wanted else None, lambda: connections.append(None))
    assert await eventually(lambda: len(connections) == 1)
    return connections


@pytest.mark.skipif(not REDIS_URL, reason="needs Redis (run through make test)")
async def test_a_quiet_subscription_stays_up_because_redis_answers_its_pings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("resolvers.events.broadcast.HEALTH_SECONDS", 0.05)
    subscriber, other = RedisBroadcast(REDIS_URL), RedisBroadcast(REDIS_URL)
    got: list[str] = []
    try:
        connections = await subscribed(subscriber, (B,), got)
        await asyncio.sleep(0.4)  # eight health checks, nothing published
        await other.publish(B)
        assert await eventually(lambda: got == [B])
    finally:
        await subscriber.close()
        await other.close()
    assert len(connections) == 1


@pytest.mark.skipif(not REDIS_URL, reason="needs Redis (run through make test)")
async def test_a_subscription_that_hears_nothing_back_reconnects(monkeypatch: pytest.MonkeyPatch) -> None:
    """A connection Redis no longer answers on (a silent network) is given up after a health
    period without even a reply to the ping; here the ping is never sent."""
    monkeypatch.setattr("resolvers.events.broadcast.HEALTH_SECONDS", 0.05)
    subscriber = RedisBroadcast(REDIS_URL)

    async def no_ping(connection: object) -> None:
        return None

    monkeypatch.setattr(subscriber, "_ping", no_ping)
    connections: list[None] = []
    try:
        await subscriber.start(lambda message: None, lambda: connections.append(None))
        assert await eventually(lambda: len(connections) >= 3)  # each one: on_reconnect, the hub's cue to catch up
    finally:
        await subscriber.close()


@pytest.mark.skipif(not REDIS_URL, reason="needs Redis (run through make test)")
async def test_a_killed_subscription_reconnects_and_reads_on() -> None:
    admin = Redis.from_url(REDIS_URL)
    subscriber, other = RedisBroadcast(REDIS_URL), RedisBroadcast(REDIS_URL)
    got: list[str] = []
    try:
        before = await our_clients(admin, "pubsub")
        connections = await subscribed(subscriber, (C,), got)
        (mine,) = await our_clients(admin, "pubsub") - before
        await admin.client_kill_filter(_id=mine)
        assert await eventually(lambda: len(connections) == 2)
        await other.publish(C)
        assert await eventually(lambda: got == [C])
    finally:
        await subscriber.close()
        await other.close()
        await admin.aclose()


@pytest.mark.skipif(not REDIS_URL, reason="needs Redis (run through make test)")
async def test_publishing_goes_on_over_a_new_connection_after_redis_dropped_the_old_one() -> None:
    admin = Redis.from_url(REDIS_URL)
    subscriber, publisher = RedisBroadcast(REDIS_URL), RedisBroadcast(REDIS_URL)
    got: list[str] = []
    try:
        await subscribed(subscriber, (A, D, E), got)
        before = await our_clients(admin, "normal")
        await publisher.publish(A)
        (publishing,) = await our_clients(admin, "normal") - before
        assert await eventually(lambda: got == [A])
        await admin.client_kill_filter(_id=publishing)
        await publisher.publish(D)  # may be lost with the connection (the hub's log check finds it)
        await publisher.publish(E)
        assert await eventually(lambda: E in got)
    finally:
        await subscriber.close()
        await publisher.close()
        await admin.aclose()
