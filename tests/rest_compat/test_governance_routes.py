"""Governance over REST: settings with their bounds, applied to the very next request."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from models.auth import AuthSession
from tests.rest_compat.test_auth_routes import sign_up
from tests.support import Api, TenantHandle, data, error_code, make_tenant


async def test_defaults_and_validation(api: Api, tenant: TenantHandle) -> None:
    assert data(await api.rest("GET", "/v1/governance", tenant.token)) == {
        "audit_retention_days": 90, "session_duration_secs": None, "password_min_length": None, "ip_allowlist": [],
    }
    bad = await api.rest("PATCH", "/v1/governance", tenant.token, json={
        "audit_retention_days": 0, "session_duration_secs": 10, "password_min_length": 200, "ip_allowlist": ["not-an-ip"], "colour": 1,
    })
    assert bad.status_code == 400
    assert {d["field"] for d in bad.json()["error"]["details"]} == {
        "audit_retention_days", "session_duration_secs", "password_min_length", "ip_allowlist[0]", "colour",
    }
    saved = data(await api.rest("PATCH", "/v1/governance", tenant.token, json={"audit_retention_days": 30, "ip_allowlist": ["127.0.0.1", "10.0.0.0/8"]}))
    assert saved["audit_retention_days"] == 30 and saved["ip_allowlist"] == ["127.0.0.1/32", "10.0.0.0/8"]
    assert data(await api.rest("GET", "/v1/governance", tenant.token)) == saved


async def test_an_ip_allowlist_stops_keys_and_users_at_once(api: Api) -> None:
    tenant = await make_tenant()
    user = await sign_up(api, tenant, "ip@example.com")
    data(await api.rest("PATCH", "/v1/governance", tenant.token, json={"ip_allowlist": ["10.0.0.0/8"]}))  # the tests come from 127.0.0.1
    key = await api.rest("GET", "/v1/governance", tenant.token)
    assert key.status_code == 403 and error_code(key) == "IP_NOT_ALLOWED"
    token = await api.rest("GET", "/v1/auth/user", user["access_token"])
    assert token.status_code == 403 and error_code(token) == "IP_NOT_ALLOWED"


async def test_sessions_older_than_the_duration_end(api: Api, tenant: TenantHandle) -> None:
    user = await sign_up(api, tenant, "old@example.com")
    data(await api.rest("PATCH", "/v1/governance", tenant.token, json={"session_duration_secs": 3600}))
    assert (await api.rest("GET", "/v1/auth/user", user["access_token"])).status_code == 200
    await AuthSession.filter(user_id=user["user"]["id"]).update(created_at=datetime.now(timezone.utc) - timedelta(hours=2))
    assert (await api.rest("GET", "/v1/auth/user", user["access_token"])).status_code == 401
    refreshed = await api.rest("POST", "/v1/auth/refresh", tenant.token, json={"refresh_token": user["refresh_token"]})
    assert refreshed.status_code == 401


async def test_the_password_minimum_is_a_floor_under_the_auth_config(api: Api, tenant: TenantHandle) -> None:
    data(await api.rest("PATCH", "/v1/governance", tenant.token, json={"password_min_length": 14}))
    short = await api.rest("POST", "/v1/auth/signup", tenant.token, json={"email": "pw@example.com", "password": "twelve-chars"})
    assert short.status_code == 400 and short.json()["error"]["details"][0]["field"] == "password"
    data(await api.rest("POST", "/v1/auth/signup", tenant.token, json={"email": "pw@example.com", "password": "fourteen-chars"}), 201)


async def test_governance_needs_the_auth_scope(api: Api) -> None:
    writer = await make_tenant(scopes=["read", "write"])
    assert error_code(await api.rest("GET", "/v1/governance", writer.token)) == "INSUFFICIENT_SCOPE"
    assert (await api.rest("PATCH", "/v1/governance", json={})).status_code == 401
    result = await api.gql("{ governance }", writer.token)
    assert result["errors"][0]["extensions"]["code"] == "INSUFFICIENT_SCOPE"
