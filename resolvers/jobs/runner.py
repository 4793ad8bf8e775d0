"""Run one job run through the action engine and record its outcome."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from models import jsoncodec
from models.jobs import JobRun, ScheduledJob
from resolvers.actions.engine import run_actions
from resolvers.actions.schemas import ActionFailed, Run
from resolvers.errors import DomainError
from resolvers.jobs import repository
from resolvers.principal import Principal
from resolvers.runtime import Runtime


async def execute(run: JobRun, job: ScheduledJob | None, runtime: Runtime, *, worker_id: str | None) -> JobRun:
    """Settle `run`: succeeded with the action's result, or failed with the error."""
    if job is None:
        await repository.finish(run, worker_id, status="failed", error="the job was deleted")
        return await JobRun.get(id=run.id)
    now = datetime.now(timezone.utc)
    context: dict[str, Any] = {
        "job": {"id": job.id, "name": job.name, "run_id": run.id, "trigger": run.trigger,
                "scheduled_for": run.scheduled_for.isoformat() if run.scheduled_for else None, "data": run.data or {}},
        "now": now.isoformat(),
        "auth": {"account_id": job.tenant_id},
    }
    pipeline = Run(principal=Principal.system(job.tenant_id, job.id), data=context, depth=run.depth)
    try:
        await run_actions(pipeline, [{"type": job.action_type, "config": job.action_config or {}}], runtime)
        status, error = "succeeded", None
    except ActionFailed as exc:
        status, error = "failed", str(exc)
    except DomainError as exc:
        status, error = "failed", f"{exc.code}: {exc.message}"
    result = jsoncodec.plain(pipeline.results[-1].get("result")) if pipeline.results else None
    await repository.finish(run, worker_id, status=status, error=error, result={"result": result, "actions": jsoncodec.plain(pipeline.results)})
    await repository.record_outcome(job.id, job.tenant_id, status)
    return await JobRun.get(id=run.id)
