"""The automation worker: fan-out of committed events into runs (each (event, automation) once,
however many workers), which events a new automation sees, leases, and deleted automations.

A session `live_server` sharing the database runs an automation worker too: it may fan out or run
what these tests queue. Counts of runs hold whoever queued them, and outcomes are awaited by
polling until the run has finished, whoever ran it.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any

from starlette.applications import Starlette

from models.automations import Automation, AutomationCursor, AutomationRun
from models.events import EventSequence
from resolvers import db
from resolvers.automations import repository
from resolvers.automations.service import create_automation
from resolvers.automations.worker import AutomationWorker
from resolvers.events.service import track
from resolvers.ids import new_id
from resolvers.objects.service import list_objects
from tests.support import TenantHandle, make_type, principal_of

ECHO = [{"type": "transform", "config": {"output": "{{event.data.n}}"}}]


def workers(app: Starlette, *names: str) -> list[AutomationWorker]:
    return [AutomationWorker(app.state.runtime, worker_id=name) for name in names]


async def automation(tenant: TenantHandle, trigger_event: str, **fields: Any) -> Automation:
    return await create_automation(principal_of(tenant), {"name": trigger_event, "trigger_event": trigger_event, "actions": ECHO, **fields})


async def events(tenant: TenantHandle, event_type: str, numbers: range) -> None:
    for n in numbers:
        await track(principal_of(tenant), event_type, {"n": n})


async def relay_all(app: Starlette) -> None:
    """Number every committed event (what a server's relay does right after each commit)."""
    numbered = await app.state.runtime.realtime.relay.run_once()
    while numbered:
        numbered = await app.state.runtime.realtime.relay.run_once()


async def fan_out_together(pool: list[AutomationWorker], tenant: TenantHandle) -> None:
    """The workers fan out at once until the tenant's cursor has caught up with its event log
    (a live server's worker may hold the cursor meanwhile: ours then skip it and wait)."""
    deadline = time.monotonic() + 15
    while True:
        await asyncio.gather(*(w.fan_out() for w in pool))
        cursor = await AutomationCursor.get(tenant_id=tenant.tenant_id)
        sequence = await EventSequence.get_or_none(tenant_id=tenant.tenant_id)
        if cursor.last_seq == (sequence.last_seq if sequence else 0):
            return
        assert time.monotonic() < deadline, (cursor.last_seq, sequence)
        await asyncio.sleep(0.02)


async def finished(run_id: str, pool: list[AutomationWorker]) -> AutomationRun:
    """The run once some worker (these, or a live server's) has settled it."""
    deadline = time.monotonic() + 15
    while True:
        await asyncio.gather(*(w.run_queued() for w in pool))
        run = await AutomationRun.get(id=run_id)
        if run.status not in ("pending", "running"):
            return run
        assert time.monotonic() < deadline, (run.status, run.claimed_by, run.lease_until)
        await asyncio.sleep(0.05)


async def seqs_seen(automation_id: str) -> list[int]:
    return sorted(r.event_seq for r in await AutomationRun.filter(automation_id=automation_id) if r.event_seq is not None)


async def test_two_workers_fanning_out_at_once_queue_one_run_per_event_and_matching_automation(app: Starlette, tenant: TenantHandle) -> None:
    orders = await automation(tenant, "order.*")
    paid = await automation(tenant, "order.paid")
    everything = await automation(tenant, "*")
    objects = await automation(tenant, "object.*")
    await events(tenant, "order.paid", range(20))
    await events(tenant, "order.refunded", range(20, 30))
    await relay_all(app)

    await fan_out_together(workers(app, "worker-a", "worker-b"), tenant)

    runs = await AutomationRun.filter(tenant_id=tenant.tenant_id)
    pairs = Counter((r.automation_id, r.event_seq) for r in runs)
    assert set(pairs.values()) == {1}, [p for p, n in pairs.items() if n > 1]
    per_automation = Counter(r.automation_id for r in runs)
    assert (per_automation[orders.id], per_automation[paid.id], per_automation[everything.id], per_automation[objects.id]) == (30, 20, 30, 0)
    assert len(set(await seqs_seen(everything.id))) == 30
    assert {r.event_type for r in runs if r.automation_id == paid.id} == {"order.paid"}
    assert {(r.trigger, r.depth) for r in runs} == {("event", 1)}


async def test_an_automation_created_after_some_events_only_sees_the_later_ones(app: Starlette, tenant: TenantHandle) -> None:
    pool = workers(app, "worker-a", "worker-b")
    await events(tenant, "order.paid", range(3))
    await relay_all(app)
    first = await automation(tenant, "order.paid")  # the tenant's first automation: no cursor yet
    await events(tenant, "order.paid", range(3, 5))
    await relay_all(app)
    await fan_out_together(pool, tenant)
    second = await automation(tenant, "*")  # the cursor exists and has caught up
    await events(tenant, "order.paid", range(5, 6))
    await relay_all(app)
    await fan_out_together(pool, tenant)

    first_seen, second_seen = await seqs_seen(first.id), await seqs_seen(second.id)
    assert first_seen == [4, 5, 6]
    assert second_seen == [6]
    numbers = sorted(r.data["event"]["data"]["n"] for r in await AutomationRun.filter(automation_id=first.id))  # type: ignore[index]
    assert numbers == [3, 4, 5]


async def test_an_automation_created_while_earlier_events_await_fan_out_does_not_run_for_them(app: Starlette, tenant: TenantHandle) -> None:
    pool = workers(app, "worker-a")
    await automation(tenant, "order.paid")
    await events(tenant, "order.paid", range(2))  # committed (POST /v1/events answered) ...
    late = await automation(tenant, "order.*")  # ... before this automation existed
    await relay_all(app)
    await fan_out_together(pool, tenant)
    assert await seqs_seen(late.id) == []


async def test_a_run_whose_lease_ran_out_is_run_again_by_another_worker(app: Starlette, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "note", [{"name": "text", "data_type": "string"}])
    made = await automation(tenant, "order.paid", actions=[{"type": "create_record", "config": {"collection": "note", "data": {"text": "{{record.text}}"}}}])
    now = datetime.now(timezone.utc)
    run = await AutomationRun.create(  # claimed by a worker that was then killed
        id=new_id("arun"), tenant_id=tenant.tenant_id, automation_id=made.id, trigger="manual", event_type="manual",
        data={"data": {"text": "once"}, "actor": None}, depth=1, status="running", attempts=1, claimed_by="dead",
        lease_until=now + timedelta(seconds=120), started_at=now, created_at=now,
    )
    [survivor] = workers(app, "survivor")
    await survivor.run_queued()
    assert (await AutomationRun.get(id=run.id)).claimed_by == "dead"  # the lease still holds

    await AutomationRun.filter(id=run.id).update(lease_until=now - timedelta(seconds=1))
    done = await finished(run.id, [survivor])

    assert (done.status, done.attempts, done.claimed_by, done.error) == ("succeeded", 2, None, None)
    assert done.results is not None and [r["status"] for r in done.results] == ["succeeded"]
    assert await repository.finish(run, "dead", status="failed") is False  # the dead worker can no longer settle it
    assert (await AutomationRun.get(id=run.id)).status == "succeeded"
    notes = await list_objects(principal_of(tenant), type_id, limit=10)
    assert [o.properties["text"] for o in notes.items] == ["once"]
    assert await AutomationRun.filter(automation_id=made.id).count() == 1


async def test_a_queued_run_of_a_deleted_automation_fails_as_deleted(app: Starlette, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "note", [{"name": "text", "data_type": "string"}])
    made = await automation(tenant, "order.paid", actions=[{"type": "create_record", "config": {"collection": "note", "data": {"text": "x"}}}])
    run_id = new_id("arun")
    async with db.transaction():  # no worker can see the run while its automation still exists
        await AutomationRun.create(
            id=run_id, tenant_id=tenant.tenant_id, automation_id=made.id, trigger="manual", event_type="manual",
            data={"data": {}, "actor": None}, depth=1, created_at=datetime.now(timezone.utc),
        )
        await Automation.filter(id=made.id).delete()

    done = await finished(run_id, workers(app, "worker-a"))
    assert done.status == "failed" and done.error is not None and "deleted" in done.error
    assert (await list_objects(principal_of(tenant), type_id, limit=10)).items == []
