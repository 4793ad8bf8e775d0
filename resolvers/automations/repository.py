"""Automation rows: definitions (tenant-scoped), the event-log cursor, and runs claimed with a lease."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from tortoise.expressions import F, Q

from models.automations import Automation, AutomationCursor, AutomationRun
from resolvers import db
from resolvers.events import repository as events
from resolvers.scoping import scoped


async def automations_of(tenant_id: str) -> list[Automation]:
    return await scoped(Automation, tenant_id).order_by("created_at", "id")


async def automation(tenant_id: str, automation_id: str) -> Automation | None:
    return await scoped(Automation, tenant_id).get_or_none(id=automation_id)


async def count(tenant_id: str) -> int:
    return await scoped(Automation, tenant_id).count()


async def ensure_cursor(tenant_id: str) -> None:
    if await AutomationCursor.exists(tenant_id=tenant_id):
        return
    last = (await events.last_seqs([tenant_id]))[tenant_id]
    await AutomationCursor.get_or_create(tenant_id=tenant_id, defaults={"last_seq": last})


async def tenants_behind(limit: int) -> list[str]:
    rows = await db.fetch(
        "SELECT c.tenant_id FROM automation_cursors c JOIN event_sequences s ON s.tenant_id = c.tenant_id"
        f" WHERE s.last_seq > c.last_seq ORDER BY random() LIMIT {int(limit)}"  # random: no tenant starves behind others
    )
    return [r["tenant_id"] for r in rows]


async def lock_cursor(tenant_id: str) -> int | None:
    sql = db.Sql(db.dialect())
    lock = " FOR UPDATE SKIP LOCKED" if db.dialect() == "postgres" else ""
    rows = await db.fetch(f"SELECT last_seq FROM automation_cursors WHERE tenant_id = {sql.param(tenant_id)}{lock}", sql.params)
    return int(rows[0]["last_seq"]) if rows else None


async def advance_cursor(tenant_id: str, last_seq: int) -> None:
    await AutomationCursor.filter(tenant_id=tenant_id).update(last_seq=last_seq)


async def queue(runs: list[AutomationRun]) -> None:
    await AutomationRun.bulk_create(runs)


async def claim(worker_id: str, now: datetime, limit: int, lease_seconds: int) -> list[AutomationRun]:
    candidates = await AutomationRun.filter(_claimable(now)).order_by("created_at").limit(limit).values_list("id", flat=True)
    claimed: list[AutomationRun] = []
    for run_id in candidates:
        taken = await AutomationRun.filter(_claimable(now), id=run_id).update(
            status="running", claimed_by=worker_id, lease_until=now + timedelta(seconds=lease_seconds), attempts=F("attempts") + 1, started_at=now,
        )
        if taken == 1:
            claimed.append(await AutomationRun.get(id=run_id))
    return claimed


def _claimable(now: datetime) -> Q:
    return Q(status="pending") | (Q(status="running") & Q(lease_until__lt=now))


async def finish(run: AutomationRun, worker_id: str, **values: Any) -> bool:
    return await AutomationRun.filter(id=run.id, claimed_by=worker_id).update(
        claimed_by=None, lease_until=None, finished_at=datetime.now(timezone.utc), **values
    ) == 1


async def runs_page(tenant_id: str, automation_id: str, limit: int, offset: int) -> tuple[list[AutomationRun], int]:
    query = scoped(AutomationRun, tenant_id).filter(automation_id=automation_id)
    return await query.order_by("-created_at", "-id").offset(offset).limit(limit), await query.count()
