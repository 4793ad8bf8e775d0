"""Runtime hooks over GraphQL (`POST /graphql`, in-process app).

Covers runtimeHooks, runtimeHook, createRuntimeHook, updateRuntimeHook, deleteRuntimeHook,
activateRuntimeHook, deactivateRuntimeHook, testRuntimeHook and testHookCode: a hook's life from
created to deleted with the writes it changes in between, test runs (passed, rejected, failed;
their writes rolled back), and refusals as `extensions.code` (VALIDATION_ERROR naming fields,
HOOK_REJECTED, HOOK_FAILED, NOT_FOUND across tenants, UNAUTHORIZED, INSUFFICIENT_SCOPE).
"""

from __future__ import annotations

from typing import Any

from tests.support import Api, TenantHandle, data, gql_code, make_type

HOOK = "id name description event type code status sort timeoutMs memoryLimitMb lastError lastErrorAt executionCount lastExecutedAt avgExecutionTimeMs"
CREATE = f"mutation($input: CreateRuntimeHookInput!) {{ createRuntimeHook(input: $input) {{ {HOOK} }} }}"
UPDATE = f"mutation($id: ID!, $input: UpdateRuntimeHookInput!) {{ updateRuntimeHook(id: $id, input: $input) {{ {HOOK} }} }}"
DELETE = "mutation($id: ID!) { deleteRuntimeHook(id: $id) { deleted id } }"
ACTIVATE = f"mutation($id: ID!) {{ activateRuntimeHook(id: $id) {{ {HOOK} }} }}"
DEACTIVATE = f"mutation($id: ID!) {{ deactivateRuntimeHook(id: $id) {{ {HOOK} }} }}"
ONE = f"query($id: ID!) {{ runtimeHook(id: $id) {{ {HOOK} }} }}"
LIST = f"query($status: String, $type: String) {{ runtimeHooks(status: $status, type: $type) {{ {HOOK} }} }}"
RUN = "status result error console durationMs"
TEST_SAVED = f"mutation($id: ID!, $payload: JSON) {{ testRuntimeHook(id: $id, testPayload: $payload) {{ {RUN} }} }}"
TEST_CODE = f"mutation($input: TestHookCodeInput!) {{ testHookCode(input: $input) {{ {RUN} }} }}"
CREATE_OBJECT = "mutation($type: ID!, $p: JSON!) { createObject(objectTypeId: $type, properties: $p) { id properties } }"

AUTO_SLUG = """// Auto-generate slug from title
if (!payload.slug && payload.title) {
  payload.slug = payload.title.toLowerCase().replace(/\\s+/g, '-');
}
return payload;"""


def answer(result: dict[str, Any], field: str) -> Any:
    assert not result.get("errors"), result
    return result["data"][field]


def invalid_fields(result: dict[str, Any]) -> list[str]:
    assert gql_code(result) == "VALIDATION_ERROR" and result.get("data") is None, result
    return sorted(d["field"] for d in result["errors"][0]["extensions"]["details"])


async def create(api: Api, tenant: TenantHandle, **fields: Any) -> dict[str, Any]:
    return answer(await api.gql(CREATE, tenant.token, input={"name": "hook", "type": "filter", **fields}), "createRuntimeHook")


async def articles(tenant: TenantHandle) -> str:
    return await make_type(tenant, "articles", [{"name": "title", "data_type": "string"}, {"name": "slug", "data_type": "string"}])


async def create_article(api: Api, tenant: TenantHandle, type_id: str, properties: dict[str, Any]) -> dict[str, Any]:
    return await api.gql(CREATE_OBJECT, tenant.token, type=type_id, p=properties)


async def article_count(api: Api, tenant: TenantHandle, type_id: str) -> int:
    page = data(await api.rest("GET", f"/v1/objects/{type_id}/list", tenant.token))
    return int(page["total"])


async def test_a_hook_is_created_activated_runs_deactivated_and_deleted(api: Api, tenant: TenantHandle) -> None:
    type_id = await articles(tenant)
    made = await create(api, tenant, name="Auto-slug", description="slug from title", event="articles.items.create", code=AUTO_SLUG, timeoutMs=1000)
    assert made["id"].startswith("ext") and (made["status"], made["timeoutMs"], made["memoryLimitMb"]) == ("inactive", 1000, 64)
    assert (made["executionCount"], made["lastExecutedAt"], made["lastError"]) == (0, None, None)
    assert answer(await api.gql(ONE, tenant.token, id=made["id"]), "runtimeHook") == made
    assert [h["id"] for h in answer(await api.gql(LIST, tenant.token), "runtimeHooks")] == [made["id"]]

    assert "slug" not in answer(await create_article(api, tenant, type_id, {"title": "Not Yet"}), "createObject")["properties"]
    active = answer(await api.gql(ACTIVATE, tenant.token, id=made["id"]), "activateRuntimeHook")
    assert active["status"] == "active"
    assert answer(await api.gql(LIST, tenant.token, status="active"), "runtimeHooks") == [active]
    slugged = answer(await create_article(api, tenant, type_id, {"title": "Hello World"}), "createObject")
    assert slugged["properties"] == {"title": "Hello World", "slug": "hello-world"}
    await api.write_hook_statistics()
    ran = answer(await api.gql(ONE, tenant.token, id=made["id"]), "runtimeHook")
    assert ran["executionCount"] == 1 and ran["lastExecutedAt"] and ran["avgExecutionTimeMs"] >= 0

    renamed = answer(await api.gql(UPDATE, tenant.token, id=made["id"], input={"name": "Slugger", "sort": 3}), "updateRuntimeHook")
    assert (renamed["name"], renamed["sort"], renamed["status"], renamed["code"]) == ("Slugger", 3, "active", AUTO_SLUG)
    stopped = answer(await api.gql(DEACTIVATE, tenant.token, id=made["id"]), "deactivateRuntimeHook")
    assert stopped["status"] == "inactive"
    assert "slug" not in answer(await create_article(api, tenant, type_id, {"title": "Off Again"}), "createObject")["properties"]

    assert answer(await api.gql(DELETE, tenant.token, id=made["id"]), "deleteRuntimeHook") == {"deleted": True, "id": made["id"]}
    assert gql_code(await api.gql(ONE, tenant.token, id=made["id"])) == "NOT_FOUND"
    assert gql_code(await api.gql(DELETE, tenant.token, id=made["id"])) == "NOT_FOUND"
    assert answer(await api.gql(LIST, tenant.token), "runtimeHooks") == []


async def test_test_runs_report_passed_rejected_and_failed_and_roll_back_their_writes(api: Api, tenant: TenantHandle) -> None:
    type_id = await articles(tenant)
    writer = "const svc = await context.services.items('articles'); await svc.createOne({ title: 'from a test' });\n"
    passed = answer(await api.gql(TEST_CODE, tenant.token, input={
        "code": writer + "console.log('slugging'); return { ...payload, tested: true };", "type": "filter",
        "event": "articles.items.create", "testPayload": {"title": "Hello World"},
    }), "testHookCode")
    assert passed["status"] == "passed" and passed["result"] == {"title": "Hello World", "tested": True} and passed["error"] is None
    assert passed["console"] == [{"level": "log", "message": "slugging"}]

    made = await create(api, tenant, event="articles.items.create", timeoutMs=200,
                        code=writer + "if (!payload.title) throw new Error('Title is required');\nif (payload.loop) { while (true) {} }\nreturn payload;")
    rejected = answer(await api.gql(TEST_SAVED, tenant.token, id=made["id"], payload={}), "testRuntimeHook")
    assert rejected["status"] == "rejected" and rejected["error"] == "threw: Title is required" and rejected["result"] is None
    failed = answer(await api.gql(TEST_SAVED, tenant.token, id=made["id"], payload={"title": "x", "loop": True}), "testRuntimeHook")
    assert failed["status"] == "failed" and failed["error"].startswith("timed out")
    assert await article_count(api, tenant, type_id) == 0


async def test_refusals_carry_their_code(api: Api, tenant: TenantHandle, other_tenant: TenantHandle) -> None:
    type_id = await articles(tenant)
    bad = await api.gql(CREATE, tenant.token, input={"name": " ", "event": "articles.items.publish", "type": "around", "code": "return payload;", "timeoutMs": 1})
    assert invalid_fields(bad) == ["event", "name", "timeout_ms", "type"]
    broken = await api.gql(CREATE, tenant.token, input={"name": "h", "event": "items.create", "type": "filter", "code": "return payload.;"})
    assert invalid_fields(broken) == ["code"] and "does not compile" in broken["errors"][0]["extensions"]["details"][0]["message"]
    checked = await api.gql(TEST_CODE, tenant.token, input={"code": " ", "type": "filter", "event": "nope"})
    assert invalid_fields(checked) == ["code", "event"]

    thrower = await create(api, tenant, event="articles.items.create", status="active", code="throw new Error('closed for edits');")
    rejected = await create_article(api, tenant, type_id, {"title": "x"})
    assert gql_code(rejected) == "HOOK_REJECTED" and rejected["errors"][0]["message"] == "closed for edits"
    answer(await api.gql(DEACTIVATE, tenant.token, id=thrower["id"]), "deactivateRuntimeHook")
    await create(api, tenant, event="articles.items.create", status="active", timeoutMs=200, code="while (true) {}")
    failed = await create_article(api, tenant, type_id, {"title": "x"})
    assert gql_code(failed) == "HOOK_FAILED"
    assert await article_count(api, tenant, type_id) == 0

    assert gql_code(await api.gql(ONE, other_tenant.token, id=thrower["id"])) == "NOT_FOUND"
    assert gql_code(await api.gql(ACTIVATE, other_tenant.token, id=thrower["id"])) == "NOT_FOUND"
    assert gql_code(await api.gql(TEST_SAVED, other_tenant.token, id=thrower["id"], payload={})) == "NOT_FOUND"
    assert gql_code(await api.gql(LIST)) == "UNAUTHORIZED"
    reader = data(await api.rest("POST", "/v1/keys", tenant.token, json={"label": "reader", "scopes": ["read"]}), 201)["token"]
    assert len(answer(await api.gql(LIST, reader), "runtimeHooks")) == 2
    assert gql_code(await api.gql(DEACTIVATE, reader, id=thrower["id"])) == "INSUFFICIENT_SCOPE"
    assert gql_code(await api.gql(TEST_CODE, reader, input={"code": "return 1;", "type": "filter", "event": "items.create"})) == "INSUFFICIENT_SCOPE"
    assert gql_code(await api.gql(CREATE, reader, input={"name": "h", "event": "items.create", "type": "filter", "code": "return payload;"})) == "INSUFFICIENT_SCOPE"
