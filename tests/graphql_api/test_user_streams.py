"""An end user's access token on the long-lived streams, against a real server process.

A user signs up through `POST /v1/auth/signup` (with the tenant's key, as a client app would) and
then uses their access token on GraphQL subscriptions over graphql-transport-ws, on
`GET /events/stream` (SSE) and on the realtime WebSocket `/v1/realtime`. Covers delivery on each
(events the user makes with their own token, `actor` being the user), and that the hub ends
every stream of a session once that session is revoked (`DELETE /v1/auth/sessions/:id`, or
logout) -- GraphQL with CREDENTIALS_ENDED, SSE with `event: error`, the socket with close code
4401 -- while the same user's other session keeps its socket; and that banning the user or
suspending the tenant closes the socket with 4401.

A graphql-transport-ws subscription gets no acknowledgement once it is registered on the server,
so GraphQL tests first "warm it up": the user tracks `custom.warm_up` events with
`{"warm_up": true}` until one arrives; later warm-up events are skipped. SSE sends `: connected`
and the socket sends `subscribed` only after their listener is registered.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import websockets
from gql import Client, gql
from gql.client import AsyncClientSession
from gql.transport.exceptions import TransportQueryError
from gql.transport.websockets import WebsocketsTransport
from tortoise import connections
from websockets.asyncio.client import ClientConnection

from tests.conftest import ON_POSTGRES
from tests.support import TenantHandle, bearer, streamed

ARRIVAL_SECONDS = 10.0  # generous bounds for slow machines; the hub re-checks credentials every 2 s
PASSWORD = "correct horse battery staple"
EVENTS = 'subscription { events(types: ["custom.*"]) { id type data actor } }'


# --- the live server's REST API ----------------------------------------------------------------


async def call(base: str, method: str, path: str, token: str, status: int = 200, **kwargs: Any) -> Any:
    async with httpx.AsyncClient(base_url=base, timeout=ARRIVAL_SECONDS) as http:
        response = await http.request(method, path, headers=bearer(token), **kwargs)
    assert response.status_code == status, response.text
    return response.json()["data"]


@dataclass(frozen=True)
class LiveUser:
    base: str
    tenant: TenantHandle
    email: str
    user_id: str
    access_token: str
    refresh_token: str
    session_id: str

    async def track(self, event_type: str, payload: dict[str, Any]) -> None:
        await call(self.base, "POST", "/v1/events", self.access_token, json={"event_type": event_type, "data": payload})

    async def create(self, type_id: str, title: str) -> str:
        created = await call(self.base, "POST", f"/v1/objects/{type_id}", self.access_token, 201, json={"properties": {"title": title}})
        return str(created["id"])


async def _session_of(base: str, tenant: TenantHandle, email: str, tokens: dict[str, Any]) -> LiveUser:
    sessions = await call(base, "GET", "/v1/auth/sessions", tokens["access_token"])
    (current,) = [s for s in sessions if s["current"]]
    return LiveUser(
        base=base, tenant=tenant, email=email, user_id=tokens["user"]["id"],
        access_token=tokens["access_token"], refresh_token=tokens["refresh_token"], session_id=current["id"],
    )


async def sign_up(base: str, tenant: TenantHandle, email: str = "ada@example.com") -> LiveUser:
    tokens = await call(base, "POST", "/v1/auth/signup", tenant.token, 201, json={"email": email, "password": PASSWORD})
    return await _session_of(base, tenant, email, tokens)


async def log_in(base: str, user: LiveUser) -> LiveUser:
    """The same user on a second device: another session."""
    tokens = await call(base, "POST", "/v1/auth/login", user.tenant.token, json={"email": user.email, "password": PASSWORD})
    return await _session_of(base, user.tenant, user.email, tokens)


async def new_type(base: str, tenant: TenantHandle) -> str:
    """Made with the tenant's key: defining types needs the `schema` scope, which users lack."""
    type_id = str((await call(base, "POST", "/v1/object-types", tenant.token, 201, json={"name": "notes"}))["id"])
    await call(base, "POST", f"/v1/object-types/{type_id}/properties", tenant.token, 201, json={"name": "title", "data_type": "text"})
    return type_id


# --- GraphQL over graphql-transport-ws ---------------------------------------------------------


class Feed:
    """One subscription's events pumped into a queue; warm-up events only mark the feed live.
    A GraphQL error ending the subscription is queued as the exception."""

    def __init__(self, source: AsyncIterator[dict[str, Any]]) -> None:
        self.live = asyncio.Event()
        self._queue: asyncio.Queue[dict[str, Any] | Exception] = asyncio.Queue()
        self._task = asyncio.create_task(self._pump(source))

    async def _pump(self, source: AsyncIterator[dict[str, Any]]) -> None:
        try:
            async for result in source:
                (event,) = result.values()
                if (event.get("data") or {}).get("warm_up") is True:
                    self.live.set()
                else:
                    self._queue.put_nowait(event)
        except Exception as exc:
            self._queue.put_nowait(exc)

    async def next(self) -> dict[str, Any]:
        item = await asyncio.wait_for(self._queue.get(), ARRIVAL_SECONDS)
        if isinstance(item, Exception):
            raise item
        return item

    async def error(self) -> dict[str, Any]:
        with pytest.raises(TransportQueryError) as raised:
            await self.next()
        assert raised.value.errors, raised.value
        return raised.value.errors[0]

    async def warm_up(self, user: LiveUser) -> None:
        deadline = time.monotonic() + ARRIVAL_SECONDS
        while not self.live.is_set():
            assert time.monotonic() < deadline, "the subscription never became live"
            await user.track("custom.warm_up", {"warm_up": True})
            with suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.live.wait(), 0.3)

    async def close(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


@asynccontextmanager
async def graphql_feed(user: LiveUser) -> AsyncIterator[Feed]:
    """A live `events(types: ["custom.*"])` subscription authenticated with the user's token."""
    transport = WebsocketsTransport(
        url=user.base.replace("http://", "ws://", 1) + "/graphql",
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
        init_payload={"authorization": f"Bearer {user.access_token}"},
    )
    async with Client(transport=transport) as session:
        feed = Feed(_subscribe(session))
        try:
            await feed.warm_up(user)
            yield feed
        finally:
            await feed.close()


def _subscribe(session: AsyncClientSession) -> AsyncIterator[dict[str, Any]]:
    return session.subscribe(gql(EVENTS))


# --- SSE -----------------------------------------------------------------------------------


class Sse:
    def __init__(self, response: httpx.Response) -> None:
        self._lines = response.aiter_lines()

    async def frame(self) -> dict[str, Any]:
        """The next frame carrying an event, as {"event": ..., "data": ...}; comments are skipped."""
        return await asyncio.wait_for(self._frame(), ARRIVAL_SECONDS)

    async def _frame(self) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        async for line in self._lines:
            if line == "":
                if "data" in fields:
                    return {"event": fields.get("event"), "data": json.loads(fields["data"])}
                fields = {}
            elif not line.startswith(":"):
                name, _, value = line.partition(": ")
                fields[name] = value
        raise EOFError("the stream ended")

    async def ended(self) -> bool:
        try:
            await self._frame()
        except EOFError:
            return True
        return False


@asynccontextmanager
async def sse_stream(user: LiveUser) -> AsyncIterator[Sse]:
    async with httpx.AsyncClient(base_url=user.base, timeout=httpx.Timeout(ARRIVAL_SECONDS, read=None)) as http:
        async with streamed(http, "/events/stream", headers=bearer(user.access_token), timeout=ARRIVAL_SECONDS) as response:
            assert response.status_code == 200, await response.aread()
            sse = Sse(response)
            first = await asyncio.wait_for(anext(sse._lines), ARRIVAL_SECONDS)
            assert first == "retry: 2000"  # the stream has started: its listener is registered
            yield sse


# --- the realtime socket -----------------------------------------------------------------------


@asynccontextmanager
async def realtime_socket(user: LiveUser, channel: str | None = None) -> AsyncIterator[ClientConnection]:
    query = urlencode({"token": user.access_token, "tenant_id": user.tenant.tenant_id})
    async with websockets.connect(f"{user.base.replace('http://', 'ws://', 1)}/v1/realtime?{query}") as ws:
        assert (await receive(ws))["type"] == "connected"
        if channel is not None:
            await ws.send(json.dumps({"type": "subscribe", "channel": channel}))
            assert await receive(ws) == {"type": "subscribed", "channel": channel}
        yield ws


async def receive(ws: ClientConnection) -> dict[str, Any]:
    message = json.loads(await asyncio.wait_for(ws.recv(), ARRIVAL_SECONDS))
    assert isinstance(message, dict)
    return message


async def until_closed(ws: ClientConnection) -> tuple[int | None, list[dict[str, Any]]]:
    """Read until the server closes the socket: its close code and the messages before it."""
    messages: list[dict[str, Any]] = []
    with pytest.raises(websockets.ConnectionClosed) as closed:
        while True:
            messages.append(json.loads(await asyncio.wait_for(ws.recv(), ARRIVAL_SECONDS)))
    return (closed.value.rcvd.code if closed.value.rcvd is not None else None), messages


# --- delivery ------------------------------------------------------------------------------------


async def test_a_users_token_subscribes_over_graphql_and_receives_the_custom_event_it_tracked(live_server: str, tenant: TenantHandle) -> None:
    user = await sign_up(live_server, tenant)
    async with graphql_feed(user) as feed:
        await user.track("custom.signed_in", {"plan": "pro"})
        event = await feed.next()

    assert (event["type"], event["data"], event["actor"]) == ("custom.signed_in", {"plan": "pro"}, user.user_id)


async def test_a_users_token_opens_the_sse_stream_and_receives_the_object_it_created(live_server: str, tenant: TenantHandle) -> None:
    user = await sign_up(live_server, tenant)
    notes = await new_type(live_server, tenant)
    async with sse_stream(user) as stream:
        note = await user.create(notes, "from the user")
        frame = await stream.frame()

    assert frame["event"] == "object.created"
    assert (frame["data"]["object_id"], frame["data"]["actor"]) == (note, user.user_id)
    assert frame["data"]["data"]["properties"] == {"title": "from the user"}


async def test_a_users_token_opens_the_realtime_socket_and_receives_the_object_it_created(live_server: str, tenant: TenantHandle) -> None:
    user = await sign_up(live_server, tenant)
    notes = await new_type(live_server, tenant)
    async with realtime_socket(user, f"objects:{notes}") as ws:
        note = await user.create(notes, "from the user")
        message = await receive(ws)

    assert (message["type"], message["channel"]) == ("event", f"objects:{notes}")
    assert (message["event"]["type"], message["event"]["object_id"], message["event"]["actor"]) == ("object.created", note, user.user_id)


# --- revoked sessions, banned users, suspended tenants --------------------------------------------


@pytest.mark.parametrize("how", ["DELETE /v1/auth/sessions/:id from another session", "POST /v1/auth/logout"])
async def test_revoking_a_session_ends_its_graphql_sse_and_socket_streams_but_not_the_users_other_session(
    live_server: str, tenant: TenantHandle, how: str
) -> None:
    user = await sign_up(live_server, tenant)
    laptop = await log_in(live_server, user)
    notes = await new_type(live_server, tenant)
    async with AsyncExitStack() as stack:
        feed = await stack.enter_async_context(graphql_feed(user))
        stream = await stack.enter_async_context(sse_stream(user))
        socket = await stack.enter_async_context(realtime_socket(user, f"objects:{notes}"))
        other_socket = await stack.enter_async_context(realtime_socket(laptop, f"objects:{notes}"))

        if how.startswith("DELETE"):
            revoked = await call(live_server, "DELETE", f"/v1/auth/sessions/{user.session_id}", laptop.access_token)
            assert revoked == {"revoked": True}
        else:
            logged_out = await call(live_server, "POST", "/v1/auth/logout", user.access_token, json={"refresh_token": user.refresh_token})
            assert logged_out == {"message": "Logged out"}

        graphql_error = await feed.error()
        sse_error = await stream.frame()
        sse_ended = await stream.ended()
        close_code, last_messages = await until_closed(socket)

        await other_socket.send(json.dumps({"type": "ping"}))
        other_answer = await receive(other_socket)

    assert graphql_error["extensions"]["code"] == "CREDENTIALS_ENDED"
    assert sse_error["event"] == "error" and sse_error["data"]["code"] == "CREDENTIALS_ENDED" and sse_ended
    assert close_code == 4401
    assert {"type": "error", "code": "CREDENTIALS_ENDED"} in [{k: m.get(k) for k in ("type", "code")} for m in last_messages]
    assert other_answer == {"type": "pong"}  # the user's other session still streams


async def _ban(user: LiveUser) -> None:
    mark = "$1" if ON_POSTGRES else "?"
    await connections.get("default").execute_query(f"UPDATE users SET status = 'banned' WHERE id = {mark}", [user.user_id])


async def _suspend(user: LiveUser) -> None:
    mark = "$1" if ON_POSTGRES else "?"
    await connections.get("default").execute_query(f"UPDATE tenants SET status = 'suspended' WHERE id = {mark}", [user.tenant.tenant_id])


@pytest.mark.parametrize("change", ["user banned", "tenant suspended"])
async def test_banning_the_user_or_suspending_the_tenant_closes_an_idle_realtime_socket_with_4401(
    live_server: str, tenant: TenantHandle, change: str
) -> None:
    user = await sign_up(live_server, tenant)
    async with realtime_socket(user) as ws:  # no channel: the connection's own watch ends it
        await ws.send(json.dumps({"type": "ping"}))
        assert await receive(ws) == {"type": "pong"}
        await (_ban if change == "user banned" else _suspend)(user)
        close_code, _ = await until_closed(ws)

    assert close_code == 4401
