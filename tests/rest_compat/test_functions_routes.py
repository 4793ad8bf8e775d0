"""Custom functions over REST (`/v1/functions`, Plugins group of spec 004): CRUD in the documented
shapes, validation (required fields, runtimes, triggers, code that does not compile, duplicate
names), scopes and tenant isolation; `POST …/execute` answering the run (result, console,
duration) or the function's error (FUNCTION_ERROR 400, FUNCTION_FAILED 503, FUNCTION_DISABLED
409), every run in `GET …/logs`; functions using `context.services`; event-triggered functions
run after commit by the extension worker; schedule-triggered functions kept in step with their
scheduled job.

Every schedule here fires at most daily and far from now, so a live server sharing the database
never runs one while a test looks.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support import Api, TenantHandle, data, error_code, make_type
from tests.workers import Pump, eventually

ADD = "console.log('adding', input.a, input.b); return { sum: input.a + input.b };"
NIGHTLY = "0 3 * * *"


async def create(api: Api, tenant: TenantHandle, **body: Any) -> dict[str, Any]:
    definition = {"name": "adder", "trigger_type": "http", "code": ADD, **body}
    return data(await api.rest("POST", "/v1/functions", tenant.token, json=definition), 201)


async def execute(api: Api, token: str, function_id: str, input: Any = None) -> httpx.Response:
    return await api.rest("POST", f"/v1/functions/{function_id}/execute", token, json={"input": input if input is not None else {}})


async def logs(api: Api, tenant: TenantHandle, function_id: str, query: str = "") -> list[dict[str, Any]]:
    return data(await api.rest("GET", f"/v1/functions/{function_id}/logs{query}", tenant.token))


async def scoped_key(api: Api, tenant: TenantHandle, scopes: list[str]) -> str:
    return data(await api.rest("POST", "/v1/keys", tenant.token, json={"label": "scoped", "scopes": scopes}), 201)["token"]


def fields_of(response: httpx.Response) -> list[str]:
    assert response.status_code == 400, response.text
    assert error_code(response) == "VALIDATION_ERROR"
    return [d["field"] for d in response.json()["error"]["details"]]


def details_of(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 400, response.text
    return response.json()["error"]["details"]


# --- CRUD and validation -----------------------------------------------------------------------


async def test_functions_are_created_listed_read_updated_and_deleted_in_the_documented_shapes(api: Api, tenant: TenantHandle) -> None:
    made = await create(api, tenant, description="adds two numbers")
    assert made["id"] and made["name"] == "adder" and made["trigger_type"] == "http"
    assert (made["runtime"], made["enabled"], made["timeout_ms"], made["memory_limit_mb"]) == ("javascript", True, 5000, 64)
    assert made["job_id"] is None and made["code"] == ADD and made["description"] == "adds two numbers"

    listed = data(await api.rest("GET", "/v1/functions", tenant.token))
    assert isinstance(listed, list) and [f["id"] for f in listed] == [made["id"]]
    assert data(await api.rest("GET", f"/v1/functions/{made['id']}", tenant.token))["name"] == "adder"

    changed = data(await api.rest("PATCH", f"/v1/functions/{made['id']}", tenant.token, json={"name": "summer", "enabled": False}))
    assert (changed["name"], changed["enabled"], changed["code"]) == ("summer", False, ADD)

    deleted = data(await api.rest("DELETE", f"/v1/functions/{made['id']}", tenant.token))
    assert deleted == {"id": made["id"], "deleted": True}
    gone = await api.rest("GET", f"/v1/functions/{made['id']}", tenant.token)
    assert gone.status_code == 404 and error_code(gone) == "NOT_FOUND"
    assert data(await api.rest("GET", "/v1/functions", tenant.token)) == []


@pytest.mark.parametrize("missing", ["name", "trigger_type", "code"])
async def test_a_function_without_a_required_field_is_refused_with_that_field_named(api: Api, tenant: TenantHandle, missing: str) -> None:
    body = {"name": "f", "trigger_type": "http", "code": "return 1;"}
    del body[missing]
    response = await api.rest("POST", "/v1/functions", tenant.token, json=body)
    assert fields_of(response) == [missing], response.text
    assert data(await api.rest("GET", "/v1/functions", tenant.token)) == []


async def test_a_runtime_other_than_javascript_is_refused_listing_the_supported_runtimes(api: Api, tenant: TenantHandle) -> None:
    response = await api.rest("POST", "/v1/functions", tenant.token, json={"name": "py", "trigger_type": "http", "code": "return 1;", "runtime": "python"})
    [detail] = details_of(response)
    assert detail["field"] == "runtime" and "javascript" in detail["message"] and "python" in detail["message"]
    assert data(await api.rest("GET", "/v1/functions", tenant.token)) == []


async def test_event_functions_need_an_event_and_scheduled_ones_a_cron_expression(api: Api, tenant: TenantHandle) -> None:
    no_event = await api.rest("POST", "/v1/functions", tenant.token, json={"name": "e", "trigger_type": "event", "code": "return 1;"})
    assert fields_of(no_event) == ["event"]
    bad_event = await api.rest("POST", "/v1/functions", tenant.token, json={"name": "e", "trigger_type": "event", "event": "whenever", "code": "return 1;"})
    assert fields_of(bad_event) == ["event"]
    no_cron = await api.rest("POST", "/v1/functions", tenant.token, json={"name": "s", "trigger_type": "schedule", "code": "return 1;"})
    assert fields_of(no_cron) == ["cron_expression"]
    unknown = await api.rest("POST", "/v1/functions", tenant.token, json={"name": "t", "trigger_type": "webhook", "code": "return 1;"})
    assert fields_of(unknown) == ["trigger_type"]


async def test_code_that_does_not_compile_is_refused_when_saved(api: Api, tenant: TenantHandle) -> None:
    response = await api.rest("POST", "/v1/functions", tenant.token, json={"name": "broken", "trigger_type": "http", "code": "return {;"})
    [detail] = details_of(response)
    assert detail["field"] == "code" and "does not compile" in detail["message"]
    made = await create(api, tenant)
    patched = await api.rest("PATCH", f"/v1/functions/{made['id']}", tenant.token, json={"code": "function ("})
    assert fields_of(patched) == ["code"]
    assert data(await api.rest("GET", f"/v1/functions/{made['id']}", tenant.token))["code"] == ADD


async def test_a_second_function_with_the_same_name_is_a_conflict(api: Api, tenant: TenantHandle) -> None:
    await create(api, tenant)
    again = await api.rest("POST", "/v1/functions", tenant.token, json={"name": "adder", "trigger_type": "http", "code": "return 2;"})
    assert again.status_code == 409 and error_code(again) == "ALREADY_EXISTS"
    other = await create(api, tenant, name="other")
    renamed = await api.rest("PATCH", f"/v1/functions/{other['id']}", tenant.token, json={"name": "adder"})
    assert renamed.status_code == 409
    assert len(data(await api.rest("GET", "/v1/functions", tenant.token))) == 2


async def test_reading_needs_a_token_managing_needs_schema_and_executing_needs_write(api: Api, tenant: TenantHandle) -> None:
    made = await create(api, tenant)
    anonymous = await api.rest("GET", "/v1/functions")
    assert anonymous.status_code == 401 and error_code(anonymous) == "UNAUTHORIZED"
    assert (await execute(api, "", made["id"])).status_code == 401

    reader, writer = await scoped_key(api, tenant, ["read"]), await scoped_key(api, tenant, ["write"])
    assert [f["id"] for f in data(await api.rest("GET", "/v1/functions", reader))] == [made["id"]]
    refused = await api.rest("POST", "/v1/functions", writer, json={"name": "w", "trigger_type": "http", "code": "return 1;"})
    assert refused.status_code == 403 and error_code(refused) == "INSUFFICIENT_SCOPE"
    assert (await api.rest("PATCH", f"/v1/functions/{made['id']}", writer, json={"enabled": False})).status_code == 403
    assert (await api.rest("DELETE", f"/v1/functions/{made['id']}", reader)).status_code == 403

    not_allowed = await execute(api, reader, made["id"], {"a": 1, "b": 2})
    assert not_allowed.status_code == 403 and error_code(not_allowed) == "INSUFFICIENT_SCOPE"
    assert data(await execute(api, writer, made["id"], {"a": 1, "b": 2}))["result"] == {"sum": 3}
    assert len(await logs(api, tenant, made["id"])) == 1  # the refused call did not run


async def test_another_tenants_function_looks_missing(api: Api, tenant: TenantHandle, other_tenant: TenantHandle) -> None:
    made = await create(api, tenant)
    for method, path, body in (
        ("GET", f"/v1/functions/{made['id']}", None),
        ("PATCH", f"/v1/functions/{made['id']}", {"enabled": False}),
        ("POST", f"/v1/functions/{made['id']}/execute", {"input": {"a": 1, "b": 1}}),
        ("GET", f"/v1/functions/{made['id']}/logs", None),
        ("DELETE", f"/v1/functions/{made['id']}", None),
    ):
        response = await api.rest(method, path, other_tenant.token, json=body)
        assert response.status_code == 404 and error_code(response) == "NOT_FOUND", (method, path, response.text)
    assert data(await api.rest("GET", "/v1/functions", other_tenant.token)) == []
    assert data(await api.rest("GET", f"/v1/functions/{made['id']}", tenant.token))["enabled"] is True
    assert await logs(api, tenant, made["id"]) == []


# --- executing ---------------------------------------------------------------------------------


async def test_executing_answers_the_result_the_console_output_and_the_duration(api: Api, tenant: TenantHandle) -> None:
    made = await create(api, tenant)
    run = data(await execute(api, tenant.token, made["id"], {"a": 2, "b": 40}))
    assert run["result"] == {"sum": 42} and run["status"] == "succeeded" and run["trigger"] == "http"
    assert run["console"] == [{"level": "log", "message": "adding 2 40"}]
    assert isinstance(run["duration_ms"], (int, float)) and run["duration_ms"] >= 0
    assert run["input"] == {"a": 2, "b": 40} and run["function_id"] == made["id"] and run["error"] is None
    [logged] = await logs(api, tenant, made["id"])
    assert logged["id"] == run["id"] and logged["result"] == {"sum": 42} and logged["console"] == run["console"]


async def test_a_function_returning_plain_text_answers_that_text(api: Api, tenant: TenantHandle) -> None:
    made = await create(api, tenant, name="texter", code="return input.text;")
    for text in ("done", "42", "[1, 2]", "null"):  # text that looks like JSON stays text
        assert data(await execute(api, tenant.token, made["id"], {"text": text}))["result"] == text
    assert [entry["result"] for entry in await logs(api, tenant, made["id"])] == ["null", "[1, 2]", "42", "done"]
    echo = await create(api, tenant, name="echo", code="return input;")
    assert data(await execute(api, tenant.token, echo["id"], "just text"))["result"] == "just text"
    [logged] = await logs(api, tenant, echo["id"])
    assert logged["input"] == "just text" and logged["result"] == "just text"


async def test_a_throwing_function_answers_function_error_with_its_message(api: Api, tenant: TenantHandle) -> None:
    made = await create(api, tenant, name="thrower", code="console.warn('about to fail'); throw new Error('input.a must be positive');")
    response = await execute(api, tenant.token, made["id"], {"a": -1})
    assert response.status_code == 400 and error_code(response) == "FUNCTION_ERROR", response.text
    error = response.json()["error"]
    assert "input.a must be positive" in error["message"]
    [logged] = await logs(api, tenant, made["id"])
    assert error["details"]["log_id"] == logged["id"] and error["details"]["function_id"] == made["id"]
    assert logged["status"] == "failed" and "input.a must be positive" in logged["error"] and logged["result"] is None
    assert logged["console"] == [{"level": "warn", "message": "about to fail"}]


async def test_a_function_stopped_at_its_time_limit_answers_function_failed_and_the_next_run_works(api: Api, tenant: TenantHandle) -> None:
    made = await create(api, tenant, name="looper", code="if (input.loop) { while (true) {} } return { done: true };", timeout_ms=200)
    response = await execute(api, tenant.token, made["id"], {"loop": True})
    assert response.status_code == 503 and error_code(response) == "FUNCTION_FAILED", response.text
    assert "timed out" in response.json()["error"]["message"]
    assert data(await execute(api, tenant.token, made["id"], {"loop": False}))["result"] == {"done": True}
    newest, oldest = await logs(api, tenant, made["id"])
    assert (newest["status"], oldest["status"]) == ("succeeded", "failed") and "timed out" in oldest["error"]


async def test_a_disabled_function_is_not_executed(api: Api, tenant: TenantHandle) -> None:
    made = await create(api, tenant, enabled=False)
    response = await execute(api, tenant.token, made["id"], {"a": 1, "b": 1})
    assert response.status_code == 409 and error_code(response) == "FUNCTION_DISABLED"
    assert await logs(api, tenant, made["id"]) == []
    data(await api.rest("PATCH", f"/v1/functions/{made['id']}", tenant.token, json={"enabled": True}))
    assert data(await execute(api, tenant.token, made["id"], {"a": 1, "b": 1}))["result"] == {"sum": 2}


async def test_logs_list_every_run_newest_first_with_limit_and_offset(api: Api, tenant: TenantHandle) -> None:
    made = await create(api, tenant, name="picky", code="if (input.n === 1) throw new Error('one is bad'); if (input.n === 2) { while (true) {} } return input.n;", timeout_ms=200)
    assert (await execute(api, tenant.token, made["id"], {"n": 0})).status_code == 200
    assert (await execute(api, tenant.token, made["id"], {"n": 1})).status_code == 400
    assert (await execute(api, tenant.token, made["id"], {"n": 2})).status_code == 503
    assert (await execute(api, tenant.token, made["id"], {"n": 3})).status_code == 200

    every = await logs(api, tenant, made["id"])
    assert [entry["input"]["n"] for entry in every] == [3, 2, 1, 0]
    assert [entry["status"] for entry in every] == ["succeeded", "failed", "failed", "succeeded"]
    assert "timed out" in every[1]["error"] and "one is bad" in every[2]["error"]
    assert all(entry["trigger"] == "http" and entry["duration_ms"] >= 0 for entry in every)
    page = await logs(api, tenant, made["id"], "?limit=2&offset=1")
    assert [entry["input"]["n"] for entry in page] == [2, 1]
    too_many = await api.rest("GET", f"/v1/functions/{made['id']}/logs?limit=1000", tenant.token)
    assert fields_of(too_many) == ["limit"]


async def test_a_function_creates_objects_through_context_services(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "articles", [{"name": "title", "data_type": "string"}])
    code = """
        const articles = await context.services.items('articles');
        const id = await articles.createOne({ title: input.title });
        const found = await articles.readByQuery({ limit: 10 });
        return { id: id, count: found.length };
    """
    made = await create(api, tenant, name="publisher", code=code)
    run = data(await execute(api, tenant.token, made["id"], {"title": "Hello from a function"}))
    assert run["result"]["count"] == 1 and run["result"]["id"]
    stored = data(await api.rest("GET", f"/v1/objects/{type_id}/list", tenant.token))["results"]
    assert [(o["id"], o["properties"]["title"]) for o in stored] == [(run["result"]["id"], "Hello from a function")]


# --- event and schedule triggers -----------------------------------------------------------------


async def test_an_event_function_runs_after_the_write_commits_and_logs_an_event_run(api: Api, tenant: TenantHandle, pump: Pump) -> None:
    type_id = await make_type(tenant, "articles", [{"name": "title", "data_type": "string"}])
    code = "console.log('saw', input.event); return { key: input.key, title: input.payload.title };"
    made = await create(api, tenant, name="on-article", trigger_type="event", event="articles.items.create", code=code)
    created = data(await api.rest("POST", f"/v1/objects/{type_id}", tenant.token, json={"properties": {"title": "Fresh"}}), 201)
    assert await logs(api, tenant, made["id"]) == []  # nothing runs on the request path

    async def ran() -> list[dict[str, Any]]:
        return await logs(api, tenant, made["id"])

    [run] = await eventually(ran, pump)
    assert (run["trigger"], run["status"]) == ("event", "succeeded"), run
    assert run["result"] == {"key": created["id"], "title": "Fresh"}
    assert run["console"] == [{"level": "log", "message": "saw articles.items.create"}]
    await pump()
    assert len(await logs(api, tenant, made["id"])) == 1  # once per event


async def test_a_scheduled_function_keeps_a_scheduled_job_that_runs_it(api: Api, tenant: TenantHandle) -> None:
    made = await create(api, tenant, name="nightly", trigger_type="schedule", cron_expression=NIGHTLY, code="return { ran: 'on schedule' };")
    assert made["job_id"], made
    job = data(await api.rest("GET", f"/v1/scheduled-jobs/{made['job_id']}", tenant.token))
    assert (job["action_type"], job["cron_expression"], job["enabled"]) == ("run_function", NIGHTLY, True)
    assert job["action_config"]["function"] == made["id"] and job["next_run_at"]

    run = data(await api.rest("POST", f"/v1/scheduled-jobs/{made['job_id']}/execute", tenant.token))
    assert run["status"] == "succeeded", run
    assert run["result"]["result"] == {"ran": "on schedule"}
    [logged] = await logs(api, tenant, made["id"])
    assert (logged["trigger"], logged["status"], logged["result"]) == ("schedule", "succeeded", {"ran": "on schedule"})


async def test_changing_a_scheduled_function_moves_its_job_and_leaving_schedule_deletes_it(api: Api, tenant: TenantHandle) -> None:
    made = await create(api, tenant, name="nightly", trigger_type="schedule", cron_expression=NIGHTLY, code="return 1;")
    job_path = f"/v1/scheduled-jobs/{made['job_id']}"
    moved = data(await api.rest("PATCH", f"/v1/functions/{made['id']}", tenant.token, json={"cron_expression": "30 4 * * *"}))
    assert moved["job_id"] == made["job_id"]
    assert data(await api.rest("GET", job_path, tenant.token))["cron_expression"] == "30 4 * * *"

    now_http = data(await api.rest("PATCH", f"/v1/functions/{made['id']}", tenant.token, json={"trigger_type": "http"}))
    assert now_http["job_id"] is None
    gone = await api.rest("GET", job_path, tenant.token)
    assert gone.status_code == 404 and error_code(gone) == "NOT_FOUND"
    assert [j for j in data(await api.rest("GET", "/v1/scheduled-jobs", tenant.token)) if j["id"] == made["job_id"]] == []


async def test_deleting_a_scheduled_function_deletes_its_job(api: Api, tenant: TenantHandle) -> None:
    made = await create(api, tenant, name="nightly", trigger_type="schedule", cron_expression=NIGHTLY, code="return 1;")
    assert (await api.rest("GET", f"/v1/scheduled-jobs/{made['job_id']}", tenant.token)).status_code == 200
    assert data(await api.rest("DELETE", f"/v1/functions/{made['id']}", tenant.token)) == {"id": made["id"], "deleted": True}
    assert (await api.rest("GET", f"/v1/scheduled-jobs/{made['job_id']}", tenant.token)).status_code == 404
    assert [j for j in data(await api.rest("GET", "/v1/scheduled-jobs", tenant.token)) if j["id"] == made["job_id"]] == []
