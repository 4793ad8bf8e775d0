"""The hub: one process's listeners, fed by broadcast messages and repaired from the event log.

Each test drives a `Hub` directly: real events are recorded through the service layer and
numbered by a `Relay`, then handed to the hub as broadcast messages (`on_message`), some lost,
repeated or reordered on purpose, or not at all (the periodic check and `on_reconnect` must find
them in the log). Covers delivery in seq order without gaps or duplicates, resuming after a seq,
tenant isolation, slow consumers, and listeners whose credentials end.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone

import pytest

from resolvers import db
from resolvers.api_keys import repository as api_keys
from resolvers.api_keys.schemas import KeyCreate
from resolvers.api_keys.service import create_key
from resolvers.events import repository
from resolvers.events.broadcast import MemoryBroadcast
from resolvers.events.hub import Hub, Listener, ListenerClosed
from resolvers.events.relay import Relay
from resolvers.events.schemas import EventRecord
from resolvers.objects.service import create_many
from resolvers.principal import Principal
from tests.support import TenantHandle, make_tenant, make_type, principal_of

WAIT = 5.0  # seconds before a missing event counts as never delivered
NEVER = 3600.0  # a check interval that never comes during a test


# --- helpers -------------------------------------------------------------------------------


@asynccontextmanager
async def running_hub(*, check_seconds: float = NEVER, queue_limit: int = 1000) -> AsyncIterator[Hub]:
    hub = Hub(check_seconds=check_seconds, queue_limit=queue_limit)
    hub.start()
    try:
        yield hub
    finally:
        await hub.close()


@pytest.fixture
async def relay() -> AsyncIterator[Relay]:
    made = Relay(MemoryBroadcast())  # never started: it publishes to nobody, the tests feed the hub
    yield made
    made.close()


async def unsequenced(tenant_id: str) -> int:
    sql = db.Sql(db.dialect())
    rows = await db.fetch(
        f"SELECT count(*) AS n FROM events WHERE tenant_id = {sql.param(tenant_id)} AND seq IS NULL", sql.params
    )
    return int(rows[0]["n"])


async def sequence(relay: Relay, tenant_id: str) -> None:
    """Number every event of the tenant (another relay of the session may number some first)."""
    deadline = time.monotonic() + WAIT
    while await unsequenced(tenant_id):
        assert time.monotonic() < deadline, "events never got a seq"
        if not await relay.run_once():
            await asyncio.sleep(0.01)


async def new_events(relay: Relay, tenant: TenantHandle, type_id: str, count: int) -> list[EventRecord]:
    """`count` objects created through the service layer, their events numbered; returns them."""
    before = (await repository.last_seqs([tenant.tenant_id]))[tenant.tenant_id]
    await create_many(principal_of(tenant), type_id, [{"properties": {"n": n}} for n in range(count)])
    await sequence(relay, tenant.tenant_id)
    events = await repository.after(tenant.tenant_id, before)
    assert len(events) == count
    return events


async def tenant_with_type(relay: Relay, name: str = "Hub Co") -> tuple[TenantHandle, str]:
    """A tenant and an object type, with the type's own events already numbered."""
    tenant = await make_tenant(name)
    type_id = await make_type(tenant, "items", [{"name": "n", "data_type": "integer"}])
    await sequence(relay, tenant.tenant_id)
    return tenant, type_id


async def listen(hub: Hub, principal: Principal, *, after: int | None = None) -> tuple[Listener, AsyncIterator[EventRecord]]:
    listener = await hub.listen(principal, lambda _event: True, after=after)
    return listener, listener.events()


async def take_until(events: AsyncIterator[EventRecord], seq: int) -> list[EventRecord]:
    """What the listener yields up to and including `seq` (fails if it stops coming)."""
    got: list[EventRecord] = []
    while not got or got[-1].seq < seq:
        got.append(await asyncio.wait_for(anext(events), WAIT))
    return got


async def closed_with(events: AsyncIterator[EventRecord]) -> str:
    """Read until the listener ends; returns its closing code."""
    with pytest.raises(ListenerClosed) as ended:
        while True:
            await asyncio.wait_for(anext(events), WAIT)
    return ended.value.code


def seqs(events: list[EventRecord]) -> list[int]:
    return [e.seq for e in events]


# --- delivery in order ---------------------------------------------------------------------


async def test_a_listener_receives_events_in_seq_order_and_a_repeated_message_once(relay: Relay) -> None:
    tenant, type_id = await tenant_with_type(relay)
    async with running_hub() as hub:
        _, events = await listen(hub, principal_of(tenant))
        first, second, third = await new_events(relay, tenant, type_id, 3)
        for event in (first, first, second, first, third, second, third):
            hub.on_message(event.to_message())
        got = await take_until(events, third.seq)
        assert got == [first, second, third]

        (fourth,) = await new_events(relay, tenant, type_id, 1)
        hub.on_message(fourth.to_message())
        assert await take_until(events, fourth.seq) == [fourth]  # nothing stray came before it


async def test_a_direct_listener_takes_events_itself_only_while_nothing_is_queued_or_in_hand(relay: Relay) -> None:
    tenant, type_id = await tenant_with_type(relay)
    async with running_hub() as hub:
        listener, events = await listen(hub, principal_of(tenant))
        taken: list[int] = []
        refused: set[int] = set()

        def take(event: EventRecord) -> bool:
            if event.seq in refused:
                return False
            taken.append(event.seq)
            return True

        listener.direct = take
        waiting = asyncio.ensure_future(anext(events))
        await asyncio.sleep(0)  # the consumer parks on the empty queue
        first, second, third = await new_events(relay, tenant, type_id, 3)
        refused.add(second.seq)
        for event in (first, second, third):
            hub.on_message(event.to_message())
        assert await asyncio.wait_for(waiting, WAIT) == second  # refused: it took the queue
        assert await asyncio.wait_for(anext(events), WAIT) == third  # queued behind it, not taken
        assert taken == [first.seq]

        waiting = asyncio.ensure_future(anext(events))
        await asyncio.sleep(0)  # parked again, nothing queued: the next one is taken directly
        (fourth,) = await new_events(relay, tenant, type_id, 1)
        hub.on_message(fourth.to_message())
        deadline = time.monotonic() + WAIT
        while taken != [first.seq, fourth.seq]:
            assert time.monotonic() < deadline, f"taken: {taken}"
            await asyncio.sleep(0.01)
        assert not waiting.done()
        waiting.cancel()


async def test_a_direct_delivery_that_raises_queues_the_event_instead(relay: Relay) -> None:
    tenant, type_id = await tenant_with_type(relay)
    async with running_hub() as hub:
        listener, events = await listen(hub, principal_of(tenant))
        _, other_events = await listen(hub, principal_of(tenant))

        def broken(_event: EventRecord) -> bool:
            raise RuntimeError("writer bug")

        listener.direct = broken
        waiting = asyncio.ensure_future(anext(events))
        await asyncio.sleep(0)
        (event,) = await new_events(relay, tenant, type_id, 1)
        hub.on_message(event.to_message())
        assert await asyncio.wait_for(waiting, WAIT) == event
        assert await take_until(other_events, event.seq) == [event]  # the next listener had its turn


async def test_a_message_that_skips_seqs_makes_the_hub_read_the_missing_ones_first(relay: Relay) -> None:
    tenant, type_id = await tenant_with_type(relay)
    async with running_hub() as hub:
        _, events = await listen(hub, principal_of(tenant))
        batch = await new_events(relay, tenant, type_id, 6)
        hub.on_message(batch[0].to_message())
        hub.on_message(batch[3].to_message())  # 1 and 2 were lost
        hub.on_message(batch[2].to_message())  # late: already delivered from the log
        hub.on_message(batch[5].to_message())  # 4 was lost
        hub.on_message(batch[4].to_message())
        assert await take_until(events, batch[5].seq) == batch


async def test_a_lost_message_at_the_tail_is_delivered_by_the_periodic_check(relay: Relay) -> None:
    tenant, type_id = await tenant_with_type(relay)
    async with running_hub(check_seconds=0.05) as hub:
        _, events = await listen(hub, principal_of(tenant))
        batch = await new_events(relay, tenant, type_id, 3)
        hub.on_message(batch[0].to_message())  # the other two messages never arrive
        assert await take_until(events, batch[-1].seq) == batch


async def test_a_lost_message_at_the_tail_is_delivered_when_the_broadcast_reconnects(relay: Relay) -> None:
    tenant, type_id = await tenant_with_type(relay)
    async with running_hub() as hub:
        _, events = await listen(hub, principal_of(tenant))
        batch = await new_events(relay, tenant, type_id, 2)
        hub.on_reconnect()
        assert await take_until(events, batch[-1].seq) == batch

        later = await new_events(relay, tenant, type_id, 1)
        for event in (*batch, *later):  # the broadcast's late copies change nothing
            hub.on_message(event.to_message())
        assert await take_until(events, later[0].seq) == later


async def test_resuming_after_a_seq_yields_the_log_after_it_then_live_events_without_duplicates(relay: Relay) -> None:
    tenant, type_id = await tenant_with_type(relay)
    missed = await new_events(relay, tenant, type_id, 4)
    resume_from = missed[0].seq  # seen: the type's events and the first object
    async with running_hub() as hub:
        _, events = await listen(hub, principal_of(tenant), after=resume_from)
        live = await new_events(relay, tenant, type_id, 3)
        for event in (missed[-1], *live, live[0]):  # an old copy and a repeat are dropped
            hub.on_message(event.to_message())
        got = await take_until(events, live[-1].seq)
    assert got == [*missed[1:], *live]
    assert seqs(got) == list(range(resume_from + 1, live[-1].seq + 1))


async def test_resuming_at_the_current_position_reads_nothing_from_the_log(relay: Relay) -> None:
    tenant, type_id = await tenant_with_type(relay)
    seen = await new_events(relay, tenant, type_id, 2)
    async with running_hub() as hub:
        _, events = await listen(hub, principal_of(tenant), after=seen[-1].seq)
        live = await new_events(relay, tenant, type_id, 2)
        for event in live:
            hub.on_message(event.to_message())
        assert await take_until(events, live[-1].seq) == live


# --- who receives what ---------------------------------------------------------------------


async def test_a_listener_never_receives_another_tenants_events(relay: Relay) -> None:
    first, first_type = await tenant_with_type(relay, "Tenant A")
    second, second_type = await tenant_with_type(relay, "Tenant B")
    async with running_hub() as hub:
        _, events_a = await listen(hub, principal_of(first))
        _, events_b = await listen(hub, principal_of(second))
        mine = await new_events(relay, first, first_type, 3)
        theirs = await new_events(relay, second, second_type, 3)
        for a, b in zip(mine, theirs):
            hub.on_message(b.to_message())
            hub.on_message(a.to_message())
        got_a = await take_until(events_a, mine[-1].seq)
        got_b = await take_until(events_b, theirs[-1].seq)
        assert got_a == mine and got_b == theirs

        # Tenant B moves on alone; A's next event is the first thing A receives.
        more_b = await new_events(relay, second, second_type, 2)
        (next_a,) = await new_events(relay, first, first_type, 1)
        for event in (*more_b, next_a):
            hub.on_message(event.to_message())
        assert await take_until(events_a, next_a.seq) == [next_a]
        assert await take_until(events_b, more_b[-1].seq) == more_b


async def test_a_slow_listener_is_closed_and_the_others_keep_receiving(relay: Relay) -> None:
    tenant, type_id = await tenant_with_type(relay)
    async with running_hub(queue_limit=2) as hub:
        slow, slow_events = await listen(hub, principal_of(tenant))
        _, fast_events = await listen(hub, principal_of(tenant))
        batch = await new_events(relay, tenant, type_id, 4)
        for event in batch[:3]:  # the fast listener reads each one; the slow one reads nothing
            hub.on_message(event.to_message())
            assert await take_until(fast_events, event.seq) == [event]

        assert slow.closed is not None and slow.closed.code == "SLOW_CONSUMER"
        assert hub.listener_count() == 1
        assert await take_until(slow_events, batch[1].seq) == batch[:2]  # what it had queued
        assert await closed_with(slow_events) == "SLOW_CONSUMER"

        hub.on_message(batch[3].to_message())
        assert await take_until(fast_events, batch[3].seq) == [batch[3]]


async def test_a_listener_whose_api_key_is_revoked_is_closed_and_the_others_stay(relay: Relay) -> None:
    tenant, type_id = await tenant_with_type(relay)
    created = await create_key(principal_of(tenant), KeyCreate(label="stream", scopes=["read"]))
    streaming = Principal(tenant_id=tenant.tenant_id, kind="api_key", scopes=frozenset({"read"}), key_id=created.key.id)
    async with running_hub(check_seconds=0.05) as hub:
        doomed, doomed_events = await listen(hub, streaming)
        kept, kept_events = await listen(hub, principal_of(tenant))
        await asyncio.sleep(0.2)  # a few checks pass: an active key stays open
        assert doomed.closed is None

        await api_keys.revoke(tenant.tenant_id, [created.key.id])
        assert await closed_with(doomed_events) == "CREDENTIALS_ENDED"

        assert kept.closed is None and hub.listener_count() == 1
        (event,) = await new_events(relay, tenant, type_id, 1)
        hub.on_message(event.to_message())
        assert await take_until(kept_events, event.seq) == [event]


async def test_a_listener_whose_credentials_expired_is_closed() -> None:
    tenant = await make_tenant("Expiring")
    expired = Principal(
        tenant_id=tenant.tenant_id,
        kind="user",
        scopes=frozenset({"read"}),
        user_id="usr_expired",
        expires_at=datetime.now(timezone.utc) - timedelta(seconds=1),
    )
    current = Principal(
        tenant_id=tenant.tenant_id,
        kind="user",
        scopes=frozenset({"read"}),
        user_id="usr_current",
        expires_at=datetime.now(timezone.utc) + timedelta(hours=1),
    )
    async with running_hub(check_seconds=0.05) as hub:
        _, expired_events = await listen(hub, expired)
        still, _ = await listen(hub, current)
        assert await closed_with(expired_events) == "CREDENTIALS_ENDED"
        assert still.closed is None and hub.listener_count() == 1


async def test_closing_the_hub_ends_its_listeners(relay: Relay) -> None:
    tenant, _ = await tenant_with_type(relay)
    async with running_hub() as hub:
        _, events = await listen(hub, principal_of(tenant))
    assert await closed_with(events) == "SERVER_SHUTDOWN"


# --- this process's own events ---------------------------------------------------------------


async def test_own_events_of_a_tenant_without_listeners_are_not_queued_but_still_wake_the_workers(relay: Relay) -> None:
    """A tenant nobody listens to here costs the hub's task nothing; workers are still told, and
    a listener registering afterwards gets the tenant's later events."""
    tenant, type_id = await tenant_with_type(relay)
    async with running_hub() as hub:
        woken: list[bool] = []
        hub.on_sequenced.append(lambda: woken.append(True))
        (early,) = await new_events(relay, tenant, type_id, 1)
        hub.on_event(early)
        assert hub._inbox.empty() and woken == [True]

        _, events = await listen(hub, principal_of(tenant))
        (late,) = await new_events(relay, tenant, type_id, 1)
        hub.on_event(late)
        assert seqs(await take_until(events, late.seq)) == [late.seq]


async def test_own_events_arriving_while_a_listener_registers_are_queued(relay: Relay) -> None:
    """The registering listener's start may have been read before the event committed: the
    event goes through the hub's task, which delivers it unless the start already counts it."""
    tenant, type_id = await tenant_with_type(relay)
    async with running_hub() as hub:
        hub._registering += 1  # as `listen` does until its registration is done
        (event,) = await new_events(relay, tenant, type_id, 1)
        hub.on_event(event)
        hub._registering -= 1
        assert hub._inbox.qsize() == 1
