"""Row-level policies: enforced in SQL for lists and totals, on single reads (404), on writes
(403 POLICY_VIOLATION), for keys as documented; the simulator decides as the request path does."""

from __future__ import annotations

import asyncio
from typing import Any

from resolvers.auth import service as user_auth
from resolvers.events.listen import subscribe_objects
from tests.rest_compat.test_auth_routes import sign_up
from tests.schema.test_object_loaders import counted_queries
from tests.support import (
    Api,
    TenantHandle,
    data,
    drain,
    error_code,
    make_objects,
    make_tenant,
    make_type,
)

OWNER = {"owner": {"eq": "$auth.user_id"}}


async def policy(api: Api, tenant: TenantHandle, type_id: str, **body: Any) -> dict[str, Any]:
    return data(await api.rest("POST", f"/v1/object-types/{type_id}/policies", tenant.token, json=body), 201)


async def notes_type(tenant: TenantHandle) -> str:
    return await make_type(tenant, "note", [{"name": "owner", "data_type": "string"}, {"name": "text", "data_type": "string"}])


async def test_ten_visible_rows_out_of_ten_thousand_come_back_with_the_right_total(api: Api, tenant: TenantHandle) -> None:
    type_id = await notes_type(tenant)
    ana = await sign_up(api, tenant, "ana@example.com")
    mine = [{"owner": ana["user"]["id"], "text": f"mine {i}"} for i in range(10)]
    theirs = [{"owner": f"usr_other{i % 7}", "text": f"theirs {i}"} for i in range(9_990)]
    await make_objects(tenant, type_id, theirs[:5000] + mine + theirs[5000:])
    await policy(api, tenant, type_id, name="own notes", action="select", condition_json=OWNER)

    with counted_queries() as queries:
        listed = data(await api.rest("GET", f"/v1/objects/{type_id}/list?limit=100", ana["access_token"]))
    on_objects = [q for q in queries.statements if "FROM objects" in q]
    assert len(on_objects) == 1, queries.statements  # rows and total in one statement: the policy is SQL, not a Python loop
    assert listed["total"] == 10 and sorted(o["properties"]["text"] for o in listed["results"]) == sorted(m["text"] for m in mine)
    filtered = data(await api.rest("GET", f"/v1/objects/{type_id}/list", ana["access_token"], params={"limit": 100, "filter": '{"text":{"starts_with":"theirs"}}'}))
    assert filtered["total"] == 0
    everything = data(await api.rest("GET", f"/v1/objects/{type_id}/list?limit=1", tenant.token))
    assert everything["total"] == 10_000  # a * key is the tenant's administrator: it bypasses policies


async def test_reads_writes_and_deletes_follow_their_policies(api: Api, tenant: TenantHandle) -> None:
    type_id = await notes_type(tenant)
    ana, bo = await sign_up(api, tenant, "ana@example.com"), await sign_up(api, tenant, "bo@example.com")
    for action in ("select", "insert", "update", "delete"):
        await policy(api, tenant, type_id, name=f"own {action}", action=action, condition_json=OWNER)
    ana_note = data(await api.rest("POST", f"/v1/objects/{type_id}", ana["access_token"], json={"properties": {"owner": ana["user"]["id"], "text": "a"}}), 201)

    forged = await api.rest("POST", f"/v1/objects/{type_id}", bo["access_token"], json={"properties": {"owner": ana["user"]["id"], "text": "x"}})
    assert forged.status_code == 403 and error_code(forged) == "POLICY_VIOLATION"
    path = f"/v1/objects/{type_id}/{ana_note['id']}"
    assert (await api.rest("GET", path, bo["access_token"])).status_code == 404
    assert (await api.rest("PATCH", path, bo["access_token"], json={"properties": {"text": "hijack"}})).status_code == 404
    assert (await api.rest("DELETE", path, bo["access_token"])).status_code == 404
    give_away = await api.rest("PATCH", path, ana["access_token"], json={"properties": {"owner": bo["user"]["id"]}})
    assert give_away.status_code == 403 and error_code(give_away) == "POLICY_VIOLATION"
    assert data(await api.rest("GET", path, ana["access_token"]))["properties"]["owner"] == ana["user"]["id"]  # rolled back
    data(await api.rest("PATCH", path, ana["access_token"], json={"properties": {"text": "edited"}}))
    assert (await api.rest("DELETE", path, ana["access_token"])).status_code == 200


async def test_role_policies_and_keys_without_the_star_scope(api: Api, tenant: TenantHandle) -> None:
    type_id = await notes_type(tenant)
    await make_objects(tenant, type_id, [{"owner": "usr_x", "text": "t"}] * 3)
    data(await api.rest("POST", "/v1/roles", tenant.token, json={"name": "manager"}), 201)
    await policy(api, tenant, type_id, name="owners", action="select", condition_json=OWNER)
    await policy(api, tenant, type_id, name="managers see all", action="select", role="manager", condition_json={})
    cy = await sign_up(api, tenant, "cy@example.com")
    assert data(await api.rest("GET", f"/v1/objects/{type_id}/list", cy["access_token"]))["total"] == 0
    manager = data(await api.rest("GET", "/v1/roles", tenant.token))[0]
    data(await api.rest("POST", "/v1/roles/assign", tenant.token, json={"user_id": cy["user"]["id"], "role_id": manager["id"]}))
    assert data(await api.rest("GET", f"/v1/objects/{type_id}/list", cy["access_token"]))["total"] == 3

    reader = data(await api.rest("POST", "/v1/keys", tenant.token, json={"label": "reader", "scopes": ["read"]}), 201)
    assert data(await api.rest("GET", f"/v1/objects/{type_id}/list", reader["token"]))["total"] == 0  # no user: $auth.user_id grants nothing


async def test_the_simulator_decides_as_real_requests_do(api: Api, tenant: TenantHandle) -> None:
    type_id = await notes_type(tenant)
    ana = await sign_up(api, tenant, "ana@example.com")
    rows = [{"owner": ana["user"]["id"], "text": "mine"}, {"owner": "usr_other", "text": "theirs"}, {"owner": ana["user"]["id"], "text": "draft"}]
    condition = {"and": [OWNER, {"text": {"ne": "draft"}}]}
    simulated = data(await api.rest("POST", "/v1/policies/simulate", tenant.token, json={
        "policy": {"object_type_id": type_id, "action": "select", "condition_json": condition},
        "auth_context": {"user_id": ana["user"]["id"], "role": "authenticated"},
        "sample_data": [{"properties": r} for r in rows],
    }))
    await make_objects(tenant, type_id, rows)
    await policy(api, tenant, type_id, name="own published", action="select", condition_json=condition)
    seen = {o["properties"]["text"] for o in data(await api.rest("GET", f"/v1/objects/{type_id}/list", ana["access_token"]))["results"]}
    assert [d["allowed"] for d in simulated["results"]] == [r["text"] in seen for r in rows] == [True, False, False]


async def test_policy_validation_and_scopes(api: Api, tenant: TenantHandle) -> None:
    type_id = await notes_type(tenant)
    bad = await api.rest("POST", f"/v1/object-types/{type_id}/policies", tenant.token, json={
        "name": "x", "action": "peek", "condition_json": {"nope": {"eq": 1}},
    })
    assert bad.status_code == 400 and {d["field"] for d in bad.json()["error"]["details"]} >= {"action"}
    bad_condition = await api.rest("POST", f"/v1/object-types/{type_id}/policies", tenant.token, json={"name": "x", "action": "select", "condition_json": {"nope": {"eq": 1}}})
    assert bad_condition.status_code == 400
    made = await policy(api, tenant, type_id, name="p", action="select", condition_json=OWNER)
    assert [p["id"] for p in data(await api.rest("GET", f"/v1/object-types/{type_id}/policies", tenant.token))] == [made["id"]]
    changed = data(await api.rest("PATCH", f"/v1/object-types/{type_id}/policies/{made['id']}", tenant.token, json={"enabled": False}))
    assert changed["enabled"] is False
    assert data(await api.rest("DELETE", f"/v1/object-types/{type_id}/policies/{made['id']}", tenant.token))["deleted"] is True
    audited = data(await api.rest("GET", "/v1/audit-logs?resource_type=policy", tenant.token))["entries"]
    assert [e["action"] for e in audited] == ["policy.deleted", "policy.updated", "policy.created"]
    reader = await make_tenant(scopes=["read"])
    refused = await api.rest("POST", f"/v1/object-types/{type_id}/policies", reader.token, json={"name": "p", "action": "select"})
    assert refused.status_code in (403, 404)


async def test_subscribers_and_exports_only_get_rows_they_may_see(api: Api, tenant: TenantHandle, app: Any) -> None:
    runtime = app.state.runtime
    type_id = await notes_type(tenant)
    ana = await sign_up(api, tenant, "ana@example.com")
    await policy(api, tenant, type_id, name="own", action="select", condition_json=OWNER)
    principal = await user_auth.authenticate(ana["access_token"], runtime=runtime)
    subscription = await subscribe_objects(principal, runtime.realtime, object_type=type_id)
    try:
        await make_objects(tenant, type_id, [{"owner": "usr_other", "text": "theirs"}, {"owner": ana["user"]["id"], "text": "mine"}])
        await drain(runtime.realtime.relay, tenant.tenant_id)  # one pass numbers only the oldest BATCH of the shared database
        stream = subscription.events()
        first = await asyncio.wait_for(stream.__anext__(), timeout=10)
        assert first.data["properties"]["text"] == "mine"
        assert runtime.realtime.hub.listener_count() >= 1
    finally:
        subscription.close()

    started = data(await api.rest("POST", "/v1/data/export", ana["access_token"], json={"object_type_id": type_id, "format": "json"}))
    assert started["record_count"] == 1  # the export holds the one row she may see, not both


async def test_an_open_subscription_follows_policy_changes(api: Api, tenant: TenantHandle, app: Any) -> None:
    runtime = app.state.runtime
    hub = runtime.realtime.hub
    type_id = await notes_type(tenant)
    ana = await sign_up(api, tenant, "ana@example.com")
    principal = await user_auth.authenticate(ana["access_token"], runtime=runtime)
    subscription = await subscribe_objects(principal, runtime.realtime, object_type=type_id)
    stream = subscription.events()

    async def next_text(*rows: dict[str, Any]) -> str:
        hub.check_soon()  # the periodic check, now: the events below are handed out after it
        await make_objects(tenant, type_id, list(rows))
        await drain(runtime.realtime.relay, tenant.tenant_id)  # one pass numbers only the oldest BATCH of the shared database
        event = await asyncio.wait_for(stream.__anext__(), timeout=10)
        return event.data["properties"]["text"]

    try:
        assert await next_text({"owner": "usr_other", "text": "open to all"}) == "open to all"
        made = await policy(api, tenant, type_id, name="own", action="select", condition_json=OWNER)
        tightened = await next_text({"owner": "usr_other", "text": "theirs"}, {"owner": ana["user"]["id"], "text": "mine"})
        assert tightened == "mine"  # the policy added after subscribing hides the other row
        data(await api.rest("PATCH", f"/v1/object-types/{type_id}/policies/{made['id']}", tenant.token, json={"enabled": False}))
        assert await next_text({"owner": "usr_other", "text": "open again"}) == "open again"
    finally:
        subscription.close()


async def test_links_to_hidden_rows_are_left_out_and_cannot_be_made(api: Api, tenant: TenantHandle) -> None:
    type_id = await notes_type(tenant)
    ana = await sign_up(api, tenant, "ana@example.com")
    hidden, shown = await make_objects(tenant, type_id, [{"owner": "usr_other", "text": "secret"}, {"owner": ana["user"]["id"], "text": "mine"}])
    for target in (hidden, shown):
        data(await api.rest("PUT", f"/v1/objects/{type_id}/{shown}/associations/link/{type_id}/{target}", tenant.token, json={}))
    await policy(api, tenant, type_id, name="own", action="select", condition_json=OWNER)
    token = ana["access_token"]

    result = await api.gql(
        'query($t: ID!, $id: ID!) { object(objectTypeId: $t, id: $id) { associations(direction: "outgoing") { toId toObject { id } } } }',
        token, t=type_id, id=shown,
    )
    assert "errors" not in result, result
    assert result["data"]["object"]["associations"] == [{"toId": shown, "toObject": {"id": shown}}]  # no trace of the hidden row

    listed = data(await api.rest("GET", f"/v1/objects/{type_id}/{shown}/associations?direction=both", token))
    assert listed["total"] == 1 and [a["to_id"] for a in listed["results"]] == [shown]
    admin_view = data(await api.rest("GET", f"/v1/objects/{type_id}/{shown}/associations?direction=both", tenant.token))
    assert admin_view["total"] == 2  # a * key sees the link to the hidden row too
    assert (await api.rest("GET", f"/v1/objects/{type_id}/{hidden}/associations", token)).status_code == 404
    made = await api.rest("PUT", f"/v1/objects/{type_id}/{shown}/associations/again/{type_id}/{hidden}", token, json={})
    assert made.status_code == 404  # linking to a row she may not see looks like linking to nothing
    removed = await api.rest("DELETE", f"/v1/objects/{type_id}/{shown}/associations/link/{type_id}/{hidden}", token)
    assert removed.status_code == 404
