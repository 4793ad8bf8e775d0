"""The authentication backend: tokens become principals, or the documented error."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
import pytest
from starlette.applications import Starlette

from models.api_keys import ApiKey
from resolvers.tenants.service import set_status
from rest_compat.routes import ROUTES
from tests.support import Api, TenantHandle, bearer, data, error_code, gql_code

BEARER_ROUTES = [r for r in ROUTES if r.auth == "bearer"]


def _fill(path: str) -> str:
    return "/".join("key_doesnotexist" if s.startswith(":") else s for s in path.split("/"))


@pytest.mark.parametrize("route", BEARER_ROUTES, ids=lambda r: f"{r.method} {r.path}")
async def test_every_bearer_route_answers_401_without_a_token(api: Api, route) -> None:  # type: ignore[no-untyped-def]
    response = await api.rest(route.method, _fill(route.path), json={} if route.method in ("POST", "PATCH") else None)
    assert response.status_code == 401
    assert error_code(response) == "UNAUTHORIZED"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer bsk_notarealkey", "Bearer eyJhbGciOiJub25lIn0.e30.", "Basic dXNlcjpwYXNz", "Bearer "])
async def test_bad_credentials_are_401(api: Api, header: str) -> None:
    response = await api.rest("GET", "/v1/keys", headers={"Authorization": header})
    assert response.status_code == 401 and error_code(response) == "UNAUTHORIZED"


async def test_graphql_without_token_gets_unauthorized_code(api: Api) -> None:
    result = await api.gql("{ apiKeys { id } }")
    assert gql_code(result) == "UNAUTHORIZED"


async def test_graphql_with_a_bad_token_is_401_in_graphql_shape(api: Api) -> None:
    response = await api.client.post("/graphql", json={"query": "{ health { status } }"}, headers=bearer("bsk_nope"))
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHORIZED"


async def test_expired_key_is_401(api: Api, tenant: TenantHandle) -> None:
    soon = datetime.now(timezone.utc) + timedelta(hours=1)
    created = data(await api.rest("POST", "/v1/keys", tenant.token, json={"label": "e", "scopes": ["read"], "expires_at": soon.isoformat()}), 201)
    assert (await api.rest("GET", "/v1/keys", created["token"])).status_code == 200
    await ApiKey.filter(id=created["key"]["id"]).update(expires_at=datetime.now(timezone.utc) - timedelta(seconds=1))
    response = await api.rest("GET", "/v1/keys", created["token"])
    assert response.status_code == 401 and "expired" in response.json()["error"]["message"]


async def test_suspended_tenant_keys_get_403(api: Api, tenant: TenantHandle) -> None:
    await set_status(tenant.tenant_id, "suspended")
    response = await api.rest("GET", "/v1/keys", tenant.token)
    assert response.status_code == 403 and error_code(response) == "TENANT_SUSPENDED"
    await set_status(tenant.tenant_id, "active")
    assert (await api.rest("GET", "/v1/keys", tenant.token)).status_code == 200


async def test_ip_allowlist_refuses_other_addresses(app: Starlette, api: Api, tenant: TenantHandle) -> None:
    created = data(await api.rest("POST", "/v1/keys", tenant.token, json={"label": "office", "scopes": ["read"], "ip_allowlist": ["10.1.0.0/16"]}), 201)
    assert (await api.rest("GET", "/v1/keys", created["token"])).status_code == 403  # tests call from 127.0.0.1

    office = httpx.ASGITransport(app=app, client=("10.1.2.3", 40000))
    async with httpx.AsyncClient(transport=office, base_url="http://testserver") as client:
        assert (await client.get("/v1/keys", headers=bearer(created["token"]))).status_code == 200
    response = await api.rest("GET", "/v1/usage", created["token"])
    assert error_code(response) == "IP_NOT_ALLOWED"


async def test_per_key_rate_limit_is_429_with_retry_after(api: Api, tenant: TenantHandle) -> None:
    created = data(await api.rest("POST", "/v1/keys", tenant.token, json={"label": "slow", "scopes": ["read"], "rate_limit": 3}), 201)
    statuses = [(await api.rest("GET", "/v1/usage", created["token"])).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    response = await api.rest("GET", "/v1/usage", created["token"])
    assert response.status_code == 429 and error_code(response) == "RATE_LIMITED"
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    # the limit is per key: the tenant's other key is unaffected
    assert (await api.rest("GET", "/v1/usage", tenant.token)).status_code == 200


async def test_last_used_at_is_recorded(api: Api, tenant: TenantHandle) -> None:
    await api.rest("GET", "/v1/usage", tenant.token)
    key = await ApiKey.get(id=tenant.key_id)
    assert key.last_used_at is not None


def test_what_starlette_keeps_for_a_principal_is_built_once_per_principal() -> None:
    from graphql_api.auth import _auth_result
    from resolvers.principal import Principal

    reader = Principal(tenant_id="tn_a", kind="api_key", scopes=frozenset({"write", "read"}), key_id="key_a")
    credentials, user = _auth_result(reader)
    assert credentials.scopes == ["read", "write"] and user.principal is reader  # type: ignore[attr-defined]
    assert _auth_result(reader) == (credentials, user)
    other = Principal(tenant_id="tn_a", kind="api_key", scopes=frozenset({"read"}), key_id="key_a")
    assert _auth_result(other)[1].principal is other  # type: ignore[attr-defined]
