"""The job worker, driven deterministically: JobWorker instances share a fake clock far in the
future (year 2100), and the jobs under test are due only then.

A session `live_server` sharing the database runs its own job worker on the real clock; it never
sees these jobs or runs as due (their times are decades ahead) and never sees their leases as
expired (expired leases here are "expired" only relative to the fake clock). So every occurrence
and every run of these tests is handled by the workers built here.

Covers: two workers scheduling the same minute-by-minute job concurrently claim every occurrence
exactly once; a run whose worker died is taken up by another when its lease runs out, not
duplicated, and given up after MAX_ATTEMPTS; long-missed occurrences are skipped, not replayed;
one-off jobs run once; runs queued by the enqueue_job action are executed when due.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from typing import Any

from starlette.applications import Starlette

from models.jobs import JobRun, ScheduledJob
from resolvers.jobs import queue, repository
from resolvers.jobs.schemas import LEASE_SECONDS, MAX_ATTEMPTS, RUN_BATCH
from resolvers.jobs.service import create_job
from resolvers.jobs.worker import JobWorker
from resolvers.objects.service import list_objects
from tests.support import TenantHandle, make_type, principal_of

T0 = datetime(2100, 1, 1, tzinfo=timezone.utc)


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def workers(app: Starlette, clock: FakeClock, *names: str) -> list[JobWorker]:
    return [JobWorker(app.state.runtime, worker_id=name, clock=clock) for name in names]


async def make_job(tenant: TenantHandle, *, next_run_at: datetime | None, **fields: Any) -> ScheduledJob:
    """A job created disabled (so no real-time occurrence exists), then enabled with next_run_at."""
    spec: dict[str, Any] = {"name": "job", "action_type": "transform", "action_config": {"output": "{{job.scheduled_for}}"}, **fields}
    if "run_at" not in spec and "cron_expression" not in spec:
        spec["cron_expression"] = "*/1 * * * *"
    job = await create_job(principal_of(tenant), {**spec, "enabled": False})
    await ScheduledJob.filter(id=job.id).update(enabled=True, next_run_at=next_run_at)
    return await ScheduledJob.get(id=job.id)


async def schedule_tick(pool: list[JobWorker], job_id: str, clock: FakeClock) -> None:
    """Every worker schedules at once, again until the job's next occurrence is ahead of the clock
    (other tests' jobs, far behind the fake clock, may take a pass of their own)."""
    for _ in range(20):
        await asyncio.gather(*(w.schedule() for w in pool))
        job = await ScheduledJob.get(id=job_id)
        if job.next_run_at is None or job.next_run_at > clock():
            return
    raise AssertionError(f"the job stayed due: {job.next_run_at} at {clock()}")


async def run_all(pool: list[JobWorker]) -> None:
    """Every worker runs due runs at once, until none is left."""
    for _ in range(50):
        if sum(await asyncio.gather(*(w.run_due() for w in pool))) == 0:
            return
    raise AssertionError("runs kept coming")


async def claim_and_die(job_id: str, clock: FakeClock) -> JobRun:
    """Worker "dead" claims the job's due run (and whatever due runs come before it) and is killed."""
    for _ in range(20):
        claimed = await repository.claim_runs("dead", clock(), RUN_BATCH, LEASE_SECONDS)
        mine = [r for r in claimed if r.job_id == job_id]
        if mine or not claimed:
            assert len(mine) == 1, claimed
            return mine[0]
    raise AssertionError("the run was never claimed")


async def runs_of(job_id: str) -> list[JobRun]:
    return await JobRun.filter(job_id=job_id).order_by("scheduled_for", "created_at")


async def test_two_workers_sharing_a_clock_claim_every_occurrence_of_a_minutely_job_exactly_once(
    app: Starlette, tenant: TenantHandle
) -> None:
    type_id = await make_type(tenant, "tick", [{"name": "at", "data_type": "string"}])
    job = await make_job(tenant, next_run_at=T0, action_type="create_record",
                         action_config={"collection": "tick", "data": {"at": "{{job.scheduled_for}}"}})
    clock = FakeClock(T0)
    pool = workers(app, clock, "worker-a", "worker-b")

    for _ in range(10):
        await schedule_tick(pool, job.id, clock)
        await run_all(pool)
        clock.advance(timedelta(minutes=1))

    runs = await runs_of(job.id)
    expected = [T0 + timedelta(minutes=m) for m in range(10)]
    assert [r.scheduled_for for r in runs] == expected
    assert {(r.status, r.trigger, r.attempts, r.error) for r in runs} == {("succeeded", "schedule", 1, None)}
    assert {r.result["result"]["properties"]["at"] for r in runs} == {t.isoformat() for t in expected}  # type: ignore[index]
    ticks = await list_objects(principal_of(tenant), type_id, limit=100)
    assert sorted(o.properties["at"] for o in ticks.items) == [t.isoformat() for t in expected]  # each occurrence acted once
    after = await ScheduledJob.get(id=job.id)
    assert after.next_run_at == T0 + timedelta(minutes=10) and after.last_status == "succeeded"


async def test_a_run_whose_worker_died_is_finished_by_another_worker_without_being_duplicated(app: Starlette, tenant: TenantHandle) -> None:
    job = await make_job(tenant, next_run_at=T0, cron_expression="0 0 1 1 *")
    clock = FakeClock(T0)
    [survivor] = workers(app, clock, "survivor")
    await schedule_tick([survivor], job.id, clock)

    dead_run = await claim_and_die(job.id, clock)
    assert (dead_run.status, dead_run.attempts, dead_run.claimed_by) == ("running", 1, "dead")
    await run_all([survivor])
    assert (await JobRun.get(id=dead_run.id)).status == "running"  # the lease still holds: nobody else takes it

    await JobRun.filter(claimed_by="dead").update(lease_until=clock() - timedelta(seconds=1))
    await run_all([survivor])

    [run] = await runs_of(job.id)
    assert (run.id, run.status, run.attempts, run.claimed_by, run.lease_until) == (dead_run.id, "succeeded", 2, None, None)
    assert run.result["result"] == T0.isoformat()  # type: ignore[index]
    assert await repository.finish(dead_run, "dead", status="failed", error="late") is False  # the dead worker cannot settle it any more
    assert (await JobRun.get(id=run.id)).status == "succeeded"


async def test_a_run_whose_lease_keeps_running_out_is_given_up_after_the_maximum_attempts(app: Starlette, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "effect", [{"name": "n", "data_type": "integer"}])
    job = await make_job(tenant, next_run_at=T0, cron_expression="0 0 1 1 *", action_type="create_record",
                         action_config={"collection": "effect", "data": {"n": 1}})
    clock = FakeClock(T0)
    [survivor] = workers(app, clock, "survivor")
    await schedule_tick([survivor], job.id, clock)

    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert (await claim_and_die(job.id, clock)).attempts == attempt
        await JobRun.filter(claimed_by="dead").update(lease_until=clock() - timedelta(seconds=1))
    await run_all([survivor])

    [run] = await runs_of(job.id)
    assert (run.status, run.attempts) == ("failed", MAX_ATTEMPTS + 1)
    assert run.error is not None and "gave up" in run.error
    assert (await list_objects(principal_of(tenant), type_id, limit=10)).items == []  # the action never ran


async def test_occurrences_missed_for_hours_are_skipped_to_the_next_one_after_now(app: Starlette, tenant: TenantHandle) -> None:
    now = T0 + timedelta(days=1, hours=3)
    job = await make_job(tenant, next_run_at=now - timedelta(hours=3))
    clock = FakeClock(now)
    pool = workers(app, clock, "worker-a", "worker-b")

    await schedule_tick(pool, job.id, clock)
    await run_all(pool)
    assert await runs_of(job.id) == []  # no burst of 180 runs
    assert (await ScheduledJob.get(id=job.id)).next_run_at == now + timedelta(minutes=1)

    clock.advance(timedelta(minutes=1))
    await schedule_tick(pool, job.id, clock)
    await run_all(pool)
    assert [(r.scheduled_for, r.status) for r in await runs_of(job.id)] == [(now + timedelta(minutes=1), "succeeded")]


async def test_a_one_off_job_runs_once_and_then_has_no_next_run(app: Starlette, tenant: TenantHandle) -> None:
    at = T0 + timedelta(days=2, hours=5)
    job = await make_job(tenant, next_run_at=at, run_at=at.isoformat())
    clock = FakeClock(at + timedelta(seconds=30))
    pool = workers(app, clock, "worker-a", "worker-b")

    for _ in range(3):
        await schedule_tick(pool, job.id, clock)
        await run_all(pool)
        clock.advance(timedelta(minutes=5))

    [run] = await runs_of(job.id)
    assert (run.scheduled_for, run.status, run.result["result"]) == (at, "succeeded", at.isoformat())  # type: ignore[index]
    after = await ScheduledJob.get(id=job.id)
    assert (after.next_run_at, after.enabled, after.last_status) == (None, True, "succeeded")


async def test_runs_queued_by_the_enqueue_job_action_are_executed_when_due(app: Starlette, tenant: TenantHandle) -> None:
    job = await make_job(tenant, next_run_at=None, name="report", action_config={"output": {"data": "{{job.data}}", "trigger": "{{job.trigger}}"}})
    due = T0 + timedelta(days=3)
    runtime = app.state.runtime
    by_id = await queue.enqueue(tenant.tenant_id, job.id, data={"n": 1}, run_at=due.isoformat(), depth=2, runtime=runtime)
    by_name = await queue.enqueue(tenant.tenant_id, "report", data={"n": 2}, run_at=(due + timedelta(hours=1)).isoformat(), runtime=runtime)
    assert by_id["status"] == by_name["status"] == "pending" and by_id["job_id"] == by_name["job_id"] == job.id

    clock = FakeClock(due)
    pool = workers(app, clock, "worker-a", "worker-b")
    await run_all(pool)
    first, second = await JobRun.get(id=by_id["run_id"]), await JobRun.get(id=by_name["run_id"])
    assert (first.status, first.trigger, first.depth, first.attempts) == ("succeeded", "enqueue", 2, 1)
    assert first.result["result"] == {"data": {"n": 1}, "trigger": "enqueue"}  # type: ignore[index]
    assert second.status == "pending"  # due an hour later

    clock.advance(timedelta(hours=1))
    await run_all(pool)
    second = await JobRun.get(id=by_name["run_id"])
    assert second.status == "succeeded" and second.result["result"]["data"] == {"n": 2}  # type: ignore[index]
    assert await JobRun.filter(job_id=job.id).count() == 2
