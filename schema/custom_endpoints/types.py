"""GraphQL types of custom endpoints, their executions, and an invocation's answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

import strawberry
from strawberry.scalars import JSON

from models.custom_endpoints import EndpointExecution
from resolvers.custom_endpoints.dispatch import Reply
from resolvers.custom_endpoints.service import EndpointView


@strawberry.type(name="CustomEndpoint", description="An HTTP endpoint defined through the API, live at /v1/x/<path>.")
class CustomEndpointNode:
    id: strawberry.ID
    name: str
    path: str
    method: str
    auth_required: bool
    condition: Optional[str]
    actions: JSON
    response_template: Optional[JSON]
    enabled: bool
    warnings: list[str] = strawberry.field(description="Other endpoints answering some of the same URLs, and which one wins.")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, view: EndpointView) -> "CustomEndpointNode":
        row = view.endpoint
        actions: Any = row.actions or []
        template: Any = row.response_template
        return cls(
            id=strawberry.ID(row.id), name=row.name, path=row.path, method=row.method, auth_required=row.auth_required,
            condition=row.condition, actions=actions, response_template=template, enabled=row.enabled, warnings=view.warnings,
            created_at=row.created_at, updated_at=row.updated_at,
        )


@strawberry.type(name="CustomEndpointExecution", description="One invocation: how it ended, how long each action took.")
class CustomEndpointExecutionNode:
    id: strawberry.ID
    endpoint_id: str
    method: str
    path: str
    status_code: int
    outcome: str = strawberry.field(description="succeeded, failed, or refused (no credentials, or the condition did not hold).")
    duration_ms: int
    actions: JSON = strawberry.field(description="Per action: type, status, duration_ms, and error when it failed.")
    error_code: Optional[str]
    error: Optional[str]
    request_id: Optional[str]
    principal_kind: Optional[str]
    actor: Optional[str]
    created_at: datetime

    @classmethod
    def of(cls, row: EndpointExecution) -> "CustomEndpointExecutionNode":
        actions: Any = row.actions or []
        return cls(
            id=strawberry.ID(row.id), endpoint_id=row.endpoint_id, method=row.method, path=row.path, status_code=row.status_code,
            outcome=row.outcome, duration_ms=row.duration_ms, actions=actions, error_code=row.error_code, error=row.error,
            request_id=row.request_id, principal_kind=row.principal_kind, actor=row.actor, created_at=row.created_at,
        )


@strawberry.type
class CustomEndpointExecutionPage:
    executions: list[CustomEndpointExecutionNode]
    next_cursor: Optional[str]


@strawberry.type
class CustomEndpointDeleted:
    deleted: bool
    id: strawberry.ID


@strawberry.type(name="CustomEndpointResponse", description="What a custom endpoint answered.")
class CustomEndpointResponse:
    status: int
    body: Optional[JSON]
    headers: JSON
    templated: bool = strawberry.field(description="False when the endpoint has no response template: the body is the last action's result.")

    @classmethod
    def of(cls, reply: Reply) -> "CustomEndpointResponse":
        body: Any = reply.body
        headers: Any = reply.headers
        return cls(status=reply.status, body=body, headers=headers, templated=not reply.enveloped)


@strawberry.input
class CreateCustomEndpointInput:
    name: str
    path: str
    method: str
    auth_required: Optional[bool] = strawberry.UNSET
    condition: Optional[str] = strawberry.UNSET
    actions: Optional[JSON] = strawberry.UNSET
    response_template: Optional[JSON] = strawberry.UNSET
    enabled: Optional[bool] = strawberry.UNSET


@strawberry.input
class UpdateCustomEndpointInput:
    name: Optional[str] = strawberry.UNSET
    path: Optional[str] = strawberry.UNSET
    method: Optional[str] = strawberry.UNSET
    auth_required: Optional[bool] = strawberry.UNSET
    condition: Optional[str] = strawberry.UNSET
    actions: Optional[JSON] = strawberry.UNSET
    response_template: Optional[JSON] = strawberry.UNSET
    enabled: Optional[bool] = strawberry.UNSET
