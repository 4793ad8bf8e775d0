"""Raw reads of one HTTP request share one pooled connection (`held_connection`), except inside
a transaction and when two reads run at once."""

from __future__ import annotations

import asyncio

import pytest
from tortoise.transactions import in_transaction

from resolvers import db
from tests.support import TenantHandle

pytestmark = pytest.mark.postgres_only

PID = "SELECT pg_backend_pid() AS pid"


async def backend() -> int:
    return int((await db.fetch(PID))[0]["pid"])


async def test_reads_in_one_request_share_a_connection() -> None:
    async with db.held_connection():
        first, second, third = await backend(), await backend(), await backend()

    assert first == second == third


async def test_reads_at_the_same_moment_do_not_wait_for_the_held_connection() -> None:
    async with db.held_connection():
        held = await backend()
        pids = await asyncio.gather(*(db.fetch("SELECT pg_backend_pid() AS pid, pg_sleep(0.05)") for _ in range(3)))

    assert len({int(rows[0]["pid"]) for rows in pids}) == 3  # one on the held connection, two from the pool
    assert held in {int(rows[0]["pid"]) for rows in pids}


async def test_a_transaction_reads_its_own_writes_not_through_the_held_connection(tenant: TenantHandle) -> None:
    name = "SELECT name FROM tenants WHERE id = $1"
    async with db.held_connection():
        outside = await backend()
        async with in_transaction():
            await db.execute("UPDATE tenants SET name = 'Renamed' WHERE id = $1", [tenant.tenant_id])
            uncommitted = (await db.fetch(name, [tenant.tenant_id]))[0]["name"]
            inside = await backend()

    assert uncommitted == "Renamed"  # only the transaction's own connection can see this yet
    assert inside != outside


async def test_the_request_transaction_runs_on_the_held_connection_and_rolls_back(tenant: TenantHandle) -> None:
    rename = "UPDATE tenants SET name = 'Renamed' WHERE id = $1"

    class Failed(Exception):
        """Ends the transaction with an error."""

    async with db.held_connection():
        held = await backend()
        with pytest.raises(Failed):
            async with db.transaction():
                await db.execute(rename, [tenant.tenant_id])
                inside = await backend()
                raise Failed
        after = await db.fetch("SELECT name FROM tenants WHERE id = $1", [tenant.tenant_id])
        async with db.transaction():
            await db.execute(rename, [tenant.tenant_id])
        committed = await db.fetch("SELECT name FROM tenants WHERE id = $1", [tenant.tenant_id])

    assert inside == held
    assert after[0]["name"] != "Renamed" and committed[0]["name"] == "Renamed"


async def test_the_connection_is_kept_for_the_next_request_and_given_back_at_shutdown() -> None:
    await backend()  # the pool exists from the first query on
    pool = db.connection()._pool  # type: ignore[attr-defined]
    await db.release_spares()
    taken_before = pool.get_size() - pool.get_idle_size()
    async with db.held_connection():
        first = await backend()
    async with db.held_connection():
        second = await backend()
    kept = pool.get_size() - pool.get_idle_size()
    await db.release_spares()
    after = pool.get_size() - pool.get_idle_size()

    assert first == second  # the same connection, without a trip through the pool
    assert kept == taken_before + 1 and after == taken_before
    assert db.holding_slots(pool)._value == pool.get_max_size() // 2  # kept, yet no slot taken


async def test_a_connection_left_in_a_transaction_or_closed_is_not_kept() -> None:
    await backend()  # the pool exists from the first query on
    pool = db.connection()._pool  # type: ignore[attr-defined]
    await db.release_spares()
    async with db.held_connection():
        await backend()
        await db._held.get()._connection.execute("BEGIN")  # type: ignore[union-attr]  # as if a request ended inside one
    kept_after_transaction = list(db._spares_of(pool))
    async with db.held_connection():
        terminated = await backend()
        open_transaction = db._held.get()._connection.is_in_transaction()  # type: ignore[union-attr]  # as the server last said
        db._held.get()._connection.terminate()  # type: ignore[union-attr]
    kept_after_close = list(db._spares_of(pool))
    async with db.held_connection():
        replacement = await backend()

    assert kept_after_transaction == [] and kept_after_close == []  # both went back to the pool
    assert open_transaction is False  # the pool rolled the first one back
    assert replacement != terminated
    await db.release_spares()
    assert pool.get_size() - pool.get_idle_size() == 0


async def test_many_requests_holding_connections_and_needing_one_more_never_stall(tenant: TenantHandle) -> None:
    """Three times the pool's size of requests, each holding a connection then needing a second
    (an ORM query, a transaction): holding never takes the pool's last connection."""
    from models.tenants import Tenant
    from schema.extensions import mutation_transaction

    pool = db.connection()._pool  # type: ignore[attr-defined]
    pool_size = pool.get_max_size()

    async def request(index: int) -> int:
        async with db.held_connection():
            await backend()
            await asyncio.sleep(0.01)  # every request holds before any asks for more
            if index % 2:
                async with mutation_transaction(lambda: False):
                    await db.execute("UPDATE tenants SET name = name WHERE id = $1", [tenant.tenant_id])
                    await Tenant.filter(id=tenant.tenant_id).count()
            return await Tenant.filter(id=tenant.tenant_id).count()

    results = await asyncio.wait_for(asyncio.gather(*(request(i) for i in range(3 * pool_size))), timeout=20)

    assert results == [1] * (3 * pool_size)
    assert db.holding_slots(pool)._value == pool_size // 2  # every slot given back
