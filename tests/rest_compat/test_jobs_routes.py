"""Scheduled jobs over REST: create with a cron schedule (or a one-off run_at), run now through the
action engine.

Covers CRUD and validation (fields named in the errors), the next run computed in the job's
timezone across daylight-saving time, disabling (no next run) and enabling again, execute
answering the run (succeeded with its result, or failed with the error), scopes (`read`,
`schema`, `write`), and other tenants' jobs looking missing.

Every job here fires at most daily and far from now, so a live server sharing the database never
runs one of them while a test looks.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from tests.support import Api, TenantHandle, data, error_code, gql_code, make_type

NOTE = {"action_type": "transform", "action_config": {"output": "{{job.name}}"}}


async def create(api: Api, tenant: TenantHandle, **body: Any) -> dict[str, Any]:
    return data(await api.rest("POST", "/v1/scheduled-jobs", tenant.token, json={"name": "job", "cron_expression": "0 3 * * *", **NOTE, **body}), 201)


async def scoped_key(api: Api, tenant: TenantHandle, scopes: list[str]) -> str:
    return data(await api.rest("POST", "/v1/keys", tenant.token, json={"label": "scoped", "scopes": scopes}), 201)["token"]


def fields_of(response: httpx.Response) -> list[str]:
    assert response.status_code == 400, response.text
    assert error_code(response) == "VALIDATION_ERROR"
    return [d["field"] for d in response.json()["error"]["details"]]


def instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc)


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


async def test_an_invalid_job_is_refused_with_the_bad_field_named_and_nothing_is_stored(api: Api, tenant: TenantHandle) -> None:
    async def refused(**body: Any) -> list[str]:
        return fields_of(await api.rest("POST", "/v1/scheduled-jobs", tenant.token, json={"name": "j", **NOTE, **body}))

    assert await refused(cron_expression="0 0 * * * *") == ["cron_expression"]  # six fields (seconds) are not cron here
    assert await refused(cron_expression="61 * * * *") == ["cron_expression"]
    assert await refused(cron_expression="0 9 * * *", timezone="Mars/Olympus_Mons") == ["timezone"]
    assert await refused(cron_expression="0 9 * * *", run_at="2099-01-01T00:00:00Z") == ["cron_expression"]  # both
    assert await refused() == ["cron_expression"]  # neither
    assert await refused(run_at="next tuesday") == ["run_at"]
    assert await refused(cron_expression="0 9 * * *", action_type="launch_rocket") == ["action_type"]
    assert await refused(cron_expression="0 9 * * *", action_type="create_record", action_config={"data": {}}) == ["action_config.collection"]
    assert await refused(cron_expression="0 9 * * *", action_type="aggregate_records", action_config={"collection": "x", "function": "median"}) == [
        "action_config.function"
    ]
    assert await refused(cron_expression="0 9 * * *", name=" ") == ["name"]
    assert await refused(cron_expression="0 9 * * *", bogus=1) == ["bogus"]
    assert data(await api.rest("GET", "/v1/scheduled-jobs", tenant.token)) == []

    await create(api, tenant, name="taken")
    duplicate = await api.rest("POST", "/v1/scheduled-jobs", tenant.token, json={"name": "taken", "cron_expression": "0 9 * * *", **NOTE})
    assert duplicate.status_code == 409 and error_code(duplicate) == "ALREADY_EXISTS"


async def test_the_next_run_is_computed_in_the_job_s_timezone(api: Api, tenant: TenantHandle) -> None:
    before = datetime.now(timezone.utc)
    new_york = await create(api, tenant, name="ny", cron_expression="0 9 * * *", timezone="America/New_York")
    utc = await create(api, tenant, name="utc", cron_expression="0   9 * *   *")
    kolkata = await create(api, tenant, name="in", cron_expression="30 2 * * *", timezone="Asia/Kolkata")
    assert (utc["timezone"], utc["cron_expression"]) == ("UTC", "0 9 * * *")

    at = instant(new_york["next_run_at"])
    assert (at.hour, at.minute) in ((13, 0), (14, 0))  # 9:00 EDT or EST
    local = at.astimezone(ZoneInfo("America/New_York"))
    assert (local.hour, local.minute) == (9, 0) and at.hour == 9 - int(local.utcoffset().total_seconds() // 3600)  # type: ignore[union-attr]
    assert (instant(utc["next_run_at"]).hour, instant(utc["next_run_at"]).minute) == (9, 0)
    assert (instant(kolkata["next_run_at"]).hour, instant(kolkata["next_run_at"]).minute) == (21, 0)  # 02:30 IST
    for job in (new_york, utc, kolkata):
        assert before < instant(job["next_run_at"]) <= before + timedelta(hours=25)

    moved = data(await api.rest("PATCH", f"/v1/scheduled-jobs/{utc['id']}", tenant.token, json={"timezone": "Asia/Tokyo"}))
    assert instant(moved["next_run_at"]).astimezone(ZoneInfo("Asia/Tokyo")).hour == 9 and instant(moved["next_run_at"]).hour == 0


async def test_disabling_a_job_clears_its_next_run_and_enabling_computes_it_again(api: Api, tenant: TenantHandle) -> None:
    job = await create(api, tenant, cron_expression="15 4 * * *")
    path = f"/v1/scheduled-jobs/{job['id']}"
    disabled = data(await api.rest("PATCH", path, tenant.token, json={"enabled": False}))
    assert (disabled["enabled"], disabled["next_run_at"]) == (False, None)
    assert data(await api.rest("GET", path, tenant.token))["next_run_at"] is None
    enabled = data(await api.rest("PATCH", path, tenant.token, json={"enabled": True}))
    assert enabled["enabled"] is True and enabled["next_run_at"] == job["next_run_at"]

    one_off = data(await api.rest("PATCH", path, tenant.token, json={"cron_expression": None, "run_at": "2099-06-01T12:00:00+02:00"}))
    assert one_off["cron_expression"] is None and instant(one_off["next_run_at"]) == datetime(2099, 6, 1, 10, tzinfo=timezone.utc)
    assert instant(one_off["run_at"]) == instant(one_off["next_run_at"])
    assert fields_of(await api.rest("PATCH", path, tenant.token, json={"cron_expression": "0 1 * * *"})) == ["cron_expression"]  # now both
    assert fields_of(await api.rest("PATCH", path, tenant.token, json={"enabled": "yes"})) == ["enabled"]
    created_disabled = await create(api, tenant, name="off", enabled=False)
    assert created_disabled["next_run_at"] is None


async def test_jobs_are_listed_oldest_first_changed_and_deleted(api: Api, tenant: TenantHandle) -> None:
    made = [await create(api, tenant, name=f"job {n}", description=f"number {n}") for n in range(3)]
    assert [j["id"] for j in data(await api.rest("GET", "/v1/scheduled-jobs", tenant.token))] == [j["id"] for j in made]
    assert [j["id"] for j in data(await api.rest("GET", "/v1/scheduled-jobs?limit=2&offset=1", tenant.token))] == [j["id"] for j in made[1:]]
    assert fields_of(await api.rest("GET", "/v1/scheduled-jobs?limit=0", tenant.token)) == ["limit"]

    path = f"/v1/scheduled-jobs/{made[0]['id']}"
    changed = data(await api.rest("PATCH", path, tenant.token, json={
        "name": "renamed", "action_type": "create_record", "action_config": {"collection": "note", "data": {"text": "hi"}},
    }))
    assert (changed["name"], changed["action_type"], changed["action_config"]["collection"], changed["description"]) == (
        "renamed", "create_record", "note", "number 0",
    )
    missing_config = await api.rest("PATCH", path, tenant.token, json={"action_type": "update_record"})
    assert sorted(fields_of(missing_config)) == ["action_config.id"]  # the stored config is checked against the new type
    taken = await api.rest("PATCH", path, tenant.token, json={"name": "job 1"})
    assert taken.status_code == 409 and error_code(taken) == "ALREADY_EXISTS"

    assert data(await api.rest("DELETE", path, tenant.token))["deleted"] is True
    for response in (await api.rest("GET", path, tenant.token), await api.rest("POST", f"{path}/execute", tenant.token)):
        assert response.status_code == 404 and error_code(response) == "NOT_FOUND"
    assert len(data(await api.rest("GET", "/v1/scheduled-jobs", tenant.token))) == 2


async def test_executing_a_job_whose_action_fails_answers_a_failed_run_with_the_error(api: Api, tenant: TenantHandle) -> None:
    job = await create(api, tenant, action_type="create_record", action_config={"collection": "no_such_collection", "data": {"x": 1}})
    run = data(await api.rest("POST", f"/v1/scheduled-jobs/{job['id']}/execute", tenant.token))
    assert (run["status"], run["trigger"], run["job_id"], run["attempts"]) == ("failed", "manual", job["id"], 1), run
    assert "no_such_collection" in run["error"] and run["started_at"] and run["finished_at"]
    assert run["result"]["result"] is None and [a["status"] for a in run["result"]["actions"]] == ["failed"]
    after = data(await api.rest("GET", f"/v1/scheduled-jobs/{job['id']}", tenant.token))
    assert after["last_status"] == "failed" and after["last_run_at"]
    assert after["next_run_at"] == job["next_run_at"]  # running by hand leaves the schedule alone


async def test_reading_needs_read_managing_needs_schema_and_executing_needs_write(api: Api, tenant: TenantHandle) -> None:
    job = await create(api, tenant)
    reader, manager, writer = await scoped_key(api, tenant, ["read"]), await scoped_key(api, tenant, ["schema"]), await scoped_key(api, tenant, ["write"])
    path = f"/v1/scheduled-jobs/{job['id']}"

    assert [j["id"] for j in data(await api.rest("GET", "/v1/scheduled-jobs", reader))] == [job["id"]]
    assert data(await api.rest("GET", path, reader))["name"] == "job"
    for response in (
        await api.rest("POST", "/v1/scheduled-jobs", reader, json={"name": "x", "cron_expression": "0 1 * * *", **NOTE}),
        await api.rest("PATCH", path, reader, json={"enabled": False}),
        await api.rest("DELETE", path, writer),
        await api.rest("POST", f"{path}/execute", reader),
        await api.rest("POST", f"{path}/execute", manager),
    ):
        assert response.status_code == 403 and error_code(response) == "INSUFFICIENT_SCOPE", response.text
    assert data(await api.rest("POST", "/v1/scheduled-jobs", manager, json={"name": "x", "cron_expression": "0 1 * * *", **NOTE}), 201)
    assert data(await api.rest("POST", f"{path}/execute", writer))["result"]["result"] == "job"
    assert (await api.rest("GET", "/v1/scheduled-jobs")).status_code == 401


async def test_another_tenants_job_looks_missing(api: Api, tenant: TenantHandle, other_tenant: TenantHandle) -> None:
    job = await create(api, other_tenant)
    path = f"/v1/scheduled-jobs/{job['id']}"
    for response in (
        await api.rest("GET", path, tenant.token),
        await api.rest("PATCH", path, tenant.token, json={"enabled": False}),
        await api.rest("DELETE", path, tenant.token),
        await api.rest("POST", f"{path}/execute", tenant.token),
    ):
        assert response.status_code == 404 and error_code(response) == "NOT_FOUND", response.text
    assert data(await api.rest("GET", "/v1/scheduled-jobs", tenant.token)) == []
    still = data(await api.rest("GET", path, other_tenant.token))
    assert (still["enabled"], still["last_run_at"]) == (True, None)


async def test_jobs_are_created_and_executed_through_graphql_too(api: Api, tenant: TenantHandle) -> None:
    created = await api.gql(
        "mutation($input: CreateScheduledJobInput!) { createScheduledJob(input: $input) { id nextRunAt timezone } }", tenant.token,
        input={"name": "gql", "cronExpression": "0 9 * * 1", "timezone": "Europe/Paris", "actionType": "transform",
               "actionConfig": {"output": {"job": "{{job.name}}", "trigger": "{{job.trigger}}"}}},
    )
    job = created["data"]["createScheduledJob"]
    local = instant(job["nextRunAt"]).astimezone(ZoneInfo("Europe/Paris"))
    assert (local.weekday(), local.hour, local.minute) == (0, 9, 0)
    ran = await api.gql("mutation($id: ID!) { executeScheduledJob(id: $id) { status trigger attempts result error } }", tenant.token, id=job["id"])
    assert ran["data"]["executeScheduledJob"]["result"]["result"] == {"job": "gql", "trigger": "manual"}
    assert ran["data"]["executeScheduledJob"]["status"] == "succeeded"
    bad = await api.gql("mutation($input: CreateScheduledJobInput!) { createScheduledJob(input: $input) { id } }", tenant.token,
                        input={"name": "bad", "cronExpression": "* * * * * *", "actionType": "transform", "actionConfig": {"output": 1}})
    assert gql_code(bad) == "VALIDATION_ERROR"
