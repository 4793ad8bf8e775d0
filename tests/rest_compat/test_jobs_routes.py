"""Scheduled jobs over REST: create with a cron schedule, run now through the action engine."""

from __future__ import annotations

from tests.support import Api, TenantHandle, data, make_type


async def test_a_job_runs_its_action_now_and_records_the_outcome(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "note", [{"name": "text", "data_type": "string"}])
    job = data(await api.rest("POST", "/v1/scheduled-jobs", tenant.token, json={
        "name": "nightly note", "cron_expression": "0 3 * * *", "timezone": "Europe/Paris",
        "action_type": "create_record", "action_config": {"collection": "note", "data": {"text": "made by {{job.name}}"}},
    }), 201)
    assert job["next_run_at"] and job["enabled"] is True
    run = data(await api.rest("POST", f"/v1/scheduled-jobs/{job['id']}/execute", tenant.token))
    assert run["status"] == "succeeded", run
    assert run["result"]["result"]["properties"]["text"] == "made by nightly note"
    listed = data(await api.rest("GET", f"/v1/objects/{type_id}/list", tenant.token))
    assert [o["properties"]["text"] for o in listed["results"]] == ["made by nightly note"]
    again = data(await api.rest("GET", f"/v1/scheduled-jobs/{job['id']}", tenant.token))
    assert again["last_status"] == "succeeded"
