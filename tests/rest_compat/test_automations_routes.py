"""Automations over REST (and a GraphQL check): an event triggers a run whose actions see the event,
the record and earlier results; every run is recorded.

Covers CRUD and validation (fields named in the errors), scopes (`read`, `schema`, `write`), other
tenants' automations looking missing, trigger patterns (`object.*`, an exact custom event, `*`),
disabled automations, manual triggers (`data` as the record, conditions still applying), run
paging, failed actions recorded per action, and the depth limit that ends loops of automations
triggering each other.

A session `live_server` sharing the database may run the queued runs before this process's pump
does, so every assertion about a run polls until it has finished, whoever ran it.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from tests.support import Api, TenantHandle, data, error_code, gql_code, make_type
from tests.workers import Pump

FINISHED = ("succeeded", "failed", "skipped")


async def runs_of(api: Api, tenant: TenantHandle, automation_id: str, pump: Pump, count: int = 1) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 15
    while True:
        await pump()
        page = data(await api.rest("GET", f"/v1/automations/{automation_id}/runs", tenant.token))
        finished = [r for r in page["runs"] if r["status"] not in ("pending", "running")]
        if len(finished) >= count:
            return finished
        assert time.monotonic() < deadline, page
        await asyncio.sleep(0.05)


async def settled(api: Api, tenant: TenantHandle, automation_id: str, run_id: str, pump: Pump) -> dict[str, Any]:
    """The run once it has finished (whichever worker ran it)."""
    deadline = time.monotonic() + 15
    while True:
        await pump()
        page = data(await api.rest("GET", f"/v1/automations/{automation_id}/runs?limit=100", tenant.token))
        found = [r for r in page["runs"] if r["id"] == run_id]
        if found and found[0]["status"] in FINISHED:
            return found[0]
        assert time.monotonic() < deadline, page
        await asyncio.sleep(0.05)


async def scoped_key(api: Api, tenant: TenantHandle, scopes: list[str]) -> str:
    return data(await api.rest("POST", "/v1/keys", tenant.token, json={"label": "scoped", "scopes": scopes}), 201)["token"]


def fields_of(response: httpx.Response) -> list[str]:
    assert response.status_code == 400, response.text
    assert error_code(response) == "VALIDATION_ERROR"
    return [d["field"] for d in response.json()["error"]["details"]]


async def create(api: Api, tenant: TenantHandle, **body: Any) -> dict[str, Any]:
    return data(await api.rest("POST", "/v1/automations", tenant.token, json={"name": "automation", **body}), 201)


async def trigger(api: Api, token: str, automation_id: str, payload: Any) -> httpx.Response:
    return await api.rest("POST", f"/v1/automations/{automation_id}/trigger", token, json={"data": payload})


async def track(api: Api, tenant: TenantHandle, event_type: str, payload: dict[str, Any]) -> None:
    data(await api.rest("POST", "/v1/events", tenant.token, json={"event_type": event_type, "data": payload}))


async def test_a_matching_event_runs_the_actions_with_templates(api: Api, tenant: TenantHandle, pump: Pump) -> None:
    await make_type(tenant, "order", [{"name": "total", "data_type": "number"}, {"name": "customer", "data_type": "string"}])
    audit_type = await make_type(tenant, "audit", [{"name": "note", "data_type": "string"}, {"name": "count", "data_type": "integer"}])
    automation = data(await api.rest("POST", "/v1/automations", tenant.token, json={
        "name": "big orders", "trigger_event": "object.created", "conditions": ["total > 100"],
        "actions": [
            {"type": "aggregate_records", "config": {"collection": "order", "function": "count", "filter": "customer = '{{record.customer}}'"}},
            {"type": "create_record", "config": {"collection": "audit", "data": {"note": "order {{record.id}} for {{record.customer}}", "count": "{{actions[0].result}}"}}},
        ],
    }), 201)
    orders = await make_type(tenant, "placeholder")  # a type change is an event too; it must not match object.created
    assert orders
    order_type = data(await api.rest("GET", "/v1/object-types/order", tenant.token))["id"]
    small = data(await api.rest("POST", f"/v1/objects/{order_type}", tenant.token, json={"properties": {"total": 5, "customer": "ann"}}), 201)
    big = data(await api.rest("POST", f"/v1/objects/{order_type}", tenant.token, json={"properties": {"total": 500, "customer": "ann"}}), 201)

    runs = await runs_of(api, tenant, automation["id"], pump, count=2)
    by_status = {r["status"]: r for r in runs}
    assert set(by_status) == {"skipped", "succeeded"}, runs
    done = by_status["succeeded"]
    assert [a["type"] for a in done["results"]] == ["aggregate_records", "create_record"] and done["duration_ms"] is not None
    audits = data(await api.rest("GET", f"/v1/objects/{audit_type}/list", tenant.token))["results"]
    assert [(a["properties"]["note"], a["properties"]["count"]) for a in audits] == [(f"order {big['id']} for ann", 2)]
    assert small["id"] != big["id"]


async def test_an_invalid_automation_is_refused_with_every_bad_field_named_and_nothing_is_stored(api: Api, tenant: TenantHandle) -> None:
    async def refused(body: dict[str, Any]) -> httpx.Response:
        return await api.rest("POST", "/v1/automations", tenant.token, json=body)

    assert fields_of(await refused({"name": " ", "trigger_event": "bad pattern!"})) == ["name", "trigger_event"]
    assert fields_of(await refused({"name": "x", "trigger_event": "object.**"})) == ["trigger_event"]
    syntax = await refused({"name": "x", "trigger_event": "object.created", "conditions": ["total > 1", "total >"]})
    assert fields_of(syntax) == ["conditions[1]"]
    assert "line 1, column" in syntax.json()["error"]["details"][0]["message"]
    assert fields_of(await refused({"name": "x", "trigger_event": "*", "conditions": [{"field": "total", "operator": "like", "value": 1}]})) == [
        "conditions[0].operator"
    ]
    assert fields_of(await refused({"name": "x", "trigger_event": "*", "actions": [{"type": "launch_rocket", "config": {}}]})) == ["actions[0].type"]
    assert fields_of(await refused({
        "name": "x", "trigger_event": "*",
        "actions": [{"type": "transform", "config": {"output": 1}}, {"type": "create_record", "config": {"data": {}}}],
    })) == ["actions[1].config.collection"]
    assert fields_of(await refused({"name": "x", "trigger_event": "*", "bogus": True})) == ["bogus"]
    assert data(await api.rest("GET", "/v1/automations", tenant.token)) == []


async def test_conditions_given_as_objects_are_stored_as_expressions_and_an_automation_can_be_changed_and_deleted(
    api: Api, tenant: TenantHandle
) -> None:
    automation = await create(api, tenant, name=" paid orders ", trigger_event="order.paid", conditions=[
        {"field": "total", "operator": "gte", "value": 100},
        {"field": "status", "value": "it's paid"},
        {"field": "tier", "operator": "in", "value": ["gold", "silver"]},
        "coupon is null",
    ], actions=[{"type": "transform", "config": {"output": "{{record.total}}"}}])
    assert automation["name"] == "paid orders" and automation["enabled"] is True
    assert automation["conditions"] == ["total >= 100", "status = 'it\\'s paid'", "tier in ['gold', 'silver']", "coupon is null"]
    assert automation["actions"] == [{"type": "transform", "config": {"output": "{{record.total}}"}}]

    assert data(await api.rest("GET", f"/v1/automations/{automation['id']}", tenant.token)) == automation
    assert [a["id"] for a in data(await api.rest("GET", "/v1/automations", tenant.token))] == [automation["id"]]

    changed = data(await api.rest("PATCH", f"/v1/automations/{automation['id']}", tenant.token, json={
        "enabled": False, "trigger_event": "order.*", "conditions": "total > 5",
    }))
    assert (changed["enabled"], changed["trigger_event"], changed["conditions"], changed["name"]) == (False, "order.*", ["total > 5"], "paid orders")
    bad_patch = await api.rest("PATCH", f"/v1/automations/{automation['id']}", tenant.token, json={"conditions": ["total >"], "name": ""})
    assert sorted(fields_of(bad_patch)) == ["conditions[0]", "name"]
    assert data(await api.rest("GET", f"/v1/automations/{automation['id']}", tenant.token))["conditions"] == ["total > 5"]

    assert data(await api.rest("DELETE", f"/v1/automations/{automation['id']}", tenant.token))
    gone = await api.rest("GET", f"/v1/automations/{automation['id']}", tenant.token)
    assert gone.status_code == 404 and error_code(gone) == "NOT_FOUND"
    assert data(await api.rest("GET", "/v1/automations", tenant.token)) == []


async def test_reading_needs_read_managing_needs_schema_and_triggering_needs_write(api: Api, tenant: TenantHandle) -> None:
    automation = await create(api, tenant, trigger_event="order.paid")
    reader = await scoped_key(api, tenant, ["read"])
    manager = await scoped_key(api, tenant, ["schema"])
    writer = await scoped_key(api, tenant, ["write"])

    assert [a["id"] for a in data(await api.rest("GET", "/v1/automations", reader))] == [automation["id"]]
    assert data(await api.rest("GET", f"/v1/automations/{automation['id']}", reader))["id"] == automation["id"]
    assert data(await api.rest("GET", f"/v1/automations/{automation['id']}/runs", reader))["total"] == 0
    for response in (
        await api.rest("POST", "/v1/automations", reader, json={"name": "x", "trigger_event": "*"}),
        await api.rest("PATCH", f"/v1/automations/{automation['id']}", reader, json={"enabled": False}),
        await api.rest("DELETE", f"/v1/automations/{automation['id']}", reader),
        await trigger(api, reader, automation["id"], {}),
        await api.rest("POST", "/v1/automations", writer, json={"name": "x", "trigger_event": "*"}),
        await trigger(api, manager, automation["id"], {}),
    ):
        assert response.status_code == 403 and error_code(response) == "INSUFFICIENT_SCOPE", response.text

    made = data(await api.rest("POST", "/v1/automations", manager, json={"name": "by the schema key", "trigger_event": "*"}), 201)
    assert made["name"] == "by the schema key"
    assert data(await trigger(api, writer, automation["id"], {"x": 1}))["run_id"].startswith("arun_")
    assert (await api.rest("GET", "/v1/automations")).status_code == 401


async def test_another_tenants_automation_looks_missing(api: Api, tenant: TenantHandle, other_tenant: TenantHandle) -> None:
    automation = await create(api, other_tenant, trigger_event="*")
    path = f"/v1/automations/{automation['id']}"
    for response in (
        await api.rest("GET", path, tenant.token),
        await api.rest("PATCH", path, tenant.token, json={"enabled": False}),
        await api.rest("DELETE", path, tenant.token),
        await api.rest("GET", f"{path}/runs", tenant.token),
        await trigger(api, tenant.token, automation["id"], {}),
    ):
        assert response.status_code == 404 and error_code(response) == "NOT_FOUND", response.text
    assert data(await api.rest("GET", "/v1/automations", tenant.token)) == []
    assert data(await api.rest("GET", path, other_tenant.token))["enabled"] is True


async def test_trigger_patterns_match_a_prefix_an_exact_custom_event_or_everything(api: Api, tenant: TenantHandle, pump: Pump) -> None:
    type_id = await make_type(tenant, "item", [{"name": "label", "data_type": "string"}])
    await pump()  # the type's own events are numbered before the automations exist
    echo = [{"type": "transform", "config": {"output": "{{event.type}}"}}]
    objects = await create(api, tenant, name="objects", trigger_event="object.*", actions=echo)
    paid = await create(api, tenant, name="paid", trigger_event="order.paid", actions=echo)
    everything = await create(api, tenant, name="everything", trigger_event="*", actions=echo)

    item = data(await api.rest("POST", f"/v1/objects/{type_id}", tenant.token, json={"properties": {"label": "a"}}), 201)
    data(await api.rest("PATCH", f"/v1/objects/{type_id}/{item['id']}", tenant.token, json={"properties": {"label": "b"}}))
    await track(api, tenant, "order.paid", {"total": 10})
    await track(api, tenant, "order.paid.late", {"total": 11})
    await track(api, tenant, "order.refunded", {"total": 12})

    seen = {
        name: sorted(r["results"][0]["result"] for r in await runs_of(api, tenant, automation["id"], pump, count))
        for name, automation, count in (("everything", everything, 5), ("objects", objects, 2), ("paid", paid, 1))
    }
    assert seen == {
        "everything": ["object.created", "object.updated", "order.paid", "order.paid.late", "order.refunded"],
        "objects": ["object.created", "object.updated"],
        "paid": ["order.paid"],
    }
    runs = data(await api.rest("GET", f"/v1/automations/{paid['id']}/runs", tenant.token))
    assert runs["total"] == 1 and runs["runs"][0]["trigger"] == "event" and runs["runs"][0]["event_type"] == "order.paid"
    assert runs["runs"][0]["event_id"] and runs["runs"][0]["depth"] == 1


async def test_a_custom_event_s_data_is_the_record_its_conditions_see(api: Api, tenant: TenantHandle, pump: Pump) -> None:
    automation = await create(api, tenant, trigger_event="order.paid", conditions=[{"field": "total", "operator": "gt", "value": 100}],
                              actions=[{"type": "transform", "config": {"output": {"total": "{{record.total}}", "who": "{{event.data.customer}}"}}}])
    await track(api, tenant, "order.paid", {"total": 50, "customer": "ann"})
    await track(api, tenant, "order.paid", {"total": 500, "customer": "bob"})
    runs = await runs_of(api, tenant, automation["id"], pump, count=2)
    assert sorted(r["status"] for r in runs) == ["skipped", "succeeded"]
    done = next(r for r in runs if r["status"] == "succeeded")
    assert done["results"][0]["result"] == {"total": 500, "who": "bob"}
    assert next(r for r in runs if r["status"] == "skipped")["results"] == []


async def test_a_disabled_automation_creates_no_runs(api: Api, tenant: TenantHandle, pump: Pump) -> None:
    disabled = await create(api, tenant, name="off", trigger_event="order.paid", enabled=False)
    witness = await create(api, tenant, name="on", trigger_event="order.paid")
    paused = await create(api, tenant, name="paused", trigger_event="order.paid")
    data(await api.rest("PATCH", f"/v1/automations/{paused['id']}", tenant.token, json={"enabled": False}))
    await track(api, tenant, "order.paid", {})

    assert [r["status"] for r in await runs_of(api, tenant, witness["id"], pump)] == ["succeeded"]  # the event was matched
    for automation in (disabled, paused):
        assert data(await api.rest("GET", f"/v1/automations/{automation['id']}/runs", tenant.token)) == {"runs": [], "total": 0}


async def test_a_manual_trigger_runs_with_its_data_as_the_record_and_the_conditions_still_apply(
    api: Api, tenant: TenantHandle, pump: Pump
) -> None:
    automation = await create(api, tenant, trigger_event="order.paid", conditions=["amount > 10"],
                              actions=[{"type": "transform", "config": {"output": "{{record}}"}}])
    payload = {"amount": 50, "who": "ann", "tags": ["a", "b"]}
    big = data(await trigger(api, tenant.token, automation["id"], payload))["run_id"]
    small = data(await trigger(api, tenant.token, automation["id"], {"amount": 5}))["run_id"]

    ran = await settled(api, tenant, automation["id"], big, pump)
    assert (ran["status"], ran["trigger"], ran["event_type"], ran["error"]) == ("succeeded", "manual", "manual", None)
    assert ran["results"][0]["result"] == payload and ran["results"][0]["status"] == "succeeded"
    assert ran["duration_ms"] is not None and ran["started_at"] and ran["finished_at"]
    skipped = await settled(api, tenant, automation["id"], small, pump)
    assert (skipped["status"], skipped["results"]) == ("skipped", [])

    not_an_object = await trigger(api, tenant.token, automation["id"], [1, 2])
    assert fields_of(not_an_object) == ["data"]


async def test_runs_are_listed_newest_first_in_pages_with_the_total(api: Api, tenant: TenantHandle, pump: Pump) -> None:
    automation = await create(api, tenant, trigger_event="order.paid", actions=[{"type": "transform", "config": {"output": "{{record.n}}"}}])
    run_ids = [data(await trigger(api, tenant.token, automation["id"], {"n": n}))["run_id"] for n in range(3)]
    await runs_of(api, tenant, automation["id"], pump, count=3)
    path = f"/v1/automations/{automation['id']}/runs"

    first = data(await api.rest("GET", f"{path}?limit=2", tenant.token))
    second = data(await api.rest("GET", f"{path}?limit=2&offset=2", tenant.token))
    assert (first["total"], second["total"]) == (3, 3)
    assert [r["id"] for r in first["runs"] + second["runs"]] == run_ids[::-1]
    assert [r["results"][0]["result"] for r in first["runs"] + second["runs"]] == [2, 1, 0]
    assert fields_of(await api.rest("GET", f"{path}?limit=0", tenant.token)) == ["limit"]
    assert fields_of(await api.rest("GET", f"{path}?limit=101", tenant.token)) == ["limit"]


async def test_a_failing_action_stops_the_run_and_is_recorded_with_its_error(api: Api, tenant: TenantHandle, pump: Pump) -> None:
    automation = await create(api, tenant, trigger_event="order.paid", actions=[
        {"type": "transform", "config": {"output": "first"}},
        {"type": "create_record", "config": {"collection": "no_such_collection", "data": {"x": 1}}},
        {"type": "transform", "config": {"output": "never"}},
    ])
    run_id = data(await trigger(api, tenant.token, automation["id"], {}))["run_id"]
    run = await settled(api, tenant, automation["id"], run_id, pump)
    assert run["status"] == "failed" and run["error"].startswith("actions[1]:"), run
    assert [(r["type"], r["status"]) for r in run["results"]] == [("transform", "succeeded"), ("create_record", "failed")]
    assert run["results"][0]["result"] == "first" and "no_such_collection" in run["results"][1]["error"]
    assert run["duration_ms"] is not None and all(r["duration_ms"] is not None for r in run["results"])


async def test_automations_triggering_themselves_stop_after_five_levels(api: Api, tenant: TenantHandle, pump: Pump) -> None:
    ping = await make_type(tenant, "ping", [{"name": "level", "data_type": "integer"}])
    await pump()
    automation = await create(api, tenant, name="ping pong", trigger_event="object.created", conditions=[f"event.object_type_id = '{ping}'"],
                              actions=[{"type": "create_record", "config": {"collection": "ping", "data": {"level": "{{record.level}}"}}}])
    data(await api.rest("POST", f"/v1/objects/{ping}", tenant.token, json={"properties": {"level": 0}}), 201)

    deadline = time.monotonic() + 20
    while True:
        await pump()
        page = data(await api.rest("GET", f"/v1/automations/{automation['id']}/runs?limit=100", tenant.token))
        if any(r["status"] == "failed" for r in page["runs"]) and all(r["status"] in FINISHED for r in page["runs"]):
            break
        assert time.monotonic() < deadline, page
        await asyncio.sleep(0.05)
    for _ in range(3):  # nothing further happens
        await pump()

    runs = sorted(data(await api.rest("GET", f"/v1/automations/{automation['id']}/runs?limit=100", tenant.token))["runs"], key=lambda r: r["depth"])
    assert [(r["depth"], r["status"]) for r in runs] == [(d, "succeeded") for d in range(1, 6)] + [(6, "failed")]
    assert "ACTION_DEPTH_EXCEEDED" in runs[-1]["error"] and runs[-1]["results"] == []
    pings = data(await api.rest("GET", f"/v1/objects/{ping}/list?limit=100", tenant.token))["results"]
    assert len(pings) == 6


async def test_automations_are_managed_and_triggered_through_graphql_too(api: Api, tenant: TenantHandle, pump: Pump) -> None:
    created = await api.gql(
        """mutation($input: CreateAutomationInput!) {
             createAutomation(input: $input) { id name triggerEvent conditions actions enabled }
           }""",
        tenant.token,
        input={"name": "gql", "triggerEvent": "order.*", "conditions": [{"field": "n", "operator": "lt", "value": 3}],
               "actions": [{"type": "transform", "config": {"output": "{{record.n}}"}}]},
    )
    automation = created["data"]["createAutomation"]
    assert (automation["triggerEvent"], automation["conditions"], automation["enabled"]) == ("order.*", ["n < 3"], True)

    triggered = await api.gql("mutation($id: ID!, $data: JSON) { triggerAutomation(id: $id, data: $data) { runId } }",
                              tenant.token, id=automation["id"], data={"n": 1})
    run_id = triggered["data"]["triggerAutomation"]["runId"]
    await settled(api, tenant, automation["id"], run_id, pump)
    page = await api.gql("query($id: ID!) { automationRuns(id: $id) { total runs { id status results durationMs } } }", tenant.token, id=automation["id"])
    runs = page["data"]["automationRuns"]
    assert runs["total"] == 1 and runs["runs"][0]["id"] == run_id and runs["runs"][0]["status"] == "succeeded"
    assert runs["runs"][0]["results"][0]["result"] == 1

    bad = await api.gql("mutation($input: CreateAutomationInput!) { createAutomation(input: $input) { id } }", tenant.token,
                        input={"name": "x", "triggerEvent": "*", "actions": [{"type": "nope"}]})
    assert gql_code(bad) == "VALIDATION_ERROR"
    reader = await scoped_key(api, tenant, ["read"])
    assert [a["id"] for a in (await api.gql("{ automations { id } }", reader))["data"]["automations"]] == [automation["id"]]
    denied = await api.gql("mutation($id: ID!) { triggerAutomation(id: $id) { runId } }", reader, id=automation["id"])
    assert gql_code(denied) == "INSUFFICIENT_SCOPE"
