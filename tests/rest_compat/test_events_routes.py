"""Events and Realtime groups over REST and GraphQL (in-process app).

Covers POST /v1/events (custom events: auth, scope, validation, size limit), GET /v1/events/list
(newest first, paging bounds, custom events only, one tenant), GET /events/types (system types,
then the tenant's own custom types), GET /v1/realtime/stats, the 426 of GET /v1/realtime without
a WebSocket upgrade, and the same operations through GraphQL (trackEvent, customEvents,
eventTypes, realtimeStats). The SSE stream itself is in test_event_stream.py.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from starlette.applications import Starlette

from resolvers.events.schemas import MAX_CUSTOM_DATA_BYTES, SYSTEM_EVENTS
from tests.support import Api, TenantHandle, data, error_code, gql_code

EVENT_FIELDS = "id type objectTypeId objectId data changed actor createdAt"


async def track(api: Api, tenant: TenantHandle, event_type: str, payload: Any = None) -> None:
    body: dict[str, Any] = {"event_type": event_type}
    if payload is not None:
        body["data"] = payload
    assert data(await api.rest("POST", "/v1/events", tenant.token, json=body)) == {"tracked": True}


async def scoped_key(api: Api, tenant: TenantHandle, scopes: list[str]) -> str:
    created = data(await api.rest("POST", "/v1/keys", tenant.token, json={"label": "scoped", "scopes": scopes}), 201)
    return created["token"]


def field_of(response: httpx.Response) -> str:
    return response.json()["error"]["details"][0]["field"]


async def listed(api: Api, tenant: TenantHandle, query: str = "") -> dict[str, Any]:
    return data(await api.rest("GET", f"/v1/events/list{query}", tenant.token))


async def numbered(api: Api, app: Starlette, tenant: TenantHandle, count: int) -> list[dict[str, Any]]:
    """The tenant's newest `count` custom events, once the relay has given each an id.

    This process's relay is driven by hand; a live server sharing the database may number the
    events first (and, on PostgreSQL, hold them locked for a moment), hence the polling."""
    relay = app.state.runtime.realtime.relay
    deadline = time.monotonic() + 10
    while True:
        await relay.run_once()
        events = (await listed(api, tenant, f"?limit={count}"))["events"]
        if all(e["id"] is not None for e in events) or time.monotonic() > deadline:
            return events
        await asyncio.sleep(0.05)


# --- POST /v1/events -------------------------------------------------------------------------


async def test_tracking_a_custom_event_answers_tracked_and_lists_it_with_its_data_and_actor(
    api: Api, app: Starlette, tenant: TenantHandle
) -> None:
    response = await api.rest("POST", "/v1/events", tenant.token, json={"event_type": "signup.completed", "data": {"plan": "pro", "seats": 3}})
    assert data(response) == {"tracked": True}

    [event] = await numbered(api, app, tenant, 1)
    assert event["type"] == "signup.completed"
    assert event["data"] == {"plan": "pro", "seats": 3}
    assert event["actor"] == tenant.key_id
    assert event["object_type_id"] is None and event["object_id"] is None
    assert event["id"] is not None and event["id"].isdigit()


async def test_tracking_without_data_records_an_empty_object(api: Api, tenant: TenantHandle) -> None:
    assert data(await api.rest("POST", "/v1/events", tenant.token, json={"event_type": "ping"})) == {"tracked": True}
    assert (await listed(api, tenant))["events"][0]["data"] == {}


async def test_tracking_needs_a_token(api: Api, tenant: TenantHandle) -> None:
    response = await api.rest("POST", "/v1/events", json={"event_type": "signup", "data": {}})
    assert response.status_code == 401 and error_code(response) == "UNAUTHORIZED"
    assert (await listed(api, tenant))["total"] == 0


async def test_tracking_needs_the_write_scope(api: Api, tenant: TenantHandle) -> None:
    reader = await scoped_key(api, tenant, ["read"])
    response = await api.rest("POST", "/v1/events", reader, json={"event_type": "signup", "data": {}})
    assert response.status_code == 403 and error_code(response) == "INSUFFICIENT_SCOPE"
    assert (await listed(api, tenant))["total"] == 0


async def test_an_event_type_that_is_not_a_name_is_a_validation_error_on_event_type(api: Api, tenant: TenantHandle) -> None:
    for bad in ["9lives", "", "has space", "a" * 101, "emoji🙂", 42, None]:
        response = await api.rest("POST", "/v1/events", tenant.token, json={"event_type": bad, "data": {}})
        assert response.status_code == 400, (bad, response.text)
        assert error_code(response) == "VALIDATION_ERROR" and field_of(response) == "event_type", bad
    assert (await listed(api, tenant))["total"] == 0


async def test_system_prefixes_are_reserved(api: Api, tenant: TenantHandle) -> None:
    for reserved in ["object.x", "object_type.created", "property.deleted", "file.uploaded", "auth.login", "user.x", "system.x"]:
        response = await api.rest("POST", "/v1/events", tenant.token, json={"event_type": reserved, "data": {}})
        assert response.status_code == 400, reserved
        assert error_code(response) == "VALIDATION_ERROR" and field_of(response) == "event_type"
    # A name that merely starts like a reserved word is fine.
    await track(api, tenant, "objective.met")
    assert [e["type"] for e in (await listed(api, tenant))["events"]] == ["objective.met"]


async def test_data_must_be_a_json_object(api: Api, tenant: TenantHandle) -> None:
    for bad in [[1, 2], "text", 7, True]:
        response = await api.rest("POST", "/v1/events", tenant.token, json={"event_type": "signup", "data": bad})
        assert response.status_code == 400, bad
        assert error_code(response) == "VALIDATION_ERROR" and field_of(response) == "data"
    assert (await listed(api, tenant))["total"] == 0


async def test_data_over_64_kb_is_payload_too_large(api: Api, tenant: TenantHandle) -> None:
    big = {"blob": "x" * (MAX_CUSTOM_DATA_BYTES + 10)}  # ~64 KB: well under the 1 MB body limit
    response = await api.rest("POST", "/v1/events", tenant.token, json={"event_type": "upload", "data": big})
    assert response.status_code == 413 and error_code(response) == "PAYLOAD_TOO_LARGE"

    just_under = {"blob": "x" * (MAX_CUSTOM_DATA_BYTES - 100)}
    await track(api, tenant, "upload", just_under)
    assert (await listed(api, tenant))["total"] == 1


# --- GET /v1/events/list ---------------------------------------------------------------------


async def test_list_is_newest_first_with_total_and_offset(api: Api, tenant: TenantHandle) -> None:
    for n in range(5):
        await track(api, tenant, f"step.{n}", {"n": n})

    page = await listed(api, tenant)
    assert page["total"] == 5
    assert [e["type"] for e in page["events"]] == ["step.4", "step.3", "step.2", "step.1", "step.0"]

    page = await listed(api, tenant, "?limit=2&offset=1")
    assert page["total"] == 5
    assert [e["data"]["n"] for e in page["events"]] == [3, 2]

    page = await listed(api, tenant, "?limit=100&offset=5")
    assert page == {"events": [], "total": 5}


async def test_list_ids_grow_with_time(api: Api, app: Starlette, tenant: TenantHandle) -> None:
    for n in range(3):
        await track(api, tenant, "tick", {"n": n})
    events = await numbered(api, app, tenant, 3)
    ids = [int(e["id"]) for e in events]
    assert [e["data"]["n"] for e in events] == [2, 1, 0]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 3


async def test_list_limit_must_be_between_1_and_100(api: Api, tenant: TenantHandle) -> None:
    for query, field in [("?limit=0", "limit"), ("?limit=101", "limit"), ("?offset=-1", "offset")]:
        response = await api.rest("GET", f"/v1/events/list{query}", tenant.token)
        assert response.status_code == 400, query
        assert error_code(response) == "VALIDATION_ERROR" and field_of(response) == field
    assert (await listed(api, tenant, "?limit=1"))["events"] == []
    assert (await listed(api, tenant, "?limit=100"))["total"] == 0


async def test_list_shows_custom_events_only_not_object_or_schema_events(api: Api, tenant: TenantHandle) -> None:
    type_id = data(await api.rest("POST", "/v1/object-types", tenant.token, json={"name": "deals"}), 201)["id"]
    prop = {"name": "title", "data_type": "string"}
    data(await api.rest("POST", f"/v1/object-types/{type_id}/properties", tenant.token, json=prop), 201)
    data(await api.rest("POST", "/v1/objects/deals", tenant.token, json={"properties": {"title": "Big"}}), 201)
    await track(api, tenant, "deal.viewed", {"title": "Big"})

    page = await listed(api, tenant)
    assert page["total"] == 1
    assert [e["type"] for e in page["events"]] == ["deal.viewed"]


async def test_list_shows_only_the_callers_tenant(api: Api, tenant: TenantHandle, other_tenant: TenantHandle) -> None:
    await track(api, tenant, "mine", {"who": "tenant"})
    await track(api, other_tenant, "theirs", {"who": "other"})
    await track(api, other_tenant, "theirs.again")

    mine = await listed(api, tenant)
    assert mine["total"] == 1 and [e["type"] for e in mine["events"]] == ["mine"]
    theirs = await listed(api, other_tenant)
    assert theirs["total"] == 2 and [e["type"] for e in theirs["events"]] == ["theirs.again", "theirs"]


async def test_list_needs_a_token_and_the_read_scope(api: Api, tenant: TenantHandle) -> None:
    response = await api.rest("GET", "/v1/events/list")
    assert response.status_code == 401 and error_code(response) == "UNAUTHORIZED"
    writer = await scoped_key(api, tenant, ["write"])
    response = await api.rest("GET", "/v1/events/list", writer)
    assert response.status_code == 403 and error_code(response) == "INSUFFICIENT_SCOPE"


# --- GET /events/types -----------------------------------------------------------------------


async def test_event_types_lists_system_types_first_then_own_custom_types(api: Api, tenant: TenantHandle, other_tenant: TenantHandle) -> None:
    fresh = data(await api.rest("GET", "/events/types", tenant.token))
    assert fresh == list(SYSTEM_EVENTS)
    assert fresh[0] == "object.created"

    await track(api, tenant, "zeta.done")
    await track(api, tenant, "alpha.done")
    await track(api, tenant, "alpha.done")  # a type tracked twice is listed once
    await track(api, other_tenant, "other.secret")

    types = data(await api.rest("GET", "/events/types", tenant.token))
    assert types == [*SYSTEM_EVENTS, "alpha.done", "zeta.done"]
    assert "other.secret" not in types
    assert data(await api.rest("GET", "/events/types", other_tenant.token)) == [*SYSTEM_EVENTS, "other.secret"]


async def test_event_types_needs_a_token(api: Api) -> None:
    response = await api.rest("GET", "/events/types")
    assert response.status_code == 401 and error_code(response) == "UNAUTHORIZED"


# --- Realtime --------------------------------------------------------------------------------


async def test_realtime_stats_of_a_fresh_tenant_are_empty(api: Api, tenant: TenantHandle) -> None:
    stats = data(await api.rest("GET", "/v1/realtime/stats", tenant.token))
    assert stats == {"total_connections": 0, "channels": {}, "channel_count": 0}


async def test_realtime_stats_need_a_token(api: Api) -> None:
    response = await api.rest("GET", "/v1/realtime/stats")
    assert response.status_code == 401 and error_code(response) == "UNAUTHORIZED"


async def test_realtime_without_a_websocket_upgrade_is_426(api: Api, tenant: TenantHandle) -> None:
    response = await api.rest("GET", "/v1/realtime", tenant.token)
    assert response.status_code == 426 and error_code(response) == "UPGRADE_REQUIRED"
    assert response.headers["upgrade"].lower() == "websocket"


# --- GraphQL ---------------------------------------------------------------------------------


async def test_track_event_over_graphql_then_custom_events_lists_it(api: Api, tenant: TenantHandle) -> None:
    result = await api.gql(
        "mutation($t: String!, $d: JSON) { trackEvent(eventType: $t, data: $d) { tracked } }",
        tenant.token,
        t="cart.checkout",
        d={"total": "12.50", "items": [1, 2]},
    )
    assert result["data"] == {"trackEvent": {"tracked": True}}
    await track(api, tenant, "cart.opened")

    result = await api.gql(f"{{ customEvents(limit: 1, offset: 1) {{ total events {{ {EVENT_FIELDS} }} }} }}", tenant.token)
    page = result["data"]["customEvents"]
    assert page["total"] == 2
    [event] = page["events"]
    assert event["type"] == "cart.checkout" and event["data"] == {"total": "12.50", "items": [1, 2]}
    assert event["actor"] == tenant.key_id and event["objectId"] is None and event["changed"] is None

    rest = (await listed(api, tenant, "?limit=1&offset=1"))["events"][0]
    assert rest["type"] == event["type"] and rest["data"] == event["data"] and rest["created_at"] == event["createdAt"]


async def test_track_event_over_graphql_rejects_what_rest_rejects(api: Api, tenant: TenantHandle) -> None:
    mutation = "mutation($t: String!, $d: JSON) { trackEvent(eventType: $t, data: $d) { tracked } }"
    result = await api.gql(mutation, tenant.token, t="object.created", d={})
    assert gql_code(result) == "VALIDATION_ERROR"
    assert result["errors"][0]["extensions"]["details"][0]["field"] == "event_type"

    result = await api.gql(mutation, tenant.token, t="ok", d=[1])
    assert gql_code(result) == "VALIDATION_ERROR"
    assert result["errors"][0]["extensions"]["details"][0]["field"] == "data"

    result = await api.gql(mutation, tenant.token, t="ok", d={"blob": "x" * (MAX_CUSTOM_DATA_BYTES + 10)})
    assert gql_code(result) == "PAYLOAD_TOO_LARGE"

    reader = await scoped_key(api, tenant, ["read"])
    assert gql_code(await api.gql(mutation, reader, t="ok", d={})) == "INSUFFICIENT_SCOPE"
    assert gql_code(await api.gql(mutation, None, t="ok", d={})) == "UNAUTHORIZED"

    assert (await listed(api, tenant))["total"] == 0


async def test_custom_events_over_graphql_checks_limit_and_tenant(api: Api, tenant: TenantHandle, other_tenant: TenantHandle) -> None:
    assert gql_code(await api.gql("{ customEvents(limit: 0) { total } }", tenant.token)) == "VALIDATION_ERROR"
    assert gql_code(await api.gql("{ customEvents(limit: 101) { total } }", tenant.token)) == "VALIDATION_ERROR"

    await track(api, other_tenant, "elsewhere")
    result = await api.gql("{ customEvents { total events { type } } }", tenant.token)
    assert result["data"]["customEvents"] == {"total": 0, "events": []}


async def test_event_types_over_graphql_match_rest(api: Api, tenant: TenantHandle) -> None:
    await track(api, tenant, "report.sent")
    result = await api.gql("{ eventTypes }", tenant.token)
    assert result["data"]["eventTypes"] == [*SYSTEM_EVENTS, "report.sent"]
    assert result["data"]["eventTypes"] == data(await api.rest("GET", "/events/types", tenant.token))


async def test_realtime_stats_over_graphql(api: Api, tenant: TenantHandle) -> None:
    result = await api.gql("{ realtimeStats { totalConnections channels channelCount } }", tenant.token)
    assert result["data"]["realtimeStats"] == {"totalConnections": 0, "channels": {}, "channelCount": 0}
    assert gql_code(await api.gql("{ realtimeStats { totalConnections } }")) == "UNAUTHORIZED"
