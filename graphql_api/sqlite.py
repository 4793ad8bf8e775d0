"""The embedded SQLite engine: Tortoise's SQLite client plus the SQL functions our queries call,
and write transactions that wait for the write lock instead of failing.

Named as `engine` in the Tortoise config (see `graphql_api.db`), so server, CLI, migrations and
tests all open SQLite through it and every connection has the functions.
"""

from __future__ import annotations

import sqlite3

from tortoise.backends.base.client import TransactionContext
from tortoise.backends.sqlite.client import SqliteClient, SqliteTransactionContext, SqliteTransactionWrapper
from tortoise.exceptions import TransactionManagementError

from resolvers.properties.decimal_key import AGGREGATE_CLASSES, SQL_FUNCTION, UNICODE_LOWER, decimal_key, unicode_lower

MINIMUM_VERSION = (3, 38, 0)  # the JSON `->` operator, which keeps a number's digits


class ImmediateTransaction(SqliteTransactionWrapper):
    """`BEGIN IMMEDIATE`: the write lock is taken (waiting up to busy_timeout) when the transaction
    starts. A deferred BEGIN that reads first and writes later fails at once with "database is
    locked" when another process wrote in between, whatever the busy timeout."""

    async def begin(self) -> None:
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc


class BasaltSqliteClient(SqliteClient):
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
        return SqliteTransactionContext(ImmediateTransaction(self), self._lock)


client_class = BasaltSqliteClient
