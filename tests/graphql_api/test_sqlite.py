"""The embedded SQLite engine: its SQL functions, and write transactions that wait for another
process's write lock instead of failing."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time

import pytest

from graphql_api.settings import Settings
from resolvers import db
from tests.conftest import ON_POSTGRES

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
