"""Consumers of the event log that must see each committed event once (webhook fan-out,
automation matching): one cursor row per tenant and consumer. A pass takes a tenant that is
behind, holds its cursor row's lock (`FOR UPDATE SKIP LOCKED` on PostgreSQL: another process
takes another tenant; SQLite's write transaction excludes other writers), hands the next batch of
events to the consumer and advances the cursor, all in one transaction: whatever process dies
when, each event is consumed exactly once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from tortoise.models import Model

from resolvers import db
from resolvers.events import repository as events
from resolvers.events.schemas import EventRecord

Consume = Callable[[str, list[EventRecord]], Awaitable[None]]  # (tenant id, events in seq order)


class EventCursor:
    def __init__(self, model: type[Model]) -> None:
        self.model = model
        self.table = db.safe_name(model._meta.db_table)

    async def ensure(self, tenant_id: str) -> None:
        """Start the tenant at its newest event: the consumer gets what happens from now on."""
        if await self.model.exists(tenant_id=tenant_id):
            return
        last = (await events.last_seqs([tenant_id]))[tenant_id]
        await self.model.get_or_create(tenant_id=tenant_id, defaults={"last_seq": last})

    async def consume(self, handle: Consume, *, tenants: int, batch: int) -> int:
        """One pass over up to `tenants` lagging tenants; how many events were consumed."""
        read = 0
        for tenant_id in await self._behind(tenants):
            async with db.transaction():
                cursor = await self._lock(tenant_id)
                if cursor is None:
                    continue  # another process has this tenant
                page = await events.after(tenant_id, cursor, limit=batch)
                if not page:
                    continue
                await handle(tenant_id, page)
                await self.model.filter(tenant_id=tenant_id).update(last_seq=page[-1].seq)
                read += len(page)
        return read

    async def _behind(self, limit: int) -> list[str]:
        rows = await db.fetch(
            f"SELECT c.tenant_id FROM {self.table} c JOIN event_sequences s ON s.tenant_id = c.tenant_id"
            f" WHERE s.last_seq > c.last_seq ORDER BY random() LIMIT {int(limit)}"  # random: no tenant starves behind others
        )
        return [r["tenant_id"] for r in rows]

    async def _lock(self, tenant_id: str) -> int | None:
        sql = db.Sql(db.dialect())
        lock = " FOR UPDATE SKIP LOCKED" if sql.dialect == "postgres" else ""
        rows = await db.fetch(f"SELECT last_seq FROM {self.table} WHERE tenant_id = {sql.param(tenant_id)}{lock}", sql.params)
        return int(rows[0]["last_seq"]) if rows else None
