"""GET /events/stream (Server-Sent Events) against a real server process.

Covers the 4xx answers given before the stream starts (no token, a bad Last-Event-ID, a key
without `read`), the shape of an object event on the wire, what the stream leaves out (schema
and custom events), resuming with Last-Event-ID, keep-alive comments, tenant isolation, and
the `event: error` that ends the stream of a revoked key.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.conftest import free_port, start_server, stop_server
from tests.support import TenantHandle, bearer, streamed

STREAM = "/events/stream"
ARRIVAL = 10.0  # seconds: generous, for slow CI machines


@dataclass
class Frame:
    """One SSE frame: the fields before a blank line, plus any comment lines."""

    id: str | None = None
    event: str | None = None
    data_lines: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)

    @property
    def data(self) -> Any:
        return json.loads("\n".join(self.data_lines))

    @property
    def is_event(self) -> bool:
        return self.event is not None or bool(self.data_lines)


class SseReader:
    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.aiter_lines()

    async def frame(self, timeout: float = ARRIVAL) -> Frame:
        return await asyncio.wait_for(self._frame(), timeout)

    async def _frame(self) -> Frame:
        frame = Frame()
        started = False
        async for line in self._lines:
            if line == "":
                if started:
                    return frame
                continue
            started = True
            if line.startswith(":"):
                frame.comments.append(line[1:].strip())
                continue
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "id":
                frame.id = value
            elif name == "event":
                frame.event = value
            elif name == "data":
                frame.data_lines.append(value)
        raise EOFError("the stream ended")

    async def event(self, timeout: float = ARRIVAL) -> Frame:
        """The next frame that carries an event, skipping comments (keep-alive, connected)."""
        deadline = time.monotonic() + timeout
        while True:
            frame = await self.frame(max(0.01, deadline - time.monotonic()))
            if frame.is_event:
                return frame

    async def events(self, count: int) -> list[Frame]:
        return [await self.event() for _ in range(count)]


@asynccontextmanager
async def open_stream(base_url: str, token: str, *, last_event_id: str | None = None) -> AsyncIterator[SseReader]:
    """An open stream whose listener is registered (the server answered and sent `: connected`)."""
    headers = bearer(token)
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    async with httpx.AsyncClient(base_url=base_url, timeout=httpx.Timeout(ARRIVAL, read=None)) as http:
        async with streamed(http, STREAM, headers=headers, timeout=ARRIVAL) as response:
            assert response.status_code == 200, await response.aread()
            assert response.headers["content-type"].startswith("text/event-stream")
            reader = SseReader(response)
            first = await reader.frame()
            assert "connected" in first.comments and not first.is_event
            yield reader


@dataclass
class LiveApi:
    base_url: str
    tenant: TenantHandle

    async def call(self, method: str, path: str, status: int, token: str | None = None, **kwargs: Any) -> Any:
        async with httpx.AsyncClient(base_url=self.base_url, timeout=ARRIVAL) as http:
            response = await http.request(method, path, headers=bearer(token or self.tenant.token), **kwargs)
        assert response.status_code == status, response.text
        return response.json()["data"]

    async def make_type(self, name: str) -> str:
        type_id = (await self.call("POST", "/v1/object-types", 201, json={"name": name}))["id"]
        await self.call("POST", f"/v1/object-types/{type_id}/properties", 201, json={"name": "title", "data_type": "string"})
        return type_id

    async def create(self, type_name: str, title: str) -> dict[str, Any]:
        return await self.call("POST", f"/v1/objects/{type_name}", 201, json={"properties": {"title": title}})

    async def key(self, scopes: list[str]) -> dict[str, Any]:
        return await self.call("POST", "/v1/keys", 201, json={"label": "stream", "scopes": scopes})


def envelope_error(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert body["success"] is False and body["request_id"], body
    return body["error"]


# --- answers before the stream starts --------------------------------------------------------


async def test_a_stream_without_a_token_is_401_in_the_envelope(live_server: str) -> None:
    async with httpx.AsyncClient(base_url=live_server, timeout=ARRIVAL) as http:
        response = await http.get(STREAM)
    assert response.status_code == 401
    assert envelope_error(response)["code"] == "UNAUTHORIZED"


async def test_a_bad_last_event_id_is_400_naming_the_header(live_server: str, tenant: TenantHandle) -> None:
    async with httpx.AsyncClient(base_url=live_server, timeout=ARRIVAL) as http:
        for bad in ["abc", "-1", "1.5", "9" * 19]:
            response = await http.get(STREAM, headers={**tenant.auth, "Last-Event-ID": bad})
            assert response.status_code == 400, bad
            error = envelope_error(response)
            assert error["code"] == "VALIDATION_ERROR"
            assert error["details"][0]["field"] == "Last-Event-ID"


async def test_a_key_without_read_scope_is_403(live_server: str, tenant: TenantHandle) -> None:
    live = LiveApi(live_server, tenant)
    writer = await live.key(["write"])
    async with httpx.AsyncClient(base_url=live_server, timeout=ARRIVAL) as http:
        response = await http.get(STREAM, headers=bearer(writer["token"]))
    assert response.status_code == 403
    assert envelope_error(response)["code"] == "INSUFFICIENT_SCOPE"


# --- events on the stream --------------------------------------------------------------------


async def test_a_created_object_arrives_as_an_object_created_event(live_server: str, tenant: TenantHandle) -> None:
    live = LiveApi(live_server, tenant)
    type_id = await live.make_type("leads")
    async with open_stream(live_server, tenant.token) as stream:
        created = await live.create("leads", "First")
        frame = await stream.event()

    assert frame.event == "object.created"
    assert frame.id is not None and frame.id.isdigit()
    payload = frame.data
    assert payload["id"] == frame.id
    assert payload["type"] == "object.created"
    assert payload["object_type_id"] == type_id
    assert payload["object_id"] == created["id"]
    assert payload["data"]["id"] == created["id"]
    assert payload["data"]["properties"] == {"title": "First"}
    assert payload["actor"] == tenant.key_id
    assert payload["created_at"]


async def test_schema_and_custom_events_are_not_on_the_stream(live_server: str, tenant: TenantHandle) -> None:
    """The stream carries object.* and file.* only: the next event after a type, a property and a
    custom event is the object created last."""
    live = LiveApi(live_server, tenant)
    async with open_stream(live_server, tenant.token) as stream:
        type_id = await live.make_type("tickets")  # object_type.created, property.created
        await live.call("PATCH", f"/v1/object-types/{type_id}", 200, json={"name": "issues"})  # object_type.updated
        await live.call("POST", "/v1/events", 200, json={"event_type": "ticket.viewed", "data": {}})
        created = await live.create("issues", "Only me")
        frame = await stream.event()

    assert frame.event == "object.created"
    assert frame.data["object_id"] == created["id"]


async def test_resuming_with_last_event_id_delivers_exactly_the_missed_events_in_order(live_server: str, tenant: TenantHandle) -> None:
    live = LiveApi(live_server, tenant)
    await live.make_type("orders")

    async with open_stream(live_server, tenant.token) as stream:
        seen = [(await live.create("orders", f"seen {n}"))["id"] for n in range(3)]
        frames = await stream.events(3)
    assert [f.data["object_id"] for f in frames] == seen
    last_id = frames[-1].id
    assert last_id is not None

    missed = [(await live.create("orders", f"missed {n}"))["id"] for n in range(3)]

    async with open_stream(live_server, tenant.token, last_event_id=last_id) as stream:
        resumed = await stream.events(3)
        # Anything else delivered now (a duplicate, an old event) would come before this one.
        after = (await live.create("orders", "live"))["id"]
        live_frame = await stream.event()

    assert [f.data["object_id"] for f in resumed] == missed
    ids = [int(f.id or 0) for f in resumed]
    assert ids == sorted(ids) and ids[0] > int(last_id)
    assert live_frame.data["object_id"] == after and int(live_frame.id or 0) > ids[-1]


async def test_an_idle_stream_gets_keep_alive_comments(server_env: dict[str, str], tenant: TenantHandle) -> None:
    port = free_port()
    process = await asyncio.to_thread(start_server, {**server_env, "BASALT_SSE_KEEPALIVE_MS": "200"}, port)
    try:
        async with open_stream(f"http://127.0.0.1:{port}", tenant.token) as stream:
            frame = await stream.frame(timeout=3)
        assert frame.comments == ["keep-alive"] and not frame.is_event
    finally:
        await asyncio.to_thread(stop_server, process)


async def test_a_stream_sees_nothing_of_another_tenant(live_server: str, tenant: TenantHandle, other_tenant: TenantHandle) -> None:
    mine, theirs = LiveApi(live_server, tenant), LiveApi(live_server, other_tenant)
    await mine.make_type("notes")
    await theirs.make_type("notes")

    async with open_stream(live_server, tenant.token) as stream:
        await theirs.create("notes", "secret")
        created = await mine.create("notes", "mine")
        frame = await stream.event()

    assert frame.data["object_id"] == created["id"]
    assert frame.data["data"]["properties"] == {"title": "mine"}


async def test_a_revoked_keys_stream_ends_with_credentials_ended(live_server: str, tenant: TenantHandle) -> None:
    live = LiveApi(live_server, tenant)
    reader = await live.key(["read"])

    async with open_stream(live_server, reader["token"]) as stream:
        await live.call("DELETE", f"/v1/keys/{reader['key']['id']}", 200)
        frame = await stream.event()
        assert frame.event == "error"
        assert frame.data["code"] == "CREDENTIALS_ENDED" and frame.data["message"]
        try:
            leftover = await stream.frame()
        except EOFError:
            leftover = None
        assert leftover is None, "the stream should end after its error event"
