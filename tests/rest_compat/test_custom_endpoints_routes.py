"""Custom endpoints over REST: the contract's Customer Order Summary exactly as written, path
params, conditions, response templates, public endpoints, limits, uniqueness, execution history."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from resolvers.custom_endpoints.service import prune_executions

from tests.rest_compat.test_auth_routes import sign_up
from tests.support import Api, TenantHandle, data, error_code, make_objects, make_tenant, make_type

SUMMARY = {
    "name": "Customer Order Summary",
    "path": "/customers/:customer_id/summary",
    "method": "GET",
    "auth_required": True,
    "actions": [
        {"type": "query_records", "config": {
            "collection": "orders", "filter": "customer_id = '{{request.params.customer_id}}'", "sort": "-created_at", "limit": 5}},
        {"type": "aggregate_records", "config": {
            "collection": "orders", "function": "sum", "field": "total", "filter": "customer_id = '{{request.params.customer_id}}'"}},
        {"type": "transform", "config": {"output": {"recent_orders": "{{actions[0].result}}", "lifetime_total": "{{actions[1].result}}"}}},
    ],
    "response_template": {"status": 200, "body": "{{actions[2].result}}"},
}


async def orders_type(tenant: TenantHandle) -> str:
    return await make_type(tenant, "orders", [
        {"name": "customer_id", "data_type": "string"}, {"name": "total", "data_type": "number"}, {"name": "status", "data_type": "string"},
    ])


async def endpoint(api: Api, tenant: TenantHandle, **definition: Any) -> dict[str, Any]:
    return data(await api.rest("POST", "/v1/custom-endpoints", tenant.token, json=definition), 201)


async def test_the_contracts_customer_order_summary_works_as_written(api: Api, tenant: TenantHandle) -> None:
    await orders_type(tenant)
    orders = [{"customer_id": "cust-123", "total": 10 * (i + 1), "status": "completed"} for i in range(7)]
    await make_objects(tenant, "orders", orders + [{"customer_id": "cust-999", "total": 1000, "status": "completed"}])
    made = await endpoint(api, tenant, **SUMMARY)
    assert made["path"] == "/customers/:customer_id/summary" and made["enabled"] is True and made["warnings"] == []

    answer = await api.rest("GET", "/api/v1/x/customers/cust-123/summary", tenant.token)
    assert answer.status_code == 200, answer.text
    summary = answer.json()  # the template's body as it is, not wrapped in the envelope
    assert [o["properties"]["total"] for o in summary["recent_orders"]] == [70, 60, 50, 40, 30]
    assert Decimal(str(summary["lifetime_total"])) == 280
    assert answer.headers["x-request-id"]
    same = await api.rest("GET", "/v1/x/customers/cust-123/summary", tenant.token)
    assert same.json() == summary

    history = data(await api.rest("GET", f"/v1/custom-endpoints/{made['id']}/executions", tenant.token))
    newest = history["executions"][0]
    assert len(history["executions"]) == 2 and newest["status_code"] == 200 and newest["outcome"] == "succeeded"
    assert [a["type"] for a in newest["actions"]] == ["query_records", "aggregate_records", "transform"]
    assert all(a["status"] == "succeeded" and a["duration_ms"] >= 0 for a in newest["actions"])
    assert newest["principal_kind"] == "api_key" and newest["request_id"] == same.headers["x-request-id"]


async def test_without_a_template_the_last_result_comes_in_the_envelope(api: Api, tenant: TenantHandle) -> None:
    await endpoint(api, tenant, name="echo", path="/echo/:word", method="POST", actions=[
        {"type": "transform", "config": {"output": {"word": "{{request.params.word}}", "n": "{{request.body.n}}", "q": "{{request.query.q}}"}}},
    ])
    answer = await api.rest("POST", "/v1/x/echo/hello?q=yes", tenant.token, json={"n": 3})
    assert answer.status_code == 200
    assert answer.json()["success"] is True and answer.json()["data"] == {"word": "hello", "n": 3, "q": "yes"}


async def test_literal_segments_win_and_unknown_paths_or_methods_are_refused(api: Api, tenant: TenantHandle) -> None:
    await endpoint(api, tenant, name="any", path="/customers/:id", method="GET", actions=[
        {"type": "transform", "config": {"output": "param {{request.params.id}}"}}])
    vip = await endpoint(api, tenant, name="vip", path="/customers/vip", method="GET", actions=[
        {"type": "transform", "config": {"output": "literal"}}])
    assert vip["warnings"] and "/customers/vip answers" in vip["warnings"][0]
    assert data(await api.rest("GET", "/v1/x/customers/vip", tenant.token)) == "literal"
    assert data(await api.rest("GET", "/v1/x/customers/42", tenant.token)) == "param 42"
    missing = await api.rest("GET", "/v1/x/customers/42/orders", tenant.token)
    assert missing.status_code == 404 and error_code(missing) == "ROUTE_NOT_FOUND"
    wrong_method = await api.rest("DELETE", "/v1/x/customers/42", tenant.token)
    assert wrong_method.status_code == 405 and wrong_method.headers["allow"] == "GET"
    await endpoint(api, tenant, name="ends", path="/c/:a/end", method="GET")
    assert (await api.rest("GET", "/v1/x/c//end", tenant.token)).status_code == 404  # an empty segment is no value


async def test_conditions_gate_with_roles_and_ownership(api: Api, tenant: TenantHandle) -> None:
    await endpoint(api, tenant, name="profile", path="/users/:user_id/profile", method="GET",
                   condition="@has_role('admin') or @owns_record()",
                   actions=[{"type": "transform", "config": {"output": {"user": "{{request.params.user_id}}", "me": "{{auth.user_id}}"}}}])
    ana, bo = await sign_up(api, tenant, "ana@example.com"), await sign_up(api, tenant, "bo@example.com")
    own = await api.rest("GET", f"/v1/x/users/{ana['user']['id']}/profile", ana["access_token"])
    assert own.status_code == 200 and data(own)["me"] == ana["user"]["id"]
    other = await api.rest("GET", f"/v1/x/users/{ana['user']['id']}/profile", bo["access_token"])
    assert other.status_code == 403 and error_code(other) == "CONDITION_FAILED"
    admin = data(await api.rest("POST", "/v1/roles", tenant.token, json={"name": "admin", "permissions": ["objects:*:*"]}), 201)
    data(await api.rest("POST", "/v1/roles/assign", tenant.token, json={"user_id": bo["user"]["id"], "role_id": admin["id"]}))
    assert (await api.rest("GET", f"/v1/x/users/{ana['user']['id']}/profile", bo["access_token"])).status_code == 200


async def test_a_public_endpoint_answers_without_a_token_when_the_tenant_is_named(api: Api, tenant: TenantHandle) -> None:
    await make_type(tenant, "feedback", [{"name": "message", "data_type": "string"}])
    made = await endpoint(api, tenant, name="feedback", path="/feedback", method="POST", auth_required=False, actions=[
        {"type": "create_record", "config": {"collection": "feedback", "data": {"message": "{{request.body.message}}"}}},
    ], response_template={"status": 201, "body": {"id": "{{actions[0].result.id}}", "ok": True}, "headers": {"X-Feedback": "thanks"}})
    answer = await api.rest("POST", "/v1/x/feedback", json={"message": "love it"}, headers={"X-Tenant-Id": tenant.tenant_id})
    assert answer.status_code == 201 and answer.json()["ok"] is True and answer.headers["x-feedback"] == "thanks"
    stored = data(await api.rest("GET", f"/v1/objects/feedback/{answer.json()['id']}", tenant.token))
    assert stored["properties"]["message"] == "love it"
    anonymous = await api.rest("POST", "/v1/x/feedback", json={"message": "x"})
    assert anonymous.status_code == 401  # no token and no tenant: nobody to answer for
    data(await api.rest("PATCH", f"/v1/custom-endpoints/{made['id']}", tenant.token, json={"auth_required": True}))
    refused = await api.rest("POST", "/v1/x/feedback", json={"message": "x"}, headers={"X-Tenant-Id": tenant.tenant_id})
    assert refused.status_code == 401
    executions = data(await api.rest("GET", f"/v1/custom-endpoints/{made['id']}/executions", tenant.token))["executions"]
    assert [(e["status_code"], e["outcome"]) for e in executions] == [(401, "refused"), (201, "succeeded")]


async def test_definitions_are_checked_when_saved(api: Api, tenant: TenantHandle) -> None:
    bad = await api.rest("POST", "/v1/custom-endpoints", tenant.token, json={
        "name": "x" * 201, "path": "/a/:id/b/:id", "method": "FETCH",
        "condition": "@has_role('admin') or", "actions": [
            {"type": "transform", "config": {"output": "{{actions[3].result}}"}}, {"type": "launch_rocket", "config": {}}],
    })
    assert bad.status_code == 400
    fields = {d["field"] for d in bad.json()["error"]["details"]}
    assert {"name", "path", "method", "condition", "actions[1].type"} <= fields
    late = await api.rest("POST", "/v1/custom-endpoints", tenant.token, json={"name": "late", "path": "/late", "method": "GET", "actions": [
        {"type": "transform", "config": {"output": "{{actions[1].result}}"}}, {"type": "transform", "config": {"output": 1}}]})
    assert late.status_code == 400 and late.json()["error"]["details"][0]["field"] == "actions[0].config.output"
    unknown_param = await api.rest("POST", "/v1/custom-endpoints", tenant.token, json={"name": "p", "path": "/p/:id", "method": "GET", "actions": [
        {"type": "transform", "config": {"output": "{{request.params.other}}"}}]})
    assert unknown_param.status_code == 400
    header = await api.rest("POST", "/v1/custom-endpoints", tenant.token, json={"name": "h", "path": "/h", "method": "GET",
                            "response_template": {"headers": {"Set-Cookie": "a=b", "Transfer-Encoding": "chunked"}}})
    assert header.status_code == 400 and len(header.json()["error"]["details"]) == 2
    syntax = (await api.rest("POST", "/v1/custom-endpoints", tenant.token, json={"name": "s", "path": "/s", "method": "GET", "condition": "a = = 1"})).json()
    assert "column" in syntax["error"]["details"][0]["message"]


async def test_one_method_and_path_shape_per_tenant_and_at_most_twenty(api: Api, tenant: TenantHandle) -> None:
    await endpoint(api, tenant, name="a", path="/orders/:id", method="GET")
    same = await api.rest("POST", "/v1/custom-endpoints", tenant.token, json={"name": "b", "path": "/orders/:id", "method": "GET"})
    assert same.status_code == 409
    shadow = await api.rest("POST", "/v1/custom-endpoints", tenant.token, json={"name": "c", "path": "/orders/:order_id", "method": "GET"})
    assert shadow.status_code == 409 and "same URLs" in shadow.json()["error"]["message"]
    await endpoint(api, tenant, name="d", path="/orders/:id", method="DELETE")  # another method is another endpoint
    for i in range(18):
        await endpoint(api, tenant, name=f"n{i}", path=f"/n{i}", method="GET")
    over = await api.rest("POST", "/v1/custom-endpoints", tenant.token, json={"name": "21st", "path": "/over", "method": "GET"})
    assert over.status_code == 403 and error_code(over) == "QUOTA_EXCEEDED"
    other = await make_tenant("Other")
    assert (await api.rest("POST", "/v1/custom-endpoints", other.token, json={"name": "a", "path": "/orders/:id", "method": "GET"})).status_code == 201


async def test_a_failing_action_answers_with_its_index_and_is_recorded(api: Api, tenant: TenantHandle) -> None:
    await orders_type(tenant)
    made = await endpoint(api, tenant, name="update", path="/orders/:id/close", method="POST", actions=[
        {"type": "transform", "config": {"output": "first"}},
        {"type": "update_record", "config": {"collection": "orders", "id": "{{request.params.id}}", "data": {"status": "closed"}}},
    ])
    failed = await api.rest("POST", "/v1/x/orders/obj_missing/close", tenant.token)
    assert failed.status_code == 404 and failed.json()["error"]["details"] == {"action_index": 1, "action_type": "update_record"}
    execution = data(await api.rest("GET", f"/v1/custom-endpoints/{made['id']}/executions", tenant.token))["executions"][0]
    assert execution["outcome"] == "failed" and execution["status_code"] == 404
    assert [a["status"] for a in execution["actions"]] == ["succeeded", "failed"]


async def test_management_needs_the_schema_scope_and_endpoints_are_tenant_scoped(api: Api, tenant: TenantHandle) -> None:
    made = await endpoint(api, tenant, name="a", path="/a", method="GET")
    reader = await make_tenant("Reader", scopes=["read"])
    refused = await api.rest("POST", "/v1/custom-endpoints", reader.token, json={"name": "a", "path": "/a", "method": "GET"})
    assert refused.status_code == 403
    other = await make_tenant("Other")
    assert (await api.rest("GET", f"/v1/custom-endpoints/{made['id']}", other.token)).status_code == 404
    assert (await api.rest("GET", "/v1/x/a", other.token)).status_code == 404
    assert (await api.rest("GET", "/v1/custom-endpoints", None)).status_code == 401
    assert data(await api.rest("DELETE", f"/v1/custom-endpoints/{made['id']}", tenant.token))["deleted"] is True
    assert (await api.rest("GET", "/v1/x/a", tenant.token)).status_code == 404


async def test_the_tenants_openapi_document_lists_its_enabled_endpoints(api: Api, tenant: TenantHandle) -> None:
    await endpoint(api, tenant, **{**SUMMARY, "actions": [], "response_template": None})
    await endpoint(api, tenant, name="off", path="/off", method="GET", enabled=False)
    document = (await api.rest("GET", "/v1/custom-endpoints/openapi.json", tenant.token)).json()
    assert document["openapi"].startswith("3.1")
    operation = document["paths"]["/v1/x/customers/{customer_id}/summary"]["get"]
    assert operation["summary"] == "Customer Order Summary" and operation["parameters"][0]["name"] == "customer_id"
    assert "/v1/x/off" not in document["paths"]
    tenant_view = (await api.rest("GET", "/docs/openapi.json", tenant.token)).json()
    assert "/v1/x/customers/{customer_id}/summary" in tenant_view["paths"] and "/v1/custom-endpoints" in tenant_view["paths"]
    public_view = (await api.rest("GET", "/docs/openapi.json")).json()
    assert not any(path.startswith("/v1/x/") for path in public_view["paths"])


async def test_the_tenants_ip_allowlist_covers_its_public_endpoints(api: Api, tenant: TenantHandle) -> None:
    await endpoint(api, tenant, name="ping", path="/ping", method="GET", auth_required=False, actions=[{"type": "transform", "config": {"output": "pong"}}])
    assert data(await api.rest("GET", "/v1/x/ping", headers={"X-Tenant-Id": tenant.tenant_id})) == "pong"
    data(await api.rest("PATCH", "/v1/governance", tenant.token, json={"ip_allowlist": ["10.0.0.0/8"]}))  # tests call from 127.0.0.1
    refused = await api.rest("GET", "/v1/x/ping", headers={"X-Tenant-Id": tenant.tenant_id})
    assert refused.status_code == 403 and error_code(refused) == "IP_NOT_ALLOWED"


async def test_the_callers_key_rate_limit_applies(api: Api, tenant: TenantHandle) -> None:
    await endpoint(api, tenant, name="ping", path="/ping", method="GET", actions=[{"type": "transform", "config": {"output": "pong"}}])
    limited = data(await api.rest("POST", "/v1/keys", tenant.token, json={"label": "slow", "scopes": ["read"], "rate_limit": 2}), status=201)
    answers = [await api.rest("GET", "/v1/x/ping", limited["token"]) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429] and answers[2].headers["retry-after"]


async def test_executions_are_kept_as_long_as_the_tenants_audit_retention(api: Api, tenant: TenantHandle) -> None:
    made = await endpoint(api, tenant, name="ping", path="/ping", method="GET", actions=[{"type": "transform", "config": {"output": "pong"}}])
    await api.rest("GET", "/v1/x/ping", tenant.token)
    data(await api.rest("PATCH", "/v1/governance", tenant.token, json={"audit_retention_days": 30}))
    history = f"/v1/custom-endpoints/{made['id']}/executions"
    await prune_executions(datetime.now(timezone.utc) + timedelta(days=29))
    assert len(data(await api.rest("GET", history, tenant.token))["executions"]) == 1
    await prune_executions(datetime.now(timezone.utc) + timedelta(days=31))
    assert data(await api.rest("GET", history, tenant.token))["executions"] == []
