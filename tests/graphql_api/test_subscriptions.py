"""GraphQL subscriptions over graphql-transport-ws on /graphql, against a real server process.

Covers the `connection_init` handshake (4403 without valid credentials), `objectEvents` (per
type, per kind, with a `where` filter evaluated per event, and its validation errors), `events`
(exact names and `prefix.*` patterns, custom events tracked through POST /v1/events), resuming
with `after` (log then live, no gap, no duplicate), the `read` scope, tenant isolation, and a
subscription ended by revoking its key. Data is made through the same server's REST API.

A graphql-transport-ws subscription gets no acknowledgement once it is registered on the server,
so tests that need a live subscription first "warm it up": they make matching warm-up events
(objects titled "warm-up", custom events with `{"warm_up": true}`) until one arrives; from then
on the subscription is registered and warm-up events are skipped.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from typing import Any

import httpx
import pytest
import websockets
from gql import Client, gql
from gql.client import AsyncClientSession
from gql.transport.exceptions import TransportQueryError
from gql.transport.websockets import WebsocketsTransport

from tests.support import TenantHandle, make_tenant

ARRIVAL_SECONDS = 10.0
WARM_UP = "warm-up"
EVENT_FIELDS = "id type objectTypeId objectId data changed actor createdAt"


# --- helpers -------------------------------------------------------------------------------


def ws_url(base: str) -> str:
    return base.replace("http://", "ws://", 1) + "/graphql"


def is_warm_up(event: dict[str, Any]) -> bool:
    data = event.get("data")
    if not isinstance(data, dict):
        return False
    return data.get("warm_up") is True or (data.get("properties") or {}).get("title") == WARM_UP


class Feed:
    """One subscription's events, pumped into a queue in the background; warm-up events only
    mark the feed as live. A GraphQL error ending the subscription is queued as the exception."""

    def __init__(self, source: AsyncIterator[dict[str, Any]]) -> None:
        self.live = asyncio.Event()
        self._queue: asyncio.Queue[dict[str, Any] | Exception] = asyncio.Queue()
        self._task = asyncio.create_task(self._pump(source))

    async def _pump(self, source: AsyncIterator[dict[str, Any]]) -> None:
        try:
            async for result in source:
                (event,) = result.values()
                if is_warm_up(event):
                    self.live.set()
                else:
                    self._queue.put_nowait(event)
        except Exception as exc:  # the subscription ended with an error
            self._queue.put_nowait(exc)

    async def next(self) -> dict[str, Any]:
        item = await asyncio.wait_for(self._queue.get(), ARRIVAL_SECONDS)
        if isinstance(item, Exception):
            raise item
        return item

    async def take(self, count: int) -> list[dict[str, Any]]:
        return [await self.next() for _ in range(count)]

    async def error(self) -> dict[str, Any]:
        """The GraphQL error the subscription ended with."""
        with pytest.raises(TransportQueryError) as raised:
            await self.next()
        assert raised.value.errors, raised.value
        return raised.value.errors[0]

    async def close(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


@asynccontextmanager
async def session_of(base: str, token: str) -> AsyncIterator[AsyncClientSession]:
    transport = WebsocketsTransport(
        url=ws_url(base),
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
        init_payload={"authorization": f"Bearer {token}"},
    )
    async with Client(transport=transport) as session:
        yield session


@asynccontextmanager
async def subscribed(session: AsyncClientSession, query: str, **variables: Any) -> AsyncIterator[Feed]:
    request = gql(query)
    request.variable_values = variables or None
    feed = Feed(session.subscribe(request))
    try:
        yield feed
    finally:
        await feed.close()


async def warm_up(feeds: list[Feed], poke: Callable[[], Awaitable[object]]) -> None:
    """Make a warm-up event every 0.3 s until each feed has received one."""
    deadline = time.monotonic() + ARRIVAL_SECONDS
    while not all(feed.live.is_set() for feed in feeds):
        assert time.monotonic() < deadline, "the subscriptions never became live"
        await poke()
        with suppress(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.gather(*(feed.live.wait() for feed in feeds)), 0.3)


class Rest:
    """The live server's REST API, as one tenant's key."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def new_type(self, name: str, properties: dict[str, str] | None = None) -> str:
        created = await self.http.post("/v1/object-types", json={"name": name})
        assert created.status_code == 201, created.text
        type_id = str(created.json()["data"]["id"])
        for prop, data_type in (properties or {}).items():
            response = await self.http.post(f"/v1/object-types/{type_id}/properties", json={"name": prop, "data_type": data_type})
            assert response.status_code == 201, response.text
        return type_id

    async def create(self, type_id: str, **properties: Any) -> str:
        response = await self.http.post(f"/v1/objects/{type_id}", json={"properties": properties})
        assert response.status_code == 201, response.text
        return str(response.json()["data"]["id"])

    async def update(self, type_id: str, object_id: str, **properties: Any) -> None:
        response = await self.http.patch(f"/v1/objects/{type_id}/{object_id}", json={"properties": properties})
        assert response.status_code == 200, response.text

    async def delete(self, type_id: str, object_id: str) -> None:
        response = await self.http.delete(f"/v1/objects/{type_id}/{object_id}")
        assert response.status_code == 200, response.text

    async def restore(self, type_id: str, object_id: str) -> None:
        response = await self.http.post(f"/v1/objects/{type_id}/{object_id}/restore")
        assert response.status_code == 200, response.text

    async def track(self, event_type: str, data: dict[str, Any]) -> None:
        response = await self.http.post("/v1/events", json={"event_type": event_type, "data": data})
        assert response.status_code == 200, response.text

    async def new_key(self, scopes: list[str]) -> dict[str, Any]:
        response = await self.http.post("/v1/keys", json={"label": "subscriber", "scopes": scopes})
        assert response.status_code == 201, response.text
        return dict(response.json()["data"])

    async def revoke(self, key_id: str) -> None:
        response = await self.http.delete(f"/v1/keys/{key_id}")
        assert response.status_code == 200, response.text


@asynccontextmanager
async def rest_of(base: str, tenant: TenantHandle) -> AsyncIterator[Rest]:
    async with httpx.AsyncClient(base_url=base, headers=tenant.auth, timeout=10) as http:
        yield Rest(http)


# --- connection_init -------------------------------------------------------------------------


@pytest.mark.parametrize("credentials", ["missing", "unknown key", "not a bearer header", "revoked key"])
async def test_connection_init_without_valid_credentials_is_closed_with_4403(
    live_server: str, tenant: TenantHandle, credentials: str
) -> None:
    async with rest_of(live_server, tenant) as rest:
        revoked = await rest.new_key(["read"])
        await rest.revoke(revoked["key"]["id"])
    payload = {
        "missing": {},
        "unknown key": {"authorization": "Bearer bsk_thisKeyDoesNotExist0000000000000000000000"},
        "not a bearer header": {"authorization": tenant.token},
        "revoked key": {"authorization": f"Bearer {revoked['token']}"},
    }[credentials]
    async with websockets.connect(ws_url(live_server), subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), ARRIVAL_SECONDS)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_a_connection_holds_at_most_20_subscriptions(live_server: str, tenant: TenantHandle) -> None:
    async with websockets.connect(ws_url(live_server), subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {tenant.token}"}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        for n in range(1, 22):
            await ws.send(json.dumps({"id": str(n), "type": "subscribe", "payload": {"query": "subscription { events { id } }"}}))
        refused = json.loads(await asyncio.wait_for(ws.recv(), ARRIVAL_SECONDS))
    assert (refused["id"], refused["type"]) == ("21", "error")
    assert refused["payload"][0]["message"] == "Subscription limit reached"


# --- objectEvents ----------------------------------------------------------------------------


async def test_object_events_deliver_the_lifecycle_of_objects_of_their_type_only(live_server: str, tenant: TenantHandle) -> None:
    async with rest_of(live_server, tenant) as rest, session_of(live_server, tenant.token) as session:
        deals = await rest.new_type("deals", {"score": "integer", "title": "text"})
        leads = await rest.new_type("leads", {"score": "integer", "title": "text"})
        query = f"subscription($t: ID) {{ objectEvents(objectTypeId: $t) {{ {EVENT_FIELDS} }} }}"
        async with subscribed(session, query, t=deals) as feed:
            await warm_up([feed], lambda: rest.create(deals, title=WARM_UP))

            await rest.create(leads, score=1, title="other type")  # before every deal event: would arrive first
            deal = await rest.create(deals, score=1, title="a")
            await rest.update(deals, deal, score=2)
            await rest.delete(deals, deal)
            await rest.restore(deals, deal)
            created, updated, deleted, restored = await feed.take(4)

    assert [e["type"] for e in (created, updated, deleted, restored)] == [
        "object.created", "object.updated", "object.deleted", "object.restored",
    ]
    for event in (created, updated, deleted, restored):
        assert event["objectId"] == deal and event["objectTypeId"] == deals
        assert event["data"]["id"] == deal
        assert event["actor"] == tenant.key_id
    ids = [int(e["id"]) for e in (created, updated, deleted, restored)]
    assert ids == sorted(ids) and len(set(ids)) == 4
    assert created["data"]["properties"] == {"score": 1, "title": "a"} and created["changed"] == ["score", "title"]
    assert updated["data"]["properties"] == {"score": 2, "title": "a"} and updated["changed"] == ["score"]
    assert updated["data"]["version"] == 2
    assert deleted["data"]["permanent"] is False and deleted["changed"] is None
    assert restored["data"]["properties"] == {"score": 2, "title": "a"}


async def test_events_argument_keeps_only_the_listed_kinds(live_server: str, tenant: TenantHandle) -> None:
    async with rest_of(live_server, tenant) as rest, session_of(live_server, tenant.token) as session:
        deals = await rest.new_type("deals", {"score": "integer", "title": "text"})
        pinged = await rest.create(deals, title=WARM_UP, score=0)
        counter = iter(range(1, 1000))
        query = f"subscription($t: ID) {{ objectEvents(objectTypeId: $t, events: [UPDATED]) {{ {EVENT_FIELDS} }} }}"
        async with subscribed(session, query, t=deals) as feed:
            await warm_up([feed], lambda: rest.update(deals, pinged, score=next(counter)))

            deal = await rest.create(deals, score=1)
            await rest.update(deals, deal, score=2)
            await rest.delete(deals, deal)
            await rest.restore(deals, deal)
            await rest.update(deals, deal, score=3)
            events = await feed.take(2)

    assert [(e["type"], e["objectId"], e["data"]["properties"]["score"]) for e in events] == [
        ("object.updated", deal, 2),
        ("object.updated", deal, 3),
    ]


async def test_where_delivers_only_objects_whose_new_data_matches(live_server: str, tenant: TenantHandle) -> None:
    async with rest_of(live_server, tenant) as rest, session_of(live_server, tenant.token) as session:
        deals = await rest.new_type("deals", {"score": "integer", "title": "text"})
        query = f"subscription($t: ID, $w: JSON) {{ objectEvents(objectTypeId: $t, where: $w) {{ {EVENT_FIELDS} }} }}"
        async with subscribed(session, query, t=deals, w={"score": {"gt": 10}}) as feed:
            await warm_up([feed], lambda: rest.create(deals, title=WARM_UP, score=100))

            low = await rest.create(deals, score=5, title="low")
            high = await rest.create(deals, score=20, title="high")
            await rest.update(deals, low, score=50)  # now matches
            await rest.update(deals, high, score=3)  # no longer matches
            await rest.create(deals, title="no score")  # a missing value does not match gt
            last = await rest.create(deals, score=11, title="last")
            events = await feed.take(3)

    assert [(e["type"], e["objectId"], e["data"]["properties"]["score"]) for e in events] == [
        ("object.created", high, 20),
        ("object.updated", low, 50),
        ("object.created", last, 11),
    ]


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ('where: {score: {gt: 10}}', "where"),
        ('objectTypeId: "$TYPE", where: {nope: {gt: 10}}', "where.nope"),
        ('objectTypeId: "$TYPE", where: {score: {gt: "ten"}}', "where.score"),
    ],
    ids=["where without objectTypeId", "unknown property", "value of the wrong type"],
)
async def test_a_bad_where_fails_the_subscription_at_once_with_a_validation_error(
    live_server: str, tenant: TenantHandle, arguments: str, field: str
) -> None:
    async with rest_of(live_server, tenant) as rest, session_of(live_server, tenant.token) as session:
        deals = await rest.new_type("deals", {"score": "integer"})
        query = f"subscription {{ objectEvents({arguments.replace('$TYPE', deals)}) {{ {EVENT_FIELDS} }} }}"
        async with subscribed(session, query) as feed:
            error = await feed.error()

    assert error["extensions"]["code"] == "VALIDATION_ERROR"
    assert error["extensions"]["details"][0]["field"].startswith(field)


async def test_another_tenants_type_id_is_not_found(live_server: str, tenant: TenantHandle, other_tenant: TenantHandle) -> None:
    async with rest_of(live_server, other_tenant) as other:
        theirs = await other.new_type("secrets")
    async with session_of(live_server, tenant.token) as session:
        async with subscribed(session, f"subscription($t: ID) {{ objectEvents(objectTypeId: $t) {{ {EVENT_FIELDS} }} }}", t=theirs) as feed:
            error = await feed.error()
    assert error["extensions"]["code"] == "NOT_FOUND"


# --- events ------------------------------------------------------------------------------------


async def test_events_match_exact_types_and_prefixes_including_tracked_custom_events(live_server: str, tenant: TenantHandle) -> None:
    query = f"subscription($types: [String!]) {{ events(types: $types) {{ {EVENT_FIELDS} }} }}"
    async with AsyncExitStack() as stack:
        rest = await stack.enter_async_context(rest_of(live_server, tenant))
        session = await stack.enter_async_context(session_of(live_server, tenant.token))
        deals = await rest.new_type("deals", {"title": "text"})
        objects = await stack.enter_async_context(subscribed(session, query, types=["object.*"]))
        billing = await stack.enter_async_context(subscribed(session, query, types=["billing.*"]))
        signups = await stack.enter_async_context(subscribed(session, query, types=["signup.completed"]))

        async def poke() -> None:
            await rest.create(deals, title=WARM_UP)
            await rest.track("billing.warm_up", {"warm_up": True})
            await rest.track("signup.completed", {"warm_up": True})

        await warm_up([objects, billing, signups], poke)

        deal = await rest.create(deals, title="a")
        await rest.track("billing.paid", {"amount": 5})
        await rest.track("signup.completed", {"n": 1})
        await rest.update(deals, deal, title="b")
        await rest.track("billing.refunded", {"amount": 5})
        await rest.track("signup.completed", {"n": 2})
        await rest.track("signup.completed.late", {"n": 0})  # an exact name is not a prefix
        await rest.delete(deals, deal)
        await rest.track("billing.closed", {})
        await rest.track("signup.completed", {"n": 3})

        # Each feed's last expected event comes after everything it must skip, in id order.
        object_events = await objects.take(3)
        billing_events = await billing.take(3)
        signup_events = await signups.take(3)

    assert [(e["type"], e["objectId"]) for e in object_events] == [
        ("object.created", deal), ("object.updated", deal), ("object.deleted", deal),
    ]
    assert [(e["type"], e["data"]) for e in billing_events] == [
        ("billing.paid", {"amount": 5}), ("billing.refunded", {"amount": 5}), ("billing.closed", {}),
    ]
    assert [(e["type"], e["data"]) for e in signup_events] == [("signup.completed", {"n": n}) for n in (1, 2, 3)]
    assert all(e["objectId"] is None and e["changed"] is None and e["actor"] == tenant.key_id for e in billing_events)


async def test_resume_after_an_id_delivers_the_later_events_from_the_log_then_live_ones_once_each(
    live_server: str, tenant: TenantHandle
) -> None:
    async with rest_of(live_server, tenant) as rest, session_of(live_server, tenant.token) as session:
        for n in (1, 2, 3):
            await rest.track("tick", {"n": n})
        deadline = time.monotonic() + ARRIVAL_SECONDS
        while True:  # the relay numbers committed events just after the commit
            listed = (await rest.http.get("/v1/events/list")).json()["data"]["events"]
            ids = {e["data"]["n"]: e["id"] for e in listed}
            if len(ids) == 3 and all(ids.values()):
                break
            assert time.monotonic() < deadline, listed
            await asyncio.sleep(0.05)

        async def produce() -> None:  # keeps committing while the subscription registers
            for n in range(4, 16):
                await rest.track("tick", {"n": n})

        producer = asyncio.create_task(produce())
        query = f'subscription {{ events(types: ["tick"], after: "{ids[1]}") {{ {EVENT_FIELDS} }} }}'
        try:
            async with subscribed(session, query) as feed:
                await producer
                await rest.track("tick", {"n": 16})  # live: the subscription is registered by now
                received = [await feed.next()]
                while received[-1]["data"]["n"] != 16:
                    received.append(await feed.next())
        finally:
            await asyncio.gather(producer, return_exceptions=True)

    assert [e["data"]["n"] for e in received] == list(range(2, 17))
    assert [e["id"] for e in received[:2]] == [ids[2], ids[3]]
    seqs = [int(e["id"]) for e in received]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)


# --- credentials and tenants -------------------------------------------------------------------


@pytest.mark.parametrize("field", ["objectEvents", "events", "fileEvents"])
async def test_a_key_without_read_scope_is_refused_with_insufficient_scope(live_server: str, tenant: TenantHandle, field: str) -> None:
    async with rest_of(live_server, tenant) as rest:
        writer = await rest.new_key(["write"])
    async with session_of(live_server, writer["token"]) as session:
        async with subscribed(session, f"subscription {{ {field} {{ {EVENT_FIELDS} }} }}") as feed:
            error = await feed.error()
    assert error["extensions"]["code"] == "INSUFFICIENT_SCOPE"


async def test_a_tenant_never_receives_another_tenants_events(live_server: str, tenant: TenantHandle) -> None:
    other = await make_tenant("Other Co")
    async with AsyncExitStack() as stack:
        mine = await stack.enter_async_context(rest_of(live_server, tenant))
        theirs = await stack.enter_async_context(rest_of(live_server, other))
        my_session = await stack.enter_async_context(session_of(live_server, tenant.token))
        their_session = await stack.enter_async_context(session_of(live_server, other.token))
        my_deals = await mine.new_type("deals", {"title": "text"})
        their_deals = await theirs.new_type("deals", {"title": "text"})
        my_events = await stack.enter_async_context(subscribed(my_session, f"subscription {{ events {{ {EVENT_FIELDS} }} }}"))
        my_objects = await stack.enter_async_context(subscribed(my_session, f"subscription {{ objectEvents {{ {EVENT_FIELDS} }} }}"))
        their_events = await stack.enter_async_context(subscribed(their_session, f"subscription {{ events {{ {EVENT_FIELDS} }} }}"))
        await warm_up([my_events, my_objects], lambda: mine.create(my_deals, title=WARM_UP))
        await warm_up([their_events], lambda: theirs.create(their_deals, title=WARM_UP))

        their_object = await theirs.create(their_deals, title="theirs")
        await theirs.track("done", {"n": 1})
        seen_by_them = await their_events.take(2)  # their events went through the server's hub
        my_object = await mine.create(my_deals, title="mine")
        first_event = await my_events.next()
        first_object_event = await my_objects.next()

    assert [(e["type"], e["objectId"]) for e in seen_by_them] == [("object.created", their_object), ("done", None)]
    assert (first_event["type"], first_event["objectId"]) == ("object.created", my_object)
    assert (first_object_event["type"], first_object_event["objectId"]) == ("object.created", my_object)


async def test_a_revoked_keys_subscription_ends_with_credentials_ended(live_server: str, tenant: TenantHandle) -> None:
    async with rest_of(live_server, tenant) as rest:
        deals = await rest.new_type("deals", {"title": "text"})
        reader = await rest.new_key(["read"])
        async with session_of(live_server, reader["token"]) as session:
            query = f"subscription($t: ID) {{ objectEvents(objectTypeId: $t) {{ {EVENT_FIELDS} }} }}"
            async with subscribed(session, query, t=deals) as feed:
                await warm_up([feed], lambda: rest.create(deals, title=WARM_UP))
                await rest.revoke(reader["key"]["id"])
                error = await feed.error()  # the hub re-checks credentials every couple of seconds
    assert error["extensions"]["code"] == "CREDENTIALS_ENDED"


def test_a_next_message_reads_as_strawberry_would_write_it_and_shared_data_is_encoded_once() -> None:
    from graphql_api.graphql_view import BasaltGraphQL
    from schema.build import build_schema

    view = BasaltGraphQL(build_schema(), development=False)
    shared = {"objectEvents": {"objectId": "obj_1", "data": {"title": "Ünïcode \"quoted\""}}}
    first = view.encode_json({"id": "1", "type": "next", "payload": {"data": shared}})
    second = view.encode_json({"id": "sub \"2\"", "type": "next", "payload": {"data": shared}})
    assert json.loads(first) == {"id": "1", "type": "next", "payload": {"data": shared}}
    assert json.loads(second) == {"id": 'sub "2"', "type": "next", "payload": {"data": shared}}
    assert first == json.dumps({"id": "1", "type": "next", "payload": {"data": shared}}, separators=(",", ":"), ensure_ascii=False)
    assert list(view._encoded) == [id(shared)]  # one encoding for both subscribers

    with_errors = {"id": "3", "type": "next", "payload": {"data": None, "errors": [{"message": "no"}]}}
    assert json.loads(view.encode_json(with_errors)) == with_errors
