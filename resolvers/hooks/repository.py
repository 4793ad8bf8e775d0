"""Runtime hook rows: tenant-scoped reads, and the statistics each run adds (written outside the
request's transaction, so a rejected write still counts its hook's run)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from tortoise.expressions import F, Q

from models.hooks import ExtensionCursor, ExtensionRun, RuntimeHook
from resolvers import db
from resolvers.events.cursors import EventCursor
from resolvers.scoping import scoped

CURSOR = EventCursor(ExtensionCursor)
RUNS_KEPT_DAYS = 7


async def hooks_page(tenant_id: str, *, status: str | None, event: str | None, type_: str | None, limit: int, offset: int) -> tuple[list[RuntimeHook], int]:
    query = scoped(RuntimeHook, tenant_id)
    if status:
        query = query.filter(status=status)
    if event:
        query = query.filter(event=event)
    if type_:
        query = query.filter(type=type_)
    return await query.order_by("sort", "created_at", "id").offset(offset).limit(limit), await query.count()


async def hook(tenant_id: str, hook_id: str) -> RuntimeHook | None:
    return await scoped(RuntimeHook, tenant_id).get_or_none(id=hook_id)


async def count(tenant_id: str) -> int:
    return await scoped(RuntimeHook, tenant_id).count()


async def active_hooks(tenant_id: str, *, type_: str | None = None) -> list[RuntimeHook]:
    query = scoped(RuntimeHook, tenant_id).filter(status="active")
    if type_:
        query = query.filter(type=type_)
    return await query.order_by("sort", "created_at", "id")


@dataclass
class RunTally:
    """Successful runs of one hook that this process has not written yet (see Emitter.count_success)."""

    tenant_id: str
    runs: int = 0
    total_ms: float = 0.0
    last_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    def add(self, duration_ms: float) -> None:
        self.runs += 1
        self.total_ms += duration_ms
        self.last_at = datetime.now(timezone.utc)


async def record_successes(hook_id: str, tally: RunTally) -> None:
    """Add a batch of successful runs: they end any failure streak."""
    async with db.transaction():
        await _add_runs(tally.tenant_id, hook_id, tally.runs, tally.total_ms, {"last_executed_at": tally.last_at, "failure_streak": 0})


async def record_failure(tenant_id: str, hook_id: str, duration_ms: float, *, error: str, max_failures: int) -> bool:
    """Add one failed run; True when it put the hook into `error` (`max_failures` in a row)."""
    now = datetime.now(timezone.utc)
    values = {"last_executed_at": now, "failure_streak": F("failure_streak") + 1, "last_error": error[:4000], "last_error_at": now}
    async with db.transaction():
        await _add_runs(tenant_id, hook_id, 1, duration_ms, values)
        return await scoped(RuntimeHook, tenant_id).filter(id=hook_id, status="active", failure_streak__gte=max_failures).update(status="error") == 1


async def _add_runs(tenant_id: str, hook_id: str, runs: int, total_ms: float, values: dict[str, Any]) -> None:
    sql = db.Sql(db.dialect())
    average = (
        f"UPDATE runtime_hooks SET avg_execution_time_ms = (avg_execution_time_ms * execution_count + {sql.param(float(total_ms))})"
        f" / (execution_count + {sql.param(runs)}) WHERE tenant_id = {sql.param(tenant_id)} AND id = {sql.param(hook_id)}"
    )
    await db.execute(average, sql.params)  # before the count moves: the mean over count + runs
    await scoped(RuntimeHook, tenant_id).filter(id=hook_id).update(execution_count=F("execution_count") + runs, **values)


# --- after-commit runs ------------------------------------------------------------------------


async def ensure_cursors(*, at_newest: bool) -> int:
    """Give every tenant with events an extension cursor (file-based action handlers serve all
    tenants): at its newest event when the worker starts (history is not replayed), at its first
    for tenants that appear later (everything they did is new)."""
    start = "s.last_seq" if at_newest else "0"
    return await db.execute(
        f"INSERT INTO extension_cursors (tenant_id, last_seq) SELECT s.tenant_id, {start} FROM event_sequences s"
        " WHERE NOT EXISTS (SELECT 1 FROM extension_cursors c WHERE c.tenant_id = s.tenant_id) ON CONFLICT (tenant_id) DO NOTHING"
    )


async def queue(runs: list[ExtensionRun]) -> None:
    if runs:
        await ExtensionRun.bulk_create(runs)


async def claim(worker_id: str, now: datetime, limit: int, lease_seconds: int) -> list[ExtensionRun]:
    candidates = await ExtensionRun.filter(_claimable(now)).order_by("created_at").limit(limit).values_list("id", flat=True)
    claimed: list[ExtensionRun] = []
    for run_id in candidates:
        taken = await ExtensionRun.filter(_claimable(now), id=run_id).update(
            status="running", claimed_by=worker_id, lease_until=now + timedelta(seconds=lease_seconds), attempts=F("attempts") + 1,
        )
        if taken == 1:
            claimed.append(await ExtensionRun.get(id=run_id))
    return claimed


def _claimable(now: datetime) -> Q:
    return Q(status="pending") | (Q(status="running") & Q(lease_until__lt=now))


async def finish(run: ExtensionRun, worker_id: str, *, status: str, error: str | None = None) -> None:
    await ExtensionRun.filter(id=run.id, claimed_by=worker_id).update(
        status=status, error=error, claimed_by=None, lease_until=None, finished_at=datetime.now(timezone.utc)
    )


async def prune_runs(now: datetime) -> None:
    """Housekeeping: finished runs are bookkeeping (the hook keeps its statistics and last
    error, functions their logs); a week of them is kept for debugging."""
    await ExtensionRun.filter(status__in=("succeeded", "failed", "skipped"), finished_at__lt=now - timedelta(days=RUNS_KEPT_DAYS)).delete()
