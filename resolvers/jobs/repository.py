"""Job rows: schedule occurrences (a conditional UPDATE of next_run_at, then a unique run row),
claim due runs with a lease, settle them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q

from models.jobs import JobRun, ScheduledJob
from resolvers import db
from resolvers.ids import new_id
from resolvers.scoping import scoped


async def due_jobs(now: datetime, limit: int) -> list[ScheduledJob]:
    return await ScheduledJob.filter(enabled=True, next_run_at__lte=now).order_by("next_run_at").limit(limit)


async def claim_occurrence(job: ScheduledJob, occurrence: datetime, following: datetime | None) -> bool:
    """Move the job's next_run_at from `occurrence` to `following` and write the occurrence's run,
    both or neither: only one process wins an occurrence."""
    async with db.transaction():
        moved = await ScheduledJob.filter(id=job.id, next_run_at=occurrence).update(next_run_at=following)
        if moved != 1:
            return False
        try:
            await JobRun.create(
                id=new_id("jrun"), tenant_id=job.tenant_id, job_id=job.id, trigger="schedule", scheduled_for=occurrence,
                due_at=occurrence, created_at=_now(),
            )
        except IntegrityError as exc:
            if db.is_unique_violation(exc):
                return False
            raise
    return True


async def skip_to(job: ScheduledJob, occurrence: datetime, following: datetime | None) -> None:
    await ScheduledJob.filter(id=job.id, next_run_at=occurrence).update(next_run_at=following)


async def claim_runs(worker_id: str, now: datetime, limit: int, lease_seconds: int) -> list[JobRun]:
    candidates = await JobRun.filter(_claimable(now)).order_by("due_at").limit(limit).values_list("id", flat=True)
    claimed: list[JobRun] = []
    for run_id in candidates:
        taken = await JobRun.filter(_claimable(now), id=run_id).update(
            status="running", claimed_by=worker_id, lease_until=now + timedelta(seconds=lease_seconds),
            attempts=F("attempts") + 1, started_at=now,
        )
        if taken == 1:
            claimed.append(await JobRun.get(id=run_id))
    return claimed


def _claimable(now: datetime) -> Q:
    """Pending and due, or running under a lease that ran out (its process died)."""
    return (Q(status="pending") & Q(due_at__lte=now)) | (Q(status="running") & Q(lease_until__lt=now))


async def finish(run: JobRun, worker_id: str | None, **values: Any) -> bool:
    query = JobRun.filter(id=run.id)
    if worker_id is not None:
        query = query.filter(claimed_by=worker_id)
    return await query.update(claimed_by=None, lease_until=None, finished_at=_now(), **values) == 1


async def record_outcome(job_id: str, tenant_id: str, status: str) -> None:
    await scoped(ScheduledJob, tenant_id).filter(id=job_id).update(last_run_at=_now(), last_status=status)


async def job(tenant_id: str, job_id: str) -> ScheduledJob | None:
    return await scoped(ScheduledJob, tenant_id).get_or_none(id=job_id)


async def jobs_page(tenant_id: str, limit: int, offset: int) -> list[ScheduledJob]:
    return await scoped(ScheduledJob, tenant_id).order_by("created_at", "id").offset(offset).limit(limit)


async def job_count(tenant_id: str) -> int:
    return await scoped(ScheduledJob, tenant_id).count()


async def name_taken(tenant_id: str, name: str, except_id: str | None = None) -> bool:
    query = scoped(ScheduledJob, tenant_id).filter(name=name)
    return await (query.exclude(id=except_id) if except_id else query).exists()


def _now() -> datetime:
    return datetime.now(timezone.utc)
