"""Custom endpoints over GraphQL (`POST /graphql`, in-process app).

Covers the root fields customEndpoints, customEndpoint, customEndpointExecutions and
customEndpointsOpenapi, and the mutations createCustomEndpoint, updateCustomEndpoint,
deleteCustomEndpoint and invokeCustomEndpoint (path, query and body in; status, body, headers
and `templated` out; refusals as `extensions.code`); definitions refused with VALIDATION_ERROR
naming each bad field; and the scopes (`schema` to manage, `read` to look).
"""

from __future__ import annotations

from typing import Any


from tests.support import Api, TenantHandle, data, gql_code, make_tenant, make_type

ENDPOINT = "id name path method authRequired condition actions responseTemplate enabled warnings createdAt updatedAt"
CREATE = f"mutation($input: CreateCustomEndpointInput!) {{ createCustomEndpoint(input: $input) {{ {ENDPOINT} }} }}"
UPDATE = f"mutation($id: ID!, $input: UpdateCustomEndpointInput!) {{ updateCustomEndpoint(id: $id, input: $input) {{ {ENDPOINT} }} }}"
DELETE = "mutation($id: ID!) { deleteCustomEndpoint(id: $id) { deleted id } }"
ONE = f"query($id: ID!) {{ customEndpoint(id: $id) {{ {ENDPOINT} }} }}"
LIST = f"{{ customEndpoints {{ {ENDPOINT} }} }}"
INVOKE = """mutation($method: String!, $path: String!, $q: JSON, $body: JSON, $tenantId: String) {
  invokeCustomEndpoint(method: $method, path: $path, query: $q, body: $body, tenantId: $tenantId) { status body headers templated }
}"""
EXECUTION = "id endpointId method path statusCode outcome durationMs actions errorCode error requestId principalKind actor createdAt"
EXECUTIONS = f"""query($id: ID!, $limit: Int, $cursor: String) {{
  customEndpointExecutions(id: $id, limit: $limit, cursor: $cursor) {{ executions {{ {EXECUTION} }} nextCursor }}
}}"""
OPENAPI = "{ customEndpointsOpenapi }"

GREETING = {
    "name": "Greeting",
    "path": "/greet/:name",
    "method": "POST",
    "actions": [{"type": "transform", "config": {"output": {"hello": "{{request.params.name}}", "mood": "{{request.query.mood}}",
                                                            "gift": "{{request.body.gift}}"}}}],
    "responseTemplate": {"status": 202, "body": {"greeting": "{{actions[0].result}}", "by": "{{auth.account_id}}"},
                         "headers": {"X-Greeted": "{{request.params.name}}"}},
}


def answer(result: dict[str, Any], field: str) -> Any:
    assert not result.get("errors"), result
    return result["data"][field]


def invalid_fields(result: dict[str, Any]) -> list[str]:
    assert gql_code(result) == "VALIDATION_ERROR" and result.get("data") is None, result
    return sorted(d["field"] for d in result["errors"][0]["extensions"]["details"])


async def create(api: Api, tenant: TenantHandle, **fields: Any) -> dict[str, Any]:
    return answer(await api.gql(CREATE, tenant.token, input=fields), "createCustomEndpoint")


async def test_an_endpoint_is_created_read_listed_updated_and_deleted(api: Api, tenant: TenantHandle) -> None:
    made = await create(api, tenant, **GREETING)
    assert made["id"].startswith("cep_") and (made["name"], made["path"], made["method"]) == ("Greeting", "/greet/:name", "POST")
    assert made["authRequired"] is True and made["enabled"] is True and made["condition"] is None and made["warnings"] == []
    assert made["actions"] == GREETING["actions"]
    assert made["responseTemplate"] == {**GREETING["responseTemplate"], "allow_set_cookie": False}
    assert answer(await api.gql(ONE, tenant.token, id=made["id"]), "customEndpoint") == made

    other = await create(api, tenant, name="Admins", path="/greet/admin", method="post", condition="@has_role('admin')")
    assert other["method"] == "POST" and other["warnings"] == [
        f"POST /greet/:name ({made['id']}) matches some of the same URLs; where both match, /greet/admin answers"]
    assert [e["id"] for e in answer(await api.gql(LIST, tenant.token), "customEndpoints")] == [made["id"], other["id"]]

    changed = answer(await api.gql(UPDATE, tenant.token, id=made["id"], input={"name": "Hello", "enabled": False, "authRequired": False}), "updateCustomEndpoint")
    assert (changed["name"], changed["enabled"], changed["authRequired"], changed["path"]) == ("Hello", False, False, "/greet/:name")
    assert changed["actions"] == made["actions"] and changed["updatedAt"] >= made["updatedAt"]

    assert answer(await api.gql(DELETE, tenant.token, id=made["id"]), "deleteCustomEndpoint") == {"deleted": True, "id": made["id"]}
    assert gql_code(await api.gql(ONE, tenant.token, id=made["id"])) == "NOT_FOUND"
    assert gql_code(await api.gql(DELETE, tenant.token, id=made["id"])) == "NOT_FOUND"
    listed = answer(await api.gql(LIST, tenant.token), "customEndpoints")
    assert [e["id"] for e in listed] == [other["id"]] and listed[0]["warnings"] == []


async def test_invoking_returns_the_templated_status_body_and_headers(api: Api, tenant: TenantHandle) -> None:
    await create(api, tenant, **GREETING)
    reply = answer(await api.gql(INVOKE, tenant.token, method="post", path="/greet/ana", q={"mood": "sunny"}, body={"gift": ["tea", 2]}),
                   "invokeCustomEndpoint")
    assert reply == {
        "status": 202, "templated": True, "headers": {"X-Greeted": "ana"},
        "body": {"greeting": {"hello": "ana", "mood": "sunny", "gift": ["tea", 2]}, "by": tenant.tenant_id},
    }
    same_over_rest = await api.rest("POST", "/v1/x/greet/ana?mood=sunny", tenant.token, json={"gift": ["tea", 2]})
    assert same_over_rest.status_code == 202 and same_over_rest.json() == reply["body"] and same_over_rest.headers["x-greeted"] == "ana"


async def test_invoking_without_a_template_returns_the_last_result_untemplated(api: Api, tenant: TenantHandle) -> None:
    await make_type(tenant, "feedback", [{"name": "message", "data_type": "string"}])
    await create(api, tenant, name="Feedback", path="/feedback", method="POST", authRequired=False, actions=[
        {"type": "create_record", "config": {"collection": "feedback", "data": {"message": "{{request.body.message}}"}}},
        {"type": "transform", "config": {"output": {"id": "{{actions[0].result.id}}", "message": "{{actions[0].result.properties.message}}"}}},
    ])
    anonymous = answer(await api.gql(INVOKE, None, method="POST", path="feedback", body={"message": "nice"}, tenantId=tenant.tenant_id),
                       "invokeCustomEndpoint")
    assert anonymous["status"] == 200 and anonymous["templated"] is False and anonymous["headers"] == {}
    assert anonymous["body"]["message"] == "nice"
    stored = data(await api.rest("GET", f"/v1/objects/feedback/{anonymous['body']['id']}", tenant.token))
    assert stored["properties"] == {"message": "nice"}

    assert gql_code(await api.gql(INVOKE, None, method="POST", path="/feedback", body={"message": "x"})) == "UNAUTHORIZED"
    assert gql_code(await api.gql(INVOKE, tenant.token, method="GET", path="/nothing/here")) == "ROUTE_NOT_FOUND"
    wrong = await api.gql(INVOKE, tenant.token, method="GET", path="/feedback")
    assert gql_code(wrong) == "METHOD_NOT_ALLOWED" and wrong["errors"][0]["extensions"]["details"] == {"allowed": ["POST"]}


async def test_a_refused_or_failing_invocation_answers_its_code_and_action_index(api: Api, tenant: TenantHandle) -> None:
    await create(api, tenant, name="Admins only", path="/admin", method="GET", condition="@has_role('admin')")
    assert gql_code(await api.gql(INVOKE, tenant.token, method="GET", path="/admin")) == "CONDITION_FAILED"
    await create(api, tenant, name="Broken", path="/broken/:id", method="DELETE", actions=[
        {"type": "transform", "config": {"output": 1}},
        {"type": "delete_record", "config": {"collection": "nowhere", "id": "{{request.params.id}}"}},
    ])
    failed = await api.gql(INVOKE, tenant.token, method="DELETE", path="/broken/obj_1")
    assert failed["data"] is None and failed["errors"][0]["extensions"]["status"] == 404
    assert failed["errors"][0]["extensions"]["details"] == {"action_index": 1, "action_type": "delete_record"}


async def test_executions_are_listed_newest_first_with_a_cursor(api: Api, tenant: TenantHandle) -> None:
    made = await create(api, tenant, **GREETING)
    request_ids = []
    for name in ("ana", "bo", "cy"):
        result = await api.gql(INVOKE, tenant.token, method="POST", path=f"/greet/{name}", q={"mood": "ok"})
        answer(result, "invokeCustomEndpoint")
        request_ids.append(result["extensions"]["request_id"])
    assert gql_code(await api.gql(INVOKE, tenant.token, method="GET", path="/greet/dee")) == "METHOD_NOT_ALLOWED"  # matched no endpoint

    first = answer(await api.gql(EXECUTIONS, tenant.token, id=made["id"], limit=2), "customEndpointExecutions")
    rest = answer(await api.gql(EXECUTIONS, tenant.token, id=made["id"], limit=2, cursor=first["nextCursor"]), "customEndpointExecutions")
    assert first["nextCursor"] and rest["nextCursor"] is None
    listed = first["executions"] + rest["executions"]
    assert [e["requestId"] for e in listed] == request_ids[::-1]
    assert [e["path"].rsplit("/", 1)[-1] for e in listed] == ["cy", "bo", "ana"]
    newest = listed[0]
    assert (newest["endpointId"], newest["method"], newest["statusCode"], newest["outcome"]) == (made["id"], "POST", 202, "succeeded")
    assert (newest["principalKind"], newest["actor"], newest["errorCode"], newest["error"]) == ("api_key", tenant.key_id, None, None)
    assert [a["type"] for a in newest["actions"]] == ["transform"] and newest["actions"][0]["status"] == "succeeded"

    bad = await api.gql(EXECUTIONS, tenant.token, id=made["id"], cursor="nonsense")
    assert invalid_fields(bad) == ["cursor"]
    assert invalid_fields(await api.gql(EXECUTIONS, tenant.token, id=made["id"], limit=0)) == ["limit"]
    other = await make_tenant("Other")
    assert gql_code(await api.gql(EXECUTIONS, other.token, id=made["id"])) == "NOT_FOUND"


async def test_the_openapi_document_describes_the_enabled_endpoints(api: Api, tenant: TenantHandle) -> None:
    greeting = await create(api, tenant, **GREETING)
    public = await create(api, tenant, name="Ping", path="/ping", method="GET", authRequired=False)
    await create(api, tenant, name="Off", path="/off", method="GET", enabled=False)
    document = answer(await api.gql(OPENAPI, tenant.token), "customEndpointsOpenapi")
    assert document["openapi"] == "3.1.0" and set(document["paths"]) == {"/v1/x/greet/{name}", "/v1/x/ping"}

    greet = document["paths"]["/v1/x/greet/{name}"]["post"]
    assert greet["operationId"] == f"custom_{greeting['id']}" and greet["summary"] == "Greeting"
    assert greet["parameters"] == [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}]
    assert set(greet["responses"]) == {"202", "401", "403"} and "requestBody" in greet and "security" not in greet

    ping = document["paths"]["/v1/x/ping"]["get"]
    assert ping["operationId"] == f"custom_{public['id']}" and ping["security"] == [{}, {"bearer": []}]
    assert [p["name"] for p in ping["parameters"]] == ["X-Tenant-Id"] and "requestBody" not in ping and "401" not in ping["responses"]
    assert answer(await api.gql(OPENAPI, (await make_tenant("Empty")).token), "customEndpointsOpenapi")["paths"] == {}


async def test_invalid_definitions_are_refused_naming_each_field_and_nothing_changes(api: Api, tenant: TenantHandle) -> None:
    refused = await api.gql(CREATE, tenant.token, input={
        "name": " ", "path": "/a/:id/b/:id", "method": "FETCH", "condition": "@launch()",
        "actions": [{"type": "launch_rocket"}, {"type": "aggregate_records", "config": {"collection": "orders", "function": "median"}}],
    })
    assert invalid_fields(refused) == ["actions[0].type", "actions[1].config.function", "condition", "method", "name", "path"]
    details = {d["field"]: d["message"] for d in refused["errors"][0]["extensions"]["details"]}
    assert "twice" in details["path"] and "GET" in details["method"]
    assert answer(await api.gql(LIST, tenant.token), "customEndpoints") == []

    made = await create(api, tenant, **GREETING)
    bad_template = await api.gql(UPDATE, tenant.token, id=made["id"], input={
        "responseTemplate": {"status": 99, "headers": {"Content-Length": "1", "X-Ok": "line\nbreak"}, "extra": 1}})
    assert invalid_fields(bad_template) == [
        "response_template.extra", "response_template.headers.Content-Length", "response_template.headers.X-Ok", "response_template.status"]
    late = await api.gql(UPDATE, tenant.token, id=made["id"], input={"responseTemplate": {"body": "{{actions[1].result}}"}})
    assert invalid_fields(late) == ["response_template.body"]
    unknown_param = await api.gql(UPDATE, tenant.token, id=made["id"], input={"path": "/greet/:who"})
    assert invalid_fields(unknown_param) == ["actions", "response_template"]  # both still name request.params.name
    assert answer(await api.gql(ONE, tenant.token, id=made["id"]), "customEndpoint") == made

    taken = await api.gql(CREATE, tenant.token, input={"name": "Shadow", "path": "/greet/:someone", "method": "POST"})
    assert gql_code(taken) == "ALREADY_EXISTS"


async def test_managing_needs_the_schema_scope_and_reading_the_read_scope(api: Api, tenant: TenantHandle) -> None:
    made = await create(api, tenant, **GREETING)
    key = data(await api.rest("POST", "/v1/keys", tenant.token, json={"label": "reader", "scopes": ["read"]}), 201)["token"]
    assert gql_code(await api.gql(CREATE, key, input={"name": "x", "path": "/x", "method": "GET"})) == "INSUFFICIENT_SCOPE"
    assert gql_code(await api.gql(UPDATE, key, id=made["id"], input={"enabled": False})) == "INSUFFICIENT_SCOPE"
    assert gql_code(await api.gql(DELETE, key, id=made["id"])) == "INSUFFICIENT_SCOPE"
    assert [e["id"] for e in answer(await api.gql(LIST, key), "customEndpoints")] == [made["id"]]
    assert "/v1/x/greet/{name}" in answer(await api.gql(OPENAPI, key), "customEndpointsOpenapi")["paths"]
    assert gql_code(await api.gql(LIST, None)) == "UNAUTHORIZED"


async def test_a_deleted_endpoints_executions_stay_readable(api: Api, tenant: TenantHandle) -> None:
    made = await create(api, tenant, **GREETING)
    answer(await api.gql(INVOKE, tenant.token, method="POST", path="/greet/ana"), "invokeCustomEndpoint")
    answer(await api.gql(DELETE, tenant.token, id=made["id"]), "deleteCustomEndpoint")
    page = answer(await api.gql(EXECUTIONS, tenant.token, id=made["id"]), "customEndpointExecutions")
    assert [e["statusCode"] for e in page["executions"]] == [202]


async def test_a_query_that_is_not_an_object_is_a_validation_error(api: Api, tenant: TenantHandle) -> None:
    await create(api, tenant, **GREETING)
    assert gql_code(await api.gql(INVOKE, tenant.token, method="POST", path="/greet/ana", q=["mood", "sunny"])) == "VALIDATION_ERROR"
