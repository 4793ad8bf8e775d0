"""The embedded SQLite engine: Tortoise's SQLite client plus the SQL functions our queries call.

Named as `engine` in the Tortoise config (see `graphql_api.db`), so server, CLI, migrations and
tests all open SQLite through it and every connection has the functions.
"""

from __future__ import annotations

import sqlite3

from tortoise.backends.sqlite.client import SqliteClient

from resolvers.properties.decimal_key import SQL_FUNCTION, UNICODE_LOWER, decimal_key, unicode_lower

MINIMUM_VERSION = (3, 38, 0)  # the JSON `->` operator, which keeps a number's digits


class BasaltSqliteClient(SqliteClient):
    async def create_connection(self, with_db: bool) -> None:
        if sqlite3.sqlite_version_info < MINIMUM_VERSION:
            raise RuntimeError(f"Basalt needs SQLite {'.'.join(map(str, MINIMUM_VERSION))} or newer, found {sqlite3.sqlite_version}")
        fresh = self._connection is None
        await super().create_connection(with_db)
        if fresh and self._connection is not None:
            await self._connection.create_function(SQL_FUNCTION, 1, decimal_key, deterministic=True)
            await self._connection.create_function(UNICODE_LOWER, 1, unicode_lower, deterministic=True)


client_class = BasaltSqliteClient
