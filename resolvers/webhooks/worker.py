"""The webhook worker: fans the event log out into messages, then delivers due messages.

Fan-out: per tenant, under its cursor's row lock (`SKIP LOCKED`: another process's dispatcher
simply takes another tenant), read the events after the cursor, write one message per matching
active endpoint, and advance the cursor, all in one transaction: each event becomes each
endpoint's message exactly once, whatever process dies when.

Delivery: claim due messages in a batch with a lease (an attempt is counted when claimed), send
them concurrently, record every attempt, then settle: delivered, retried later on the schedule
(with jitter), dead (the DLQ) after the last retry, or cancelled when the endpoint answered 410
Gone (which disables it). A worker that dies mid-send leaves its claim to run out; the message is
sent again with the same webhook-id (at least once).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone

from models.webhooks import WebhookEndpoint
from resolvers.background import PollingWorker
from resolvers.events.schemas import EventRecord
from resolvers.ids import new_id
from resolvers.runtime import Runtime
from resolvers.webhooks import repository, sending
from resolvers.webhooks.schemas import DELIVERY_BATCH, FANOUT_BATCH, LEASE_SECONDS, Outgoing, SendResult, matches

log = logging.getLogger("basalt.webhooks")
TENANTS_PER_PASS = 20
LOST_ATTEMPTS = 2  # claims whose worker died before settling, allowed beyond the retry schedule


class WebhookWorker(PollingWorker):
    label = "webhook worker"

    def __init__(self, runtime: Runtime, *, worker_id: str | None = None, poll_seconds: float = 1.0) -> None:
        super().__init__(worker_id=worker_id, poll_seconds=poll_seconds)
        self.runtime = runtime

    async def run_once(self) -> bool:
        """One fan-out pass and one delivery batch; False when there was nothing to do."""
        fanned = await self.fan_out()
        delivered = await self.deliver()
        return fanned > 0 or delivered > 0

    # --- fan-out -------------------------------------------------------------------------------

    async def fan_out(self) -> int:
        """Turn new events into messages; returns how many events were read."""
        return await repository.CURSOR.consume(self._queue_messages, tenants=TENANTS_PER_PASS, batch=FANOUT_BATCH)

    async def _queue_messages(self, tenant_id: str, batch: list[EventRecord]) -> None:
        endpoints = [e for e in await repository.endpoints_of(tenant_id) if e.status == "active"]
        await repository.queue([m for event in batch for m in _messages_for(event, endpoints)])

    # --- delivery ------------------------------------------------------------------------------

    async def deliver(self) -> int:
        """Send one claimed batch concurrently, then record and settle it in a few statements."""
        batch = await repository.claim_due(self.worker_id, DELIVERY_BATCH, LEASE_SECONDS)
        if not batch:
            return 0
        endpoints: dict[str, WebhookEndpoint] = {}
        for tenant_id in {m.tenant_id for m in batch}:
            endpoints.update(await repository.endpoints_by_ids(tenant_id, {m.endpoint_id for m in batch if m.tenant_id == tenant_id}))
        results = await asyncio.gather(*(self._send(m, endpoints.get(m.endpoint_id)) for m in batch))
        sent = [(m, endpoints[m.endpoint_id], r) for m, r in zip(batch, results) if r is not None]
        try:
            await repository.record_attempts([(m, m.attempts, r) for m, _, r in sent])
            await self._settle_delivered([(m, r) for m, _, r in sent if r.succeeded])
            for message, endpoint, result in sent:
                if not result.succeeded:
                    await self._settle(message, endpoint, result)
        except Exception:
            log.exception("a webhook batch could not be settled; its leases will run out and it is sent again")
        return len(batch)

    async def _send(self, message: Outgoing, endpoint: WebhookEndpoint | None) -> SendResult | None:
        """The attempt's result; None when the message was settled without sending."""
        try:
            if endpoint is None or endpoint.status != "active":
                await repository.finish(message.id, self.worker_id, status="cancelled", finished_at=_now(), last_error="the endpoint is disabled or gone")
                return None
            settings = self.runtime.webhooks.settings
            if message.attempts > len(settings.retry_schedule) + LOST_ATTEMPTS:  # its sends keep killing workers
                await repository.finish(message.id, self.worker_id, status="dead", finished_at=_now(), last_error="too many attempts were lost")
                return None
            return await sending.send(self.runtime.webhooks.client, endpoint, message, self.runtime.secret_key, deadline=settings.timeout_seconds)
        except Exception:
            log.exception("webhook message %s could not be sent; its lease will run out and it is sent again", message.id)
            return None

    async def _settle_delivered(self, delivered: list[tuple[Outgoing, SendResult]]) -> None:
        by_code: dict[int | None, list[str]] = {}
        for message, result in delivered:
            by_code.setdefault(result.status_code, []).append(message.id)
        for code, ids in by_code.items():
            await repository.finish_many(ids, self.worker_id, status="delivered", finished_at=_now(), last_status_code=code, last_error=None)

    async def _settle(self, message: Outgoing, endpoint: WebhookEndpoint, result: SendResult) -> None:
        now = _now()
        common = {"last_status_code": result.status_code, "last_error": result.error}
        if result.succeeded:
            await repository.finish(message.id, self.worker_id, status="delivered", finished_at=now, **common)
        elif result.status_code == 410:
            reason = "the endpoint answered 410 Gone"
            await repository.disable(message.tenant_id, endpoint.id, reason)
            await repository.finish(message.id, self.worker_id, status="cancelled", finished_at=now, **common)
            await repository.cancel_pending(message.tenant_id, endpoint.id, reason)
        elif (delay := self.runtime.webhooks.settings.retry_delay(message.attempts)) is None:
            await repository.finish(message.id, self.worker_id, status="dead", finished_at=now, **common)
        else:
            await repository.finish(message.id, self.worker_id, next_attempt_at=now + timedelta(seconds=delay), **common)


def _messages_for(event: EventRecord, endpoints: list[WebhookEndpoint]) -> list[Outgoing]:
    payload = {"type": event.type, "timestamp": event.created_at.isoformat(), "data": event.public()}
    return [
        Outgoing(id=new_id("msg"), tenant_id=event.tenant_id, endpoint_id=e.id, event_type=event.type, payload=payload, extra={"seq": event.seq})
        for e in endpoints
        if matches(e.events, event.type) and _type_matches(e, event) and event.created_at >= e.created_at  # not what happened before it existed
    ]


def _type_matches(endpoint: WebhookEndpoint, event: EventRecord) -> bool:
    """An object_types filter (ids) limits object events to those types; other events pass."""
    return not endpoint.object_types or event.object_type_id is None or event.object_type_id in endpoint.object_types


def _now() -> datetime:
    return datetime.now(timezone.utc)
