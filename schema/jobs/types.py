"""GraphQL types of scheduled jobs and their runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

import strawberry
from strawberry.scalars import JSON

from models.jobs import JobRun, ScheduledJob


@strawberry.type(name="ScheduledJob", description="A cron (or one-off) schedule running one action.")
class ScheduledJobNode:
    id: strawberry.ID
    name: str
    description: Optional[str]
    cron_expression: Optional[str]
    timezone: str
    run_at: Optional[datetime]
    action_type: str
    action_config: JSON
    enabled: bool
    next_run_at: Optional[datetime]
    last_run_at: Optional[datetime]
    last_status: Optional[str]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, job: ScheduledJob) -> "ScheduledJobNode":
        config: Any = job.action_config or {}
        return cls(
            id=strawberry.ID(job.id), name=job.name, description=job.description, cron_expression=job.cron_expression,
            timezone=job.timezone, run_at=job.run_at, action_type=job.action_type, action_config=config, enabled=job.enabled,
            next_run_at=job.next_run_at, last_run_at=job.last_run_at, last_status=job.last_status,
            created_at=job.created_at, updated_at=job.updated_at,
        )


@strawberry.type(name="JobRun", description="One run of a scheduled job.")
class JobRunNode:
    id: strawberry.ID
    job_id: str
    trigger: str
    status: str
    scheduled_for: Optional[datetime]
    started_at: Optional[datetime]
    finished_at: Optional[datetime]
    attempts: int
    result: Optional[JSON]
    error: Optional[str]

    @classmethod
    def of(cls, run: JobRun) -> "JobRunNode":
        result: Any = run.result
        return cls(
            id=strawberry.ID(run.id), job_id=run.job_id, trigger=run.trigger, status=run.status, scheduled_for=run.scheduled_for,
            started_at=run.started_at, finished_at=run.finished_at, attempts=run.attempts, result=result, error=run.error,
        )


@strawberry.input
class CreateScheduledJobInput:
    name: str
    action_type: str
    description: Optional[str] = strawberry.UNSET
    cron_expression: Optional[str] = strawberry.UNSET
    timezone: Optional[str] = strawberry.UNSET
    run_at: Optional[str] = strawberry.UNSET
    action_config: Optional[JSON] = strawberry.UNSET
    enabled: Optional[bool] = strawberry.UNSET


@strawberry.input
class UpdateScheduledJobInput:
    name: Optional[str] = strawberry.UNSET
    description: Optional[str] = strawberry.UNSET
    cron_expression: Optional[str] = strawberry.UNSET
    timezone: Optional[str] = strawberry.UNSET
    run_at: Optional[str] = strawberry.UNSET
    action_type: Optional[str] = strawberry.UNSET
    action_config: Optional[JSON] = strawberry.UNSET
    enabled: Optional[bool] = strawberry.UNSET
