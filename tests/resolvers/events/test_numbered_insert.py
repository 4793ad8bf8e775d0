"""Events numbered by the statement that writes them (`repository._numbered_insert`).

A statement that commits by itself (an object create as a lone last write, `db.runs_alone`)
takes the tenant's counter in `event_sequences` with `SKIP LOCKED` and writes its events with
their seqs; after its commit they go to this process's listeners at once (`relay.hand_over`) and
the relay only publishes them. Anything else, and a busy counter, leaves the seq to the relay.
The invariant behind both: a seq is taken under the counter's row lock, held until the commit
that makes the event visible.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import AsyncIterator
from contextlib import AbstractContextManager, asynccontextmanager
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

import pytest

from resolvers import db
from resolvers.errors import DuplicateValue
from resolvers.events import relay as relay_module
from resolvers.events import repository as events_repository
from resolvers.events.relay import Relay
from resolvers.events.schemas import EventRecord
from resolvers.objects.schemas import ObjectRecord
from resolvers.objects.service import create_many, create_object
from resolvers.principal import Principal
from tests.support import SqlLog, TenantHandle, drain, event_rows, logged_sql, make_type, pool, principal_of, request_connection

pytestmark = pytest.mark.postgres_only


class Published:
    """A broadcast that keeps the events a relay publishes."""

    reaches_others = True

    def __init__(self) -> None:
        self.events: list[EventRecord] = []

    async def start(self, on_message: Any, on_reconnect: Any) -> None:
        on_reconnect()

    async def publish(self, *messages: str) -> None:
        self.events += [EventRecord.from_message(m) for m in messages]

    async def close(self) -> None:
        self.events.clear()


@pytest.fixture
async def relay() -> AsyncIterator[Relay]:
    """A relay that is not running (tests step it), with a listener list of its own."""
    made = Relay(Published(), poll_seconds=60)
    yield made
    made.close()


@pytest.fixture
async def caller(tenant: TenantHandle, relay: Relay) -> Principal:
    """A tenant with a `tickets` type whose events are numbered, so its counter exists, as
    authentication reads it, after a first create (which reads the type and the quota's count)."""
    await make_type(tenant, "tickets", [{"name": "code", "data_type": "string", "is_unique": True}])
    await drain(relay, tenant.tenant_id)
    async with pool().acquire() as other:
        version = await other.fetchval("SELECT schema_version FROM tenants WHERE id = $1", tenant.tenant_id)
    made = replace(principal_of(tenant), schema_version=int(version))
    await create_object(made, "tickets", {"code": "first"})
    await drain(relay, tenant.tenant_id)
    return made


async def lone_create(caller: Principal, code: str) -> ObjectRecord:
    """A create as a REST or GraphQL mutation runs it: one unit of work on the held connection."""
    async with request_connection():
        async with db.transaction(one_unit=True):
            return await create_object(caller, "tickets", {"code": code})


async def last_seq(tenant_id: str) -> int:
    async with pool().acquire() as other:
        return int(await other.fetchval("SELECT last_seq FROM event_sequences WHERE tenant_id = $1", tenant_id) or 0)


def logged_writes() -> AbstractContextManager[SqlLog]:
    return logged_sql(lambda message: message.upper().startswith(("INSERT", "WITH", "UPDATE", "BEGIN", "COMMIT")))


async def test_a_lone_create_writes_its_event_numbered_and_hands_it_over_after_commit(caller: Principal, relay: Relay) -> None:
    before = await last_seq(caller.tenant_id)
    handed: list[EventRecord] = []
    relay.local_listeners.append(handed.append)

    with logged_writes() as writes:
        async with request_connection():
            async with db.transaction(one_unit=True):
                created = await create_object(caller, "tickets", {"code": "T-1"})
                assert handed == []  # handed over after the block, as every on_commit callback

    (statement,) = writes.statements  # no BEGIN, no COMMIT, no numbering pass
    assert "numbering AS" in statement and "INSERT INTO objects" in statement
    (row,) = [r for r in await event_rows(caller.tenant_id) if r["object_id"] == created.id]
    assert row["seq"] == before + 1 and row["published_at"] is not None
    assert [(e.seq, e.type, e.object_id) for e in handed] == [(before + 1, "object.created", created.id)]
    assert handed[0].data["properties"] == {"code": "T-1"}
    assert await last_seq(caller.tenant_id) == before + 1


async def test_the_relay_publishes_a_handed_over_event_without_a_numbering_pass(
    caller: Principal, relay: Relay, monkeypatch: pytest.MonkeyPatch
) -> None:
    passes: list[int] = []
    number = relay.run_once

    async def counted() -> int:
        passes.append(1)
        return await number()

    monkeypatch.setattr(relay, "run_once", counted)
    async with running(relay) as published:
        await until(lambda: passes == [1])  # the pass every relay makes when it starts
        created = await lone_create(caller, "T-2")
        await until(lambda: any(e.object_id == created.id for e in published.events))
        await asyncio.sleep(0.05)
    assert passes == [1]


async def test_a_relay_that_does_not_number_still_publishes_handed_over_events(
    caller: Principal, monkeypatch: pytest.MonkeyPatch
) -> None:
    publisher = Relay(Published(), poll_seconds=0.01, numbers=False)  # a server with BASALT_WORKERS=false
    passes: list[int] = []

    async def counted() -> int:
        passes.append(1)
        return 0

    monkeypatch.setattr(publisher, "run_once", counted)
    try:
        async with running(publisher) as published:
            created = await lone_create(caller, "T-3")
            await until(lambda: any(e.object_id == created.id for e in published.events))
            await asyncio.sleep(0.05)  # five poll intervals: a relay that numbers would have passed
        assert [e.object_id for e in published.events if e.tenant_id == caller.tenant_id] == [created.id]
        assert passes == []
    finally:
        publisher.close()


async def test_a_relay_that_is_not_running_delivers_locally_and_keeps_nothing_to_publish(caller: Principal, relay: Relay) -> None:
    handed: list[EventRecord] = []
    relay.local_listeners.append(handed.append)
    created = await lone_create(caller, "T-7")
    assert [e.object_id for e in handed] == [created.id]

    async with running(relay) as published:
        await asyncio.sleep(0.1)
        assert created.id not in {e.object_id for e in published.events}  # other processes read it from the log


async def test_hand_overs_waking_the_relay_often_do_not_stop_its_poll(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows no one woke it for (left by a process that does not number, or by one that died
    before its commit callbacks ran) are still numbered every `poll_seconds`."""
    polling = Relay(Published(), poll_seconds=0.05)
    passes: list[float] = []

    async def counted() -> int:
        passes.append(asyncio.get_running_loop().time())
        return 0

    async def no_pruning() -> None:
        return None

    monkeypatch.setattr(polling, "run_once", counted)
    monkeypatch.setattr(polling, "_prune_now_and_then", no_pruning)
    try:
        async with running(polling):
            for seq in range(1, 101):  # a hand-over every 5 ms for half a second
                polling.take_numbered([synthetic(seq)])
                await asyncio.sleep(0.005)
    finally:
        polling.close()
    assert len(passes) >= 5  # about one per 50 ms; woken by hand-overs alone it would pass once


async def test_when_the_broadcast_falls_behind_the_oldest_handed_over_events_are_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    gate = asyncio.Event()

    class Stuck(Published):
        async def publish(self, *messages: str) -> None:
            await gate.wait()
            await super().publish(*messages)

    monkeypatch.setattr(relay_module, "PUBLISH_BACKLOG", 3)
    stuck = Relay(Stuck(), poll_seconds=60, numbers=False)
    try:
        async with running(stuck) as published:
            await asyncio.sleep(0)
            stuck.take_numbered([synthetic(1)])
            await asyncio.sleep(0.01)  # the relay is now waiting on the broadcast with seq 1
            stuck.take_numbered([synthetic(seq) for seq in range(2, 7)])
            gate.set()
            await until(lambda: len(published.events) == 4)
            assert [e.seq for e in published.events] == [1, 4, 5, 6]
    finally:
        stuck.close()


async def test_inside_a_transaction_the_event_is_left_to_the_relay(caller: Principal, relay: Relay) -> None:
    handed: list[EventRecord] = []
    relay.local_listeners.append(handed.append)
    async with request_connection():
        async with db.transaction():  # not one unit: the counter would stay locked until its commit
            created = await create_object(caller, "tickets", {"code": "T-4"})

    assert handed == []
    await drain(relay, caller.tenant_id)
    (row,) = [r for r in await event_rows(caller.tenant_id) if r["object_id"] == created.id]
    assert row["seq"] is not None and row["published_at"] is not None


async def test_a_busy_counter_is_skipped_not_waited_for_and_the_relay_numbers_the_event_after(
    caller: Principal, relay: Relay
) -> None:
    async with pool().acquire() as other:
        busy = other.transaction()
        await busy.start()
        # Read under the lock: once it is released any relay may number the event, the live
        # server's of an earlier test as well as this one, so the count can't be read after.
        before = int(
            await other.fetchval(
                "SELECT last_seq FROM event_sequences WHERE tenant_id = $1 FOR UPDATE", caller.tenant_id
            )
        )
        try:
            created = await asyncio.wait_for(lone_create(caller, "T-5"), timeout=5)
            (row,) = [r for r in await event_rows(caller.tenant_id) if r["object_id"] == created.id]
            assert row["seq"] is None  # committed, waiting for the relay
        finally:
            await busy.rollback()

    await drain(relay, caller.tenant_id)
    (row,) = [r for r in await event_rows(caller.tenant_id) if r["object_id"] == created.id]
    assert row["seq"] == before + 1


class HeldValue:
    """Another request's transaction holding a unique value, uncommitted, until told to end."""

    def __init__(self, caller: Principal, code: str) -> None:
        self.caller, self.code = caller, code
        self.holding, self.end = asyncio.Event(), asyncio.Event()
        self.commit = True
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.task = asyncio.create_task(self._hold(), context=contextvars.Context())
        await self.holding.wait()

    async def finish(self, *, commit: bool) -> None:
        self.commit = commit
        self.end.set()
        assert self.task is not None
        await asyncio.gather(self.task, return_exceptions=True)

    async def _hold(self) -> None:
        async with request_connection():
            async with db.transaction():
                await create_object(self.caller, "tickets", {"code": self.code})
                self.holding.set()
                await self.end.wait()
                if not self.commit:
                    raise RuntimeError("rolled back")


async def test_a_create_waiting_for_a_unique_value_does_not_hold_the_counter(caller: Principal, relay: Relay) -> None:
    """The change runs before the counter is taken: while the create waits for another
    transaction's uncommitted duplicate, every other numbering goes on."""
    held = HeldValue(caller, "SAME")
    await held.start()
    waiting = asyncio.create_task(lone_create(caller, "SAME"), context=contextvars.Context())
    try:
        await until_true(a_numbered_create_waits_for_a_lock)
        async with pool().acquire() as other:
            async with other.transaction():
                locked = await other.fetchval(
                    "SELECT tenant_id FROM event_sequences WHERE tenant_id = $1 FOR UPDATE NOWAIT", caller.tenant_id
                )
        assert locked == caller.tenant_id
    finally:
        await held.finish(commit=True)
    with pytest.raises(DuplicateValue):
        await waiting


async def test_a_create_that_waited_takes_the_counters_newest_value(
    caller: Principal, relay: Relay, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its statement began before another create bumped the counter; once the duplicate it waited
    for is rolled back, it numbers after that create (PostgreSQL rechecks the updated row)."""
    handed = record_hand_overs(monkeypatch)
    held = HeldValue(caller, "LATE")
    await held.start()
    waiting = asyncio.create_task(lone_create(caller, "LATE"), context=contextvars.Context())
    try:
        await until_true(a_numbered_create_waits_for_a_lock)
        meanwhile = await lone_create(caller, "MEANWHILE")
        before = await last_seq(caller.tenant_id)
    finally:
        await held.finish(commit=False)
    late = await waiting

    assert [(e.object_id, e.seq) for e in handed] == [(meanwhile.id, before), (late.id, before + 1)]
    assert await last_seq(caller.tenant_id) == before + 1


async def test_concurrent_lone_creates_and_a_relay_hand_out_every_seq_once_with_no_gap(
    caller: Principal, relay: Relay, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = await last_seq(caller.tenant_id)
    handed = record_hand_overs(monkeypatch)
    creates = [asyncio.create_task(lone_create(caller, f"C-{i}"), context=contextvars.Context()) for i in range(30)]
    while not all(c.done() for c in creates):
        await relay.run_once()
        await asyncio.sleep(0)
    await asyncio.gather(*creates)
    await drain(relay, caller.tenant_id)

    seqs = sorted(r["seq"] for r in await event_rows(caller.tenant_id) if r["seq"] > before)
    assert seqs == list(range(before + 1, before + 31))
    assert handed, "no create numbered its own event"
    assert len({e.seq for e in handed}) == len(handed) and {e.seq for e in handed} <= set(seqs)


async def test_a_failed_lone_create_hands_over_nothing_and_takes_no_seq(caller: Principal, relay: Relay) -> None:
    await lone_create(caller, "T-6")
    before = await last_seq(caller.tenant_id)
    handed: list[EventRecord] = []
    relay.local_listeners.append(handed.append)

    with pytest.raises(DuplicateValue):
        await lone_create(caller, "T-6")

    assert handed == [] and await last_seq(caller.tenant_id) == before


async def test_a_create_outside_any_transaction_numbers_its_event_too(caller: Principal, monkeypatch: pytest.MonkeyPatch) -> None:
    handed = record_hand_overs(monkeypatch)
    before = await last_seq(caller.tenant_id)
    created = await create_object(caller, "tickets", {"code": "T-8"})  # each statement commits by itself
    assert [(e.object_id, e.seq) for e in handed] == [(created.id, before + 1)]


async def test_a_batch_create_numbers_its_events_in_the_order_of_its_objects(
    caller: Principal, monkeypatch: pytest.MonkeyPatch
) -> None:
    handed = record_hand_overs(monkeypatch)
    before = await last_seq(caller.tenant_id)
    async with request_connection():
        async with db.transaction(one_unit=True):
            ids = await create_many(caller, "tickets", [{"properties": {"code": f"B-{i}"}} for i in range(3)])

    assert [(e.object_id, e.seq) for e in handed] == [(object_id, before + 1 + i) for i, object_id in enumerate(ids)]
    rows = [r for r in await event_rows(caller.tenant_id) if r["object_id"] in ids]
    assert [r["seq"] for r in rows] == [before + 1, before + 2, before + 3]  # rows in insertion order


async def test_a_handed_over_event_is_the_record_its_row_reads_back_as(
    caller: Principal, tenant: TenantHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The statement returns only the seqs; the rest of the record is built from what was written."""
    await make_type(tenant, "prices", [
        {"name": "amount", "data_type": "decimal"}, {"name": "ratio", "data_type": "number"}, {"name": "tags", "data_type": "json"},
    ])
    await create_object(caller, "prices", {})  # the first create reads the new type: not a lone statement
    handed = record_hand_overs(monkeypatch)
    values = {"amount": "12.50", "ratio": 0.25, "tags": {"a": [1, 2.5, None]}, "loose": 3}
    async with request_connection():
        async with db.transaction(one_unit=True):
            created = await create_object(caller, "prices", values)

    sql = db.Sql(db.dialect())
    (row,) = await db.fetch(
        f"SELECT {events_repository.COLUMNS} FROM events WHERE tenant_id = {sql.param(caller.tenant_id)} AND object_id = {sql.param(created.id)}",
        sql.params,
    )
    assert handed == [events_repository.to_record(row)]
    assert handed[0].data["properties"]["ratio"] == 0.25


async def test_a_request_failing_after_its_lone_create_committed_still_hands_the_event_over(
    caller: Principal, monkeypatch: pytest.MonkeyPatch
) -> None:
    handed = record_hand_overs(monkeypatch)
    created: list[ObjectRecord] = []
    with pytest.raises(RuntimeError):
        async with request_connection():
            async with db.transaction(one_unit=True):
                created.append(await create_object(caller, "tickets", {"code": "T-9"}))
                raise RuntimeError("answering the mutation failed")

    assert [e.object_id for e in handed] == [created[0].id]  # it committed: listeners must hear of it


# --- helpers -------------------------------------------------------------------------------


def synthetic(seq: int) -> EventRecord:
    return EventRecord(
        seq=seq, tenant_id="tn_synthetic", type="object.created", custom=False, object_type_id=None, object_id=f"obj_{seq}",
        data={}, changed=None, actor=None, created_at=datetime.now(timezone.utc),
    )


@asynccontextmanager
async def running(relay: Relay) -> AsyncIterator[Published]:
    """The relay's loop as a server runs it (in a fresh context), stopped at the end; yields its broadcast."""
    task = asyncio.create_task(relay.run_forever(), context=contextvars.Context())
    try:
        yield relay.broadcast  # type: ignore[misc]
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def record_hand_overs(monkeypatch: pytest.MonkeyPatch) -> list[EventRecord]:
    """The events statements numbered themselves, as they are handed over after commit."""
    handed: list[EventRecord] = []
    original = relay_module.hand_over

    def recording(events: list[EventRecord]) -> None:
        handed.extend(events)
        original(events)

    monkeypatch.setattr(relay_module, "hand_over", recording)
    return handed


async def a_numbered_create_waits_for_a_lock() -> bool:
    async with pool().acquire() as other:
        return bool(await other.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%numbering AS%'"
        ))


async def until(condition: Any, *, seconds: float = 5.0) -> None:
    """Wait until `condition()` holds."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def until_true(check: Any, *, seconds: float = 5.0) -> None:
    """Wait until the awaited `check()` holds."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.01)


@pytest.mark.parametrize(
    "properties",
    [
        {"code": "flat", "amount": "12.50"},  # an exact decimal: the log reads it back as a number
        {"code": "nested", "meta": {"a": [1, {"b": 2.5}], "c": None}},
        {"code": "big", "meta": {"n": 2**70}},
    ],
)
async def test_a_handed_over_event_is_the_record_the_log_reads_back(
    caller: Principal, relay: Relay, tenant: TenantHandle, properties: dict[str, Any]
) -> None:
    await make_type(tenant, "prices", [
        {"name": "code", "data_type": "string"}, {"name": "amount", "data_type": "decimal"}, {"name": "meta", "data_type": "json"},
    ])
    await create_object(caller, "prices", {"code": "first"})  # reads the new type: a lone create reads nothing
    await drain(relay, caller.tenant_id)
    handed: list[EventRecord] = []
    relay.local_listeners.append(handed.append)
    before = await last_seq(caller.tenant_id)

    async with request_connection():
        async with db.transaction(one_unit=True):
            await create_object(caller, "prices", properties)

    (event,) = handed
    assert event.seq == before + 1
    assert [event] == await events_repository.after(caller.tenant_id, before, up_to=before + 1, limit=10)
