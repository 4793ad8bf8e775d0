"""Webhooks over REST: an endpoint receives signed events from the event log, verified with the
official Standard Webhooks library."""

from __future__ import annotations

import json

from standardwebhooks import Webhook

from tests.support import Api, TenantHandle, data, make_type
from tests.webhook_receiver import Pump, Receiver


async def test_an_endpoint_receives_signed_object_events(api: Api, tenant: TenantHandle, receiver: Receiver, pump: Pump) -> None:
    type_id = await make_type(tenant, "contact", [{"name": "email", "data_type": "email"}])
    created = data(await api.rest("POST", "/v1/webhooks", tenant.token, json={"url": receiver.url("/hook"), "events": ["object.*"]}), 201)
    assert created["secret"].startswith("whsec_") and created["status"] == "active"
    obj = data(await api.rest("POST", f"/v1/objects/{type_id}", tenant.token, json={"properties": {"email": "A@Example.com"}}), 201)

    (request,) = await receiver.wait_for("/hook", drive=pump)
    payload = Webhook(created["secret"]).verify(request.body, request.headers)
    assert payload["type"] == "object.created" and payload["data"]["object_id"] == obj["id"]
    assert request.headers["webhook-id"].startswith("msg_")

    deliveries = data(await api.rest("GET", "/v1/webhook-deliveries", tenant.token))
    assert deliveries["total"] == 1 and deliveries["deliveries"][0]["status_code"] == 200
    listed = data(await api.rest("GET", "/v1/webhooks", tenant.token))
    assert [w["id"] for w in listed] == [created["id"]] and listed[0]["secret"] is None
    assert json.loads(request.body)["data"]["data"]["properties"]["email"] == "A@example.com"
