"""Webhook rows: endpoints (tenant-scoped), the fan-out cursor, the message queue (claimed in
batches with a lease; `FOR UPDATE SKIP LOCKED` on PostgreSQL, so workers never wait on each
other) and the attempt log."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from models import jsoncodec
from models.webhooks import WebhookAttempt, WebhookCursor, WebhookEndpoint, WebhookMessage
from resolvers import db
from resolvers.events.cursors import EventCursor
from resolvers.ids import new_id
from resolvers.scoping import scoped
from resolvers.webhooks.schemas import Outgoing, SendResult

# --- endpoints ---------------------------------------------------------------------------------


async def endpoints_of(tenant_id: str) -> list[WebhookEndpoint]:
    return await scoped(WebhookEndpoint, tenant_id).order_by("created_at", "id")


async def endpoint(tenant_id: str, endpoint_id: str) -> WebhookEndpoint | None:
    return await scoped(WebhookEndpoint, tenant_id).get_or_none(id=endpoint_id)


async def endpoints_by_ids(tenant_id: str, endpoint_ids: set[str]) -> dict[str, WebhookEndpoint]:
    rows = await scoped(WebhookEndpoint, tenant_id).filter(id__in=list(endpoint_ids))
    return {row.id: row for row in rows}


async def endpoint_count(tenant_id: str) -> int:
    return await scoped(WebhookEndpoint, tenant_id).count()


async def pending_count(tenant_id: str, endpoint_id: str) -> int:
    return await scoped(WebhookMessage, tenant_id).filter(endpoint_id=endpoint_id, status="pending").count()


async def cancel_pending(tenant_id: str, endpoint_id: str, reason: str) -> int:
    now = _now()
    return await scoped(WebhookMessage, tenant_id).filter(endpoint_id=endpoint_id, status="pending").update(
        status="cancelled", last_error=reason, finished_at=now, claimed_by=None, lease_until=None
    )


async def disable(tenant_id: str, endpoint_id: str, reason: str) -> None:
    await scoped(WebhookEndpoint, tenant_id).filter(id=endpoint_id).update(status="disabled", disabled_reason=reason, updated_at=_now())


# --- fan-out from the event log (see resolvers/events/cursors.py) ----------------------------------------------------------------


CURSOR = EventCursor(WebhookCursor)


async def queue(messages: list[Outgoing], *, due: datetime | None = None) -> None:
    now = _now()
    await WebhookMessage.bulk_create([
        WebhookMessage(
            id=m.id, tenant_id=m.tenant_id, endpoint_id=m.endpoint_id, event_type=m.event_type,
            event_seq=m.extra.get("seq"), payload=m.payload, next_attempt_at=due or now, created_at=now,
        )
        for m in messages
    ])


# --- the delivery queue ------------------------------------------------------------------------

CLAIM_SQL = (
    "UPDATE webhook_messages SET claimed_by = {worker}, lease_until = {until}, attempts = attempts + 1"
    " WHERE id IN (SELECT id FROM webhook_messages WHERE status = 'pending' AND next_attempt_at <= {now}"
    " AND (lease_until IS NULL OR lease_until < {now2}) ORDER BY next_attempt_at LIMIT {limit}{lock})"
    " RETURNING id, tenant_id, endpoint_id, event_type, payload, attempts"
)


async def claim_due(worker_id: str, limit: int, lease_seconds: int) -> list[Outgoing]:
    """Lease up to `limit` due messages to `worker_id` in one statement; each claim counts as an attempt."""
    now = _now()
    sql = db.Sql(db.dialect())
    lock = " FOR UPDATE SKIP LOCKED" if db.dialect() == "postgres" else ""
    statement = CLAIM_SQL.format(
        worker=sql.param(worker_id), until=sql.param(now + timedelta(seconds=lease_seconds)),
        now=sql.param(now), now2=sql.param(now), limit=int(limit), lock=lock,
    )
    rows = await db.fetch(statement, sql.params)
    return [
        Outgoing(
            id=r["id"], tenant_id=r["tenant_id"], endpoint_id=r["endpoint_id"], event_type=r["event_type"],
            payload=_json(r["payload"]), attempts=int(r["attempts"]),
        )
        for r in rows
    ]


async def finish(message_id: str, worker_id: str, **values: Any) -> bool:
    """Settle a claimed message; False if the lease was lost to another worker meanwhile."""
    return await WebhookMessage.filter(id=message_id, claimed_by=worker_id).update(claimed_by=None, lease_until=None, **values) == 1


async def settle(message_id: str, **values: Any) -> None:
    """Set the outcome of a message sent by hand (a test or a replay), which no worker claimed."""
    await WebhookMessage.filter(id=message_id).update(finished_at=_now(), **values)


async def finish_many(message_ids: list[str], worker_id: str, **values: Any) -> int:
    return await WebhookMessage.filter(id__in=message_ids, claimed_by=worker_id).update(claimed_by=None, lease_until=None, **values)


async def record_attempts(attempts: list[tuple[Outgoing, int, SendResult]]) -> None:
    """Every attempt of a batch in one INSERT."""
    now = _now()
    await WebhookAttempt.bulk_create([
        WebhookAttempt(
            id=new_id("whd"), tenant_id=m.tenant_id, message_id=m.id, endpoint_id=m.endpoint_id, event_type=m.event_type,
            attempt=number, status_code=r.status_code, succeeded=r.succeeded, duration_ms=r.duration_ms,
            response_excerpt=r.response_excerpt, error=r.error, created_at=now,
        )
        for m, number, r in attempts
    ])


async def record_attempt(message: Outgoing, attempt: int, result: SendResult) -> str:
    attempt_id = new_id("whd")
    await WebhookAttempt.create(
        id=attempt_id, tenant_id=message.tenant_id, message_id=message.id, endpoint_id=message.endpoint_id,
        event_type=message.event_type, attempt=attempt, status_code=result.status_code, succeeded=result.succeeded,
        duration_ms=result.duration_ms, response_excerpt=result.response_excerpt, error=result.error, created_at=_now(),
    )
    return attempt_id


# --- what the API lists ------------------------------------------------------------------------


async def attempts_page(tenant_id: str, *, endpoint_id: str | None, limit: int, offset: int) -> tuple[list[WebhookAttempt], int]:
    query = scoped(WebhookAttempt, tenant_id)
    if endpoint_id:
        query = query.filter(endpoint_id=endpoint_id)
    return await query.order_by("-created_at", "-id").offset(offset).limit(limit), await query.count()


async def attempt(tenant_id: str, attempt_id: str) -> WebhookAttempt | None:
    return await scoped(WebhookAttempt, tenant_id).get_or_none(id=attempt_id)


async def message(tenant_id: str, message_id: str) -> WebhookMessage | None:
    return await scoped(WebhookMessage, tenant_id).get_or_none(id=message_id)


async def dead_page(tenant_id: str, *, limit: int, offset: int) -> tuple[list[WebhookMessage], int]:
    query = scoped(WebhookMessage, tenant_id).filter(status="dead")
    return await query.order_by("-finished_at", "-id").offset(offset).limit(limit), await query.count()


async def requeue(tenant_id: str, message_id: str, *, from_statuses: tuple[str, ...], reset_attempts: bool) -> bool:
    """Make a message due now again (a retry by hand keeps its webhook-id)."""
    values: dict[str, Any] = {"status": "pending", "next_attempt_at": _now(), "finished_at": None, "claimed_by": None, "lease_until": None}
    if reset_attempts:
        values["attempts"] = 0
    return await scoped(WebhookMessage, tenant_id).filter(id=message_id, status__in=list(from_statuses)).update(**values) == 1


async def discard(tenant_id: str, message_id: str) -> bool:
    return await scoped(WebhookMessage, tenant_id).filter(id=message_id, status="dead").update(status="discarded", finished_at=_now()) == 1


def _json(value: Any) -> Any:
    return jsoncodec.loads(value) if isinstance(value, (str, bytes)) else value


def _now() -> datetime:
    return datetime.now(timezone.utc)
