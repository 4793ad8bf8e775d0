"""Runtime hooks over REST (`/v1/extensions`): managing them (CRUD, validation, compile checks,
limits, scopes, tenant isolation), the contract's examples as written (the auto-slug filter, the
creation-log action), what filters do to writes and reads (rejections, failures, the failure
streak that puts a hook in `error`, chaining in `sort` order, items.read / items.query /
versions.create), action hooks after commit (their errors never reach the caller), test runs
that roll back, `context.services` seen from hook code, the depth limit, custom `xtr.*` events,
and a change reaching a second app instance within a second."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from graphql_api.app import create_app
from graphql_api.settings import Settings
from tests.support import Api, TenantHandle, data, error_code, make_objects, make_type
from tests.webhook_receiver import Receiver
from tests.workers import Pump, eventually

# The contract's examples (spec 003), exactly as written there.
AUTO_SLUG = """// Auto-generate slug from title
if (!payload.slug && payload.title) {
  payload.slug = payload.title.toLowerCase().replace(/\\s+/g, '-');
}
return payload;"""
CREATION_LOG = """// Log creation
console.log(`Item created in ${meta.collection} by ${context.accountability?.user}`);
const logs = await context.services.items('logs');
await logs.createOne({ message: `Item created in ${meta.collection} by ${context.accountability?.user}`, key: meta.key });"""

ARTICLE_PROPERTIES = [
    {"name": "title", "data_type": "string"},
    {"name": "slug", "data_type": "string"},
    {"name": "status", "data_type": "string"},
    {"name": "secret", "data_type": "string"},
]


# --- helpers --------------------------------------------------------------------------------


async def articles(tenant: TenantHandle) -> str:
    return await make_type(tenant, "articles", ARTICLE_PROPERTIES)


async def logs(tenant: TenantHandle) -> str:
    return await make_type(tenant, "logs", [{"name": "message", "data_type": "string"}, {"name": "key", "data_type": "string"}])


async def add_hook(api: Api, tenant: TenantHandle, **fields: Any) -> dict[str, Any]:
    body = {"name": "hook", "type": "filter", **fields}
    return data(await api.rest("POST", "/v1/extensions", tenant.token, json=body), 201)


async def hook_row(api: Api, tenant: TenantHandle, hook_id: str) -> dict[str, Any]:
    """The hook with its statistics, once the app has written those of the runs so far."""
    await api.write_hook_statistics()
    return data(await api.rest("GET", f"/v1/extensions/{hook_id}", tenant.token))


async def create(api: Api, tenant: TenantHandle, type_id: str, properties: dict[str, Any]) -> httpx.Response:
    return await api.rest("POST", f"/v1/objects/{type_id}", tenant.token, json={"properties": properties})


async def listed(api: Api, tenant: TenantHandle, type_id: str, **params: Any) -> dict[str, Any]:
    if isinstance(params.get("filter"), (dict, list)):
        params["filter"] = json.dumps(params["filter"])
    return data(await api.rest("GET", f"/v1/objects/{type_id}/list", tenant.token, params={"limit": 100, **params}))


async def count(api: Api, tenant: TenantHandle, type_id: str) -> int:
    return int((await listed(api, tenant, type_id))["total"])


async def try_code(api: Api, tenant: TenantHandle, code: str, *, event: str = "articles.items.create", type: str = "filter", payload: Any = None) -> dict[str, Any]:
    body = {"code": code, "type": type, "event": event, "test_payload": payload if payload is not None else {"title": "Hello"}}
    return data(await api.rest("POST", "/v1/extensions/test", tenant.token, json=body))


def fields_of(response: httpx.Response) -> set[str]:
    return {d["field"] for d in response.json()["error"]["details"]}


async def scoped_key(api: Api, tenant: TenantHandle, scopes: list[str]) -> str:
    created = data(await api.rest("POST", "/v1/keys", tenant.token, json={"label": "limited", "scopes": scopes}), 201)
    return str(created["token"])


@pytest.fixture
async def own_app(settings: Settings, receiver: Receiver) -> AsyncIterator[Api]:
    """An app whose operator whitelisted one variable and allowed the local receiver's host."""
    configured = dataclasses.replace(settings, extension_env={"MY_API_KEY": "k"}, extension_allowed_domains=("127.0.0.1",))
    app = create_app(configured, manage_orm=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=("127.0.0.1", 5)), base_url="http://t") as http:
        yield Api(http)
    await app.state.runtime.extensions.close()
    await app.state.runtime.webhooks.close()


# --- managing hooks ---------------------------------------------------------------------------


async def test_a_hook_is_created_inactive_listed_read_changed_and_deleted(api: Api, tenant: TenantHandle) -> None:
    made = await add_hook(api, tenant, name="Auto-slug", description="slugs", event="articles.items.create", code=AUTO_SLUG)
    assert made["id"].startswith("ext") and made["status"] == "inactive" and made["sort"] == 0
    assert (made["timeout_ms"], made["memory_limit_mb"]) == (5000, 64)
    assert (made["execution_count"], made["last_error"], made["last_executed_at"]) == (0, None, None)
    later = await add_hook(api, tenant, name="Logger", event="items.create", type="action", code="console.log(meta.key);", sort=-1)

    listed_hooks = data(await api.rest("GET", "/v1/extensions", tenant.token))
    assert [h["id"] for h in listed_hooks] == [later["id"], made["id"]]  # sort order first
    actions = data(await api.rest("GET", "/v1/extensions", tenant.token, params={"type": "action"}))
    assert [h["id"] for h in actions] == [later["id"]]
    assert data(await api.rest("GET", "/v1/extensions", tenant.token, params={"status": "active"})) == []
    assert await hook_row(api, tenant, made["id"]) == made

    changed = data(await api.rest("PATCH", f"/v1/extensions/{made['id']}", tenant.token, json={"name": "Slugger", "sort": 5, "timeout_ms": 1000}))
    assert (changed["name"], changed["sort"], changed["timeout_ms"], changed["code"]) == ("Slugger", 5, 1000, AUTO_SLUG)

    deleted = await api.rest("DELETE", f"/v1/extensions/{made['id']}", tenant.token)
    assert deleted.status_code == 200
    gone = await api.rest("GET", f"/v1/extensions/{made['id']}", tenant.token)
    assert gone.status_code == 404 and error_code(gone) == "NOT_FOUND"
    assert [h["id"] for h in data(await api.rest("GET", "/v1/extensions", tenant.token))] == [later["id"]]


async def test_an_invalid_hook_is_refused_naming_every_bad_field(api: Api, tenant: TenantHandle) -> None:
    empty = await api.rest("POST", "/v1/extensions", tenant.token, json={})
    assert empty.status_code == 400 and error_code(empty) == "VALIDATION_ERROR"
    assert fields_of(empty) == {"name", "event", "type", "code"}

    bad = await api.rest("POST", "/v1/extensions", tenant.token, json={
        "name": "", "event": "articles.items.publish", "type": "before", "code": "return payload;", "status": "error", "colour": "red",
    })
    assert bad.status_code == 400 and fields_of(bad) == {"colour"}  # unknown fields are named before anything else
    bad = await api.rest("POST", "/v1/extensions", tenant.token, json={
        "name": "", "event": "articles.items.publish", "type": "before", "code": "return payload;", "status": "error",
    })
    assert bad.status_code == 400 and fields_of(bad) == {"name", "event", "type", "status"}
    assert data(await api.rest("GET", "/v1/extensions", tenant.token)) == []


@pytest.mark.parametrize("event", ["articles.items.publish", "items.*", "Articles.items.create", "xtr.item", "versions.update", "orders"])
async def test_an_unknown_event_pattern_is_refused(api: Api, tenant: TenantHandle, event: str) -> None:
    response = await api.rest("POST", "/v1/extensions", tenant.token, json={"name": "h", "event": event, "type": "filter", "code": "return payload;"})
    assert response.status_code == 400 and fields_of(response) == {"event"}


@pytest.mark.parametrize("event", ["items.create", "items.query", "articles.items.delete", "versions.create", "xtr.item.promote"])
async def test_every_event_of_the_contract_is_accepted(api: Api, tenant: TenantHandle, event: str) -> None:
    made = await add_hook(api, tenant, event=event, code="return payload;")
    assert made["event"] == event


async def test_code_that_does_not_compile_is_refused_on_create_and_on_update(api: Api, tenant: TenantHandle) -> None:
    broken = await api.rest("POST", "/v1/extensions", tenant.token, json={"name": "h", "event": "items.create", "type": "filter", "code": "return payload.;"})
    assert broken.status_code == 400 and fields_of(broken) == {"code"}
    assert "does not compile" in broken.json()["error"]["details"][0]["message"]

    made = await add_hook(api, tenant, event="items.create", code="return payload;")
    patched = await api.rest("PATCH", f"/v1/extensions/{made['id']}", tenant.token, json={"code": "if (payload { return 1 }"})
    assert patched.status_code == 400 and fields_of(patched) == {"code"}
    assert (await hook_row(api, tenant, made["id"]))["code"] == "return payload;"


async def test_timeout_and_memory_limits_are_bounded(api: Api, tenant: TenantHandle) -> None:
    for field, value in (("timeout_ms", 5), ("timeout_ms", 30_001), ("timeout_ms", "fast"), ("memory_limit_mb", 4), ("memory_limit_mb", 257)):
        response = await api.rest("POST", "/v1/extensions", tenant.token, json={
            "name": "h", "event": "items.create", "type": "filter", "code": "return payload;", field: value,
        })
        assert response.status_code == 400 and fields_of(response) == {field}, (field, value)
    edges = await add_hook(api, tenant, event="items.create", code="return payload;", timeout_ms=30_000, memory_limit_mb=256)
    assert (edges["timeout_ms"], edges["memory_limit_mb"]) == (30_000, 256)
    small = await add_hook(api, tenant, event="items.create", code="return payload;", timeout_ms=10, memory_limit_mb=8)
    assert (small["timeout_ms"], small["memory_limit_mb"]) == (10, 8)


async def test_managing_hooks_needs_a_token_and_the_schema_scope(api: Api, tenant: TenantHandle) -> None:
    made = await add_hook(api, tenant, event="items.create", code="return payload;")
    anonymous = await api.rest("GET", "/v1/extensions")
    assert anonymous.status_code == 401 and error_code(anonymous) == "UNAUTHORIZED"
    assert (await api.rest("POST", "/v1/extensions", json={"name": "h"})).status_code == 401

    reader = await scoped_key(api, tenant, ["read", "write"])
    assert [h["id"] for h in data(await api.rest("GET", "/v1/extensions", reader))] == [made["id"]]
    assert data(await api.rest("GET", f"/v1/extensions/{made['id']}", reader))["id"] == made["id"]
    attempts = [
        ("POST", "/v1/extensions", {"name": "h", "event": "items.create", "type": "filter", "code": "return payload;"}),
        ("PATCH", f"/v1/extensions/{made['id']}", {"name": "renamed"}),
        ("POST", f"/v1/extensions/{made['id']}/activate", None),
        ("POST", f"/v1/extensions/{made['id']}/deactivate", None),
        ("POST", f"/v1/extensions/{made['id']}/test", {"test_payload": {}}),
        ("POST", "/v1/extensions/test", {"code": "return 1;", "type": "filter", "event": "items.create"}),
        ("DELETE", f"/v1/extensions/{made['id']}", None),
    ]
    for method, path, body in attempts:
        refused = await api.rest(method, path, reader, json=body)
        assert refused.status_code == 403 and error_code(refused) == "INSUFFICIENT_SCOPE", (method, path)
    unchanged = await hook_row(api, tenant, made["id"])
    assert (unchanged["name"], unchanged["status"]) == ("hook", "inactive")


async def test_another_tenants_hook_is_not_found(api: Api, tenant: TenantHandle, other_tenant: TenantHandle) -> None:
    made = await add_hook(api, tenant, event="items.create", code="return payload;")
    for method, path, body in (
        ("GET", f"/v1/extensions/{made['id']}", None),
        ("PATCH", f"/v1/extensions/{made['id']}", {"name": "mine now"}),
        ("POST", f"/v1/extensions/{made['id']}/activate", None),
        ("POST", f"/v1/extensions/{made['id']}/test", {"test_payload": {}}),
        ("DELETE", f"/v1/extensions/{made['id']}", None),
    ):
        response = await api.rest(method, path, other_tenant.token, json=body)
        assert response.status_code == 404 and error_code(response) == "NOT_FOUND", (method, path)
    assert data(await api.rest("GET", "/v1/extensions", other_tenant.token)) == []
    kept = await hook_row(api, tenant, made["id"])
    assert (kept["name"], kept["status"]) == ("hook", "inactive")


# --- filters on writes ------------------------------------------------------------------------


async def test_the_contracts_auto_slug_filter_fills_the_slug_once_active(api: Api, tenant: TenantHandle) -> None:
    type_id = await articles(tenant)
    made = await add_hook(api, tenant, name="Auto-slug", event="articles.items.create", code=AUTO_SLUG)
    before = data(await create(api, tenant, type_id, {"title": "Hello World"}), 201)
    assert "slug" not in before["properties"]  # inactive hooks do not run

    activated = data(await api.rest("POST", f"/v1/extensions/{made['id']}/activate", tenant.token))
    assert activated["status"] == "active"
    slugged = data(await create(api, tenant, type_id, {"title": "Hello Big  World"}), 201)
    assert slugged["properties"] == {"title": "Hello Big  World", "slug": "hello-big-world"}
    kept = data(await create(api, tenant, type_id, {"title": "Hello", "slug": "custom"}), 201)
    assert kept["properties"]["slug"] == "custom"
    stats = await hook_row(api, tenant, made["id"])
    assert stats["execution_count"] == 2 and stats["last_executed_at"] and stats["last_error"] is None

    data(await api.rest("POST", f"/v1/extensions/{made['id']}/deactivate", tenant.token))
    assert "slug" not in data(await create(api, tenant, type_id, {"title": "Off Again"}), 201)["properties"]


async def test_a_throwing_filter_rejects_the_write_with_its_message_and_writes_nothing(api: Api, tenant: TenantHandle) -> None:
    type_id = await articles(tenant)
    made = await add_hook(api, tenant, event="articles.items.create", status="active", code="if (!payload.title) throw new Error('Title is required'); return payload;")
    refused = await create(api, tenant, type_id, {"slug": "no-title"})
    assert refused.status_code == 400 and error_code(refused) == "HOOK_REJECTED"
    assert refused.json()["error"]["message"] == "Title is required"
    assert await count(api, tenant, type_id) == 0
    assert data(await create(api, tenant, type_id, {"title": "Fine"}), 201)["properties"]["title"] == "Fine"
    row = await hook_row(api, tenant, made["id"])
    assert row["status"] == "active" and row["execution_count"] == 2  # a rejection is the hook doing its job, not a failure


async def test_an_import_runs_each_row_through_the_create_filters_and_a_rejection_becomes_that_rows_error(api: Api, tenant: TenantHandle) -> None:
    type_id = await articles(tenant)
    await add_hook(api, tenant, name="Auto-slug", event="articles.items.create", status="active", code=AUTO_SLUG, sort=2)
    await add_hook(api, tenant, event="items.create", status="active", sort=1, code="if (!payload.title) throw new Error('Title is required'); return payload;")
    rows = [{"title": "Hello World"}, {"slug": "untitled"}, {"title": "Second One", "slug": "kept"}]
    result = data(await api.rest("POST", "/v1/data/import", tenant.token, json={"object_type_id": type_id, "format": "json", "data": rows}))
    assert (result["imported"], result["total"]) == (2, 3)
    assert result["errors"] == [{"row": 2, "property": None, "message": "Title is required"}]
    imported = data(await api.rest("POST", f"/v1/objects/{type_id}/batch/read", tenant.token, json={"object_ids": result["ids"]}))
    assert [o["properties"]["slug"] for o in imported] == ["hello-world", "kept"]


async def test_a_failing_filter_fails_an_import_as_a_whole(api: Api, tenant: TenantHandle) -> None:
    type_id = await articles(tenant)
    await add_hook(api, tenant, event="articles.items.create", status="active", timeout_ms=150, code="while (payload.title === 'loop') {} return payload;")
    body = {"object_type_id": type_id, "format": "json", "data": [{"title": "fine"}, {"title": "loop"}]}
    failed = await api.rest("POST", "/v1/data/import", tenant.token, json=body)
    assert failed.status_code == 503 and error_code(failed) == "HOOK_FAILED"
    assert await count(api, tenant, type_id) == 0


async def test_what_a_hook_logs_goes_to_the_server_log(api: Api, tenant: TenantHandle, caplog: pytest.LogCaptureFixture) -> None:
    type_id = await articles(tenant)
    made = await add_hook(api, tenant, name="Chatty", event="articles.items.create", status="active", code="console.warn('saw', payload.title); return payload;")
    caplog.set_level(logging.INFO, logger="basalt.hooks.console")
    data(await create(api, tenant, type_id, {"title": "Hello"}), 201)
    assert f"hook {made['id']} (Chatty) warn: saw Hello" in caplog.messages


async def test_a_looping_filter_is_stopped_at_its_timeout_and_the_write_fails_safely(api: Api, tenant: TenantHandle) -> None:
    type_id = await articles(tenant)
    made = await add_hook(api, tenant, event="articles.items.create", status="active", timeout_ms=200, code="while (true) {} return payload;")
    failed = await create(api, tenant, type_id, {"title": "Stuck"})
    assert failed.status_code == 503 and error_code(failed) == "HOOK_FAILED"
    assert await count(api, tenant, type_id) == 0
    row = await hook_row(api, tenant, made["id"])
    assert row["last_error"].startswith("timed out") and row["last_error_at"] and row["execution_count"] == 1


async def test_after_five_failures_in_a_row_a_hook_goes_to_error_stops_running_and_activate_brings_it_back(api: Api, tenant: TenantHandle) -> None:
    type_id = await articles(tenant)
    made = await add_hook(api, tenant, event="articles.items.create", status="active", timeout_ms=200, code="while (payload.title !== 'ok') {} return payload;")
    for attempt in range(5):
        failed = await create(api, tenant, type_id, {"title": f"stuck {attempt}"})
        assert failed.status_code == 503 and error_code(failed) == "HOOK_FAILED", attempt
    row = await hook_row(api, tenant, made["id"])
    assert row["status"] == "error" and row["execution_count"] == 5 and "timed out" in row["last_error"]

    passed = data(await create(api, tenant, type_id, {"title": "stuck again"}), 201)  # the hook no longer runs
    assert passed["properties"]["title"] == "stuck again"
    assert (await hook_row(api, tenant, made["id"]))["execution_count"] == 5
    assert [h["id"] for h in data(await api.rest("GET", "/v1/extensions", tenant.token, params={"status": "error"}))] == [made["id"]]

    assert data(await api.rest("POST", f"/v1/extensions/{made['id']}/activate", tenant.token))["status"] == "active"
    assert (await create(api, tenant, type_id, {"title": "stuck once more"})).status_code == 503
    assert (await hook_row(api, tenant, made["id"]))["status"] == "active"  # the streak started over


async def test_a_success_between_failures_breaks_the_streak_even_before_its_statistics_are_written(api: Api, tenant: TenantHandle) -> None:
    type_id = await articles(tenant)
    made = await add_hook(api, tenant, event="articles.items.create", status="active", timeout_ms=150, code="while (payload.title !== 'ok') {} return payload;")
    for title in ["stuck"] * 4 + ["ok"] + ["stuck"] * 4:
        assert (await create(api, tenant, type_id, {"title": title})).status_code == (201 if title == "ok" else 503), title
    row = await hook_row(api, tenant, made["id"])
    assert (row["status"], row["execution_count"]) == ("active", 9)


async def test_reenabling_a_hook_in_error_by_patching_its_status_also_starts_the_streak_over(api: Api, tenant: TenantHandle) -> None:
    type_id = await articles(tenant)
    made = await add_hook(api, tenant, event="articles.items.create", status="active", code="function down() { return down() + 1; } down(); return payload;")
    for _ in range(5):
        assert (await create(api, tenant, type_id, {"title": "x"})).status_code == 503
    assert (await hook_row(api, tenant, made["id"]))["status"] == "error"
    assert data(await api.rest("PATCH", f"/v1/extensions/{made['id']}", tenant.token, json={"status": "active"}))["status"] == "active"
    assert (await create(api, tenant, type_id, {"title": "x"})).status_code == 503
    assert (await hook_row(api, tenant, made["id"]))["status"] == "active"  # one failure after re-enabling, not five


async def test_update_and_delete_filters_see_the_keys_and_can_change_or_refuse(api: Api, tenant: TenantHandle) -> None:
    type_id = await articles(tenant)
    [kept] = await make_objects(tenant, type_id, [{"title": "keep me"}])
    await add_hook(api, tenant, event="articles.items.update", status="active", code="return { ...payload, slug: 'updated ' + meta.keys.join(',') };")
    await add_hook(api, tenant, event="articles.items.delete", status="active",
                   code="if (meta.keys.includes(payload[0])) throw new Error('articles are never deleted'); return payload;")
    updated = data(await api.rest("PATCH", f"/v1/objects/{type_id}/{kept}", tenant.token, json={"properties": {"title": "kept"}}))
    assert updated["properties"] == {"title": "kept", "slug": f"updated {kept}"}
    refused = await api.rest("DELETE", f"/v1/objects/{type_id}/{kept}", tenant.token)
    assert refused.status_code == 400 and refused.json()["error"]["message"] == "articles are never deleted"
    assert data(await api.rest("GET", f"/v1/objects/{type_id}/{kept}", tenant.token))["is_deleted"] is False


async def test_a_batch_create_runs_the_filter_per_item_and_one_rejection_writes_nothing(api: Api, tenant: TenantHandle) -> None:
    type_id = await articles(tenant)
    await add_hook(api, tenant, event="articles.items.create", status="active", code=AUTO_SLUG.replace("return payload;", "if (payload.title === 'bad') throw new Error('bad title'); return payload;"))
    batch = [{"properties": {"title": "One Two"}}, {"properties": {"title": "Three"}}]
    made = data(await api.rest("POST", f"/v1/objects/{type_id}/batch/create", tenant.token, json={"objects": batch}), 201)
    assert made["created"] == 2
    assert sorted(o["properties"]["slug"] for o in (await listed(api, tenant, type_id))["results"]) == ["one-two", "three"]
    refused = await api.rest("POST", f"/v1/objects/{type_id}/batch/create", tenant.token, json={"objects": [*batch, {"properties": {"title": "bad"}}]})
    assert refused.status_code == 400 and error_code(refused) == "HOOK_REJECTED"
    assert await count(api, tenant, type_id) == 2


async def test_filters_chain_in_sort_order_each_getting_the_previous_payload(api: Api, tenant: TenantHandle) -> None:
    type_id = await articles(tenant)
    second = await add_hook(api, tenant, name="second", event="articles.items.create", status="active", sort=2,
                            code="payload.title = payload.title + ' then second'; return payload;")
    await add_hook(api, tenant, name="first", event="items.create", status="active", sort=1,
                   code="payload.title = payload.title + ' then first'; return payload;")
    made = data(await create(api, tenant, type_id, {"title": "start"}), 201)
    assert made["properties"]["title"] == "start then first then second"

    data(await api.rest("PATCH", f"/v1/extensions/{second['id']}", tenant.token, json={"sort": 0}))
    again = data(await create(api, tenant, type_id, {"title": "start"}), 201)
    assert again["properties"]["title"] == "start then second then first"


async def test_a_filter_that_returns_nothing_fails_the_write(api: Api, tenant: TenantHandle) -> None:
    type_id = await articles(tenant)
    await add_hook(api, tenant, event="articles.items.create", status="active", code="payload.title = 'x';")
    failed = await create(api, tenant, type_id, {"title": "forgot to return"})
    assert failed.status_code == 503 and error_code(failed) == "HOOK_FAILED"
    assert await count(api, tenant, type_id) == 0


async def test_one_tenants_hooks_never_run_for_another_tenants_writes(api: Api, tenant: TenantHandle, other_tenant: TenantHandle) -> None:
    mine, theirs = await articles(tenant), await articles(other_tenant)
    await add_hook(api, tenant, event="articles.items.create", status="active", code="throw new Error('closed for tenant one');")
    await add_hook(api, tenant, event="items.create", status="active", code="payload.title = 'changed'; return payload;", sort=-1)
    assert (await create(api, tenant, mine, {"title": "x"})).status_code == 400
    created = data(await create(api, other_tenant, theirs, {"title": "untouched"}), 201)
    assert created["properties"] == {"title": "untouched"}
    seen = await try_code(api, tenant, "return (await (await context.services.items('articles')).readByQuery({})).length;")
    assert seen["result"] == 0  # a hook's services see its own tenant's objects only


# --- filters on reads, queries and versions ---------------------------------------------------


async def test_an_items_read_filter_masks_a_field_on_get_and_list(api: Api, tenant: TenantHandle) -> None:
    type_id = await articles(tenant)
    [one, _] = await make_objects(tenant, type_id, [{"title": "a", "secret": "s3cret"}, {"title": "b", "secret": "hidden"}])
    await add_hook(api, tenant, event="articles.items.read", status="active",
                   code="return payload.map(item => ({ ...item, secret: item.secret ? '***' : item.secret }));")
    got = data(await api.rest("GET", f"/v1/objects/{type_id}/{one}", tenant.token))
    assert got["id"] == one and got["properties"] == {"title": "a", "secret": "***"}
    page = await listed(api, tenant, type_id)
    assert sorted((o["properties"]["title"], o["properties"]["secret"]) for o in page["results"]) == [("a", "***"), ("b", "***")]


async def test_an_items_query_filter_restricts_what_a_list_returns(api: Api, tenant: TenantHandle) -> None:
    type_id = await articles(tenant)
    await make_objects(tenant, type_id, [{"title": "a", "status": "published"}, {"title": "b", "status": "draft"}, {"title": "c", "status": "published"}])
    await add_hook(api, tenant, event="articles.items.query", status="active", code="return { ...payload, filter: { status: 'published' } };")
    page = await listed(api, tenant, type_id)
    assert page["total"] == 2 and sorted(o["properties"]["title"] for o in page["results"]) == ["a", "c"]
    asked_for_drafts = await listed(api, tenant, type_id, filter={"status": "draft"})
    assert asked_for_drafts["total"] == 2  # the hook's query replaced the caller's


async def test_a_versions_create_filter_can_refuse_an_update(api: Api, tenant: TenantHandle) -> None:
    type_id = await articles(tenant)
    [locked] = await make_objects(tenant, type_id, [{"title": "locked", "status": "published"}])
    await add_hook(api, tenant, event="versions.create", status="active",
                   code="if (payload.properties.status === 'published') throw new Error('published versions are frozen'); return payload;")
    refused = await api.rest("PATCH", f"/v1/objects/{type_id}/{locked}", tenant.token, json={"properties": {"title": "changed"}})
    assert refused.status_code == 400 and error_code(refused) == "HOOK_REJECTED"
    assert refused.json()["error"]["message"] == "published versions are frozen"
    still = data(await api.rest("GET", f"/v1/objects/{type_id}/{locked}", tenant.token))
    assert still["version"] == 1 and still["properties"]["title"] == "locked"


# --- action hooks after commit ----------------------------------------------------------------


async def test_the_contracts_creation_log_action_runs_after_commit(api: Api, tenant: TenantHandle, pump: Pump) -> None:
    type_id, log_type = await articles(tenant), await logs(tenant)
    made = await add_hook(api, tenant, name="Creation log", event="articles.items.create", type="action", status="active", code=CREATION_LOG)
    created = data(await create(api, tenant, type_id, {"title": "Hello"}), 201)
    assert await count(api, tenant, log_type) == 0  # nothing ran inside the request

    async def logged() -> list[dict[str, Any]]:
        return (await listed(api, tenant, log_type))["results"]

    [entry] = await eventually(logged, pump)
    assert entry["properties"] == {"message": f"Item created in articles by {tenant.key_id}", "key": created["id"]}

    async def counted() -> dict[str, Any] | None:  # a live server of the run may have taken the run: its count lands soon after
        row = await hook_row(api, tenant, made["id"])
        return row if row["execution_count"] == 1 else None

    row = await eventually(counted, pump)
    assert row["last_error"] is None and row["status"] == "active"


async def test_an_action_hook_that_throws_never_reaches_the_caller(api: Api, tenant: TenantHandle, pump: Pump) -> None:
    type_id = await articles(tenant)
    made = await add_hook(api, tenant, event="articles.items.create", type="action", status="active", code="throw new Error('downstream is down');")
    created = await create(api, tenant, type_id, {"title": "Hello"})
    assert created.status_code == 201

    async def recorded() -> dict[str, Any] | None:
        row = await hook_row(api, tenant, made["id"])
        return row if row["last_error"] else None

    row = await eventually(recorded, pump)
    assert "downstream is down" in row["last_error"] and row["execution_count"] == 1
    assert await count(api, tenant, type_id) == 1


async def test_a_custom_xtr_event_reaches_an_action_hook_for_that_event(api: Api, tenant: TenantHandle, pump: Pump) -> None:
    log_type = await logs(tenant)
    await add_hook(api, tenant, event="xtr.item.promote", type="action", status="active", code=(
        "const logs = await context.services.items('logs');"
        "await logs.createOne({ message: meta.event + ' ' + meta.payload.item, key: String(meta.seq) });"
    ))
    await add_hook(api, tenant, event="xtr.item.archive", type="action", status="active",
                   code="const logs = await context.services.items('logs'); await logs.createOne({ message: 'wrong event' });")
    assert data(await api.rest("POST", "/v1/events", tenant.token, json={"event_type": "xtr.item.promote", "data": {"item": "art-1"}})) == {"tracked": True}

    async def logged() -> list[dict[str, Any]]:
        return (await listed(api, tenant, log_type))["results"]

    await eventually(logged, pump)
    await pump()  # give the other hook its chance to (wrongly) run too
    assert [e["properties"]["message"] for e in await logged()] == ["xtr.item.promote art-1"]


# --- test runs --------------------------------------------------------------------------------


async def test_testing_code_runs_it_on_the_payload_and_rolls_back_what_it_wrote(api: Api, tenant: TenantHandle) -> None:
    type_id = await articles(tenant)
    code = """
      const svc = await context.services.items('articles');
      const id = await svc.createOne({ title: 'written by a test' });
      console.log('wrote', id);
      return { ...payload, tested: true, wrote: id };
    """
    run = await try_code(api, tenant, code, payload={"title": "Hello World"})
    assert run["status"] == "passed" and run["error"] is None
    assert run["result"]["title"] == "Hello World" and run["result"]["tested"] is True
    assert run["console"] == [{"level": "log", "message": f"wrote {run['result']['wrote']}"}]
    assert await count(api, tenant, type_id) == 0
    gone = await api.rest("GET", f"/v1/objects/{type_id}/{run['result']['wrote']}", tenant.token)
    assert gone.status_code == 404

    rejected = await try_code(api, tenant, "throw new Error('Title is required');")
    assert rejected["status"] == "rejected" and rejected["error"] == "threw: Title is required"
    failed = await try_code(api, tenant, "function down() { return down() + 1; } return down();", payload={"title": "x"})
    assert failed["status"] == "failed" and failed["error"].startswith("crashed")  # (a loop would take the default 5 s)


async def test_testing_a_saved_hook_uses_its_code_and_limits_and_rolls_back(api: Api, tenant: TenantHandle) -> None:
    type_id = await articles(tenant)
    await make_objects(tenant, type_id, [{"title": "existing"}])
    code = "const svc = await context.services.items('articles'); await svc.createOne({ title: 'side effect' });\n" + \
        "if (payload.loop) { while (true) {} }\n" + AUTO_SLUG
    made = await add_hook(api, tenant, event="articles.items.create", timeout_ms=300, code=code)
    run = data(await api.rest("POST", f"/v1/extensions/{made['id']}/test", tenant.token, json={"test_payload": {"title": "Hello World"}}))
    assert run["status"] == "passed" and run["result"] == {"title": "Hello World", "slug": "hello-world"}
    looped = data(await api.rest("POST", f"/v1/extensions/{made['id']}/test", tenant.token, json={"test_payload": {"title": "x", "loop": True}}))
    assert looped["status"] == "failed" and looped["error"].startswith("timed out")
    assert await count(api, tenant, type_id) == 1
    assert (await hook_row(api, tenant, made["id"]))["status"] == "inactive"  # testing does not activate it


async def test_testing_the_creation_log_action_hook_runs_it_on_the_payload_and_rolls_back_its_row(api: Api, tenant: TenantHandle) -> None:
    log_type = await logs(tenant)
    made = await add_hook(api, tenant, event="articles.items.create", type="action", code=CREATION_LOG)
    run = data(await api.rest("POST", f"/v1/extensions/{made['id']}/test", tenant.token, json={"test_payload": {"id": "obj_1", "title": "Hi"}}))
    assert run["status"] == "passed" and run["result"] is None
    assert run["console"] == [{"level": "log", "message": f"Item created in articles by {tenant.key_id}"}]
    assert await count(api, tenant, log_type) == 0
    row = await hook_row(api, tenant, made["id"])
    assert (row["status"], row["execution_count"]) == ("inactive", 0)  # a test run is not a run of the hook


async def test_testing_code_checks_its_fields(api: Api, tenant: TenantHandle) -> None:
    response = await api.rest("POST", "/v1/extensions/test", tenant.token, json={"code": "", "type": "around", "event": "items.publish"})
    assert response.status_code == 400 and fields_of(response) == {"code", "type", "event"}
    syntax = await try_code(api, tenant, "return (;")
    assert syntax["status"] == "failed" and syntax["error"].startswith("does not compile")


# --- context.services -------------------------------------------------------------------------


async def test_services_read_with_directus_filters_and_read_one_is_null_when_missing(api: Api, tenant: TenantHandle) -> None:
    type_id = await articles(tenant)
    [published, _] = await make_objects(tenant, type_id, [{"title": "out", "status": "published"}, {"title": "wip", "status": "draft"}])
    code = """
      const svc = await context.services.items('articles');
      const items = await svc.readByQuery({ filter: { status: { _eq: 'published' } } });
      const one = await svc.readOne(items[0].id);
      const missing = await svc.readOne('obj_does_not_exist');
      return { titles: items.map(i => i.title), one, missing };
    """
    run = await try_code(api, tenant, code)
    assert run["status"] == "passed", run
    assert run["result"] == {"titles": ["out"], "one": {"id": published, "title": "out", "status": "published"}, "missing": None}


async def test_services_create_update_and_delete_through_the_same_rules(api: Api, tenant: TenantHandle) -> None:
    type_id = await articles(tenant)
    code = """
      const svc = await context.services.items('articles');
      const id = await svc.createOne({ title: 'draft one', status: 'draft' });
      await svc.updateOne(id, { status: 'published' });
      const updated = await svc.readOne(id);
      await svc.deleteOne(id);
      const afterDelete = await svc.readOne(id);
      let unknown;
      try { await (await context.services.items('no_such_collection')).createOne({}); } catch (e) { unknown = e.message; }
      return { status: updated.status, afterDelete, unknown };
    """
    run = await try_code(api, tenant, code)
    assert run["status"] == "passed", run
    assert run["result"]["status"] == "published" and run["result"]["afterDelete"] is None
    assert run["result"]["unknown"].startswith("NOT_FOUND")
    assert await count(api, tenant, type_id) == 0


async def test_a_filter_hooks_service_writes_are_part_of_the_request(api: Api, tenant: TenantHandle) -> None:
    type_id, log_type = await articles(tenant), await logs(tenant)
    await add_hook(api, tenant, event="articles.items.create", status="active", code=(
        "const logs = await context.services.items('logs');"
        "await logs.createOne({ message: 'about to create ' + payload.title });"
        "if (payload.title === 'bad') throw new Error('no bad titles');"
        "return payload;"
    ))
    data(await create(api, tenant, type_id, {"title": "good"}), 201)
    assert (await create(api, tenant, type_id, {"title": "bad"})).status_code == 400
    messages = [o["properties"]["message"] for o in (await listed(api, tenant, log_type))["results"]]
    assert messages == ["about to create good"]  # the rejected write took its hook's log row with it


async def test_services_list_collections_and_fields(api: Api, tenant: TenantHandle) -> None:
    await articles(tenant)
    await logs(tenant)
    code = """
      const cols = await context.services.collections();
      const flds = await context.services.fields('logs');
      const all = await context.services.fields();
      return { cols: cols.map(c => c.collection).sort(), flds: flds.map(f => f.field + ':' + f.type), all: all.length };
    """
    run = await try_code(api, tenant, code)
    assert run["status"] == "passed", run
    assert run["result"] == {"cols": ["articles", "logs"], "flds": ["message:string", "key:string"], "all": 6}


async def test_env_shows_only_the_whitelisted_variables(api: Api, tenant: TenantHandle, own_app: Api) -> None:
    code = "return { keys: Object.keys(context.services.env), key: context.services.env.MY_API_KEY ?? null, home: context.services.env.HOME ?? null };"
    configured = data(await own_app.rest("POST", "/v1/extensions/test", tenant.token, json={"code": code, "type": "filter", "event": "items.create", "test_payload": {}}))
    assert configured["result"] == {"keys": ["MY_API_KEY"], "key": "k", "home": None}
    default = await try_code(api, tenant, code, event="items.create")
    assert default["result"] == {"keys": [], "key": None, "home": None}


async def test_fetch_to_a_domain_not_allowed_is_a_catchable_error(api: Api, tenant: TenantHandle) -> None:
    code = """
      try { await context.services.fetch('https://example.com/data'); return 'fetched'; }
      catch (e) { return 'refused: ' + e.message; }
    """
    run = await try_code(api, tenant, code)
    assert run["status"] == "passed"
    assert run["result"].startswith("refused: fetch: example.com is not an allowed domain")


async def test_fetch_reaches_an_allowed_domain(tenant: TenantHandle, own_app: Api, receiver: Receiver) -> None:
    url = receiver.url("/hook-fetch")
    code = f"""
      const res = await context.services.fetch({url!r}, {{ method: 'POST', body: JSON.stringify({{ hi: payload.title }}) }});
      let other;
      try {{ await context.services.fetch('https://example.com/'); }} catch (e) {{ other = e.message; }}
      return {{ status: res.status, ok: res.ok, body: await res.json(), other }};
    """
    run = data(await own_app.rest("POST", "/v1/extensions/test", tenant.token, json={"code": code, "type": "filter", "event": "items.create", "test_payload": {"title": "there"}}))
    assert run["status"] == "passed", run
    assert run["result"]["status"] == 200 and run["result"]["ok"] is True and run["result"]["body"] == {"ok": True}
    assert "not an allowed domain" in run["result"]["other"]
    [received] = receiver.at("/hook-fetch")
    assert json.loads(received.body) == {"hi": "there"}


async def test_a_filter_that_writes_to_its_own_collection_is_stopped_by_the_depth_limit(api: Api, tenant: TenantHandle) -> None:
    type_id = await articles(tenant)
    await add_hook(api, tenant, event="articles.items.create", status="active", code=(
        "const svc = await context.services.items('articles');"
        "await svc.createOne({ title: 'echo of ' + payload.title });"
        "return payload;"
    ))
    refused = await create(api, tenant, type_id, {"title": "first"})
    assert refused.status_code == 400 and error_code(refused) == "HOOK_REJECTED"
    assert "HOOK_DEPTH_EXCEEDED" in refused.json()["error"]["message"]
    assert await count(api, tenant, type_id) == 0


# --- hot reload across processes --------------------------------------------------------------


async def test_a_change_to_a_hook_reaches_a_second_app_within_a_second(api: Api, tenant: TenantHandle, settings: Settings) -> None:
    type_id = await articles(tenant)
    second: Starlette = create_app(settings, manage_orm=False)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=second, client=("127.0.0.1", 6)), base_url="http://t") as http:
            elsewhere = Api(http)
            assert "slug" not in data(await create(elsewhere, tenant, type_id, {"title": "Before Hook"}), 201)["properties"]  # its cache holds "no hooks"
            made = await add_hook(api, tenant, event="articles.items.create", status="active", code=AUTO_SLUG)

            async def slugged() -> bool:
                created = data(await create(elsewhere, tenant, type_id, {"title": "After Hook"}), 201)
                return created["properties"].get("slug") == "after-hook"

            await eventually(slugged, timeout=1.5)
            data(await api.rest("POST", f"/v1/extensions/{made['id']}/deactivate", tenant.token))

            async def plain() -> bool:
                created = data(await create(elsewhere, tenant, type_id, {"title": "Off Again"}), 201)
                return "slug" not in created["properties"]

            await eventually(plain, timeout=1.5)
    finally:
        await second.state.runtime.extensions.close()
