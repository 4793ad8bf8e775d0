"""The embedded SQLite engine: Tortoise's SQLite client plus the SQL functions our queries call,
and write transactions that wait for the write lock instead of failing; a write that waited out
the busy timeout answers 503.

Named as `engine` in the Tortoise config (see `graphql_api.db`), so server, CLI, migrations and
tests all open SQLite through it and every connection has the functions.
"""

from __future__ import annotations

import contextlib
import functools
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from tortoise.backends.base.client import TransactionalDBClient, TransactionContext
from tortoise.backends.sqlite.client import SqliteClient, SqliteTransactionContext, SqliteTransactionWrapper
from tortoise.connection import get_connections
from tortoise.exceptions import OperationalError, TransactionManagementError

from resolvers.errors import ServiceUnavailable
from resolvers.properties.decimal_key import AGGREGATE_CLASSES, SQL_FUNCTION, UNICODE_LOWER, decimal_key, unicode_lower

MINIMUM_VERSION = (3, 38, 0)  # the JSON `->` operator, which keeps a number's digits
BUSY_MESSAGE = "The database is busy with another process's write; try again"
Result = TypeVar("Result")


def _is_busy(error: object) -> bool:
    """SQLITE_BUSY: another connection held the write lock for longer than the busy timeout."""
    return getattr(error, "sqlite_errorname", None) == "SQLITE_BUSY"


def _busy_is_unavailable(method: Callable[..., Awaitable[Result]]) -> Callable[..., Awaitable[Result]]:
    """A statement that waited out the busy timeout answers 503, not an internal error."""

    @functools.wraps(method)
    async def run(self: Any, *args: Any) -> Result:
        try:
            return await method(self, *args)
        except OperationalError as exc:
            if exc.args and _is_busy(exc.args[0]):
                raise ServiceUnavailable(BUSY_MESSAGE) from exc
            raise

    return run


class ImmediateTransaction(SqliteTransactionWrapper):
    """`BEGIN IMMEDIATE`: the write lock is taken (waiting up to busy_timeout) when the transaction
    starts. A deferred BEGIN that reads first and writes later fails at once with "database is
    locked" when another process wrote in between, whatever the busy timeout."""

    async def begin(self) -> None:
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if _is_busy(exc):
                raise ServiceUnavailable(BUSY_MESSAGE) from exc
            raise TransactionManagementError(exc) from exc


class ImmediateTransactionContext(SqliteTransactionContext):
    """Tortoise's context, except that a BEGIN that fails or is cancelled gives the connection back.

    SQLite has one connection per process, guarded by one lock that a transaction holds from
    entry to exit. Tortoise's `__aenter__` takes the lock and does not release it when BEGIN
    raises, and BEGIN IMMEDIATE raises whenever another process held the write lock for longer
    than the busy timeout: every later query of the process would then wait for the lock forever.
    """

    async def __aenter__(self) -> TransactionalDBClient:
        await self._trxlock.acquire()
        try:
            await self.ensure_connection()
            self.token = get_connections().set(self.connection_name, self.connection)
        except BaseException:
            self._trxlock.release()
            raise
        try:
            await self.connection.begin()
        except BaseException:
            try:
                with contextlib.suppress(Exception):  # ends a BEGIN that went through after a cancel
                    await self.connection._connection.rollback()
            finally:
                get_connections().reset(self.token)
                self._trxlock.release()
            raise
        return self.connection


class BasaltSqliteClient(SqliteClient):
    # statements outside a transaction (inside one, this process holds the write lock already)
    execute_insert = _busy_is_unavailable(SqliteClient.execute_insert)
    execute_many = _busy_is_unavailable(SqliteClient.execute_many)
    execute_query = _busy_is_unavailable(SqliteClient.execute_query)
    execute_query_dict = _busy_is_unavailable(SqliteClient.execute_query_dict)

    async def create_connection(self, with_db: bool) -> None:
        if sqlite3.sqlite_version_info < MINIMUM_VERSION:
            raise RuntimeError(f"Basalt needs SQLite {'.'.join(map(str, MINIMUM_VERSION))} or newer, found {sqlite3.sqlite_version}")
        fresh = self._connection is None
        await super().create_connection(with_db)
        if fresh and self._connection is not None:
            await self._connection.create_function(SQL_FUNCTION, 1, decimal_key, deterministic=True)
            await self._connection.create_function(UNICODE_LOWER, 1, unicode_lower, deterministic=True)
            for name, aggregate in AGGREGATE_CLASSES.items():  # aiosqlite wraps create_function only: the same call, on its thread
                await self._connection._execute(self._connection._conn.create_aggregate, name, 1, aggregate)

    def _in_transaction(self) -> TransactionContext:
        return ImmediateTransactionContext(ImmediateTransaction(self), self._lock)


client_class = BasaltSqliteClient
