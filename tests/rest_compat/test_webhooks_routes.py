"""Webhooks over REST (in-process app, real receivers on 127.0.0.1).

Covers /v1/webhooks (create, list, update, delete with secure deletion, rotate-secret, test,
replay), /v1/webhook-deliveries (paging, filter, retry) and /v1/dlq (list, retry, discard):
validation, SSRF refusals on save and at send time, scopes and tenant isolation, event patterns
and object type filters, Standard Webhooks signatures (checked with the official library, also
across a secret rotation), retries into the DLQ, 410 Gone, and redirects that are never followed.

A live server sharing the database may run its own webhook worker, so deliveries are awaited at
the receiver whichever worker sends them; what must NOT arrive is checked against a witness
endpoint that receives the same events, and against the message queue itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
from standardwebhooks import Webhook
from starlette.applications import Starlette

from models.webhooks import WebhookMessage
from resolvers.ids import new_id
from resolvers.webhooks import repository
from resolvers.webhooks.schemas import Outgoing
from resolvers.webhooks.sending import Courier
from tests.support import Api, TenantHandle, data, error_code, make_type
from tests.webhook_receiver import Received, Receiver
from tests.workers import Pump, eventually

BLOCKED_HOSTS = (
    "127.0.0.1",
    "localhost",
    "2130706433",
    "0x7f000001",
    "[::1]",
    "[::ffff:127.0.0.1]",
    "169.254.169.254",
    "10.0.0.5",
    "192.168.1.1",
    "100.64.0.1",
)
EVERY_ROUTE = (
    ("GET", "/v1/webhooks"),
    ("POST", "/v1/webhooks"),
    ("PATCH", "/v1/webhooks/wh_x"),
    ("DELETE", "/v1/webhooks/wh_x"),
    ("POST", "/v1/webhooks/wh_x/replay"),
    ("POST", "/v1/webhooks/wh_x/rotate-secret"),
    ("POST", "/v1/webhooks/wh_x/test"),
    ("GET", "/v1/webhook-deliveries"),
    ("POST", "/v1/webhook-deliveries/whd_x/retry"),
    ("GET", "/v1/dlq"),
    ("POST", "/v1/dlq/msg_x/retry"),
    ("DELETE", "/v1/dlq/msg_x"),
)


# --- helpers ---------------------------------------------------------------------------------


async def new_webhook(api: Api, tenant: TenantHandle, url: str, **fields: Any) -> dict[str, Any]:
    return data(await api.rest("POST", "/v1/webhooks", tenant.token, json={"url": url, **fields}), 201)


async def listed(api: Api, tenant: TenantHandle) -> dict[str, dict[str, Any]]:
    return {w["id"]: w for w in data(await api.rest("GET", "/v1/webhooks", tenant.token))}


async def new_object(api: Api, tenant: TenantHandle, type_id: str, email: str) -> dict[str, Any]:
    return data(await api.rest("POST", f"/v1/objects/{type_id}", tenant.token, json={"properties": {"email": email}}), 201)


async def scoped_key(api: Api, tenant: TenantHandle, scopes: list[str]) -> str:
    return data(await api.rest("POST", "/v1/keys", tenant.token, json={"label": "scoped", "scopes": scopes}), 201)["token"]


def invalid_fields(response: httpx.Response) -> list[str]:
    assert response.status_code == 400, response.text
    assert error_code(response) == "VALIDATION_ERROR"
    return [d["field"] for d in response.json()["error"]["details"]]


def types_of(requests: list[Received]) -> list[str]:
    return [json.loads(r.body)["type"] for r in requests]



@contextlib.asynccontextmanager
async def courier(app: Starlette, **settings: Any) -> AsyncIterator[None]:
    """The in-process app sends webhooks with these settings changed (restored afterwards)."""
    runtime = app.state.runtime
    original = runtime.webhooks
    runtime.webhooks = Courier(dataclasses.replace(original.settings, **settings))
    try:
        yield
    finally:
        await runtime.webhooks.close()
        runtime.webhooks = original


def loopback_refused(app: Starlette) -> contextlib.AbstractAsyncContextManager[None]:
    """The production setting: webhooks may not reach 127.0.0.1."""
    return courier(app, allow_loopback=False)


@contextlib.contextmanager
def serving(respond: Callable[[BaseHTTPRequestHandler], None]) -> Iterator[str]:
    """A local server where `respond` answers every POST (its body already read); yields its URL."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 (the http.server API)
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with contextlib.suppress(OSError):  # the sender may have given up meanwhile
                respond(self)

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()


def redirector(location: str) -> contextlib.AbstractContextManager[str]:
    """A server answering every POST with 302 Found to `location`."""

    def respond(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(302)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return serving(respond)


# --- the happy path ----------------------------------------------------------------------------


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


# --- 1. validation -----------------------------------------------------------------------------


async def test_invalid_webhook_fields_are_refused_naming_the_field(api: Api, tenant: TenantHandle, receiver: Receiver) -> None:
    url = receiver.url("/hook")
    host = url.removeprefix("http://")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"events": ["*"]}, "url"),
        ({"url": f"ftp://{host}/hook"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"url": f"http://user:pw@{host}/hook"}, "url"),
        ({"url": url, "events": {"type": "object.created"}}, "events"),
        ({"url": url, "events": 5}, "events"),
        ({"url": url, "events": None}, "events"),
        ({"url": url, "events": []}, "events"),
        ({"url": url, "events": ["Object Created"]}, "events[0]"),
        ({"url": url, "events": ["object.created", "object.*.x"]}, "events[1]"),
        ({"url": url, "object_types": ["no_such_type"]}, "object_types[0]"),
        ({"url": url, "status": "paused"}, "status"),
    ]
    for body, field in cases:
        fields = invalid_fields(await api.rest("POST", "/v1/webhooks", tenant.token, json=body))
        assert fields == [field], (body, fields)
    assert data(await api.rest("GET", "/v1/webhooks", tenant.token)) == []

    created = await new_webhook(api, tenant, url)
    path = f"/v1/webhooks/{created['id']}"
    assert invalid_fields(await api.rest("PATCH", path, tenant.token, json={"status": "paused"})) == ["status"]
    assert invalid_fields(await api.rest("PATCH", path, tenant.token, json={"colour": "red"})) == ["colour"]
    assert invalid_fields(await api.rest("PATCH", path, tenant.token, json={"events": ["Object Created"]})) == ["events[0]"]
    unchanged = (await listed(api, tenant))[created["id"]]
    assert (unchanged["status"], unchanged["events"], unchanged["url"]) == ("active", ["*"], url)


async def test_events_given_as_a_single_string_rather_than_a_list_are_refused(api: Api, tenant: TenantHandle, receiver: Receiver) -> None:
    response = await api.rest("POST", "/v1/webhooks", tenant.token, json={"url": receiver.url("/hook"), "events": "object.created"})
    assert invalid_fields(response) == ["events"]


# --- 2. SSRF -----------------------------------------------------------------------------------


async def test_private_and_loopback_addresses_are_refused_on_create_and_update(
    api: Api, app: Starlette, tenant: TenantHandle, receiver: Receiver
) -> None:
    existing = await new_webhook(api, tenant, receiver.url("/hook"))  # loopback is allowed for the tests
    async with loopback_refused(app):
        for host in BLOCKED_HOSTS:
            url = f"http://{host}:8080/hook"
            assert invalid_fields(await api.rest("POST", "/v1/webhooks", tenant.token, json={"url": url})) == ["url"], host
            patched = await api.rest("PATCH", f"/v1/webhooks/{existing['id']}", tenant.token, json={"url": url})
            assert invalid_fields(patched) == ["url"], host
    assert [w["url"] for w in (await listed(api, tenant)).values()] == [receiver.url("/hook")]


async def test_an_endpoint_that_became_unreachable_is_blocked_at_send_time(
    api: Api, app: Starlette, tenant: TenantHandle, receiver: Receiver
) -> None:
    created = await new_webhook(api, tenant, receiver.url("/hook"))
    async with loopback_refused(app):
        tested = data(await api.rest("POST", f"/v1/webhooks/{created['id']}/test", tenant.token))
        replayed = data(await api.rest(
            "POST", f"/v1/webhooks/{created['id']}/replay", tenant.token, json={"event": "order.paid", "payload": {"n": 1}}
        ))
    for result in (tested, replayed):
        assert result["status_code"] is None and result["success"] is False
        assert result["error"].startswith("blocked"), result
    deliveries = data(await api.rest("GET", "/v1/webhook-deliveries", tenant.token))["deliveries"]
    assert len(deliveries) == 2 and all(d["error"].startswith("blocked") and d["status_code"] is None for d in deliveries)
    assert receiver.at("/hook") == []


# --- 3. scopes and tenants ---------------------------------------------------------------------


async def test_a_read_only_key_can_list_webhooks_but_not_change_or_send(api: Api, tenant: TenantHandle, receiver: Receiver) -> None:
    created = await new_webhook(api, tenant, receiver.url("/hook"))
    reader = await scoped_key(api, tenant, ["read"])
    path = f"/v1/webhooks/{created['id']}"

    assert [w["id"] for w in data(await api.rest("GET", "/v1/webhooks", reader))] == [created["id"]]
    assert data(await api.rest("GET", "/v1/webhook-deliveries", reader))["total"] == 0
    assert data(await api.rest("GET", "/v1/dlq", reader))["total"] == 0
    refused = [
        await api.rest("POST", "/v1/webhooks", reader, json={"url": receiver.url("/other")}),
        await api.rest("PATCH", path, reader, json={"description": "mine"}),
        await api.rest("DELETE", path, reader),
        await api.rest("POST", f"{path}/rotate-secret", reader),
        await api.rest("POST", f"{path}/test", reader),
        await api.rest("POST", f"{path}/replay", reader, json={"event": "order.paid", "payload": {}}),
    ]
    assert [(r.status_code, error_code(r)) for r in refused] == [(403, "INSUFFICIENT_SCOPE")] * len(refused)
    assert list(await listed(api, tenant)) == [created["id"]] and receiver.at("/hook") == []


async def test_a_schema_key_manages_webhooks_but_needs_write_to_send(api: Api, tenant: TenantHandle, receiver: Receiver) -> None:
    manager = await scoped_key(api, tenant, ["schema"])
    created = data(await api.rest("POST", "/v1/webhooks", manager, json={"url": receiver.url("/hook")}), 201)
    assert created["secret"].startswith("whsec_")
    assert data(await api.rest("PATCH", f"/v1/webhooks/{created['id']}", manager, json={"description": "ops"}))["description"] == "ops"

    refused = await api.rest("POST", f"/v1/webhooks/{created['id']}/test", manager)
    assert refused.status_code == 403 and error_code(refused) == "INSUFFICIENT_SCOPE"
    assert receiver.at("/hook") == []


async def test_every_webhook_route_needs_a_bearer(api: Api) -> None:
    for method, path in EVERY_ROUTE:
        response = await api.rest(method, path, json={} if method in ("POST", "PATCH") else None)
        assert (response.status_code, error_code(response)) == (401, "UNAUTHORIZED"), (method, path)


async def test_another_tenants_webhook_is_not_found(
    api: Api, tenant: TenantHandle, other_tenant: TenantHandle, receiver: Receiver
) -> None:
    theirs = await new_webhook(api, other_tenant, receiver.url("/theirs"))
    tested = data(await api.rest("POST", f"/v1/webhooks/{theirs['id']}/test", other_tenant.token))
    path = f"/v1/webhooks/{theirs['id']}"

    responses = [
        await api.rest("PATCH", path, tenant.token, json={"description": "mine now"}),
        await api.rest("DELETE", path, tenant.token, params={"force": "true"}),
        await api.rest("POST", f"{path}/rotate-secret", tenant.token),
        await api.rest("POST", f"{path}/test", tenant.token),
        await api.rest("POST", f"{path}/replay", tenant.token, json={"event": "order.paid", "payload": {}}),
        await api.rest("POST", f"/v1/webhook-deliveries/{tested['delivery_id']}/retry", tenant.token),
    ]
    assert [(r.status_code, error_code(r)) for r in responses] == [(404, "NOT_FOUND")] * len(responses)
    assert data(await api.rest("GET", "/v1/webhooks", tenant.token)) == []
    assert data(await api.rest("GET", "/v1/webhook-deliveries", tenant.token, params={"webhook_id": theirs["id"]}))["total"] == 0
    assert len(receiver.at("/theirs")) == 1  # only the owner's own test
    assert (await listed(api, other_tenant))[theirs["id"]]["description"] is None


# --- 4. event patterns and object types --------------------------------------------------------


async def test_an_endpoint_for_object_created_does_not_get_updates(api: Api, tenant: TenantHandle, receiver: Receiver, pump: Pump) -> None:
    type_id = await make_type(tenant, "contact", [{"name": "email", "data_type": "email"}])
    only_created = await new_webhook(api, tenant, receiver.url("/created"), events=["object.created"])
    await new_webhook(api, tenant, receiver.url("/witness"), events=["object.*"])
    obj = await new_object(api, tenant, type_id, "a@example.com")
    data(await api.rest("PATCH", f"/v1/objects/{type_id}/{obj['id']}", tenant.token, json={"properties": {"email": "b@example.com"}}))

    witnessed = await receiver.wait_for("/witness", 2, drive=pump)
    assert sorted(types_of(witnessed)) == ["object.created", "object.updated"]
    assert types_of(await receiver.wait_for("/created", drive=pump)) == ["object.created"]
    assert await WebhookMessage.filter(endpoint_id=only_created["id"]).count() == 1
    assert types_of(receiver.at("/created")) == ["object.created"]


async def test_an_object_types_filter_keeps_other_types_out(api: Api, tenant: TenantHandle, receiver: Receiver, pump: Pump) -> None:
    contact = await make_type(tenant, "contact", [{"name": "email", "data_type": "email"}])
    lead = await make_type(tenant, "lead", [{"name": "email", "data_type": "email"}])
    filtered = await new_webhook(api, tenant, receiver.url("/contacts"), events=["object.*"], object_types=["contact"])
    assert filtered["object_types"] == [contact]
    assert (await listed(api, tenant))[filtered["id"]]["object_types"] == [contact]
    await new_webhook(api, tenant, receiver.url("/witness"), events=["object.*"])

    kept = await new_object(api, tenant, contact, "c@example.com")
    await new_object(api, tenant, lead, "l@example.com")

    witnessed = await receiver.wait_for("/witness", 2, drive=pump)
    assert sorted(json.loads(r.body)["data"]["object_type_id"] for r in witnessed) == sorted([contact, lead])
    (got,) = await receiver.wait_for("/contacts", drive=pump)
    assert json.loads(got.body)["data"]["object_id"] == kept["id"]
    assert await WebhookMessage.filter(endpoint_id=filtered["id"]).count() == 1


async def test_custom_events_reach_an_endpoint_for_every_event(api: Api, tenant: TenantHandle, receiver: Receiver, pump: Pump) -> None:
    created = await new_webhook(api, tenant, receiver.url("/all"), events=["*"])
    tracked = await api.rest("POST", "/v1/events", tenant.token, json={"event_type": "order.shipped", "data": {"order": 42}})
    assert data(tracked) == {"tracked": True}

    async def shipped() -> list[Received]:
        return [r for r in receiver.at("/all") if json.loads(r.body)["type"] == "order.shipped"]

    (request,) = await eventually(shipped, pump)
    payload = Webhook(created["secret"]).verify(request.body, request.headers)
    assert payload["data"]["type"] == "order.shipped" and payload["data"]["data"] == {"order": 42}


async def test_an_endpoint_can_subscribe_to_a_custom_event_by_its_exact_type(
    api: Api, tenant: TenantHandle, receiver: Receiver, pump: Pump
) -> None:
    created = await new_webhook(api, tenant, receiver.url("/checkout"), events=["checkout-completed"])
    data(await api.rest("POST", "/v1/events", tenant.token, json={"event_type": "checkout-completed", "data": {"cart": 1}}))
    (request,) = await receiver.wait_for("/checkout", drive=pump)
    assert Webhook(created["secret"]).verify(request.body, request.headers)["type"] == "checkout-completed"


async def test_a_disabled_endpoint_gets_nothing(api: Api, tenant: TenantHandle, receiver: Receiver, pump: Pump) -> None:
    type_id = await make_type(tenant, "contact", [{"name": "email", "data_type": "email"}])
    disabled = await new_webhook(api, tenant, receiver.url("/disabled"), events=["object.*"], status="disabled")
    paused = await new_webhook(api, tenant, receiver.url("/paused"), events=["object.*"])
    paused = data(await api.rest("PATCH", f"/v1/webhooks/{paused['id']}", tenant.token, json={"status": "disabled"}))
    assert (disabled["status"], paused["status"]) == ("disabled", "disabled") and paused["disabled_reason"]
    await new_webhook(api, tenant, receiver.url("/witness"), events=["object.*"])

    await new_object(api, tenant, type_id, "a@example.com")
    assert types_of(await receiver.wait_for("/witness", drive=pump)) == ["object.created"]
    assert await WebhookMessage.filter(endpoint_id__in=[disabled["id"], paused["id"]]).count() == 0
    assert receiver.at("/disabled") == [] and receiver.at("/paused") == []


# --- 5. rotating the secret --------------------------------------------------------------------


async def test_after_a_rotation_deliveries_verify_with_the_old_and_the_new_secret(
    api: Api, tenant: TenantHandle, receiver: Receiver, pump: Pump
) -> None:
    type_id = await make_type(tenant, "contact", [{"name": "email", "data_type": "email"}])
    created = await new_webhook(api, tenant, receiver.url("/hook"), events=["object.created"])
    old = created["secret"]
    data(await api.rest("POST", f"/v1/webhooks/{created['id']}/test", tenant.token))
    (before,) = receiver.at("/hook")
    assert len(before.headers["webhook-signature"].split()) == 1

    rotated = data(await api.rest("POST", f"/v1/webhooks/{created['id']}/rotate-secret", tenant.token))
    new = rotated["secret"]
    assert new.startswith("whsec_") and new != old and rotated["id"] == created["id"]
    assert (await listed(api, tenant))[created["id"]]["secret"] is None

    obj = await new_object(api, tenant, type_id, "a@example.com")
    _, after = await receiver.wait_for("/hook", 2, drive=pump)
    assert len(after.headers["webhook-signature"].split()) == 2
    for secret in (old, new):
        payload = Webhook(secret).verify(after.body, after.headers)
        assert payload["type"] == "object.created" and payload["data"]["object_id"] == obj["id"]


# --- 6. test and replay ------------------------------------------------------------------------


async def test_test_and_replay_send_signed_events_at_once(api: Api, tenant: TenantHandle, receiver: Receiver) -> None:
    created = await new_webhook(api, tenant, receiver.url("/hook"))
    path = f"/v1/webhooks/{created['id']}"

    tested = data(await api.rest("POST", f"{path}/test", tenant.token))
    assert tested["status_code"] == 200 and tested["success"] is True and tested["delivery_id"].startswith("whd_")
    (test_request,) = receiver.at("/hook")
    test_payload = Webhook(created["secret"]).verify(test_request.body, test_request.headers)
    assert test_payload["type"] == "webhook.test" and test_payload["data"]["webhook_id"] == created["id"]

    order = {"order_id": "o_1", "amount": 1999, "lines": [{"sku": "A", "qty": 2}]}
    replayed = data(await api.rest("POST", f"{path}/replay", tenant.token, json={"event": "order.paid", "payload": order}))
    assert replayed["status_code"] == 200 and replayed["success"] is True
    _, replay_request = receiver.at("/hook")
    replay_payload = Webhook(created["secret"]).verify(replay_request.body, replay_request.headers)
    assert replay_payload["type"] == "order.paid" and replay_payload["data"] == order

    bad = [
        await api.rest("POST", f"{path}/replay", tenant.token, json={"event": "Order Paid", "payload": order}),
        await api.rest("POST", f"{path}/replay", tenant.token, json={"event": "order.*", "payload": order}),
        await api.rest("POST", f"{path}/replay", tenant.token, json={"event": "order.paid", "payload": [order]}),
        await api.rest("POST", f"{path}/replay", tenant.token, json={"event": "order.paid", "payload": "paid"}),
    ]
    assert [invalid_fields(r) for r in bad] == [["event"], ["event"], ["payload"], ["payload"]]
    assert len(receiver.at("/hook")) == 2


async def test_a_test_answered_with_500_reports_the_status(api: Api, tenant: TenantHandle, receiver: Receiver) -> None:
    receiver.script("/broken", then=500)
    created = await new_webhook(api, tenant, receiver.url("/broken"))
    tested = data(await api.rest("POST", f"/v1/webhooks/{created['id']}/test", tenant.token))
    assert tested["status_code"] == 500 and tested["success"] is False
    assert tested["response_excerpt"] == '{"ok": true}'
    (delivery,) = data(await api.rest("GET", "/v1/webhook-deliveries", tenant.token))["deliveries"]
    assert (delivery["id"], delivery["status_code"], delivery["success"]) == (tested["delivery_id"], 500, False)


async def test_a_test_send_to_a_slow_endpoint_does_not_hold_up_other_requests(
    api: Api, app: Starlette, tenant: TenantHandle, other_tenant: TenantHandle
) -> None:
    arrived, release = threading.Event(), threading.Event()

    def respond_when_released(handler: BaseHTTPRequestHandler) -> None:
        arrived.set()
        release.wait(timeout=20)
        handler.send_response(200)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    with serving(respond_when_released) as url:
        created = await new_webhook(api, tenant, url)
        theirs = await new_webhook(api, other_tenant, url)
        async with courier(app, timeout_seconds=3.0):  # bounds the wait if the send does hold everything up
            sending = asyncio.create_task(api.rest("POST", f"/v1/webhooks/{created['id']}/test", tenant.token))
            while not arrived.is_set() and not sending.done():
                await asyncio.sleep(0.02)
            listed = data(await api.rest("GET", "/v1/webhooks", other_tenant.token))  # while the endpoint is still answering
            release.set()
            tested = data(await sending)
    assert [w["id"] for w in listed] == [theirs["id"]]
    assert (tested["status_code"], tested["success"], tested["error"]) == (200, True, None)


# --- 7. retries and the DLQ --------------------------------------------------------------------


async def test_failed_deliveries_are_retried_into_the_dlq_then_retried_or_discarded(
    api: Api, tenant: TenantHandle, receiver: Receiver, pump: Pump
) -> None:
    type_id = await make_type(tenant, "contact", [{"name": "email", "data_type": "email"}])
    receiver.script("/hook", then=500)
    created = await new_webhook(api, tenant, receiver.url("/hook"), events=["object.created"])
    await new_object(api, tenant, type_id, "a@example.com")
    await new_object(api, tenant, type_id, "b@example.com")

    async def two_dead() -> dict[str, Any] | None:
        page = data(await api.rest("GET", "/v1/dlq", tenant.token))
        return page if page["total"] == 2 else None

    dlq = await eventually(two_dead, pump, timeout=20)
    assert {(m["webhook_id"], m["event_type"], m["attempts"], m["last_status_code"]) for m in dlq["messages"]} == {
        (created["id"], "object.created", 3, 500)
    }
    first, second = (m["id"] for m in dlq["messages"])
    seen = receiver.at("/hook")
    assert sorted(r.headers["webhook-id"] for r in seen) == sorted([first] * 3 + [second] * 3)
    deliveries = data(await api.rest("GET", "/v1/webhook-deliveries", tenant.token))
    attempts = sorted((d["message_id"], d["attempt"], d["status_code"]) for d in deliveries["deliveries"])
    assert deliveries["total"] == 6
    assert attempts == sorted((m, n, 500) for m in (first, second) for n in (1, 2, 3))

    receiver.script("/hook", then=200)
    assert data(await api.rest("POST", f"/v1/dlq/{first}/retry", tenant.token)) == {"retried": True}
    *_, resent = await receiver.wait_for("/hook", 7, drive=pump)
    assert resent.headers["webhook-id"] == first
    assert Webhook(created["secret"]).verify(resent.body, resent.headers)["type"] == "object.created"

    assert data(await api.rest("DELETE", f"/v1/dlq/{second}", tenant.token)) == {"discarded": True}

    async def dlq_empty() -> bool:
        return data(await api.rest("GET", "/v1/dlq", tenant.token))["total"] == 0

    assert await eventually(dlq_empty, pump)
    assert await eventually(lambda: _status_of(first, "delivered"), pump)
    assert await _status_of(second, "discarded")
    assert len(receiver.at("/hook")) == 7  # the discarded message was not sent again

    unknown = [
        await api.rest("POST", "/v1/dlq/msg_unknown/retry", tenant.token),
        await api.rest("DELETE", "/v1/dlq/msg_unknown", tenant.token),
        await api.rest("DELETE", f"/v1/dlq/{second}", tenant.token),  # discarded already
    ]
    assert [(r.status_code, error_code(r)) for r in unknown] == [(404, "NOT_FOUND")] * 3


async def _status_of(message_id: str, status: str) -> bool:
    message = await WebhookMessage.get(id=message_id)
    return message.status == status


# --- 8. 410 Gone -------------------------------------------------------------------------------


async def test_an_endpoint_answering_410_is_disabled_and_gets_nothing_more(
    api: Api, tenant: TenantHandle, receiver: Receiver, pump: Pump
) -> None:
    type_id = await make_type(tenant, "contact", [{"name": "email", "data_type": "email"}])
    receiver.script("/gone", then=410)
    gone = await new_webhook(api, tenant, receiver.url("/gone"), events=["object.created"])
    await new_webhook(api, tenant, receiver.url("/witness"), events=["object.created"])
    await new_object(api, tenant, type_id, "a@example.com")
    await receiver.wait_for("/gone", drive=pump)

    async def disabled() -> dict[str, Any] | None:
        endpoint = (await listed(api, tenant))[gone["id"]]
        return endpoint if endpoint["status"] == "disabled" else None

    endpoint = await eventually(disabled, pump)
    assert "410" in endpoint["disabled_reason"]

    await new_object(api, tenant, type_id, "b@example.com")
    await receiver.wait_for("/witness", 2, drive=pump)
    assert len(receiver.at("/gone")) == 1
    assert [(m.status, m.last_status_code) for m in await WebhookMessage.filter(endpoint_id=gone["id"])] == [("cancelled", 410)]


# --- 9. deliveries -----------------------------------------------------------------------------


async def test_deliveries_page_filter_and_retry_with_the_same_webhook_id(
    api: Api, tenant: TenantHandle, receiver: Receiver, pump: Pump
) -> None:
    a = await new_webhook(api, tenant, receiver.url("/a"))
    b = await new_webhook(api, tenant, receiver.url("/b"))
    sent = [data(await api.rest("POST", f"/v1/webhooks/{w['id']}/test", tenant.token)) for w in (a, a, a, b)]

    first = data(await api.rest("GET", "/v1/webhook-deliveries", tenant.token, params={"limit": 2}))
    second = data(await api.rest("GET", "/v1/webhook-deliveries", tenant.token, params={"limit": 2, "offset": 2}))
    beyond = data(await api.rest("GET", "/v1/webhook-deliveries", tenant.token, params={"limit": 2, "offset": 4}))
    assert (first["total"], second["total"], len(first["deliveries"]), len(second["deliveries"]), beyond["deliveries"]) == (4, 4, 2, 2, [])
    assert {d["id"] for d in first["deliveries"] + second["deliveries"]} == {s["delivery_id"] for s in sent}

    only_a = data(await api.rest("GET", "/v1/webhook-deliveries", tenant.token, params={"webhook_id": a["id"]}))
    assert only_a["total"] == 3 and {d["webhook_id"] for d in only_a["deliveries"]} == {a["id"]}
    for limit in (0, 101):
        response = await api.rest("GET", "/v1/webhook-deliveries", tenant.token, params={"limit": limit})
        assert invalid_fields(response) == ["limit"]

    (b_request,) = receiver.at("/b")
    retried = await api.rest("POST", f"/v1/webhook-deliveries/{sent[3]['delivery_id']}/retry", tenant.token)
    assert data(retried) == {"retried": True}
    _, again = await receiver.wait_for("/b", 2, drive=pump)
    assert again.headers["webhook-id"] == b_request.headers["webhook-id"]
    assert Webhook(b["secret"]).verify(again.body, again.headers)["type"] == "webhook.test"
    unknown = await api.rest("POST", "/v1/webhook-deliveries/whd_unknown/retry", tenant.token)
    assert (unknown.status_code, error_code(unknown)) == (404, "NOT_FOUND")


# --- 10. deleting ------------------------------------------------------------------------------


async def test_deleting_a_webhook_with_pending_deliveries_needs_confirmation_and_cancels_them(
    api: Api, tenant: TenantHandle, receiver: Receiver, pump: Pump
) -> None:
    created = await new_webhook(api, tenant, receiver.url("/hook"), events=["order.*"])
    # Pending messages that no worker (in this process or a live server) may take yet.
    later = datetime.now(timezone.utc) + timedelta(hours=1)
    pending = [
        Outgoing(id=new_id("msg"), tenant_id=tenant.tenant_id, endpoint_id=created["id"], event_type="order.paid", payload={"n": n})
        for n in range(2)
    ]
    await repository.queue(pending, due=later)
    path = f"/v1/webhooks/{created['id']}"

    refused = await api.rest("DELETE", path, tenant.token)
    assert (refused.status_code, error_code(refused)) == (409, "DEPENDENCY_EXISTS")
    error = refused.json()["error"]
    assert [(d["type"], d["count"]) for d in error["dependencies"]] == [("webhook_deliveries", 2)]
    forged = await api.rest("DELETE", path, tenant.token, params={"force": "true", "confirm_token": "forged.token"})
    assert forged.status_code == 409 and created["id"] in await listed(api, tenant)

    deleted = await api.rest("DELETE", path, tenant.token, params={"force": "true", "confirm_token": error["confirm_token"]})
    assert data(deleted) == {"deleted": True}
    assert await listed(api, tenant) == {}
    ids = [m.id for m in pending]
    assert {m.status for m in await WebhookMessage.filter(id__in=ids)} == {"cancelled"}

    await WebhookMessage.filter(id__in=ids).update(next_attempt_at=datetime.now(timezone.utc) - timedelta(minutes=1))
    for _ in range(3):
        await pump()
    assert {m.status for m in await WebhookMessage.filter(id__in=ids)} == {"cancelled"}
    assert receiver.at("/hook") == []


async def test_a_webhook_without_pending_deliveries_is_deleted_at_once(api: Api, tenant: TenantHandle, receiver: Receiver) -> None:
    created = await new_webhook(api, tenant, receiver.url("/hook"))
    data(await api.rest("POST", f"/v1/webhooks/{created['id']}/test", tenant.token))  # delivered, not pending
    assert data(await api.rest("DELETE", f"/v1/webhooks/{created['id']}", tenant.token)) == {"deleted": True}
    assert await listed(api, tenant) == {}
    gone = await api.rest("POST", f"/v1/webhooks/{created['id']}/test", tenant.token)
    assert (gone.status_code, error_code(gone)) == (404, "NOT_FOUND")


# --- 11. redirects -----------------------------------------------------------------------------


async def test_redirects_are_not_followed(api: Api, tenant: TenantHandle, receiver: Receiver) -> None:
    with redirector(receiver.url("/elsewhere")) as url:
        created = await new_webhook(api, tenant, url)
        tested = data(await api.rest("POST", f"/v1/webhooks/{created['id']}/test", tenant.token))
        replayed = data(await api.rest(
            "POST", f"/v1/webhooks/{created['id']}/replay", tenant.token, json={"event": "order.paid", "payload": {}}
        ))
    assert [(r["status_code"], r["success"]) for r in (tested, replayed)] == [(302, False)] * 2
    deliveries = data(await api.rest("GET", "/v1/webhook-deliveries", tenant.token))["deliveries"]
    assert sorted((d["status_code"], d["success"]) for d in deliveries) == [(302, False)] * 2
    assert receiver.at("/elsewhere") == []
