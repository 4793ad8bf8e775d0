"""GraphQL types of outbound webhooks: endpoints, deliveries (attempts) and DLQ messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

import strawberry
from strawberry.scalars import JSON

from models.webhooks import WebhookAttempt, WebhookMessage
from resolvers.webhooks.schemas import EndpointRecord, SendResult


@strawberry.type(name="Webhook", description="An endpoint that receives signed events (Standard Webhooks).")
class WebhookNode:
    id: strawberry.ID
    url: str
    events: list[str]
    object_types: list[str]
    status: str
    disabled_reason: Optional[str]
    description: Optional[str]
    created_at: datetime
    updated_at: datetime
    secret: Optional[str] = strawberry.field(description="whsec_…: shown when created and when rotated, never again")

    @classmethod
    def of(cls, record: EndpointRecord) -> "WebhookNode":
        return cls(
            id=strawberry.ID(record.id), url=record.url, events=record.events, object_types=record.object_types,
            status=record.status, disabled_reason=record.disabled_reason, description=record.description,
            created_at=record.created_at, updated_at=record.updated_at, secret=record.secret,
        )


@strawberry.input
class CreateWebhookInput:
    url: str
    events: Optional[list[str]] = strawberry.UNSET
    object_types: Optional[list[str]] = strawberry.UNSET
    status: Optional[JSON] = strawberry.UNSET
    description: Optional[str] = strawberry.UNSET


@strawberry.input
class UpdateWebhookInput:
    url: Optional[str] = strawberry.UNSET
    events: Optional[list[str]] = strawberry.UNSET
    object_types: Optional[list[str]] = strawberry.UNSET
    status: Optional[JSON] = strawberry.UNSET
    description: Optional[str] = strawberry.UNSET


@strawberry.type(description="What the endpoint answered to a test or a replay.")
class WebhookSendResult:
    status_code: Optional[int]
    success: bool
    duration_ms: int
    response_excerpt: Optional[str]
    error: Optional[str]
    delivery_id: Optional[str]

    @classmethod
    def of(cls, result: SendResult) -> "WebhookSendResult":
        return cls(
            status_code=result.status_code, success=result.succeeded, duration_ms=result.duration_ms,
            response_excerpt=result.response_excerpt, error=result.error, delivery_id=result.attempt_id,
        )


@strawberry.type(name="WebhookDelivery", description="One HTTP request to an endpoint.")
class WebhookDeliveryNode:
    id: strawberry.ID
    message_id: str
    webhook_id: str
    event_type: str
    attempt: int
    status_code: Optional[int]
    success: bool
    duration_ms: int
    response_excerpt: Optional[str]
    error: Optional[str]
    created_at: datetime

    @classmethod
    def of(cls, row: WebhookAttempt) -> "WebhookDeliveryNode":
        return cls(
            id=strawberry.ID(row.id), message_id=row.message_id, webhook_id=row.endpoint_id, event_type=row.event_type,
            attempt=row.attempt, status_code=row.status_code, success=row.succeeded, duration_ms=row.duration_ms,
            response_excerpt=row.response_excerpt, error=row.error, created_at=row.created_at,
        )


@strawberry.type
class WebhookDeliveryPage:
    deliveries: list[WebhookDeliveryNode]
    total: int


@strawberry.type(name="DlqMessage", description="A message whose retries ran out; retry or discard it.")
class DlqMessageNode:
    id: strawberry.ID
    webhook_id: str
    event_type: str
    payload: JSON
    attempts: int
    last_status_code: Optional[int]
    last_error: Optional[str]
    created_at: datetime
    failed_at: Optional[datetime]

    @classmethod
    def of(cls, row: WebhookMessage) -> "DlqMessageNode":
        payload: Any = row.payload
        return cls(
            id=strawberry.ID(row.id), webhook_id=row.endpoint_id, event_type=row.event_type, payload=payload,
            attempts=row.attempts, last_status_code=row.last_status_code, last_error=row.last_error,
            created_at=row.created_at, failed_at=row.finished_at,
        )


@strawberry.type
class DlqPage:
    messages: list[DlqMessageNode]
    total: int


@strawberry.type
class Retried:
    retried: bool


@strawberry.type
class Discarded:
    discarded: bool


@strawberry.type
class WebhookDeleted:
    deleted: bool
