"""The realtime WebSocket, GET /v1/realtime?token=…&tenant_id=…, against a real server process.

Covers authentication (4401 for a missing, unknown or revoked token; 4403 for a tenant_id that
is not the token's or a key without `read`), the message protocol (connected, subscribe /
subscribed, event, unsubscribe / unsubscribed, ping / pong, error messages that leave the
socket open, the 20-channel limit), GET /v1/realtime/stats for the open socket, a socket closed
with 4401 once its key is revoked, and tenant isolation of channels. Data is made through the
same server's REST API. A channel's listener is registered before `subscribed` is sent, so an
object created after that message always arrives.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import websockets
from websockets.asyncio.client import ClientConnection

from tests.support import TenantHandle, make_tenant

ARRIVAL_SECONDS = 10.0
MAX_CHANNELS = 20


# --- helpers -------------------------------------------------------------------------------


def socket_url(base: str, **params: str) -> str:
    return f"{base.replace('http://', 'ws://', 1)}/v1/realtime?{urlencode(params)}"


@asynccontextmanager
async def opened(base: str, tenant: TenantHandle, token: str | None = None) -> AsyncIterator[ClientConnection]:
    """A socket past its `connected` message."""
    async with websockets.connect(socket_url(base, token=token or tenant.token, tenant_id=tenant.tenant_id)) as ws:
        connected = await receive(ws)
        assert connected == {"type": "connected", "tenant_id": tenant.tenant_id, "max_channels": MAX_CHANNELS}
        yield ws


async def receive(ws: ClientConnection) -> dict[str, Any]:
    message = json.loads(await asyncio.wait_for(ws.recv(), ARRIVAL_SECONDS))
    assert isinstance(message, dict)
    return message


async def send(ws: ClientConnection, message: dict[str, Any] | str) -> dict[str, Any]:
    """Send one message and return the server's answer."""
    await ws.send(message if isinstance(message, str) else json.dumps(message))
    return await receive(ws)


async def subscribe(ws: ClientConnection, channel: str) -> None:
    assert await send(ws, {"type": "subscribe", "channel": channel}) == {"type": "subscribed", "channel": channel}


async def close_code_of(ws: ClientConnection) -> int | None:
    """Read until the server closes the socket; its close code."""
    with pytest.raises(websockets.ConnectionClosed) as closed:
        while True:
            await asyncio.wait_for(ws.recv(), ARRIVAL_SECONDS)
    return closed.value.rcvd.code if closed.value.rcvd is not None else None


class Rest:
    """The live server's REST API, as one tenant's key."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def new_type(self, name: str) -> str:
        created = await self.http.post("/v1/object-types", json={"name": name})
        assert created.status_code == 201, created.text
        return str(created.json()["data"]["id"])

    async def create(self, type_id: str, **properties: Any) -> str:
        response = await self.http.post(f"/v1/objects/{type_id}", json={"properties": properties})
        assert response.status_code == 201, response.text
        return str(response.json()["data"]["id"])

    async def new_key(self, scopes: list[str]) -> dict[str, Any]:
        response = await self.http.post("/v1/keys", json={"label": "socket", "scopes": scopes})
        assert response.status_code == 201, response.text
        return dict(response.json()["data"])

    async def revoke(self, key_id: str) -> None:
        response = await self.http.delete(f"/v1/keys/{key_id}")
        assert response.status_code == 200, response.text

    async def stats(self) -> dict[str, Any]:
        response = await self.http.get("/v1/realtime/stats")
        assert response.status_code == 200, response.text
        return dict(response.json()["data"])


@asynccontextmanager
async def rest_of(base: str, tenant: TenantHandle) -> AsyncIterator[Rest]:
    async with httpx.AsyncClient(base_url=base, headers=tenant.auth, timeout=10) as http:
        yield Rest(http)


# --- authentication ------------------------------------------------------------------------


@pytest.mark.parametrize("credentials", ["no token", "no tenant_id", "unknown token", "revoked token"])
async def test_a_socket_without_valid_credentials_is_closed_with_4401(live_server: str, tenant: TenantHandle, credentials: str) -> None:
    async with rest_of(live_server, tenant) as rest:
        revoked = await rest.new_key(["read"])
        await rest.revoke(revoked["key"]["id"])
    params = {
        "no token": {"tenant_id": tenant.tenant_id},
        "no tenant_id": {"token": tenant.token},
        "unknown token": {"token": "bsk_thisKeyDoesNotExist0000000000000000000000", "tenant_id": tenant.tenant_id},
        "revoked token": {"token": revoked["token"], "tenant_id": tenant.tenant_id},
    }[credentials]
    async with websockets.connect(socket_url(live_server, **params)) as ws:
        assert await close_code_of(ws) == 4401


@pytest.mark.parametrize("case", ["another tenant's id", "key without read"])
async def test_a_socket_for_the_wrong_tenant_or_without_read_is_closed_with_4403(
    live_server: str, tenant: TenantHandle, other_tenant: TenantHandle, case: str
) -> None:
    async with rest_of(live_server, tenant) as rest:
        writer = await rest.new_key(["write"])
    params = {
        "another tenant's id": {"token": tenant.token, "tenant_id": other_tenant.tenant_id},
        "key without read": {"token": writer["token"], "tenant_id": tenant.tenant_id},
    }[case]
    async with websockets.connect(socket_url(live_server, **params)) as ws:
        assert await close_code_of(ws) == 4403


# --- channels ----------------------------------------------------------------------------------


async def test_an_object_created_over_rest_arrives_on_its_channel_until_unsubscribed(live_server: str, tenant: TenantHandle) -> None:
    async with rest_of(live_server, tenant) as rest, opened(live_server, tenant) as ws:
        deals = await rest.new_type("deals")
        leads = await rest.new_type("leads")
        await subscribe(ws, f"objects:{deals}")
        deal = await rest.create(deals, title="first")
        arrived = await receive(ws)

        assert await send(ws, {"type": "unsubscribe", "channel": f"objects:{deals}"}) == {
            "type": "unsubscribed", "channel": f"objects:{deals}",
        }
        await subscribe(ws, f"objects:{leads}")
        await rest.create(deals, title="after unsubscribing")  # earlier than the lead: would arrive first
        lead = await rest.create(leads, title="lead")
        next_message = await receive(ws)

    assert arrived["type"] == "event" and arrived["channel"] == f"objects:{deals}"
    event = arrived["event"]
    assert event["type"] == "object.created"
    assert (event["object_type_id"], event["object_id"]) == (deals, deal)
    assert event["data"]["id"] == deal and event["data"]["properties"] == {"title": "first"}
    assert event["changed"] == ["title"] and event["actor"] == tenant.key_id
    assert int(event["id"]) > 0 and event["created_at"]
    assert next_message["channel"] == f"objects:{leads}" and next_message["event"]["object_id"] == lead


async def test_bad_messages_get_error_answers_and_the_socket_stays_open(live_server: str, tenant: TenantHandle) -> None:
    async with rest_of(live_server, tenant) as rest, opened(live_server, tenant) as ws:
        deals = await rest.new_type("deals")
        not_json = await send(ws, "{not json")
        unknown_type = await send(ws, {"type": "shout"})
        not_an_object = await send(ws, "[1, 2]")
        bad_channel = await send(ws, {"type": "subscribe", "channel": "everything"})
        missing_type = await send(ws, {"type": "subscribe", "channel": "objects:ot_doesnotexist00"})
        pong = await send(ws, {"type": "ping"})
        await subscribe(ws, f"objects:{deals}")  # still usable
        deal = await rest.create(deals)
        arrived = await receive(ws)

    assert not_json["type"] == "error" and not_json["code"] == "INVALID_JSON"
    assert unknown_type["type"] == "error" and unknown_type["code"] == "VALIDATION_ERROR"
    assert not_an_object["type"] == "error" and not_an_object["code"] == "VALIDATION_ERROR"
    assert (bad_channel["type"], bad_channel["code"], bad_channel["channel"]) == ("error", "VALIDATION_ERROR", "everything")
    assert (missing_type["code"], missing_type["channel"]) == ("NOT_FOUND", "objects:ot_doesnotexist00")
    assert pong == {"type": "pong"}
    assert arrived["event"]["object_id"] == deal


async def test_a_socket_may_hold_at_most_20_channels(live_server: str, tenant: TenantHandle) -> None:
    async with opened(live_server, tenant) as ws:
        for n in range(MAX_CHANNELS):
            await subscribe(ws, f"files:folder-{n}")
        refused = await send(ws, {"type": "subscribe", "channel": "files:one-too-many"})
        await subscribe(ws, "files:folder-0")  # an open channel again: not a new one
        await send(ws, {"type": "unsubscribe", "channel": "files:folder-0"})
        await subscribe(ws, "files:one-too-many")  # room for it now

    assert refused["type"] == "error" and refused["code"] == "CHANNEL_LIMIT" and refused["channel"] == "files:one-too-many"


async def test_stats_count_the_open_socket_and_its_channels_until_it_closes(live_server: str, tenant: TenantHandle) -> None:
    async with rest_of(live_server, tenant) as rest:
        deals = await rest.new_type("deals")
        assert await rest.stats() == {"total_connections": 0, "channels": {}, "channel_count": 0}
        async with opened(live_server, tenant) as ws:
            assert await rest.stats() == {"total_connections": 1, "channels": {}, "channel_count": 0}
            await subscribe(ws, f"objects:{deals}")
            await subscribe(ws, "files")
            assert await rest.stats() == {
                "total_connections": 1, "channels": {"files": 1, f"objects:{deals}": 1}, "channel_count": 2,
            }
            await send(ws, {"type": "unsubscribe", "channel": "files"})
            assert await rest.stats() == {"total_connections": 1, "channels": {f"objects:{deals}": 1}, "channel_count": 1}

        deadline = time.monotonic() + ARRIVAL_SECONDS  # the server notices the close a moment later
        while (stats := await rest.stats())["total_connections"]:
            assert time.monotonic() < deadline, stats
            await asyncio.sleep(0.05)
    assert stats == {"total_connections": 0, "channels": {}, "channel_count": 0}


async def test_a_revoked_keys_socket_is_closed_with_4401(live_server: str, tenant: TenantHandle) -> None:
    async with rest_of(live_server, tenant) as rest:
        deals = await rest.new_type("deals")
        reader = await rest.new_key(["read"])
        async with opened(live_server, tenant, reader["token"]) as ws:
            await subscribe(ws, f"objects:{deals}")
            await rest.revoke(reader["key"]["id"])
            ended = await receive(ws)  # the hub re-checks credentials every couple of seconds
            code = await close_code_of(ws)

    assert (ended["type"], ended["code"]) == ("error", "CREDENTIALS_ENDED") and "channel" not in ended  # about the connection
    assert code == 4401


async def test_a_revoked_keys_socket_is_closed_even_with_no_channel_open(live_server: str, tenant: TenantHandle) -> None:
    async with rest_of(live_server, tenant) as rest:
        reader = await rest.new_key(["read"])
        async with opened(live_server, tenant, reader["token"]) as ws:
            await rest.revoke(reader["key"]["id"])
            ended = await receive(ws)
            code = await close_code_of(ws)

    assert (ended["type"], ended["code"]) == ("error", "CREDENTIALS_ENDED") and "channel" not in ended
    assert code == 4401


async def test_a_tenant_cannot_listen_to_another_tenants_type(live_server: str, tenant: TenantHandle) -> None:
    other = await make_tenant("Other Co")
    async with rest_of(live_server, tenant) as mine, rest_of(live_server, other) as theirs:
        my_deals = await mine.new_type("deals")
        their_deals = await theirs.new_type("deals")
        async with opened(live_server, tenant) as my_ws, opened(live_server, other) as their_ws:
            await subscribe(their_ws, f"objects:{their_deals}")
            refused = await send(my_ws, {"type": "subscribe", "channel": f"objects:{their_deals}"})
            await subscribe(my_ws, f"objects:{my_deals}")

            their_object = await theirs.create(their_deals, secret=True)
            seen_by_them = await receive(their_ws)  # their event went through the server's hub
            my_object = await mine.create(my_deals)
            seen_by_me = await receive(my_ws)
            my_stats = await mine.stats()

    assert (refused["type"], refused["code"], refused["channel"]) == ("error", "NOT_FOUND", f"objects:{their_deals}")
    assert seen_by_them["event"]["object_id"] == their_object
    assert (seen_by_me["channel"], seen_by_me["event"]["object_id"]) == (f"objects:{my_deals}", my_object)
    assert my_stats == {"total_connections": 1, "channels": {f"objects:{my_deals}": 1}, "channel_count": 1}
