"""Scheduled jobs: a cron expression (five fields, in a timezone) or a one-off `run_at`, and one
action (`action_type`, `action_config`) run through the action engine. Managing needs scope
`schema`, reading `read`, running one now (`execute`) `write`."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from models.jobs import JobRun, ScheduledJob
from resolvers.actions.engine import check_actions
from resolvers.authz import require_scope
from resolvers.errors import (
    AlreadyExists,
    FieldError,
    NotFound,
    QuotaExceeded,
    ValidationError,
    collect_errors,
    reject_unknown_fields,
)
from resolvers.ids import new_id
from resolvers.jobs import repository, runner
from resolvers.jobs.schemas import (
    MAX_JOBS_PER_TENANT,
    checked_cron,
    checked_timezone,
    next_occurrence,
)
from resolvers.paging import bounded_int
from resolvers.principal import Principal
from resolvers.runtime import Runtime

FIELDS = ("name", "description", "cron_expression", "timezone", "run_at", "action_type", "action_config", "enabled")


async def list_jobs(principal: Principal | None, *, limit: Any = None, offset: Any = None) -> list[ScheduledJob]:
    caller = require_scope(principal, "read")
    return await repository.jobs_page(caller.tenant_id, bounded_int(limit, "limit", default=50, low=1, high=100), bounded_int(offset, "offset", default=0, low=0, high=1_000_000))


async def get_job(principal: Principal | None, job_id: str) -> ScheduledJob:
    caller = require_scope(principal, "read")
    return await _job(caller.tenant_id, job_id)


async def create_job(principal: Principal | None, data: dict[str, Any]) -> ScheduledJob:
    caller = require_scope(principal, "schema")
    _known(data)
    if await repository.job_count(caller.tenant_id) >= MAX_JOBS_PER_TENANT:
        raise QuotaExceeded(f"A tenant can have at most {MAX_JOBS_PER_TENANT} scheduled jobs")
    job = ScheduledJob(id=new_id("job"), tenant_id=caller.tenant_id, created_by=caller.actor, action_config={})
    await _apply(job, {"timezone": "UTC", "enabled": True, **data}, creating=True)
    await job.save(force_create=True)
    return job


async def update_job(principal: Principal | None, job_id: str, patch: dict[str, Any]) -> ScheduledJob:
    caller = require_scope(principal, "schema")
    _known(patch)
    job = await _job(caller.tenant_id, job_id)
    await _apply(job, patch, creating=False)
    await job.save()
    return job


async def delete_job(principal: Principal | None, job_id: str) -> str:
    caller = require_scope(principal, "schema")
    job = await _job(caller.tenant_id, job_id)
    await job.delete()
    return job.id


async def execute_job(principal: Principal | None, job_id: str, *, runtime: Runtime) -> JobRun:
    """Run the job now, in this request (it holds no transaction while actions run), and answer the run."""
    caller = require_scope(principal, "write")
    job = await _job(caller.tenant_id, job_id)
    now = datetime.now(timezone.utc)
    run = await JobRun.create(
        id=new_id("jrun"), tenant_id=job.tenant_id, job_id=job.id, trigger="manual", due_at=now, status="running",
        attempts=1, started_at=now, created_at=now,
    )
    return await runner.execute(run, job, runtime, worker_id=None)


async def _apply(job: ScheduledJob, data: dict[str, Any], *, creating: bool) -> None:
    errors: list[FieldError] = []
    if "name" in data or creating:
        name = data.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            errors.append(FieldError("name", "is required (at most 200 characters)"))
        elif await repository.name_taken(job.tenant_id, name.strip(), job.id if not creating else None):
            raise AlreadyExists(f"A scheduled job named {name.strip()} already exists")
        else:
            job.name = name.strip()
    if "description" in data:
        job.description = _description(data["description"], errors)
    if "timezone" in data:
        job.timezone = collect_errors(errors, check=lambda: checked_timezone(data["timezone"]))
    if "cron_expression" in data:
        job.cron_expression = None if data["cron_expression"] in (None, "") else collect_errors(errors, check=lambda: checked_cron(data["cron_expression"]))
    if "run_at" in data:
        job.run_at = None if data["run_at"] in (None, "") else collect_errors(errors, check=lambda: _datetime(data["run_at"]))
    if "action_type" in data or "action_config" in data or creating:
        action_type = data.get("action_type", job.action_type if not creating else None)
        config = data.get("action_config", job.action_config if not creating else {})
        action = collect_errors(errors, check=lambda: check_actions([{"type": action_type, "config": config}], field="action"))
        if action:
            job.action_type, job.action_config = action[0]["type"], action[0]["config"]
    if "enabled" in data:
        if not isinstance(data["enabled"], bool):
            errors.append(FieldError("enabled", "must be true or false"))
        else:
            job.enabled = data["enabled"]
    if not errors and bool(job.cron_expression) == bool(job.run_at):
        errors.append(FieldError("cron_expression", "give either cron_expression or run_at"))
    if errors:
        raise ValidationError([FieldError(e.field.replace("action[0].type", "action_type").replace("action[0].config", "action_config"), e.message) for e in errors])
    job.next_run_at = _first_run(job)


def _first_run(job: ScheduledJob) -> datetime | None:
    if not job.enabled:
        return None
    if job.cron_expression:
        return next_occurrence(job.cron_expression, job.timezone, datetime.now(timezone.utc))
    return job.run_at



def _datetime(value: Any) -> datetime:
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        raise ValidationError.single("run_at", "must be an ISO 8601 date-time") from None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def _description(value: Any, errors: list[FieldError]) -> str | None:
    if value is not None and (not isinstance(value, str) or len(value) > 1000):
        errors.append(FieldError("description", "must be text of at most 1000 characters"))
        return None
    return value


def _known(data: dict[str, Any]) -> None:
    reject_unknown_fields(data, FIELDS, "scheduled-job")


async def _job(tenant_id: str, job_id: str) -> ScheduledJob:
    found = await repository.job(tenant_id, job_id)
    if found is None:
        raise NotFound(f"Scheduled job {job_id} not found")
    return found
