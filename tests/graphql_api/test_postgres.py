"""The PostgreSQL engine: a transaction whose BEGIN fails gives its pooled connection back."""

from __future__ import annotations

import asyncio

import pytest
from tortoise.backends.asyncpg.client import TransactionWrapper
from tortoise.transactions import in_transaction

from graphql_api.settings import Settings
from resolvers import db

pytestmark = pytest.mark.postgres_only


async def test_failed_begins_do_not_use_up_the_pool(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """More failed BEGINs than the pool has connections, then a transaction that commits: with
    Tortoise's own context every failure kept a connection, and this one waited forever."""
    real_begin = TransactionWrapper.begin

    async def begin_fails(self: TransactionWrapper) -> None:
        raise ConnectionResetError("the server went away during BEGIN")

    monkeypatch.setattr(TransactionWrapper, "begin", begin_fails)
    for _ in range(settings.database_pool_size + 1):
        with pytest.raises(ConnectionResetError):
            async with in_transaction():
                raise AssertionError("the failing BEGIN went through")
        assert not isinstance(db.connection(), TransactionWrapper)  # the context is restored too
    monkeypatch.setattr(TransactionWrapper, "begin", real_begin)

    async def commits() -> list[dict[str, object]]:
        async with in_transaction():
            return await db.fetch("SELECT 1 AS one")

    assert await asyncio.wait_for(commits(), 10) == [{"one": 1}]
