"""GraphQL types of custom functions and their run logs."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

import strawberry
from strawberry.scalars import JSON

from models.functions import CustomFunction, FunctionLog
from resolvers.functions.service import logged_value


@strawberry.type(name="CustomFunction", description="Tenant JavaScript `(input, context)`, run on demand, on an event or on a schedule.")
class CustomFunctionNode:
    id: strawberry.ID
    name: str
    description: Optional[str]
    trigger_type: str = strawberry.field(description="http (execute), event (after commit), or schedule (cron_expression).")
    event: Optional[str]
    cron_expression: Optional[str]
    timezone: Optional[str]
    job_id: Optional[str] = strawberry.field(description="The scheduled job that runs a schedule-triggered function.")
    code: str
    runtime: str
    enabled: bool
    timeout_ms: int
    memory_limit_mb: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: CustomFunction) -> "CustomFunctionNode":
        return cls(
            id=strawberry.ID(row.id), name=row.name, description=row.description, trigger_type=row.trigger_type, event=row.event,
            cron_expression=row.cron_expression, timezone=row.timezone, job_id=row.job_id, code=row.code, runtime=row.runtime,
            enabled=row.enabled, timeout_ms=row.timeout_ms, memory_limit_mb=row.memory_limit_mb, created_at=row.created_at,
            updated_at=row.updated_at,
        )


@strawberry.type(name="FunctionLog", description="One run of a function: its input, console output, result or error, duration.")
class FunctionLogNode:
    id: strawberry.ID
    function_id: str
    trigger: str
    status: str = strawberry.field(description="succeeded or failed.")
    input: Optional[JSON]
    result: Optional[JSON]
    error: Optional[str]
    console: JSON
    duration_ms: float
    actor: Optional[str]
    created_at: datetime

    @classmethod
    def of(cls, row: FunctionLog) -> "FunctionLogNode":
        given: Any = logged_value(row.input)
        result: Any = logged_value(row.result)
        console: Any = row.console or []
        return cls(
            id=strawberry.ID(row.id), function_id=row.function_id, trigger=row.trigger, status=row.status, input=given, result=result,
            error=row.error, console=console, duration_ms=row.duration_ms, actor=row.actor, created_at=row.created_at,
        )


@strawberry.type
class CustomFunctionDeleted:
    deleted: bool
    id: strawberry.ID


@strawberry.input
class CreateCustomFunctionInput:
    name: str
    trigger_type: str
    code: str
    runtime: Optional[str] = strawberry.UNSET
    description: Optional[str] = strawberry.UNSET
    event: Optional[str] = strawberry.UNSET
    cron_expression: Optional[str] = strawberry.UNSET
    timezone: Optional[str] = strawberry.UNSET
    enabled: Optional[bool] = strawberry.UNSET
    timeout_ms: Optional[int] = strawberry.UNSET
    memory_limit_mb: Optional[int] = strawberry.UNSET


@strawberry.input
class UpdateCustomFunctionInput:
    name: Optional[str] = strawberry.UNSET
    trigger_type: Optional[str] = strawberry.UNSET
    code: Optional[str] = strawberry.UNSET
    runtime: Optional[str] = strawberry.UNSET
    description: Optional[str] = strawberry.UNSET
    event: Optional[str] = strawberry.UNSET
    cron_expression: Optional[str] = strawberry.UNSET
    timezone: Optional[str] = strawberry.UNSET
    enabled: Optional[bool] = strawberry.UNSET
    timeout_ms: Optional[int] = strawberry.UNSET
    memory_limit_mb: Optional[int] = strawberry.UNSET
