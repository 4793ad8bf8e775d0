"""The PostgreSQL engine: Tortoise's asyncpg client, with a transaction context that gives its
pooled connection back when BEGIN fails.

Named as `engine` in the Tortoise config (see `graphql_api.db`). Tortoise's pooled context takes
a connection from the pool and returns it on exit only, so a BEGIN that raises (the server went
away, or the task was cancelled while BEGIN was in flight) kept the connection for good: after
as many such failures as the pool has connections, every query of the process waited forever.
"""

from __future__ import annotations

from tortoise.backends.asyncpg.client import AsyncpgDBClient, TransactionWrapper
from tortoise.backends.base.client import TransactionalDBClient, TransactionContext, TransactionContextPooled
from tortoise.connection import get_connections


class ReleasingTransactionContext(TransactionContextPooled):
    async def __aenter__(self) -> TransactionalDBClient:
        await self.ensure_connection()
        pool = self.client._parent._pool
        self.client._connection = await pool.acquire()
        self.token = get_connections().set(self.connection_name, self.client)
        try:
            await self.client.begin()
        except BaseException:
            get_connections().reset(self.token)
            await pool.release(self.client._connection)  # asyncpg resets (rolls back) what it gets back
            raise
        return self.client


class BasaltAsyncpgClient(AsyncpgDBClient):
    def _in_transaction(self) -> TransactionContext:
        return ReleasingTransactionContext(TransactionWrapper(self), self._pool_init_lock)


client_class = BasaltAsyncpgClient
