"""Custom endpoint dispatch, through REST `/v1/x/...` (in-process app, and one live server).

Covers what tests/rest_compat/test_custom_endpoints_routes.py does not: all nine action types in
one pipeline with their effects (webhook received, mail delivered, records created, updated and
deleted, a job run queued, queries and grouped aggregates), request values that look like filter
syntax or templates staying data, a response header that would render a CR/LF, the run timeout,
the SSRF guard on send_webhook, paging the execution history, actions running as the caller (row
policies, key scopes, the endpoint itself for anonymous calls to a public endpoint), disabling,
URL-encoded path parameters, and an endpoint being live on another server process at once.
"""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from models.jobs import JobRun
from resolvers.custom_endpoints import dispatch
from tests.mailbox import Outbox, body_of
from tests.rest_compat.test_auth_routes import sign_up
from tests.support import Api, TenantHandle, bearer, data, error_code, make_objects, make_tenant, make_type
from tests.webhook_receiver import Receiver

FAR_FUTURE = "2099-01-01T00:00:00+00:00"  # queued job runs stay pending even if a live server's job worker looks


async def orders_type(tenant: TenantHandle) -> str:
    return await make_type(tenant, "orders", [
        {"name": "customer_id", "data_type": "string"}, {"name": "total", "data_type": "number", "is_sortable": True},
        {"name": "status", "data_type": "string"}, {"name": "category", "data_type": "string"},
    ])


async def endpoint(api: Api, tenant: TenantHandle, **definition: Any) -> dict[str, Any]:
    return data(await api.rest("POST", "/v1/custom-endpoints", tenant.token, json=definition), 201)


async def executions(api: Api, tenant: TenantHandle, endpoint_id: str, **params: Any) -> dict[str, Any]:
    return data(await api.rest("GET", f"/v1/custom-endpoints/{endpoint_id}/executions", tenant.token, params=params))


async def rows(api: Api, tenant: TenantHandle, collection: str) -> list[dict[str, Any]]:
    listed = data(await api.rest("GET", f"/v1/objects/{collection}/list", tenant.token, params={"limit": 100}))
    return [o["properties"] for o in listed["results"]]


async def scoped_key(api: Api, tenant: TenantHandle, scopes: list[str]) -> str:
    return data(await api.rest("POST", "/v1/keys", tenant.token, json={"label": "scoped", "scopes": scopes}), 201)["token"]


def address() -> str:
    return f"endpoint-{uuid.uuid4().hex}@example.com"


# --- 1. every action type ------------------------------------------------------------------------


async def test_every_action_type_runs_inside_one_endpoint_with_its_effect(
    api: Api, tenant: TenantHandle, receiver: Receiver, outbox: Outbox,
) -> None:
    await orders_type(tenant)
    await make_objects(tenant, "orders", [
        {"customer_id": "cust-1", "total": 5, "status": "completed", "category": "books"},
        {"customer_id": "cust-1", "total": 7, "status": "open", "category": "toys"},
        {"customer_id": "cust-2", "total": 1000, "status": "completed", "category": "books"},
    ])
    job = data(await api.rest("POST", "/v1/scheduled-jobs", tenant.token, json={
        "name": "follow-up", "run_at": FAR_FUTURE, "action_type": "transform", "action_config": {"output": "{{job.name}}"},
    }), 201)
    mail_to = address()
    param = "{{request.params.customer_id}}"
    made = await endpoint(api, tenant, name="everything", path="/customers/:customer_id/checkout", method="POST", actions=[
        {"type": "send_webhook", "config": {"url": receiver.url("/hook"), "body": {"customer": param, "total": "{{request.body.total}}"}}},
        {"type": "send_email", "config": {"to": "{{request.body.email}}", "subject": f"Order for {param}",
                                          "text": "The hook answered {{actions[0].result.status_code}}"}},
        {"type": "create_record", "config": {"collection": "orders", "data": {
            "customer_id": param, "total": "{{request.body.total}}", "status": "open", "category": "games"}}},
        {"type": "update_record", "config": {"collection": "orders", "id": "{{actions[2].result.id}}", "data": {"status": "completed"}}},
        {"type": "create_record", "config": {"collection": "orders", "data": {"customer_id": param, "total": 1, "status": "scratch"}}},
        {"type": "delete_record", "config": {"collection": "orders", "id": "{{actions[4].result.id}}"}},
        {"type": "enqueue_job", "config": {"job": "follow-up", "data": {"customer": param}, "run_at": FAR_FUTURE}},
        {"type": "query_records", "config": {"collection": "orders", "filter": f"customer_id = '{param}'", "sort": "-total"}},
        {"type": "aggregate_records", "config": {"collection": "orders", "function": "count", "filter": f"customer_id = '{param}'",
                                                 "group_by": "category"}},
        {"type": "aggregate_records", "config": {"collection": "orders", "function": "sum", "field": "total",
                                                 "filter": f"customer_id = '{param}'", "group_by": "status"}},
        {"type": "transform", "config": {"output": {
            "hook": "{{actions[0].result}}", "mail": "{{actions[1].result}}", "created": "{{actions[2].result.id}}",
            "updated_status": "{{actions[3].result.properties.status}}", "deleted": "{{actions[5].result}}", "job": "{{actions[6].result}}",
            "totals": "{{actions[7].result}}", "count_by_category": "{{actions[8].result}}", "sum_by_status": "{{actions[9].result}}",
        }}},
    ], response_template={"status": 201, "body": "{{actions[10].result}}"})

    answer = await api.rest("POST", "/v1/x/customers/cust-1/checkout", tenant.token, json={"total": 30, "email": mail_to})
    assert answer.status_code == 201, answer.text
    result = answer.json()

    # send_webhook: the receiver got the rendered body; the result carries its status and parsed body
    assert result["hook"]["status_code"] == 200 and result["hook"]["body"] == {"ok": True}
    assert [json.loads(r.body) for r in receiver.at("/hook")] == [{"customer": "cust-1", "total": 30}]
    # send_email: queued, then delivered to the address the body named
    assert result["mail"]["sent"] is True
    mail = await outbox.latest(mail_to)
    assert mail["Subject"] == "Order for cust-1" and "The hook answered 200" in body_of(mail)
    # create_record + update_record: the new order exists, completed; delete_record: the scratch one is gone
    stored = {o["id"]: o["properties"] for o in data(await api.rest("GET", "/v1/objects/orders/list", tenant.token, params={"limit": 100}))["results"]}
    assert stored[result["created"]] == {"customer_id": "cust-1", "total": 30, "status": "completed", "category": "games"}
    assert result["updated_status"] == "completed"
    assert result["deleted"]["deleted"] is True and result["deleted"]["id"] not in stored
    assert not any(p.get("status") == "scratch" for p in stored.values())
    # enqueue_job: one pending run of the job, carrying the data
    queued = await JobRun.filter(job_id=job["id"]).all()
    assert [(r.id, r.trigger, r.status, r.data) for r in queued] == [(result["job"]["run_id"], "enqueue", "pending", {"customer": "cust-1"})]
    # query_records / aggregate_records: only this customer's orders, after the writes above
    assert [o["properties"]["total"] for o in result["totals"]] == [30, 7, 5]
    assert result["count_by_category"] == {"books": 1, "toys": 1, "games": 1}
    assert {k: Decimal(str(v)) for k, v in result["sum_by_status"].items()} == {"completed": 35, "open": 7}

    execution = (await executions(api, tenant, made["id"]))["executions"][0]
    assert execution["outcome"] == "succeeded" and execution["status_code"] == 201
    assert [a["type"] for a in execution["actions"]] == [a["type"] for a in made["actions"]]
    assert all(a["status"] == "succeeded" for a in execution["actions"])


# --- 2. injection ----------------------------------------------------------------------------------

INJECTIONS = [
    "x' or customer_id != '",
    '{"or": [{"customer_id": {"ne": ""}}]}',
    "{{auth.account_id}}",
    "{{actions[0].result}}",
    "{{request.__class__.__init__.__globals__}}",
    "') or 1=1 --",
]


async def test_request_values_that_look_like_syntax_or_templates_stay_literal_data(
    api: Api, tenant: TenantHandle, other_tenant: TenantHandle,
) -> None:
    await orders_type(tenant)
    await orders_type(other_tenant)
    mine = [{"customer_id": text, "total": i, "status": "completed"} for i, text in enumerate(INJECTIONS)]
    await make_objects(tenant, "orders", mine + [
        {"customer_id": "cust-1", "total": 100, "status": "completed"},
        {"customer_id": tenant.tenant_id, "total": 200, "status": "completed"},  # what {{auth.account_id}} would render to
    ])
    await make_objects(other_tenant, "orders", [{"customer_id": text, "total": 999, "status": "completed"} for text in INJECTIONS])
    await endpoint(api, tenant, name="lookup", path="/lookup", method="GET", actions=[
        {"type": "query_records", "config": {"collection": "orders", "filter": "customer_id = '{{request.query.c}}'", "limit": 100}},
        {"type": "transform", "config": {"output": {
            "whole": "{{request.query.c}}", "inside": "c=<{{request.query.c}}>", "found": "{{actions[0].result}}"}}},
    ])

    for text in INJECTIONS:
        answer = data(await api.rest("GET", "/v1/x/lookup", tenant.token, params={"c": text}))
        assert [o["properties"]["customer_id"] for o in answer["found"]] == [text], text  # exactly the row with this text
        assert [o["properties"]["total"] for o in answer["found"]] == [INJECTIONS.index(text)], text  # this tenant's row
        assert answer["whole"] == text and answer["inside"] == f"c=<{text}>", text  # never rendered a second time

    # a template split over two values is not a template once joined
    await endpoint(api, tenant, name="halves", path="/halves", method="GET", actions=[
        {"type": "query_records", "config": {"collection": "orders", "filter": "customer_id = '{{request.query.a}}{{request.query.b}}'"}},
    ])
    joined = data(await api.rest("GET", "/v1/x/halves", tenant.token, params={"a": "{{auth.account", "b": "_id}}"}))
    assert [o["properties"]["total"] for o in joined] == [INJECTIONS.index("{{auth.account_id}}")]

    # a JSON object (not text) where text is compared is refused, never read as filter operators
    await endpoint(api, tenant, name="by body", path="/by-body", method="POST", actions=[
        {"type": "query_records", "config": {"collection": "orders", "filter": "customer_id = '{{request.body.c}}'"}}])
    operator = await api.rest("POST", "/v1/x/by-body", tenant.token, json={"c": {"ne": "nobody"}})
    assert operator.status_code == 400 and operator.json()["error"]["details"]["action_index"] == 0
    repeated = await api.rest("GET", "/v1/x/lookup?c=cust-1&c=x", tenant.token)  # a list is not an `in`
    assert repeated.status_code == 400


async def test_templates_inside_a_body_value_are_stored_as_written(api: Api, tenant: TenantHandle) -> None:
    await orders_type(tenant)
    await endpoint(api, tenant, name="note", path="/notes/:customer_id", method="POST", actions=[
        {"type": "create_record", "config": {"collection": "orders", "data": {
            "customer_id": "{{request.params.customer_id}}", "status": "{{request.body.status}}", "category": "by {{request.body.who}}"}}},
    ])
    body = {"status": "{{auth.account_id}}", "who": "{{actions[0].result.id}} {{request.__class__}}"}
    created = data(await api.rest("POST", "/v1/x/notes/%7B%7Bnow%7D%7D", tenant.token, json=body))
    assert created["properties"] == {"customer_id": "{{now}}", "status": "{{auth.account_id}}", "category": f"by {body['who']}"}
    assert await rows(api, tenant, "orders") == [created["properties"]]


# --- 3. response headers ------------------------------------------------------------------------------


async def test_a_header_rendering_a_line_break_from_the_request_fails_without_sending_it(api: Api, tenant: TenantHandle) -> None:
    made = await endpoint(api, tenant, name="echo", path="/echo", method="GET", actions=[],
                          response_template={"status": 200, "body": {"ok": True}, "headers": {"X-Echo": "{{request.query.v}}"}})
    fine = await api.rest("GET", "/v1/x/echo", tenant.token, params={"v": "hello"})
    assert fine.status_code == 200 and fine.headers["x-echo"] == "hello"

    split = await api.rest("GET", "/v1/x/echo", tenant.token, params={"v": "hi\r\nSet-Cookie: a=b"})
    assert split.status_code == 500 and error_code(split) == "RESPONSE_TEMPLATE_INVALID"
    assert "set-cookie" not in split.headers and "x-echo" not in split.headers
    newest = (await executions(api, tenant, made["id"]))["executions"][0]
    assert (newest["outcome"], newest["status_code"], newest["error_code"]) == ("failed", 500, "RESPONSE_TEMPLATE_INVALID")


# --- 4. timeout -------------------------------------------------------------------------------------------


async def test_a_pipeline_running_past_the_timeout_answers_504_and_is_recorded(
    api: Api, tenant: TenantHandle, receiver: Receiver, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(dispatch, "TIMEOUT_SECONDS", 0.5)
    receiver.script("/slow", delay=2.0)
    made = await endpoint(api, tenant, name="slow", path="/slow", method="POST", actions=[
        {"type": "transform", "config": {"output": "quick"}},
        {"type": "send_webhook", "config": {"url": receiver.url("/slow"), "body": {"n": 1}}},
    ])
    answer = await api.rest("POST", "/v1/x/slow", tenant.token)
    assert answer.status_code == 504 and error_code(answer) == "ACTION_TIMEOUT"
    assert answer.json()["error"]["details"] == {"action_index": 1, "action_type": "send_webhook"}
    assert len(await receiver.wait_for("/slow")) == 1  # the request was sent; its answer came too late

    execution = (await executions(api, tenant, made["id"]))["executions"][0]
    assert (execution["outcome"], execution["status_code"], execution["error_code"]) == ("failed", 504, "ACTION_TIMEOUT")
    assert [(a["type"], a["status"]) for a in execution["actions"]] == [("transform", "succeeded"), ("send_webhook", "failed")]
    assert "0.5 s" in execution["actions"][1]["error"]


# --- 5. SSRF ---------------------------------------------------------------------------------------------


async def test_a_webhook_to_a_blocked_address_is_502_with_a_safe_message_and_a_detailed_record(api: Api, tenant: TenantHandle) -> None:
    made = await endpoint(api, tenant, name="metadata", path="/metadata", method="POST", actions=[
        {"type": "send_webhook", "config": {"url": "http://169.254.169.254/latest/meta-data/"}},
    ])
    answer = await api.rest("POST", "/v1/x/metadata", tenant.token)
    assert answer.status_code == 502, answer.text
    error = answer.json()["error"]
    assert error["details"] == {"action_index": 0, "action_type": "send_webhook"}
    assert "169.254" not in answer.text and "resolves" not in answer.text and "upstream request failed" in error["message"]

    execution = (await executions(api, tenant, made["id"]))["executions"][0]
    assert (execution["outcome"], execution["status_code"]) == ("failed", 502)
    assert "169.254.169.254" in execution["actions"][0]["error"] and "may not reach" in execution["actions"][0]["error"]


# --- 6. execution history paging --------------------------------------------------------------------------


async def test_executions_come_newest_first_page_by_page_and_a_bad_cursor_is_400(api: Api, tenant: TenantHandle) -> None:
    made = await endpoint(api, tenant, name="ping", path="/ping/:n", method="GET", actions=[
        {"type": "transform", "config": {"output": "{{request.params.n}}"}}])
    for n in range(5):
        assert data(await api.rest("GET", f"/v1/x/ping/{n}", tenant.token)) == str(n)

    seen: list[str] = []
    sizes: list[int] = []
    cursor: str | None = None
    for _ in range(5):
        page = await executions(api, tenant, made["id"], limit=2, **({"cursor": cursor} if cursor else {}))
        sizes.append(len(page["executions"]))
        seen += [e["path"].rsplit("/", 1)[-1] for e in page["executions"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sizes == [2, 2, 1] and seen == ["4", "3", "2", "1", "0"]

    bad = await api.rest("GET", f"/v1/custom-endpoints/{made['id']}/executions", tenant.token, params={"cursor": "not-a-cursor"})
    assert bad.status_code == 400 and error_code(bad) == "VALIDATION_ERROR"
    assert bad.json()["error"]["details"][0]["field"] == "cursor"


# --- 7. actions run as the caller ---------------------------------------------------------------------------


async def test_a_users_row_policy_limits_what_a_query_records_endpoint_returns(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "note", [{"name": "owner", "data_type": "string"}, {"name": "text", "data_type": "string", "is_sortable": True}])
    ana = await sign_up(api, tenant, f"ana-{uuid.uuid4().hex}@example.com")
    bo = await sign_up(api, tenant, f"bo-{uuid.uuid4().hex}@example.com")
    await make_objects(tenant, type_id, [
        {"owner": ana["user"]["id"], "text": "ana 1"}, {"owner": bo["user"]["id"], "text": "bo 1"},
        {"owner": ana["user"]["id"], "text": "ana 2"}, {"owner": "usr_someone", "text": "someone"},
    ])
    data(await api.rest("POST", f"/v1/object-types/{type_id}/policies", tenant.token, json={
        "name": "own notes", "action": "select", "condition_json": {"owner": {"eq": "$auth.user_id"}}}), 201)
    await endpoint(api, tenant, name="notes", path="/notes", method="GET", actions=[
        {"type": "query_records", "config": {"collection": "note", "sort": "text"}},
        {"type": "aggregate_records", "config": {"collection": "note", "function": "count"}},
        {"type": "transform", "config": {"output": {"texts": "{{actions[0].result}}", "count": "{{actions[1].result}}"}}},
    ], response_template={"body": "{{actions[2].result}}"})

    async def texts(token: str) -> tuple[list[str], int]:
        answer = await api.rest("GET", "/v1/x/notes", token)
        assert answer.status_code == 200, answer.text
        return [o["properties"]["text"] for o in answer.json()["texts"]], answer.json()["count"]

    assert await texts(ana["access_token"]) == (["ana 1", "ana 2"], 2)
    assert await texts(bo["access_token"]) == (["bo 1"], 1)
    assert await texts(tenant.token) == (["ana 1", "ana 2", "bo 1", "someone"], 4)  # the * key bypasses policies


async def test_a_read_only_key_cannot_write_through_an_endpoint(api: Api, tenant: TenantHandle) -> None:
    await orders_type(tenant)
    made = await endpoint(api, tenant, name="create", path="/orders", method="POST", actions=[
        {"type": "create_record", "config": {"collection": "orders", "data": {"customer_id": "{{request.body.c}}"}}}])
    reader = await scoped_key(api, tenant, ["read"])
    refused = await api.rest("POST", "/v1/x/orders", reader, json={"c": "sneaky"})
    assert refused.status_code == 403 and error_code(refused) == "INSUFFICIENT_SCOPE"
    assert refused.json()["error"]["details"] == {"action_index": 0, "action_type": "create_record"}
    assert await rows(api, tenant, "orders") == []
    execution = (await executions(api, tenant, made["id"]))["executions"][0]
    assert (execution["status_code"], execution["principal_kind"], execution["error_code"]) == (403, "api_key", "INSUFFICIENT_SCOPE")

    writer = await scoped_key(api, tenant, ["read", "write"])
    assert (await api.rest("POST", "/v1/x/orders", writer, json={"c": "fine"})).status_code == 200
    assert await rows(api, tenant, "orders") == [{"customer_id": "fine"}]


async def test_an_anonymous_call_to_a_public_endpoint_writes_as_the_endpoint(
    api: Api, tenant: TenantHandle, other_tenant: TenantHandle,
) -> None:
    await orders_type(tenant)
    made = await endpoint(api, tenant, name="order", path="/guest-orders", method="POST", auth_required=False, actions=[
        {"type": "create_record", "config": {"collection": "orders", "data": {"customer_id": "{{request.body.c}}", "status": "guest"}}}])
    answer = await api.rest("POST", "/v1/x/guest-orders", json={"c": "walk-in"}, headers={"X-Tenant-Id": tenant.tenant_id})
    created = data(answer)
    assert created["properties"] == {"customer_id": "walk-in", "status": "guest"} and created["created_by"] == made["id"]
    assert await rows(api, tenant, "orders") == [{"customer_id": "walk-in", "status": "guest"}]
    execution = (await executions(api, tenant, made["id"]))["executions"][0]
    assert (execution["outcome"], execution["principal_kind"], execution["actor"]) == ("succeeded", None, None)

    elsewhere = await api.rest("POST", "/v1/x/guest-orders", json={"c": "x"}, headers={"X-Tenant-Id": other_tenant.tenant_id})
    assert elsewhere.status_code == 404 and error_code(elsewhere) == "ROUTE_NOT_FOUND"  # the other tenant has no such endpoint


# --- 8. enabling and path matching ---------------------------------------------------------------------------


async def test_a_disabled_endpoint_is_not_found_until_enabled_again(api: Api, tenant: TenantHandle) -> None:
    made = await endpoint(api, tenant, name="toggle", path="/toggle", method="GET", actions=[{"type": "transform", "config": {"output": "on"}}])
    assert data(await api.rest("GET", "/v1/x/toggle", tenant.token)) == "on"
    data(await api.rest("PATCH", f"/v1/custom-endpoints/{made['id']}", tenant.token, json={"enabled": False}))
    off = await api.rest("GET", "/v1/x/toggle", tenant.token)
    assert off.status_code == 404 and error_code(off) == "ROUTE_NOT_FOUND"
    data(await api.rest("PATCH", f"/v1/custom-endpoints/{made['id']}", tenant.token, json={"enabled": True}))
    assert data(await api.rest("GET", "/v1/x/toggle", tenant.token)) == "on"
    assert [e["status_code"] for e in (await executions(api, tenant, made["id"]))["executions"]] == [200, 200]  # the 404 matched nothing


async def test_url_encoded_path_segments_reach_the_params_decoded(api: Api, tenant: TenantHandle) -> None:
    await endpoint(api, tenant, name="summary", path="/customers/:customer_id/summary", method="GET", actions=[
        {"type": "transform", "config": {"output": {"customer": "{{request.params.customer_id}}"}}}])
    assert data(await api.rest("GET", "/v1/x/customers/a%20b/summary", tenant.token)) == {"customer": "a b"}
    assert data(await api.rest("GET", f"/v1/x/customers/{quote('ünï €')}/summary", tenant.token)) == {"customer": "ünï €"}
    assert data(await api.rest("GET", "/api/v1/x/customers/x%27y/summary", tenant.token)) == {"customer": "x'y"}



async def test_an_encoded_slash_stays_inside_its_segment(api: Api, tenant: TenantHandle) -> None:
    await endpoint(api, tenant, name="summary", path="/customers/:customer_id/summary", method="GET", actions=[
        {"type": "transform", "config": {"output": "{{request.params.customer_id}}"}}])
    assert data(await api.rest("GET", "/v1/x/customers/a%2Fb/summary", tenant.token)) == "a/b"


# --- response shapes ----------------------------------------------------------------------------------------------


async def test_a_204_template_answers_without_a_body(api: Api, tenant: TenantHandle) -> None:
    await endpoint(api, tenant, name="gone", path="/gone", method="DELETE", actions=[], response_template={"status": 204})
    answer = await api.rest("DELETE", "/v1/x/gone", tenant.token)
    assert answer.status_code == 204 and answer.content == b""


async def test_a_header_rendering_an_object_or_a_boolean_carries_its_json_text(api: Api, tenant: TenantHandle) -> None:
    await endpoint(api, tenant, name="hdr", path="/hdr", method="POST", actions=[],
                   response_template={"body": "ok", "headers": {"X-Value": "{{request.body.v}}"}})
    as_object = await api.rest("POST", "/v1/x/hdr", tenant.token, json={"v": {"k": 1}})
    assert json.loads(as_object.headers["x-value"]) == {"k": 1}
    assert (await api.rest("POST", "/v1/x/hdr", tenant.token, json={"v": True})).headers["x-value"] == "true"


# --- 9. live on every process ----------------------------------------------------------------------------------


async def test_an_endpoint_created_here_answers_at_once_on_another_server(api: Api, live_server: str) -> None:
    tenant = await make_tenant("Live")
    made = await endpoint(api, tenant, name="live", path="/live/:word", method="POST", actions=[
        {"type": "transform", "config": {"output": {"word": "{{request.params.word}}", "n": "{{request.body.n}}"}}}])
    async with httpx.AsyncClient(base_url=live_server, timeout=15) as http:
        answer = await http.post("/v1/x/live/hello", json={"n": 2}, headers=bearer(tenant.token))
        assert answer.status_code == 200 and answer.json()["data"] == {"word": "hello", "n": 2}

        data(await api.rest("PATCH", f"/v1/custom-endpoints/{made['id']}", tenant.token, json={"path": "/alive/:word"}))
        moved = await http.post("/v1/x/live/hello", headers=bearer(tenant.token))
        assert moved.status_code == 404 and moved.json()["error"]["code"] == "ROUTE_NOT_FOUND"
        assert (await http.post("/v1/x/alive/again", headers=bearer(tenant.token))).json()["data"]["word"] == "again"
