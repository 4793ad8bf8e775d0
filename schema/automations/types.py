"""GraphQL types of automations and their runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

import strawberry
from strawberry.scalars import JSON

from models.automations import Automation, AutomationRun


@strawberry.type(name="Automation", description="When a matching event commits and the conditions hold, run the actions.")
class AutomationNode:
    id: strawberry.ID
    name: str
    description: Optional[str]
    trigger_event: str
    conditions: list[str]
    actions: JSON
    enabled: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: Automation) -> "AutomationNode":
        actions: Any = row.actions or []
        return cls(
            id=strawberry.ID(row.id), name=row.name, description=row.description, trigger_event=row.trigger_event,
            conditions=list(row.conditions or []), actions=actions, enabled=row.enabled, created_at=row.created_at, updated_at=row.updated_at,
        )


@strawberry.type(name="AutomationRun", description="One run: what triggered it, each action's result, and how it ended.")
class AutomationRunNode:
    id: strawberry.ID
    automation_id: str
    trigger: str
    event_id: Optional[str]
    event_type: Optional[str]
    status: str
    results: JSON
    error: Optional[str]
    duration_ms: Optional[int]
    depth: int
    created_at: datetime
    started_at: Optional[datetime]
    finished_at: Optional[datetime]

    @classmethod
    def of(cls, row: AutomationRun) -> "AutomationRunNode":
        results: Any = row.results or []
        return cls(
            id=strawberry.ID(row.id), automation_id=row.automation_id, trigger=row.trigger,
            event_id=str(row.event_seq) if row.event_seq is not None else None, event_type=row.event_type, status=row.status,
            results=results, error=row.error, duration_ms=row.duration_ms, depth=row.depth, created_at=row.created_at,
            started_at=row.started_at, finished_at=row.finished_at,
        )


@strawberry.type
class AutomationRunPage:
    runs: list[AutomationRunNode]
    total: int


@strawberry.type
class AutomationTriggered:
    run_id: str


@strawberry.type
class AutomationDeleted:
    deleted: bool


@strawberry.input
class CreateAutomationInput:
    name: str
    trigger_event: str
    description: Optional[str] = strawberry.UNSET
    conditions: Optional[JSON] = strawberry.UNSET
    actions: Optional[JSON] = strawberry.UNSET
    enabled: Optional[bool] = strawberry.UNSET


@strawberry.input
class UpdateAutomationInput:
    name: Optional[str] = strawberry.UNSET
    trigger_event: Optional[str] = strawberry.UNSET
    description: Optional[str] = strawberry.UNSET
    conditions: Optional[JSON] = strawberry.UNSET
    actions: Optional[JSON] = strawberry.UNSET
    enabled: Optional[bool] = strawberry.UNSET
