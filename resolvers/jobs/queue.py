"""Queue a run of a scheduled job (the enqueue_job action, and POST .../execute). The run row is
written in the caller's transaction; a job worker claims it when due."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from models.jobs import JobRun, ScheduledJob
from resolvers import db
from resolvers.errors import NotFound, ValidationError
from resolvers.ids import new_id
from resolvers.runtime import Runtime
from resolvers.scoping import scoped


async def job_by_ref(tenant_id: str, ref: str) -> ScheduledJob:
    """A job of this tenant by id or name."""
    query = scoped(ScheduledJob, tenant_id)
    found = await (query.get_or_none(id=ref) if ref.startswith("job_") else query.filter(name=ref).first())
    if found is None:
        raise NotFound(f"Scheduled job {ref} not found")
    return found


async def enqueue(
    tenant_id: str, job_ref: str, *, data: Any = None, run_at: Any = None, depth: int = 0, runtime: Runtime, trigger: str = "enqueue"
) -> dict[str, Any]:
    job = await job_by_ref(tenant_id, job_ref)
    due = _when(run_at)
    run = await JobRun.create(
        id=new_id("jrun"), tenant_id=tenant_id, job_id=job.id, trigger=trigger, due_at=due, depth=depth,
        data=data if isinstance(data, dict) else None, created_at=datetime.now(timezone.utc),
    )
    db.on_commit(runtime.wake_workers)
    return {"run_id": run.id, "job_id": job.id, "due_at": due.isoformat(), "status": run.status}


def _when(value: Any) -> datetime:
    now = datetime.now(timezone.utc)
    if value is None or value == "":
        return now
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        raise ValidationError.single("run_at", "must be an ISO 8601 date-time") from None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
