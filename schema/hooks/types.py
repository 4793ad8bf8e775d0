"""GraphQL types of runtime hooks (REST: /v1/extensions) and their test runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

import strawberry
from strawberry.scalars import JSON

from models.hooks import RuntimeHook
from resolvers.hooks.service import TestRun


@strawberry.type(name="RuntimeHook", description="Tenant JavaScript run on a data event: a filter before it, an action after it.")
class RuntimeHookNode:
    id: strawberry.ID
    name: str
    description: Optional[str]
    event: str
    type: str = strawberry.field(description="filter (before the write, may change or refuse it) or action (after commit).")
    code: str
    status: str = strawberry.field(description="active, inactive, or error (stopped after too many failures in a row).")
    sort: int
    timeout_ms: int
    memory_limit_mb: int
    last_error: Optional[str]
    last_error_at: Optional[datetime]
    execution_count: int
    last_executed_at: Optional[datetime]
    avg_execution_time_ms: float
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: RuntimeHook) -> "RuntimeHookNode":
        return cls(
            id=strawberry.ID(row.id), name=row.name, description=row.description, event=row.event, type=row.type, code=row.code,
            status=row.status, sort=row.sort, timeout_ms=row.timeout_ms, memory_limit_mb=row.memory_limit_mb, last_error=row.last_error,
            last_error_at=row.last_error_at, execution_count=row.execution_count, last_executed_at=row.last_executed_at,
            avg_execution_time_ms=round(row.avg_execution_time_ms, 3), created_at=row.created_at, updated_at=row.updated_at,
        )


@strawberry.type(name="HookTestRun", description="One run of hook code on a test payload; what it wrote is rolled back.")
class HookTestRunNode:
    status: str = strawberry.field(description="passed (returned), rejected (threw), failed (timed out, out of memory, crashed).")
    result: Optional[JSON]
    error: Optional[str]
    console: JSON
    duration_ms: float

    @classmethod
    def of(cls, run: TestRun) -> "HookTestRunNode":
        result: Any = run.result
        console: Any = run.console
        return cls(status=run.status, result=result, error=run.error, console=console, duration_ms=run.duration_ms)


@strawberry.type
class RuntimeHookDeleted:
    deleted: bool
    id: strawberry.ID


@strawberry.input
class CreateRuntimeHookInput:
    name: str
    event: str
    type: str
    code: str
    description: Optional[str] = strawberry.UNSET
    status: Optional[str] = strawberry.UNSET
    sort: Optional[int] = strawberry.UNSET
    timeout_ms: Optional[int] = strawberry.UNSET
    memory_limit_mb: Optional[int] = strawberry.UNSET


@strawberry.input
class UpdateRuntimeHookInput:
    name: Optional[str] = strawberry.UNSET
    event: Optional[str] = strawberry.UNSET
    type: Optional[str] = strawberry.UNSET
    code: Optional[str] = strawberry.UNSET
    description: Optional[str] = strawberry.UNSET
    status: Optional[str] = strawberry.UNSET
    sort: Optional[int] = strawberry.UNSET
    timeout_ms: Optional[int] = strawberry.UNSET
    memory_limit_mb: Optional[int] = strawberry.UNSET


@strawberry.input
class TestHookCodeInput:
    code: str
    type: str
    event: str
    test_payload: Optional[JSON] = None
