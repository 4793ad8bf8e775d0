"""Automation rows: definitions (tenant-scoped), the event-log cursor, and runs claimed with a lease."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from tortoise.expressions import F, Q

from models.automations import Automation, AutomationCursor, AutomationRun
from resolvers.events.cursors import EventCursor
from resolvers.scoping import scoped


async def automations_of(tenant_id: str) -> list[Automation]:
    return await scoped(Automation, tenant_id).order_by("created_at", "id")


async def automation(tenant_id: str, automation_id: str) -> Automation | None:
    return await scoped(Automation, tenant_id).get_or_none(id=automation_id)


async def count(tenant_id: str) -> int:
    return await scoped(Automation, tenant_id).count()


CURSOR = EventCursor(AutomationCursor)


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
