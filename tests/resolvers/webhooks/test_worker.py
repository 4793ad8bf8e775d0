"""The webhook worker (`resolvers.webhooks.worker.WebhookWorker`) when things go wrong.

Covers fan-out by two workers at once (exactly one message per event and endpoint, the cursor
at the last seq, an endpoint only getting what happens after it was created), leases (a killed
worker's messages wait for its lease, then go out again with the same webhook-id; a worker whose
lease was taken over cannot settle), the retry schedule and its jitter, receivers that time out
or are down and come back, and messages of disabled or deleted endpoints, which are cancelled
when claimed and never sent; and a receiver trickling its answer past the timeout (the timeout
bounds the whole attempt, not each read).

The session's live server (a real `basalt serve` on the same database, started by earlier
tests) runs a webhook worker too. Where a test needs its own worker to make the first attempt,
the messages are queued and claimed in one transaction (`fenced`), so no other process sees
them unclaimed; everywhere else the assertions hold whichever worker sent a message.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook
from starlette.applications import Starlette
from tortoise.expressions import F

from models.webhooks import WebhookAttempt, WebhookCursor, WebhookMessage
from resolvers import db
from resolvers.events import repository as events
from resolvers.ids import new_id
from resolvers.runtime import Runtime
from resolvers.webhooks import repository
from resolvers.webhooks.schemas import (
    DEFAULT_RETRY_SCHEDULE,
    LEASE_SECONDS,
    Outgoing,
    WebhookSettings,
)
from resolvers.webhooks.sending import Courier
from resolvers.webhooks.worker import WebhookWorker
from tests.support import Api, TenantHandle, data, make_objects, make_type
from tests.webhook_receiver import Receiver
from tests.workers import Pump, eventually

JITTER = 0.1  # each delay is drawn within ±10% of the schedule's


# --- helpers ---------------------------------------------------------------------------------


def now() -> datetime:
    return datetime.now(timezone.utc)


async def new_endpoint(api: Api, tenant: TenantHandle, url: str, **fields: Any) -> dict[str, Any]:
    body = {"url": url, "events": ["object.created"], **fields}
    return data(await api.rest("POST", "/v1/webhooks", tenant.token, json=body), 201)


def outgoing(tenant: TenantHandle, endpoint_id: str, count: int) -> list[Outgoing]:
    return [
        Outgoing(id=new_id("msg"), tenant_id=tenant.tenant_id, endpoint_id=endpoint_id, event_type="order.paid", payload={"n": n})
        for n in range(count)
    ]


async def queue_first(messages: list[Outgoing]) -> None:
    """Queue `messages` due before anything else that may be waiting (left over by earlier tests), so
    the next claim takes them first."""
    await repository.queue(messages, due=now() - timedelta(days=1))


async def give_back_others(claimed: list[Outgoing], ours: set[str]) -> None:
    """Undo the claim of anything else that was due (left over by earlier tests), attempt included."""
    others = [m.id for m in claimed if m.id not in ours]
    if others:
        await WebhookMessage.filter(id__in=others).update(claimed_by=None, lease_until=None, attempts=F("attempts") - 1)


@contextlib.asynccontextmanager
async def fenced() -> AsyncIterator[None]:
    """One transaction: messages queued (or released) in it are claimed before any other process's
    worker can see them (PostgreSQL: not committed yet; SQLite: the write lock)."""
    async with db.transaction():
        yield


async def queue_claimed(worker_id: str, messages: list[Outgoing]) -> list[Outgoing]:
    """Queue `messages` already claimed by `worker_id` with the usual lease, as its claim returned them."""
    async with fenced():
        await queue_first(messages)
        claimed = await repository.claim_due(worker_id, 10_000, LEASE_SECONDS)
        ours = {m.id for m in messages}
        await give_back_others(claimed, ours)
    return [m for m in claimed if m.id in ours]


async def first_pass(worker: WebhookWorker, messages: list[Outgoing]) -> None:
    """Queue `messages` and run one delivery pass of `worker`: it makes their first attempt."""
    async with fenced():
        await queue_first(messages)
        await worker.deliver()



async def settled(ids: list[str], drive: Pump) -> dict[str, WebhookMessage]:
    """The messages once none of them is pending any more."""

    async def done() -> dict[str, WebhookMessage] | None:
        rows = {m.id: m for m in await WebhookMessage.filter(id__in=ids)}
        return rows if all(m.status != "pending" for m in rows.values()) else None

    return await eventually(done, drive)


async def attempts_of(ids: list[str]) -> dict[str, list[WebhookAttempt]]:
    found: dict[str, list[WebhookAttempt]] = {i: [] for i in ids}
    for row in await WebhookAttempt.filter(message_id__in=ids).order_by("attempt", "created_at"):
        found[row.message_id].append(row)
    return found


async def sequenced_through(tenant: TenantHandle, runtime: Runtime) -> int:
    """Number the tenant's committed events (whichever relay does it); returns its last seq."""

    async def all_numbered() -> bool:
        await runtime.realtime.relay.run_once()
        sql = db.Sql(db.dialect())
        rows = await db.fetch(f"SELECT count(*) AS n FROM events WHERE seq IS NULL AND tenant_id = {sql.param(tenant.tenant_id)}", sql.params)
        return int(rows[0]["n"]) == 0

    deadline = time.monotonic() + 15
    while not await all_numbered():
        assert time.monotonic() < deadline, "the tenant's events were not numbered"
        await asyncio.sleep(0.05)
    return (await events.last_seqs([tenant.tenant_id]))[tenant.tenant_id]


async def fan_out_until_caught_up(tenant: TenantHandle, last_seq: int, *workers: WebhookWorker) -> None:
    """Rounds of every worker's fan-out at once, until the tenant's cursor reaches `last_seq`."""
    for _ in range(30):
        await asyncio.gather(*(w.fan_out() for w in workers))
        if (await WebhookCursor.get(tenant_id=tenant.tenant_id)).last_seq >= last_seq:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the fan-out did not catch up")


# --- fan-out -----------------------------------------------------------------------------------


async def test_two_workers_fanning_out_at_once_make_exactly_one_message_per_event_and_endpoint(
    app: Starlette, api: Api, tenant: TenantHandle, receiver: Receiver, pump: Pump
) -> None:
    runtime = app.state.runtime
    type_id = await make_type(tenant, "lead", [{"name": "n", "data_type": "integer"}])
    first = await new_endpoint(api, tenant, receiver.url("/a"))
    second = await new_endpoint(api, tenant, receiver.url("/b"))
    start = (await WebhookCursor.get(tenant_id=tenant.tenant_id)).last_seq
    await make_objects(tenant, type_id, [{"n": n} for n in range(50)])
    last_seq = await sequenced_through(tenant, runtime)
    created = [e.seq for e in await events.after(tenant.tenant_id, start, limit=1000) if e.type == "object.created"]
    assert len(created) == 50

    workers = (WebhookWorker(runtime, worker_id="fan-out-a"), WebhookWorker(runtime, worker_id="fan-out-b"))
    await fan_out_until_caught_up(tenant, last_seq, *workers)
    for _ in range(3):  # more rounds once caught up add nothing
        await asyncio.gather(*(w.fan_out() for w in workers))

    messages = await WebhookMessage.filter(tenant_id=tenant.tenant_id)
    pairs = Counter((m.event_seq, m.endpoint_id) for m in messages)
    assert len(messages) == 100
    assert set(pairs) == {(seq, endpoint["id"]) for seq in created for endpoint in (first, second)}
    assert set(pairs.values()) == {1}
    assert (await WebhookCursor.get(tenant_id=tenant.tenant_id)).last_seq == last_seq

    for path, endpoint in (("/a", first), ("/b", second)):  # and each goes out once
        received = await receiver.wait_for(path, 50, drive=pump)
        assert Counter(r.headers["webhook-id"] for r in received) == Counter(m.id for m in messages if m.endpoint_id == endpoint["id"])


async def test_an_endpoint_created_after_some_events_gets_only_the_events_after_it(
    app: Starlette, api: Api, tenant: TenantHandle, receiver: Receiver, pump: Pump
) -> None:
    runtime = app.state.runtime
    worker = WebhookWorker(runtime, worker_id="fan-out-late")
    type_id = await make_type(tenant, "lead", [{"name": "n", "data_type": "integer"}])
    early = await new_endpoint(api, tenant, receiver.url("/early"))
    await make_objects(tenant, type_id, [{"n": n} for n in range(5)])
    before = await sequenced_through(tenant, runtime)
    await fan_out_until_caught_up(tenant, before, worker)

    late = await new_endpoint(api, tenant, receiver.url("/late"))
    await make_objects(tenant, type_id, [{"n": n} for n in range(5, 8)])
    after = await sequenced_through(tenant, runtime)
    await fan_out_until_caught_up(tenant, after, worker)

    later_events = [e.seq for e in await events.after(tenant.tenant_id, before, limit=100) if e.type == "object.created"]
    by_endpoint: dict[str, list[int]] = {early["id"]: [], late["id"]: []}
    for message in await WebhookMessage.filter(tenant_id=tenant.tenant_id).order_by("event_seq"):
        by_endpoint[message.endpoint_id].append(message.event_seq)
    assert len(later_events) == 3
    assert sorted(by_endpoint[late["id"]]) == later_events
    assert len(by_endpoint[early["id"]]) == 8 and set(later_events) < set(by_endpoint[early["id"]])
    await receiver.wait_for("/early", 8, drive=pump)
    late_seqs = sorted(int(json.loads(r.body)["data"]["id"]) for r in await receiver.wait_for("/late", 3, drive=pump))
    assert late_seqs == later_events


async def test_an_endpoint_created_while_the_fan_out_is_behind_gets_no_events_from_before_it(
    app: Starlette, api: Api, tenant: TenantHandle, receiver: Receiver
) -> None:
    runtime = app.state.runtime
    type_id = await make_type(tenant, "lead", [{"name": "n", "data_type": "integer"}])
    early = await new_endpoint(api, tenant, receiver.url("/early"))
    start = (await WebhookCursor.get(tenant_id=tenant.tenant_id)).last_seq
    await make_objects(tenant, type_id, [{"n": n} for n in range(5)])
    last_seq = await sequenced_through(tenant, runtime)
    late = await new_endpoint(api, tenant, receiver.url("/late"))
    async with fenced():  # no dispatcher had reached those events yet when `late` was created
        await WebhookCursor.filter(tenant_id=tenant.tenant_id).update(last_seq=start)
        await WebhookMessage.filter(tenant_id=tenant.tenant_id).delete()

    await fan_out_until_caught_up(tenant, last_seq, WebhookWorker(runtime, worker_id="fan-out-behind"))
    assert await WebhookMessage.filter(endpoint_id=early["id"]).count() == 5
    assert await WebhookMessage.filter(endpoint_id=late["id"]).count() == 0


# --- leases ------------------------------------------------------------------------------------


async def test_a_killed_workers_messages_wait_for_its_lease_then_go_out_with_the_same_webhook_id(
    app: Starlette, api: Api, tenant: TenantHandle, receiver: Receiver, pump: Pump
) -> None:
    endpoint = await new_endpoint(api, tenant, receiver.url("/killed"))
    messages = outgoing(tenant, endpoint["id"], 3)
    ids = [m.id for m in messages]
    claimed = await queue_claimed("dead-worker", messages)  # ...and the worker dies before sending
    assert sorted(m.id for m in claimed) == sorted(ids) and {m.attempts for m in claimed} == {1}

    survivor = WebhookWorker(app.state.runtime, worker_id="survivor")
    for _ in range(3):
        await survivor.deliver()
        await asyncio.sleep(0.1)
    assert receiver.at("/killed") == []
    rows = await WebhookMessage.filter(id__in=ids)
    assert {(m.status, m.claimed_by, m.attempts) for m in rows} == {("pending", "dead-worker", 1)}

    await WebhookMessage.filter(id__in=ids).update(lease_until=now() - timedelta(seconds=1))  # the lease ran out
    received = await receiver.wait_for("/killed", 3, drive=pump)
    assert sorted(r.headers["webhook-id"] for r in received) == sorted(ids)
    assert sorted(Webhook(endpoint["secret"]).verify(r.body, r.headers)["n"] for r in received) == [0, 1, 2]

    final = await settled(ids, pump)
    assert {(m.status, m.attempts, m.claimed_by) for m in final.values()} == {("delivered", 2, None)}
    recorded = await attempts_of(ids)
    assert {i: [(a.attempt, a.succeeded) for a in rows] for i, rows in recorded.items()} == {i: [(2, True)] for i in ids}


async def test_a_worker_whose_lease_was_taken_over_cannot_settle_the_message(api: Api, tenant: TenantHandle, receiver: Receiver) -> None:
    endpoint = await new_endpoint(api, tenant, receiver.url("/slow"))
    (message,) = outgoing(tenant, endpoint["id"], 1)
    (slow,) = await queue_claimed("slow-worker", [message])

    async with fenced():  # the slow worker's lease runs out and the fast one claims the message
        await WebhookMessage.filter(id=message.id).update(lease_until=now() - timedelta(seconds=1))
        claimed = await repository.claim_due("fast-worker", 10_000, LEASE_SECONDS)
        await give_back_others(claimed, {message.id})
    (fast,) = [m for m in claimed if m.id == message.id]
    assert (slow.attempts, fast.attempts) == (1, 2)

    gave_up = await repository.finish(message.id, "slow-worker", status="dead", finished_at=now(), last_status_code=500, last_error="slow")
    assert gave_up is False
    row = await WebhookMessage.get(id=message.id)
    assert (row.status, row.claimed_by, row.last_error) == ("pending", "fast-worker", None)

    assert await repository.finish(message.id, "fast-worker", status="delivered", finished_at=now(), last_status_code=200) is True
    retried = await repository.finish(message.id, "slow-worker", next_attempt_at=now() + timedelta(seconds=5), last_status_code=503)
    assert retried is False
    row = await WebhookMessage.get(id=message.id)
    assert (row.status, row.last_status_code, row.last_error, row.claimed_by, row.lease_until, row.attempts) == (
        "delivered", 200, None, None, None, 2
    )


# --- retries -----------------------------------------------------------------------------------


async def test_a_failed_first_attempt_is_retried_after_the_schedules_second_delay(
    app: Starlette, api: Api, tenant: TenantHandle, receiver: Receiver, pump: Pump
) -> None:
    runtime = app.state.runtime
    delay = runtime.webhooks.settings.retry_schedule[1]
    assert delay > 0
    receiver.script("/flaky", 500, then=200)
    endpoint = await new_endpoint(api, tenant, receiver.url("/flaky"))
    (message,) = outgoing(tenant, endpoint["id"], 1)

    before = now()
    await first_pass(WebhookWorker(runtime, worker_id="retry-worker"), [message])
    after = now()
    row = await WebhookMessage.get(id=message.id)
    assert (row.status, row.attempts, row.last_status_code, row.claimed_by) == ("pending", 1, 500, None)
    assert before + timedelta(seconds=delay * (1 - JITTER)) <= row.next_attempt_at <= after + timedelta(seconds=delay * (1 + JITTER))

    first, second = await receiver.wait_for("/flaky", 2, drive=pump)
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == message.id
    final = (await settled([message.id], pump))[message.id]
    assert (final.status, final.attempts, final.last_status_code) == ("delivered", 2, 200)
    failed, succeeded = (await attempts_of([message.id]))[message.id]
    assert [(a.attempt, a.status_code, a.succeeded) for a in (failed, succeeded)] == [(1, 500, False), (2, 200, True)]
    assert succeeded.created_at - failed.created_at >= timedelta(seconds=delay * (1 - JITTER))


def test_the_retry_delay_keeps_within_ten_percent_of_the_schedule_and_ends_with_it() -> None:
    settings = WebhookSettings(retry_schedule=(0, 5, 300))
    assert settings.retry_delay(0) == 0.0
    draws = [settings.retry_delay(1) for _ in range(5000)]
    assert all(d is not None and 4.5 <= d <= 5.5 for d in draws)
    assert min(d for d in draws if d is not None) < 4.6 and max(d for d in draws if d is not None) > 5.4  # it does spread
    assert all(270 <= (settings.retry_delay(2) or 0) <= 330 for _ in range(1000))
    assert settings.retry_delay(3) is None and settings.retry_delay(10) is None

    default = WebhookSettings()
    last = len(DEFAULT_RETRY_SCHEDULE)
    assert DEFAULT_RETRY_SCHEDULE[-1] * 0.9 <= (default.retry_delay(last - 1) or 0) <= DEFAULT_RETRY_SCHEDULE[-1] * 1.1
    assert default.retry_delay(last) is None


async def test_a_receiver_that_answers_too_slowly_is_a_timed_out_attempt_and_is_retried(
    app: Starlette, api: Api, tenant: TenantHandle, receiver: Receiver, pump: Pump
) -> None:
    runtime = app.state.runtime
    receiver.script("/sleepy", delay=2.0)
    endpoint = await new_endpoint(api, tenant, receiver.url("/sleepy"))
    (message,) = outgoing(tenant, endpoint["id"], 1)

    original = runtime.webhooks
    runtime.webhooks = Courier(WebhookSettings(allow_loopback=True, timeout_seconds=1.0, retry_schedule=original.settings.retry_schedule))
    try:
        await first_pass(WebhookWorker(runtime, worker_id="impatient-worker"), [message])
    finally:
        await runtime.webhooks.close()
        runtime.webhooks = original
    row = await WebhookMessage.get(id=message.id)
    assert (row.status, row.attempts, row.last_status_code, row.last_error) == ("pending", 1, None, "timed out")
    (timed_out,) = (await attempts_of([message.id]))[message.id]
    assert (timed_out.attempt, timed_out.succeeded, timed_out.status_code, timed_out.error) == (1, False, None, "timed out")

    receiver.script("/sleepy")  # answers at once from now on
    first, retried = await receiver.wait_for("/sleepy", 2, drive=pump)
    assert first.headers["webhook-id"] == retried.headers["webhook-id"] == message.id  # the receiver can tell it is the same
    final = (await settled([message.id], pump))[message.id]
    assert (final.status, final.attempts, final.last_error) == ("delivered", 2, None)


@contextlib.contextmanager
def trickling_receiver(chunks: int, pause: float) -> Iterator[str]:
    """A server that answers 200 at once, then sends its body one byte every `pause` seconds."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 (the http.server API)
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(200)
            self.send_header("Content-Length", str(chunks))
            self.end_headers()
            with contextlib.suppress(OSError):
                for _ in range(chunks):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(pause)

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/trickle"
    finally:
        server.shutdown()
        server.server_close()


async def test_a_receiver_that_trickles_its_answer_past_the_timeout_is_a_timed_out_attempt(
    app: Starlette, api: Api, tenant: TenantHandle
) -> None:
    runtime = app.state.runtime
    with trickling_receiver(chunks=10, pause=0.25) as url:  # 2.5 s in all, no pause as long as the 1 s timeout
        endpoint = await new_endpoint(api, tenant, url)
        (message,) = outgoing(tenant, endpoint["id"], 1)
        original = runtime.webhooks
        runtime.webhooks = Courier(WebhookSettings(allow_loopback=True, timeout_seconds=1.0, retry_schedule=original.settings.retry_schedule))
        try:
            await first_pass(WebhookWorker(runtime, worker_id="impatient-worker"), [message])
        finally:
            await runtime.webhooks.close()
            runtime.webhooks = original
    row = await WebhookMessage.get(id=message.id)
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "timed out")


async def test_messages_for_a_receiver_that_is_down_are_delivered_once_it_comes_up(
    api: Api, tenant: TenantHandle, receiver: Receiver, pump: Pump
) -> None:
    endpoint = await new_endpoint(api, tenant, receiver.url("/back"))
    port = receiver.server.server_address[1]
    handler = receiver.server.RequestHandlerClass
    receiver.server.shutdown()
    receiver.server.server_close()  # nothing listens on the port now
    messages = outgoing(tenant, endpoint["id"], 5)
    ids = [m.id for m in messages]
    await queue_first(messages)

    async def all_failed_once() -> bool:
        recorded = await attempts_of(ids)
        return all(rows and not rows[0].succeeded for rows in recorded.values())

    await eventually(all_failed_once, pump)
    assert {(m.status, m.last_error.startswith("unreachable")) for m in await WebhookMessage.filter(id__in=ids)} == {("pending", True)}

    receiver.server = ThreadingHTTPServer(("127.0.0.1", port), handler)  # the receiver comes back on its port
    receiver.server.daemon_threads = True
    threading.Thread(target=receiver.server.serve_forever, daemon=True).start()
    await receiver.wait_for("/back", 5, drive=pump)
    final = await settled(ids, pump)
    assert {m.status for m in final.values()} == {"delivered"}
    assert Counter(r.headers["webhook-id"] for r in receiver.at("/back")) == Counter(ids)  # none lost, none twice
    for rows in (await attempts_of(ids)).values():
        assert rows[-1].succeeded and not any(a.succeeded for a in rows[:-1])
        assert all(a.error.startswith("unreachable") for a in rows[:-1]) and len(rows) >= 2


# --- endpoints that are gone -------------------------------------------------------------------


async def test_messages_of_a_disabled_endpoint_are_cancelled_when_claimed_and_never_sent(
    app: Starlette, api: Api, tenant: TenantHandle, receiver: Receiver, pump: Pump
) -> None:
    type_id = await make_type(tenant, "lead", [{"name": "n", "data_type": "integer"}])
    endpoint = await new_endpoint(api, tenant, receiver.url("/off"))
    witness = await new_endpoint(api, tenant, receiver.url("/witness"))
    patched = data(await api.rest("PATCH", f"/v1/webhooks/{endpoint['id']}", tenant.token, json={"status": "disabled"}))
    assert patched["status"] == "disabled"
    queued = outgoing(tenant, endpoint["id"], 3)  # fanned out just before the endpoint was disabled
    ids = [m.id for m in queued]
    await queue_first(queued)

    final = await settled(ids, pump)
    assert {(m.status, m.last_error, m.claimed_by) for m in final.values()} == {("cancelled", "the endpoint is disabled or gone", None)}
    assert all(m.finished_at is not None for m in final.values())

    await make_objects(tenant, type_id, [{"n": 1}])  # and nothing new is queued for it
    await receiver.wait_for("/witness", drive=pump)
    assert receiver.at("/off") == []
    assert await attempts_of(ids) == {i: [] for i in ids}
    assert await WebhookMessage.filter(endpoint_id=endpoint["id"]).count() == 3
    assert await WebhookMessage.filter(endpoint_id=witness["id"]).count() == 1


async def test_a_message_of_a_deleted_endpoint_is_cancelled_when_claimed_and_never_sent(
    api: Api, tenant: TenantHandle, receiver: Receiver, pump: Pump
) -> None:
    endpoint = await new_endpoint(api, tenant, receiver.url("/deleted"))
    assert data(await api.rest("DELETE", f"/v1/webhooks/{endpoint['id']}", tenant.token)) == {"deleted": True}
    queued = outgoing(tenant, endpoint["id"], 2)  # a fan-out that raced the deletion
    ids = [m.id for m in queued]
    await queue_first(queued)

    final = await settled(ids, pump)
    assert {(m.status, m.last_error) for m in final.values()} == {("cancelled", "the endpoint is disabled or gone")}
    for _ in range(3):
        await pump()
    assert receiver.at("/deleted") == []
    assert await attempts_of(ids) == {i: [] for i in ids}
