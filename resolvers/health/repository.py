"""The readiness probe's one query."""

from __future__ import annotations

from tortoise import connections


async def ping() -> None:
    await connections.get("default").execute_query("SELECT 1")
