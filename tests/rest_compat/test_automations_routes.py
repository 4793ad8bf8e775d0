"""Automations over REST: an event triggers a run whose actions see the event, the record and
earlier results; every run is recorded."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from tests.support import Api, TenantHandle, data, make_type
from tests.workers import Pump


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
