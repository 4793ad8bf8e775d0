"""The event log's write side: recording events with their change, the relay, pruning, custom events.

Covers `resolvers.events.service.record` as the object, object-type and property services call it
(one row per change, in the change's transaction), `resolvers.db.on_commit`, `Relay.run_once`
(per-tenant numbering, publishing after commit, two relays at once on PostgreSQL),
`Relay.prune`, and the custom-event service calls (`track`, `list_custom`, `event_types`).

Other relays may run during the suite (a live server process of the session shares the
database and polls every second), so the assertions are about the log's state, which holds
whichever relay numbered an event, never about which relay did it.
"""

from __future__ import annotations

import asyncio
from importlib import import_module
import contextvars
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from starlette.applications import Starlette

from resolvers import db
from resolvers.errors import DuplicateValue, InsufficientScope, NotFound, PayloadTooLarge, ValidationError
from resolvers.events import relay as relay_module
from resolvers.events import repository, service
from resolvers.events.relay import Relay
from resolvers.events.schemas import SYSTEM_EVENTS, EventRecord
from resolvers.object_types.schemas import TypeCreate
from resolvers.object_types.service import create_type, delete_type, update_type
from resolvers.objects.schemas import ObjectRecord
from resolvers.objects.service import create_many, create_object, delete_object, get_object, restore_object, update_object
from resolvers.properties.schemas import PropertyCreate
from resolvers.properties.service import create_property, delete_property, update_property
from resolvers.runtime import Runtime
from tests.support import SqlLog, TenantHandle, drain, event_rows, logged_sql, make_tenant, make_type, principal_of

PRODUCT_PROPERTIES = [
    {"name": "title", "data_type": "string"},
    {"name": "price", "data_type": "decimal"},
    {"name": "qty", "data_type": "integer"},
]


# --- helpers -------------------------------------------------------------------------------


class RecordingBroadcast:
    """A broadcast that keeps what the relay publishes, and whether the relay had committed then."""

    reaches_others = True

    def __init__(self) -> None:
        self.published: list[EventRecord] = []
        self.outside_transaction: list[bool] = []
        self.visible_elsewhere: list[bool] = []

    async def start(self, on_message: Callable[[str], None], on_reconnect: Callable[[], None]) -> None:
        on_reconnect()

    async def publish(self, *messages: str) -> None:
        for message in messages:
            event = EventRecord.from_message(message)
            ran: list[bool] = []
            db.on_commit(lambda: ran.append(True))  # runs at once only outside a transaction
            self.outside_transaction.append(bool(ran))
            # Read the row from a fresh context: another connection on PostgreSQL, which sees only
            # committed rows.
            found = await asyncio.create_task(published_seq(event.tenant_id, event.seq), context=contextvars.Context())
            self.visible_elsewhere.append(found)
            self.published.append(event)

    async def close(self) -> None:
        self.published.clear()


async def published_seq(tenant_id: str, seq: int) -> bool:
    """Whether the log holds the tenant's event `seq`, marked published."""
    sql = db.Sql(db.dialect())
    rows = await db.fetch(
        f"SELECT published_at FROM events WHERE tenant_id = {sql.param(tenant_id)} AND seq = {sql.param(seq)}", sql.params
    )
    return len(rows) == 1 and rows[0]["published_at"] is not None


@pytest.fixture
async def broadcast() -> RecordingBroadcast:
    return RecordingBroadcast()


@pytest.fixture
async def relay(broadcast: RecordingBroadcast) -> AsyncIterator[Relay]:
    made = Relay(broadcast)
    yield made
    made.close()


@pytest.fixture
def runtime(app: Starlette) -> Runtime:
    return app.state.runtime




def shown(record: ObjectRecord, **extra: Any) -> dict[str, Any]:
    """The object as the API shows it (the record as the service returned it)."""
    return {
        "id": record.id,
        "object_type_id": record.object_type_id,
        "properties": record.properties,
        "version": record.version,
        "created_by": record.created_by,
        "updated_by": record.updated_by,
        "created_at": record.created_at.isoformat(),
        "updated_at": record.updated_at.isoformat(),
        **extra,
    }


async def new_rows(tenant_id: str, seen: int) -> list[dict[str, Any]]:
    return (await event_rows(tenant_id))[seen:]


# --- recording events with the change --------------------------------------------------------


async def test_each_object_change_writes_one_event_with_the_object_as_the_api_shows_it(
    tenant: TenantHandle, runtime: Runtime
) -> None:
    caller = principal_of(tenant)
    type_id = await make_type(tenant, "products", PRODUCT_PROPERTIES)
    seen = len(await event_rows(tenant.tenant_id))

    async with db.transaction():
        created = await create_object(caller, "products", {"title": "Lamp", "price": "12.50", "qty": 3})
    (event,) = await new_rows(tenant.tenant_id, seen)
    assert event["type"] == "object.created" and not event["custom"]
    assert (event["object_type_id"], event["object_id"], event["actor"]) == (type_id, created.id, tenant.key_id)
    assert event["data"] == shown(created)
    assert event["data"]["properties"]["price"] == "12.50"  # exact decimals travel as strings
    assert event["changed"] == ["price", "qty", "title"]

    async with db.transaction():
        updated = await update_object(caller, "products", created.id, {"price": "12.50", "qty": 4})
    (event,) = await new_rows(tenant.tenant_id, seen + 1)
    assert (event["type"], event["object_id"], event["actor"]) == ("object.updated", created.id, tenant.key_id)
    assert event["data"] == shown(updated) and event["data"]["version"] == 2
    assert event["changed"] == ["qty"]  # the price was sent again, unchanged

    async with db.transaction():
        await delete_object(caller, "products", created.id, runtime=runtime)
    (event,) = await new_rows(tenant.tenant_id, seen + 2)
    assert (event["type"], event["object_id"], event["actor"]) == ("object.deleted", created.id, tenant.key_id)
    assert event["data"] == shown(updated, permanent=False)
    assert event["changed"] is None

    async with db.transaction():
        restored = await restore_object(caller, "products", created.id)
    (event,) = await new_rows(tenant.tenant_id, seen + 3)
    assert (event["type"], event["object_id"], event["actor"]) == ("object.restored", created.id, tenant.key_id)
    assert event["data"] == shown(restored)

    async with db.transaction():
        await delete_object(caller, "products", created.id, runtime=runtime, force=True)
    (event,) = await new_rows(tenant.tenant_id, seen + 4)
    assert (event["type"], event["object_id"], event["actor"]) == ("object.deleted", created.id, tenant.key_id)
    assert event["data"] == shown(restored, permanent=True)
    assert all(row["object_type_id"] == type_id for row in await new_rows(tenant.tenant_id, seen))


async def test_a_batch_create_writes_one_event_per_object(tenant: TenantHandle) -> None:
    await make_type(tenant, "products", PRODUCT_PROPERTIES)
    seen = len(await event_rows(tenant.tenant_id))
    async with db.transaction():
        ids = await create_many(principal_of(tenant), "products", [{"properties": {"qty": n}} for n in range(3)])
    events = await new_rows(tenant.tenant_id, seen)
    assert [(e["type"], e["object_id"], e["data"]["properties"]) for e in events] == [
        ("object.created", object_id, {"qty": n}) for n, object_id in enumerate(ids)
    ]


async def test_object_type_and_property_changes_write_events(tenant: TenantHandle, runtime: Runtime) -> None:
    caller = principal_of(tenant)
    async with db.transaction():
        object_type = await create_type(caller, TypeCreate(name="gadgets"))
        prop = await create_property(caller, "gadgets", PropertyCreate(name="size", data_type="decimal", default_value="1.50"))
        await update_property(caller, "gadgets", prop.id, {"description": "how big", "is_indexed": False})
        await update_type(caller, "gadgets", {"display_name": "Gizmos"})
        await delete_property(caller, "gadgets", prop.id)
        await delete_type(caller, "gadgets", runtime=runtime)

    events = await event_rows(tenant.tenant_id)
    assert [e["type"] for e in events] == [
        "object_type.created",
        "property.created",
        "property.updated",
        "object_type.updated",
        "property.deleted",
        "object_type.deleted",
    ]
    assert all(e["object_type_id"] == object_type.id and e["object_id"] is None for e in events)
    assert all(e["actor"] == tenant.key_id and not e["custom"] for e in events)
    type_created, prop_created, prop_updated, type_updated, prop_deleted, type_deleted = events
    assert type_created["data"] == {"id": object_type.id, "name": "gadgets", "display_name": "Gadgets"}
    assert type_updated["data"]["display_name"] == "Gizmos" and type_updated["changed"] == ["display_name"]
    assert type_deleted["data"]["id"] == object_type.id
    assert prop_created["data"]["id"] == prop.id and prop_created["data"]["name"] == "size"
    assert prop_created["data"]["data_type"] == "decimal" and prop_created["data"]["default_value"] == "1.50"
    assert prop_updated["changed"] == ["description"]  # is_indexed was sent unchanged
    assert prop_updated["data"]["description"] == "how big"
    assert prop_deleted["data"]["id"] == prop.id


def logged_writes() -> AbstractContextManager[SqlLog]:
    return logged_sql(lambda message: message.upper().startswith(("INSERT", "WITH")))


async def test_a_create_writes_the_object_and_its_event_in_one_statement_on_postgresql(tenant: TenantHandle) -> None:
    caller = principal_of(tenant)
    await make_type(tenant, "products", PRODUCT_PROPERTIES)
    seen = len(await event_rows(tenant.tenant_id))
    with logged_writes() as writes:
        async with db.transaction():
            created = await create_object(caller, "products", {"title": "Lamp"})
    ours = [w for w in writes.statements if "INSERT INTO objects" in w or "INSERT INTO events" in w]
    if db.dialect() == "postgres":
        (statement,) = ours
        assert statement.startswith("WITH changed AS (INSERT INTO objects") and "INSERT INTO events" in statement
    else:  # SQLite has no data-modifying CTEs: two statements, no round trips to save
        assert len(ours) == 2
    (event,) = await new_rows(tenant.tenant_id, seen)
    assert (event["object_id"], event["data"]) == (created.id, shown(created))


async def test_a_duplicate_unique_value_fails_the_combined_statement_and_writes_no_event(tenant: TenantHandle) -> None:
    caller = principal_of(tenant)
    await make_type(tenant, "codes", [{"name": "code", "data_type": "string", "is_unique": True}])
    async with db.transaction():
        await create_object(caller, "codes", {"code": "A-1"})
    seen = len(await event_rows(tenant.tenant_id))
    with pytest.raises(DuplicateValue):
        async with db.transaction():
            await create_object(caller, "codes", {"code": "A-1"})
    assert await new_rows(tenant.tenant_id, seen) == []


async def test_a_transaction_that_fails_after_the_change_leaves_neither_the_change_nor_its_event(
    tenant: TenantHandle,
) -> None:
    caller = principal_of(tenant)
    await make_type(tenant, "products", PRODUCT_PROPERTIES)
    seen = len(await event_rows(tenant.tenant_id))
    created: list[ObjectRecord] = []

    with pytest.raises(RuntimeError, match="after the change"):
        async with db.transaction():
            created.append(await create_object(caller, "products", {"title": "Ghost"}))
            assert len(await new_rows(tenant.tenant_id, seen)) == 1  # written, inside the transaction
            raise RuntimeError("fails after the change")

    with pytest.raises(NotFound):
        await get_object(caller, "products", created[0].id)
    assert await new_rows(tenant.tenant_id, seen) == []


# --- on_commit -----------------------------------------------------------------------------


async def test_on_commit_callbacks_run_once_after_the_outer_transaction_commits() -> None:
    calls: list[str] = []

    def note() -> None:
        calls.append("note")

    async with db.transaction():
        db.on_commit(note)
        db.on_commit(note)  # the same callback twice runs once
        async with db.transaction():
            db.on_commit(lambda: calls.append("inner"))
        assert calls == []  # not even when the nested transaction ends
    assert calls == ["note", "inner"]


async def test_on_commit_callbacks_never_run_when_the_transaction_rolls_back() -> None:
    calls: list[str] = []
    with pytest.raises(ValueError):
        async with db.transaction():
            db.on_commit(lambda: calls.append("committed"))
            raise ValueError("roll back")
    assert calls == []

    db.on_commit(lambda: calls.append("outside"))  # no transaction: at once
    assert calls == ["outside"]


# --- the relay -----------------------------------------------------------------------------


async def test_the_relay_numbers_each_tenants_events_from_one_in_insertion_order(relay: Relay) -> None:
    first, second = await make_tenant("Seq A"), await make_tenant("Seq B")
    type_a = await make_type(first, "notes", [{"name": "n", "data_type": "integer"}])
    type_b = await make_type(second, "notes", [{"name": "n", "data_type": "integer"}])
    for round_ in range(2):  # a second batch continues where the first stopped
        async with db.transaction():
            for n in range(3):
                await create_object(principal_of(first), type_a, {"n": n})
                await create_object(principal_of(second), type_b, {"n": n})
            await create_object(principal_of(first), type_a, {"n": 99})
        await drain(relay, first.tenant_id, second.tenant_id)

    for handle, objects in ((first, 8), (second, 6)):
        rows = await event_rows(handle.tenant_id)
        assert len(rows) == 2 + objects  # the type, its property, then the objects
        assert [r["seq"] for r in rows] == list(range(1, len(rows) + 1))
        assert all(r["published_at"] is not None for r in rows)
        assert [e.seq for e in await repository.after(handle.tenant_id, 0)] == list(range(1, len(rows) + 1))
    assert await repository.last_seqs([first.tenant_id, second.tenant_id]) == {first.tenant_id: 10, second.tenant_id: 8}


async def test_reading_the_log_up_to_a_seq_returns_exactly_that_range(tenant: TenantHandle, relay: Relay) -> None:
    for n in range(5):
        await service.track(principal_of(tenant), "tick", {"n": n})
    await drain(relay, tenant.tenant_id)
    assert [e.seq for e in await repository.after(tenant.tenant_id, 1)] == [2, 3, 4, 5]
    assert [e.seq for e in await repository.after(tenant.tenant_id, 1, limit=2)] == [2, 3]
    assert [e.seq for e in await repository.after(tenant.tenant_id, 1, up_to=3)] == [2, 3]


async def test_an_event_without_a_seq_is_invisible_to_readers_of_the_log(tenant: TenantHandle, relay: Relay) -> None:
    caller = principal_of(tenant)
    async with db.transaction():
        await service.track(caller, "signup.done", {"plan": "pro"})
        rows = await event_rows(tenant.tenant_id)  # inside the transaction: no relay can see it yet
        assert [r["seq"] for r in rows] == [None]
        assert await repository.after(tenant.tenant_id, 0) == []

    await drain(relay, tenant.tenant_id)
    (event,) = await repository.after(tenant.tenant_id, 0)
    assert (event.seq, event.type, event.data, event.custom) == (1, "signup.done", {"plan": "pro"}, True)


async def test_the_relay_publishes_each_event_it_numbers_after_its_transaction_committed(
    tenant: TenantHandle, broadcast: RecordingBroadcast, relay: Relay
) -> None:
    # A live server of the session may number an event first; then the relay under test has
    # nothing to publish, so this records new events until it numbered some of this tenant's.
    caller = principal_of(tenant)
    numbered = 0
    deadline = time.monotonic() + 10
    while not any(e.tenant_id == tenant.tenant_id for e in broadcast.published):
        assert time.monotonic() < deadline, "the relay under test never numbered an event"
        async with db.transaction():
            for n in range(3):
                await service.track(caller, "page.viewed", {"n": n})
        numbered += await relay.run_once()

    assert len(broadcast.published) == numbered  # every event it numbered, once
    assert all(broadcast.outside_transaction) and all(broadcast.visible_elsewhere)
    keys = [(e.tenant_id, e.seq) for e in broadcast.published]
    assert len(set(keys)) == len(keys)
    mine = [e for e in broadcast.published if e.tenant_id == tenant.tenant_id]
    logged = {e.seq: e for e in await repository.after(tenant.tenant_id, 0)}
    assert all(logged[e.seq] == e for e in mine)  # the message is the logged event
    assert [e.seq for e in mine] == sorted(e.seq for e in mine)
    assert {e.type for e in mine} == {"page.viewed"}


@pytest.mark.postgres_only
async def test_relays_running_at_once_never_repeat_or_skip_a_seq(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(relay_module, "BATCH", 7)  # many small passes, so the relays overlap
    broadcasts = [RecordingBroadcast() for _ in range(3)]
    relays = [Relay(b) for b in broadcasts]

    async def until_idle(one: Relay) -> int:
        total = 0
        while (count := await one.run_once()) > 0:
            total += count
        return total

    tenants: list[TenantHandle] = []
    overlapped = 0
    try:
        # Several rounds: a race shows up in some, and a live server of the session, which polls
        # the log too, may take a whole round before these relays start.
        for round_ in range(4):
            batch = [await make_tenant(f"Race {round_}.{i}") for i in range(3)]
            tenants += batch
            async with db.transaction():  # visible all at once, just before the relays start
                for handle in batch:
                    for n in range(40):
                        await service.track(principal_of(handle), "race.tick", {"n": n})
            counts = await asyncio.gather(*(until_idle(r) for r in relays))
            overlapped += sum(1 for c in counts if c > 0) >= 2
        await drain(relays[0], *(t.tenant_id for t in tenants))
    finally:
        for one in relays:
            one.close()

    assert overlapped  # in some round, two relays or more really numbered side by side
    for handle in tenants:
        assert sorted(r["seq"] for r in await event_rows(handle.tenant_id)) == list(range(1, 41))
    published = [(e.tenant_id, e.seq) for b in broadcasts for e in b.published]
    assert len(published) == len(set(published))
    assert all(all(b.outside_transaction) and all(b.visible_elsewhere) for b in broadcasts)


async def backends_waiting_for_a_lock() -> int:
    rows = await db.fetch(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    return int(rows[0]["n"])


@pytest.mark.postgres_only
async def test_an_object_created_before_it_is_updated_gets_the_lower_seq_even_when_a_relay_is_held_up(
    relay: Relay,
) -> None:
    """Relays take turns: while one is held up (here on a tenant's counter), another waits for it
    instead of numbering a later change of the same object first."""
    # Two tenants; `busy` sorts first, so a relay takes its counter before `shop`'s.
    busy, shop = sorted([await make_tenant("Busy"), await make_tenant("Shop")], key=lambda t: t.tenant_id)
    await service.track(principal_of(busy), "warm.up", {})  # gives `busy` a counter row
    await make_type(shop, "products", PRODUCT_PROPERTIES)
    await drain(relay, busy.tenant_id, shop.tenant_id)

    holding, release = asyncio.Event(), asyncio.Event()

    async def hold_busy_counter() -> None:
        async with db.transaction():
            sql = db.Sql("postgres")
            await db.fetch(
                f"SELECT last_seq FROM event_sequences WHERE tenant_id = {sql.param(busy.tenant_id)} FOR UPDATE", sql.params
            )
            holding.set()
            await release.wait()

    holder = asyncio.create_task(hold_busy_counter())
    held_up = Relay(RecordingBroadcast())
    passes: list[asyncio.Task[int]] = []
    try:
        await holding.wait()
        await service.track(principal_of(busy), "page.viewed", {})
        async with db.transaction():
            created = await create_object(principal_of(shop), "products", {"title": "Lamp"})
        passes.append(asyncio.create_task(held_up.run_once()))  # takes both events, waits for `busy`'s counter
        deadline = time.monotonic() + 10
        while await backends_waiting_for_a_lock() == 0:
            assert time.monotonic() < deadline and not passes[0].done(), "the relay never waited"
            await asyncio.sleep(0.01)

        async with db.transaction():  # committed after the create
            await update_object(principal_of(shop), "products", created.id, {"qty": 1})
        passes.append(asyncio.create_task(relay.run_once()))  # waits for its turn
        while await backends_waiting_for_a_lock() < 2:
            assert time.monotonic() < deadline and not passes[1].done(), "the second relay did not wait its turn"
            await asyncio.sleep(0.01)
        assert not [e for e in await repository.after(shop.tenant_id, 0) if e.type == "object.updated"]
    finally:
        release.set()
        await holder
        await asyncio.gather(*passes)
        held_up.close()
    await drain(relay, busy.tenant_id, shop.tenant_id)

    log = [e for e in await repository.after(shop.tenant_id, 0) if e.object_id == created.id]
    assert [e.type for e in log] == ["object.created", "object.updated"]


async def test_prune_deletes_numbered_events_past_the_retention_and_keeps_newer_ones(
    tenant: TenantHandle, relay: Relay
) -> None:
    caller = principal_of(tenant)
    for n in range(4):
        await service.track(caller, "visit", {"n": n})
    await drain(relay, tenant.tenant_id)
    rows = await event_rows(tenant.tenant_id)
    old_ids = [r["id"] for r in rows[:2]]
    sql = db.Sql(db.dialect())
    when = sql.param(datetime.now(timezone.utc) - timedelta(days=8))
    await db.execute(
        f"UPDATE events SET created_at = {when} WHERE id IN ({', '.join(sql.param(i) for i in old_ids)})", sql.params
    )

    await Relay(RecordingBroadcast(), retention_days=7).prune()

    assert [r["id"] for r in await event_rows(tenant.tenant_id)] == [r["id"] for r in rows[2:]]
    assert [e.data["n"] for e in await repository.after(tenant.tenant_id, 0)] == [2, 3]


async def test_prune_keeps_an_old_event_that_has_no_seq_yet(tenant: TenantHandle) -> None:
    # Inside one transaction, so no relay can number the event before prune runs.
    with pytest.raises(RuntimeError, match="undo"):
        async with db.transaction():
            await service.track(principal_of(tenant), "late", {})
            sql = db.Sql(db.dialect())
            old = sql.param(datetime.now(timezone.utc) - timedelta(days=30))
            await db.execute(f"UPDATE events SET created_at = {old} WHERE tenant_id = {sql.param(tenant.tenant_id)}", sql.params)
            await Relay(RecordingBroadcast(), retention_days=7).prune()
            assert [(r["type"], r["seq"]) for r in await event_rows(tenant.tenant_id)] == [("late", None)]
            raise RuntimeError("undo")


# --- custom events -------------------------------------------------------------------------


@pytest.mark.parametrize("event_type", ["9lives", "has space", "", "x" * 101, 42, None, "object.x", "property.renamed", "file.uploaded", "system.boot"])
async def test_track_refuses_an_event_type_that_is_malformed_or_reserved(tenant: TenantHandle, event_type: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        await service.track(principal_of(tenant), event_type, {})
    assert (refused.value.code, refused.value.status) == ("VALIDATION_ERROR", 400)
    assert await event_rows(tenant.tenant_id) == []


@pytest.mark.parametrize("data", [[1, 2], "text", 3])
async def test_track_refuses_data_that_is_not_an_object(tenant: TenantHandle, data: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        await service.track(principal_of(tenant), "ok", data)
    assert refused.value.code == "VALIDATION_ERROR"
    assert await event_rows(tenant.tenant_id) == []


async def test_track_refuses_data_over_64_kb_and_accepts_data_just_under(tenant: TenantHandle) -> None:
    caller = principal_of(tenant)
    with pytest.raises(PayloadTooLarge) as refused:
        await service.track(caller, "big", {"blob": "x" * (64 * 1024)})
    assert (refused.value.code, refused.value.status) == ("PAYLOAD_TOO_LARGE", 413)

    await service.track(caller, "big", {"blob": "x" * (64 * 1024 - 20)})
    await service.track(caller, "empty", None)
    rows = await event_rows(tenant.tenant_id)
    assert [(r["type"], r["custom"], r["actor"]) for r in rows] == [("big", True, tenant.key_id), ("empty", True, tenant.key_id)]
    assert rows[1]["data"] == {}


async def test_track_needs_the_write_scope(tenant: TenantHandle) -> None:
    with pytest.raises(InsufficientScope):
        await service.track(principal_of(tenant, frozenset({"read"})), "ok", {})
    assert await event_rows(tenant.tenant_id) == []


async def test_list_custom_pages_newest_first_with_the_total(tenant: TenantHandle, other_tenant: TenantHandle) -> None:
    caller = principal_of(tenant)
    await make_type(tenant, "things")  # a system event, which the list leaves out
    for name in ("first", "second", "third"):
        await service.track(caller, f"step.{name}", {"name": name})
    await service.track(principal_of(other_tenant), "step.elsewhere", {})

    page, total = await service.list_custom(caller, limit=2, offset=0)
    assert total == 3
    assert [e.type for e in page] == ["step.third", "step.second"]
    rest, total = await service.list_custom(caller, limit=2, offset=2)
    assert ([e.type for e in rest], total) == (["step.first"], 3)
    assert rest[0].data == {"name": "first"} and rest[0].custom and rest[0].actor == tenant.key_id
    assert (await service.list_custom(caller, limit=None, offset=None))[1] == 3


@pytest.mark.parametrize(("limit", "offset"), [(0, 0), (101, 0), (10, -1)])
async def test_list_custom_refuses_a_bad_limit_or_offset(tenant: TenantHandle, limit: int, offset: int) -> None:
    with pytest.raises(ValidationError):
        await service.list_custom(principal_of(tenant), limit=limit, offset=offset)


async def test_event_types_lists_system_types_then_the_tenants_own_custom_types(
    tenant: TenantHandle, other_tenant: TenantHandle
) -> None:
    caller = principal_of(tenant)
    assert await service.event_types(caller) == list(SYSTEM_EVENTS)
    for event_type in ("order.paid", "cart.emptied", "order.paid"):
        await service.track(caller, event_type, {})
    await service.track(principal_of(other_tenant), "secret.project", {})

    types = await service.event_types(caller)
    assert types == [*SYSTEM_EVENTS, "cart.emptied", "order.paid"]
    assert "object.created" in types and "secret.project" not in types


def test_the_numbering_function_takes_the_relay_lock_first() -> None:
    """The lock key lives in Python and, frozen, in the migration that made the function."""
    function = import_module("models.migrations.0023_relay_function").SEQUENCE_FUNCTION
    assert function.index(f"pg_advisory_xact_lock({repository.RELAY_LOCK})") < function.index("RETURN QUERY")
