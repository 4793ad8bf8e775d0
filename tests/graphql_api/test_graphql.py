"""The GraphQL endpoint: limits, production hardening, transactions and the WebSocket transport."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
import websockets
from starlette.applications import Starlette

from graphql_api.app import create_app
from graphql_api.settings import load_settings
from models.api_keys import ApiKey
from tests.support import Api, TenantHandle, gql_code


@pytest.fixture
async def production(server_env: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(load_settings({**server_env, "BASALT_ENV": "production"}), manage_orm=False)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50001))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_depth_limit(api: Api, tenant: TenantHandle) -> None:
    nested = "id " + "parentKey { " * 14 + "id" + " }" * 14
    result = await api.gql(f"{{ apiKeys {{ {nested} }} }}", tenant.token)
    assert "exceeds maximum operation depth" in result["errors"][0]["message"]


async def test_alias_limit(api: Api, tenant: TenantHandle) -> None:
    aliases = " ".join(f"a{i}: health {{ status }}" for i in range(31))
    result = await api.gql(f"{{ {aliases} }}", tenant.token)
    assert result.get("data") is None and "aliases" in result["errors"][0]["message"]


async def test_token_limit(api: Api, tenant: TenantHandle) -> None:
    fields = " ".join(["status"] * 4100)
    result = await api.gql(f"{{ health {{ {fields} }} }}", tenant.token)
    assert "token" in result["errors"][0]["message"].lower()


async def test_batching_is_off(api: Api, tenant: TenantHandle) -> None:
    response = await api.client.post("/graphql", json=[{"query": "{ health { status } }"}] * 2, headers=tenant.auth)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR"


async def test_queries_over_get_are_refused(api: Api, tenant: TenantHandle) -> None:
    response = await api.client.get("/graphql", params={"query": "{ health { status } }"}, headers=tenant.auth)
    assert response.status_code in (400, 405)


async def test_syntax_errors_have_a_code(api: Api, tenant: TenantHandle) -> None:
    result = await api.gql("{ apiKeys { id ", tenant.token)
    assert gql_code(result) == "GRAPHQL_PARSE_FAILED"
    result = await api.gql("{ no_such_field }", tenant.token)
    assert gql_code(result) == "GRAPHQL_VALIDATION_FAILED"


async def test_graphiql_only_in_development(api: Api, production: httpx.AsyncClient) -> None:
    development = await api.client.get("/graphql", headers={"Accept": "text/html"})
    assert development.status_code == 200 and "graphiql" in development.text.lower()
    response = await production.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 404


async def test_introspection_and_suggestions_off_in_production(production: httpx.AsyncClient, tenant: TenantHandle) -> None:
    response = await production.post("/graphql", json={"query": "{ __schema { types { name } } }"}, headers=tenant.auth)
    assert "introspection" in response.json()["errors"][0]["message"].lower()
    response = await production.post("/graphql", json={"query": "{ api_kez { id } }"}, headers=tenant.auth)
    assert "Cannot query field" in response.text and "Did you mean" not in response.text


async def test_introspection_on_in_development(api: Api, tenant: TenantHandle) -> None:
    result = await api.gql("{ __schema { queryType { name } } }", tenant.token)
    assert result["data"]["__schema"]["queryType"]["name"] == "Query"


async def test_a_failing_mutation_request_commits_nothing(api: Api, tenant: TenantHandle) -> None:
    before = await ApiKey.filter(tenant_id=tenant.tenant_id).count()
    result = await api.gql(
        """mutation {
             ok: createApiKey(input: {label: "kept?", scopes: ["read"]}) { token }
             bad: updateApiKey(id: "key_missing", input: {label: "x"}) { id }
           }""",
        tenant.token,
    )
    assert gql_code(result) == "NOT_FOUND"
    assert result["data"] is None
    assert await ApiKey.filter(tenant_id=tenant.tenant_id).count() == before


async def test_request_id_in_graphql_extensions(api: Api, tenant: TenantHandle) -> None:
    response = await api.client.post("/graphql", json={"query": "{ health { status } }"}, headers=tenant.auth)
    assert response.json()["extensions"]["request_id"] == response.headers["X-Request-Id"]


def _ws_url(live_server: str) -> str:
    return live_server.replace("http://", "ws://") + "/graphql"


async def test_websocket_authenticates_in_connection_init(live_server: str, tenant: TenantHandle) -> None:
    async with websockets.connect(_ws_url(live_server), subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {tenant.token}"}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": "{ apiKeys { id } }"}}))
        message = json.loads(await ws.recv())
        assert message["type"] == "next"
        assert message["payload"]["data"]["apiKeys"] == [{"id": tenant.key_id}]


@pytest.mark.parametrize("payload", [{}, {"authorization": "Bearer bsk_invalid"}, {"authorization": "nonsense"}])
async def test_websocket_refuses_missing_or_bad_credentials(live_server: str, payload: dict[str, str]) -> None:
    async with websockets.connect(_ws_url(live_server), subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_websocket_only_speaks_graphql_transport_ws(live_server: str) -> None:
    async with websockets.connect(_ws_url(live_server), subprotocols=["graphql-ws"]) as ws:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4406


def test_schema_is_composed_from_domain_roots(app: Starlette) -> None:
    query_fields = set(app.state.schema._schema.query_type.fields)
    assert {"health", "readiness", "tenant", "usage", "tenantConfig", "lookupTenants", "apiKeys", "apiKey"} <= query_fields
    assert {"createApiKey", "updateApiKey", "revokeApiKey", "rotateApiKey"} <= set(app.state.schema._schema.mutation_type.fields)
