"""A cron job across real worker processes: two `basalt worker` processes catch up on ten minutes
of occurrences (the job's schedule is moved ten minutes into the past, so the simulated time runs
through real claims) and each occurrence runs exactly once."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta, timezone

from models.jobs import JobRun, ScheduledJob
from tests.conftest import stop_server
from tests.graphql_api.test_webhook_reliability import launch_worker, wait_running
from tests.support import Api, TenantHandle, data, make_type

MINUTES = 10


async def test_two_worker_processes_run_each_occurrence_of_ten_minutes_once(api: Api, tenant: TenantHandle, server_env: dict[str, str]) -> None:
    type_id = await make_type(tenant, "tick", [{"name": "at", "data_type": "string"}])
    job = data(await api.rest("POST", "/v1/scheduled-jobs", tenant.token, json={
        "name": "every minute", "cron_expression": "* * * * *", "enabled": False,
        "action_type": "create_record", "action_config": {"collection": "tick", "data": {"at": "{{job.scheduled_for}}"}},
    }), 201)
    start = datetime.now(timezone.utc).replace(second=0, microsecond=0) - timedelta(minutes=MINUTES)
    await ScheduledJob.filter(id=job["id"]).update(enabled=True, next_run_at=start)
    workers = [launch_worker(server_env, f"cron-{n}") for n in range(2)]
    try:
        for n, process in enumerate(workers):
            wait_running(server_env, f"cron-{n}", process)
        deadline = time.monotonic() + 60
        while True:
            runs = await JobRun.filter(job_id=job["id"], trigger="schedule")
            if len(runs) >= MINUTES + 1 and all(r.status == "succeeded" for r in runs):
                break
            assert time.monotonic() < deadline, [(r.scheduled_for, r.status) for r in runs]
            await asyncio.sleep(0.2)
    finally:
        for process in workers:
            stop_server(process)
    occurrences = sorted(r.scheduled_for for r in await JobRun.filter(job_id=job["id"], trigger="schedule") if r.scheduled_for)
    assert occurrences == [start + timedelta(minutes=m) for m in range(len(occurrences))]  # consecutive minutes, none twice
    assert len(occurrences) in (MINUTES + 1, MINUTES + 2)  # the current minute may turn over while the test runs
    ticks = data(await api.rest("GET", f"/v1/objects/{type_id}/list?limit=100", tenant.token))["results"]
    assert sorted(t["properties"]["at"] for t in ticks) == sorted(o.isoformat() for o in occurrences)
