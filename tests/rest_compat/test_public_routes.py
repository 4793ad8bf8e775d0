"""Public and Tenants groups: health, readiness, tenant config, lookup, usage."""

from __future__ import annotations

import pytest

from resolvers.health import repository as health_repository
from resolvers.tenants.service import set_status
from tests.support import Api, TenantHandle, data, error_code, make_tenant


async def test_health_reports_service_version_region_uptime(api: Api) -> None:
    health = data(await api.rest("GET", "/health"))
    assert health["status"] == "ok" and health["service"] == "basalt"
    assert set(health) == {"status", "service", "version", "region", "uptime", "timestamp"}
    result = await api.gql("{ health { status version } }")
    assert result["data"]["health"]["version"] == health["version"]


async def test_ready_checks_the_database(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    assert data(await api.rest("GET", "/ready"))["status"] == "ready"

    async def database_down() -> None:
        raise ConnectionRefusedError("connection refused")

    monkeypatch.setattr(health_repository, "ping", database_down)
    response = await api.rest("GET", "/ready")
    assert response.status_code == 503 and error_code(response) == "SERVICE_UNAVAILABLE"


async def test_landing_page_links_docs_and_graphql(api: Api) -> None:
    response = await api.rest("GET", "/")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert 'href="/docs"' in response.text and 'href="/graphql"' in response.text


async def test_tenant_config_by_header_or_query(api: Api, tenant: TenantHandle) -> None:
    by_query = data(await api.rest("GET", f"/v1/tenant-config?tenant_id={tenant.tenant_id}"))
    by_header = data(await api.rest("GET", "/v1/tenant-config", headers={"X-Tenant-Id": tenant.tenant_id}))
    assert by_query == by_header
    assert by_query["tenant_id"] == tenant.tenant_id and by_query["brand_name"] == "Acme"
    assert "auth" in by_query and "branding" in by_query


async def test_tenant_config_errors(api: Api, tenant: TenantHandle) -> None:
    missing = await api.rest("GET", "/v1/tenant-config")
    assert missing.status_code == 400 and error_code(missing) == "VALIDATION_ERROR"
    unknown = await api.rest("GET", "/v1/tenant-config?tenant_id=tn_nope")
    assert unknown.status_code == 404
    await set_status(tenant.tenant_id, "suspended")
    suspended = await api.rest("GET", f"/v1/tenant-config?tenant_id={tenant.tenant_id}")
    assert suspended.status_code == 403 and error_code(suspended) == "TENANT_SUSPENDED"


async def test_lookup_finds_tenants_by_normalised_email(api: Api) -> None:
    owned = await make_tenant("Lookup Corp", email="Owner@Lookup.example")
    found = data(await api.rest("POST", "/v1/tenants/lookup", json={"email": "  OWNER@lookup.EXAMPLE "}))
    assert {"tenant_id": owned.tenant_id, "brand_name": "Lookup Corp"} in found
    assert data(await api.rest("POST", "/v1/tenants/lookup", json={"email": "nobody@lookup.example"})) == []

    result = await api.gql('{ lookupTenants(email: "owner@lookup.example") { tenantId } }')
    assert {"tenantId": owned.tenant_id} in result["data"]["lookupTenants"]


async def test_lookup_validates_email(api: Api) -> None:
    for body in ({}, {"email": "not-an-email"}, {"email": 42}):
        response = await api.rest("POST", "/v1/tenants/lookup", json=body)
        assert response.status_code == 400 and error_code(response) == "VALIDATION_ERROR", body


async def test_lookup_is_rate_limited_per_ip(api: Api) -> None:
    limit = api.client._transport.app.state.runtime.lookup_rate_limit  # type: ignore[attr-defined]
    api.client._transport.client = ("192.0.2.77", 1)  # type: ignore[attr-defined]
    statuses = [(await api.rest("POST", "/v1/tenants/lookup", json={"email": "a@b.example"})).status_code for _ in range(limit + 1)]
    assert statuses[:limit] == [200] * limit
    assert statuses[-1] == 429


async def test_usage_reports_plan_and_counts(api: Api, tenant: TenantHandle) -> None:
    await api.rest("POST", "/v1/keys", tenant.token, json={"label": "k", "scopes": ["read"]})
    usage = data(await api.rest("GET", "/v1/usage", tenant.token))
    assert usage["tenant_id"] == tenant.tenant_id and usage["plan_tier"] == "free"
    assert usage["used_storage_bytes"] == 0 and usage["api_keys"] == 2
    assert usage["plan_limits"]["api_keys"] == 25
    result = await api.gql("{ usage { apiKeys planLimits } }", tenant.token)
    assert result["data"]["usage"]["apiKeys"] == 2
