"""Webhook endpoints and their deliveries: manage endpoints (scope `schema`), read deliveries and
the DLQ (`read`), send tests and replays, retry and discard (`write`).

Events reach endpoints through the dispatcher and the delivery worker (worker.py); everything
here is the API around them.
"""

from __future__ import annotations

import base64
import secrets
from datetime import datetime, timedelta, timezone
from typing import Any

from models.webhooks import WebhookEndpoint
from resolvers import db, sealing
from resolvers.authz import require_scope
from resolvers.errors import Conflict, FieldError, NotFound, QuotaExceeded, ValidationError, reject_unknown_fields
from resolvers.ids import new_id
from resolvers.object_types import service as object_types
from resolvers.paging import bounded_int
from resolvers.principal import Principal
from resolvers.runtime import Runtime
from resolvers.secure_delete.schemas import Dependency
from resolvers.secure_delete.service import guard_delete
from resolvers.webhooks import network, repository, sending
from resolvers.webhooks.schemas import (
    EVENT_PATTERN,
    MAX_ENDPOINTS_PER_TENANT,
    MAX_EVENT_PATTERNS,
    MAX_OBJECT_TYPES,
    PREVIOUS_SECRET_HOURS,
    SECRET_PREFIX,
    SECRET_PURPOSE,
    STATUSES,
    TEST_EVENT,
    EndpointRecord,
    Outgoing,
    SendResult,
)

MAX_PAGE = 100

# --- endpoints ---------------------------------------------------------------------------------


async def list_endpoints(principal: Principal | None) -> list[EndpointRecord]:
    caller = require_scope(principal, "read")
    return [_record(e) for e in await repository.endpoints_of(caller.tenant_id)]


async def get_endpoint(principal: Principal | None, endpoint_id: str) -> EndpointRecord:
    caller = require_scope(principal, "read")
    return _record(await _endpoint(caller.tenant_id, endpoint_id))


async def create_endpoint(principal: Principal | None, data: dict[str, Any], *, runtime: Runtime) -> EndpointRecord:
    caller = require_scope(principal, "schema")
    if await repository.endpoint_count(caller.tenant_id) >= MAX_ENDPOINTS_PER_TENANT:
        raise QuotaExceeded(f"A tenant can have at most {MAX_ENDPOINTS_PER_TENANT} webhook endpoints")
    url = await network.check_url(data.get("url"), allow_loopback=runtime.webhooks.settings.allow_loopback)
    secret = _new_secret()
    endpoint = WebhookEndpoint(
        id=new_id("wh"),
        tenant_id=caller.tenant_id,
        url=url,
        events=_events(data.get("events", ["*"])),
        object_types=await _object_types(caller.tenant_id, data.get("object_types")),
        status=_status(data.get("status", "active")),
        description=_description(data.get("description")),
        secret=sealing.seal(runtime.secret_key, SECRET_PURPOSE, secret),
        created_by=caller.actor,
    )
    await endpoint.save(force_create=True)
    await repository.CURSOR.ensure(caller.tenant_id)
    return _record(endpoint, secret=secret)


async def update_endpoint(principal: Principal | None, endpoint_id: str, patch: dict[str, Any], *, runtime: Runtime) -> EndpointRecord:
    caller = require_scope(principal, "schema")
    endpoint = await _endpoint(caller.tenant_id, endpoint_id)
    reject_unknown_fields(patch, {"url", "events", "object_types", "status", "description"}, "webhook")
    if "url" in patch:
        endpoint.url = await network.check_url(patch["url"], allow_loopback=runtime.webhooks.settings.allow_loopback)
    if "events" in patch:
        endpoint.events = _events(patch["events"])
    if "object_types" in patch:
        endpoint.object_types = await _object_types(caller.tenant_id, patch["object_types"])
    if "description" in patch:
        endpoint.description = _description(patch["description"])
    if "status" in patch:
        endpoint.status = _status(patch["status"])
        endpoint.disabled_reason = None if endpoint.status == "active" else "disabled by an administrator"
    await endpoint.save()
    return _record(endpoint)


async def delete_endpoint(
    principal: Principal | None, endpoint_id: str, *, runtime: Runtime, force: bool = False, confirm_token: str | None = None
) -> bool:
    """Pending deliveries make it a secure deletion (409 with a confirm token); forced, they are cancelled."""
    caller = require_scope(principal, "schema")
    endpoint = await _endpoint(caller.tenant_id, endpoint_id)
    pending = await repository.pending_count(caller.tenant_id, endpoint.id)
    await guard_delete(
        secret_key=runtime.secret_key, tenant_id=caller.tenant_id, resource_type="webhook", resource_id=endpoint.id,
        dependencies=[Dependency("webhook_deliveries", pending, "deliveries waiting to be sent")],
        force=force, confirm_token=confirm_token,
    )
    await repository.cancel_pending(caller.tenant_id, endpoint.id, "the endpoint was deleted")
    await endpoint.delete()
    return True


async def rotate_secret(principal: Principal | None, endpoint_id: str, *, runtime: Runtime) -> EndpointRecord:
    """A new secret; the old one keeps signing alongside it for 24 hours, so receivers can switch."""
    caller = require_scope(principal, "schema")
    endpoint = await _endpoint(caller.tenant_id, endpoint_id)
    secret = _new_secret()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_until = _now() + timedelta(hours=PREVIOUS_SECRET_HOURS)
    endpoint.secret = sealing.seal(runtime.secret_key, SECRET_PURPOSE, secret)
    await endpoint.save()
    return _record(endpoint, secret=secret)


# --- sending by hand ---------------------------------------------------------------------------


async def test_endpoint(principal: Principal | None, endpoint_id: str, *, runtime: Runtime) -> SendResult:
    caller = require_scope(principal, "write")
    endpoint = await _endpoint(caller.tenant_id, endpoint_id)
    payload = {"type": TEST_EVENT, "timestamp": _now().isoformat(), "data": {"webhook_id": endpoint.id, "message": "A test from Basalt"}}
    return await _send_now(endpoint, TEST_EVENT, payload, runtime)


async def replay(principal: Principal | None, endpoint_id: str, *, event: Any, payload: Any, runtime: Runtime) -> SendResult:
    """Send `payload` as an event of type `event` to this endpoint now (recorded like any delivery)."""
    caller = require_scope(principal, "write")
    endpoint = await _endpoint(caller.tenant_id, endpoint_id)
    if not isinstance(event, str) or not EVENT_PATTERN.match(event) or "*" in event:
        raise ValidationError.single("event", "must be an event type such as object.created")
    if not isinstance(payload, dict):
        raise ValidationError.single("payload", "must be a JSON object")
    body = {"type": event, "timestamp": _now().isoformat(), "data": payload}
    return await _send_now(endpoint, event, body, runtime)


async def _send_now(endpoint: WebhookEndpoint, event_type: str, payload: dict[str, Any], runtime: Runtime) -> SendResult:
    """Send outside any transaction (the mutation runs without one: see `own_transactions`), then
    record the message and its attempt in a short one."""
    message = Outgoing(id=new_id("msg"), tenant_id=endpoint.tenant_id, endpoint_id=endpoint.id, event_type=event_type, payload=payload)
    result = await sending.send(runtime.webhooks.client, endpoint, message, runtime.secret_key, deadline=runtime.webhooks.settings.timeout_seconds)
    async with db.transaction():  # the mutation holds no transaction while the endpoint answers
        await repository.queue([message])
        status = "delivered" if result.succeeded else "failed"
        await repository.settle(message.id, status=status, attempts=1, last_status_code=result.status_code, last_error=result.error)
        attempt_id = await repository.record_attempt(message, 1, result)
    return SendResult(result.status_code, result.succeeded, result.duration_ms, result.response_excerpt, result.error, attempt_id)


# --- deliveries and the DLQ --------------------------------------------------------------------


async def list_deliveries(principal: Principal | None, *, limit: Any = None, offset: Any = None, webhook_id: str | None = None) -> tuple[list[Any], int]:
    caller = require_scope(principal, "read")
    return await repository.attempts_page(caller.tenant_id, endpoint_id=webhook_id, limit=_page(limit), offset=_offset(offset))


async def retry_delivery(principal: Principal | None, delivery_id: str, *, runtime: Runtime) -> bool:
    """Send the delivery's message again, now, with the same webhook-id."""
    caller = require_scope(principal, "write")
    attempt = await repository.attempt(caller.tenant_id, delivery_id)
    if attempt is None:
        raise NotFound(f"Delivery {delivery_id} not found")
    _sendable(await _endpoint(caller.tenant_id, attempt.endpoint_id))
    if not await repository.requeue(caller.tenant_id, attempt.message_id, from_statuses=("delivered", "failed", "dead", "pending"), reset_attempts=True):
        raise NotFound(f"Delivery {delivery_id} can no longer be retried")
    db.on_commit(runtime.wake_workers)
    return True


async def list_dead(principal: Principal | None, *, limit: Any = None, offset: Any = None) -> tuple[list[Any], int]:
    caller = require_scope(principal, "read")
    return await repository.dead_page(caller.tenant_id, limit=_page(limit), offset=_offset(offset))


async def retry_dead(principal: Principal | None, message_id: str, *, runtime: Runtime) -> bool:
    caller = require_scope(principal, "write")
    message = await repository.message(caller.tenant_id, message_id)
    if message is None or message.status != "dead":
        raise NotFound(f"DLQ message {message_id} not found")
    found = await repository.endpoint(caller.tenant_id, message.endpoint_id)
    if found is None:
        raise NotFound(f"The webhook of DLQ message {message_id} was deleted; discard the message")
    _sendable(found)
    if not await repository.requeue(caller.tenant_id, message_id, from_statuses=("dead",), reset_attempts=True):
        raise NotFound(f"DLQ message {message_id} not found")
    db.on_commit(runtime.wake_workers)
    return True


async def discard_dead(principal: Principal | None, message_id: str) -> bool:
    caller = require_scope(principal, "write")
    if not await repository.discard(caller.tenant_id, message_id):
        raise NotFound(f"DLQ message {message_id} not found")
    return True


# --- checks ------------------------------------------------------------------------------------


async def _endpoint(tenant_id: str, endpoint_id: str) -> WebhookEndpoint:
    found = await repository.endpoint(tenant_id, endpoint_id)
    if found is None:
        raise NotFound(f"Webhook {endpoint_id} not found")
    return found


def _sendable(endpoint: WebhookEndpoint) -> None:
    if endpoint.status != "active":
        raise Conflict(f"Webhook {endpoint.id} is disabled; enable it before retrying")


def _events(value: Any) -> list[str]:
    if not isinstance(value, list) or not value or len(value) > MAX_EVENT_PATTERNS:
        raise ValidationError.single("events", f"must be a list of 1 to {MAX_EVENT_PATTERNS} event types or patterns")
    bad = [i for i, item in enumerate(value) if not isinstance(item, str) or not EVENT_PATTERN.match(item)]
    if bad:
        raise ValidationError([FieldError(f"events[{i}]", "must be an event type (object.created), a pattern (object.*) or *") for i in bad])
    return list(dict.fromkeys(value))


async def _object_types(tenant_id: str, value: Any) -> list[str]:
    """Stored as ids (names are resolved now), so renaming a type keeps its webhooks."""
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_OBJECT_TYPES or not all(isinstance(v, str) and 0 < len(v) <= 63 for v in value):
        raise ValidationError.single("object_types", f"must be a list of at most {MAX_OBJECT_TYPES} object type ids or names")
    ids: list[str] = []
    for i, ref in enumerate(value):
        try:
            ids.append((await object_types.resolve(tenant_id, ref)).id)
        except NotFound:
            raise ValidationError.single(f"object_types[{i}]", f"object type {ref} not found") from None
    return list(dict.fromkeys(ids))


def _status(value: Any) -> str:
    if isinstance(value, dict):  # the reference shows `status: {}`; accept {"status": "active"} too
        value = value.get("status")
    if value not in STATUSES:
        raise ValidationError.single("status", "must be active or disabled")
    return str(value)


def _description(value: Any) -> str | None:
    if value is not None and (not isinstance(value, str) or len(value) > 500):
        raise ValidationError.single("description", "must be text of at most 500 characters")
    return value


def _page(value: Any) -> int:
    return bounded_int(value, "limit", default=50, low=1, high=MAX_PAGE)


def _offset(value: Any) -> int:
    return bounded_int(value, "offset", default=0, low=0, high=1_000_000)


def _new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def _record(endpoint: WebhookEndpoint, *, secret: str | None = None) -> EndpointRecord:
    return EndpointRecord(
        id=endpoint.id, url=endpoint.url, events=list(endpoint.events), object_types=list(endpoint.object_types or []),
        status=endpoint.status, disabled_reason=endpoint.disabled_reason, description=endpoint.description,
        created_at=endpoint.created_at, updated_at=endpoint.updated_at, secret=secret,
    )


def _now() -> datetime:
    return datetime.now(timezone.utc)
