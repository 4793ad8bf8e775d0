"""The embedded SQLite engine: its SQL functions, and write transactions that wait for another
process's write lock instead of failing."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time

import pytest

from graphql_api.settings import Settings
from graphql_api.sqlite import BasaltSqliteClient
from resolvers import db
from resolvers.errors import ServiceUnavailable
from tests.conftest import ON_POSTGRES
from tests.support import Api, TenantHandle

pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="the SQLite engine only")


def database_file(settings: Settings) -> str:
    return settings.database_url[len("sqlite://") :]


async def test_a_transaction_that_reads_then_writes_waits_for_another_writer(settings: Settings) -> None:
    """Another connection (as another process would) holds the write lock for a moment."""
    locked, done = threading.Event(), threading.Event()

    def other_process() -> None:
        other = sqlite3.connect(database_file(settings), isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE tenants SET schema_version = schema_version WHERE 1 = 0")
        locked.set()
        time.sleep(0.4)
        other.execute("COMMIT")
        other.close()
        done.set()

    thread = threading.Thread(target=other_process)
    thread.start()
    await asyncio.to_thread(locked.wait)
    async with db.transaction():
        await db.fetch("SELECT count(*) AS n FROM tenants")
        await db.execute("UPDATE tenants SET schema_version = schema_version WHERE 1 = 0")
    assert done.is_set()  # it could only write after the other writer committed
    thread.join()


async def test_the_sql_functions_exist_on_every_connection() -> None:
    rows = await db.fetch("SELECT basalt_decimal('1.50') AS d, basalt_lower('ÉTÉ') AS l")
    assert rows == [{"d": "2" + "5000" + "15", "l": "été"}]  # positive, exponent 0 (biased), digits 1 5


async def test_a_transaction_that_times_out_waiting_for_the_write_lock_leaves_the_connection_usable(settings: Settings) -> None:
    """When another process holds the write lock past the busy timeout, BEGIN fails: that
    transaction is a 503 (the database is busy), and the next query of this process runs (it
    used to wait forever for the connection lock the failed BEGIN kept)."""
    client = BasaltSqliteClient(file_path=database_file(settings), connection_name="lock_probe", busy_timeout=50)
    await client.create_connection(with_db=True)
    other = sqlite3.connect(database_file(settings), isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(ServiceUnavailable) as busy:
            async with client._in_transaction():
                raise AssertionError("BEGIN went through while another connection held the write lock")
        assert busy.value.status == 503 and "busy" in busy.value.message
        assert not client._lock.locked()
        other.execute("COMMIT")
        async with client._in_transaction() as transaction:
            await transaction.execute_query("UPDATE tenants SET schema_version = schema_version WHERE 1 = 0")
        assert await asyncio.wait_for(client.execute_query_dict("SELECT 1 AS one"), 5) == [{"one": 1}]
    finally:
        other.close()
        await client.close()


async def test_a_transaction_cancelled_while_waiting_for_the_write_lock_leaves_the_connection_usable(settings: Settings) -> None:
    client = BasaltSqliteClient(file_path=database_file(settings), connection_name="lock_probe", busy_timeout=2000)
    await client.create_connection(with_db=True)
    other = sqlite3.connect(database_file(settings), isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")

        async def write() -> None:
            async with client._in_transaction() as transaction:
                await transaction.execute_query("UPDATE tenants SET schema_version = schema_version WHERE 1 = 0")

        waiting = asyncio.ensure_future(write())
        await asyncio.sleep(0.2)  # BEGIN IMMEDIATE is waiting on the other connection's lock
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        other.execute("COMMIT")
        assert await asyncio.wait_for(client.execute_query_dict("SELECT 1 AS one"), 5) == [{"one": 1}]
        assert not client._connection.in_transaction  # nothing left open to hold the write lock
    finally:
        other.close()
        await client.close()


async def test_a_write_that_waits_out_the_busy_timeout_answers_503_in_the_envelope(
    settings: Settings, api: Api, tenant: TenantHandle
) -> None:
    """Another process keeps the write lock for longer than the server's busy timeout (5 s)."""
    other = sqlite3.connect(database_file(settings), isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        response = await api.rest("POST", "/v1/object-types", tenant.token, json={"name": "leads"})
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert response.status_code == 503
    body = response.json()
    assert body["success"] is False and body["request_id"]
    assert body["error"]["code"] == "SERVICE_UNAVAILABLE" and "busy" in body["error"]["message"]
    assert (await api.rest("POST", "/v1/object-types", tenant.token, json={"name": "leads"})).status_code == 201
