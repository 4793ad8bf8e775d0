"""Portal auth: a hosted login page signs people up and in without a bearer, naming the tenant in
the body; identify finds the tenants an email has accounts in."""

from __future__ import annotations

from typing import Any

import pytest

from resolvers.tenants.service import set_status
from tests.support import Api, TenantHandle, data, error_code, make_tenant


async def portal(api: Api, route: str, body: dict[str, Any]) -> Any:
    return await api.rest("POST", f"/v1/auth/portal-{route}", json=body)


async def test_portal_signup_then_login_without_a_bearer(api: Api, tenant: TenantHandle) -> None:
    signed = data(await portal(api, "signup", {"tenant_id": tenant.tenant_id, "email": "Pat@Example.com", "password": "long enough"}), 201)
    assert signed["user"]["email"] == "pat@example.com" and signed["refresh_token"].startswith("rt_")
    logged = data(await portal(api, "login", {"tenant_id": tenant.tenant_id, "email": "pat@example.com", "password": "long enough"}))
    assert logged["mfa_required"] is False and logged["user"]["id"] == signed["user"]["id"]
    me = data(await api.rest("GET", "/v1/auth/user", logged["access_token"]))
    assert me["id"] == signed["user"]["id"]
    wrong = await portal(api, "login", {"tenant_id": tenant.tenant_id, "email": "pat@example.com", "password": "wrong password"})
    assert wrong.status_code == 401 and error_code(wrong) == "UNAUTHORIZED"


@pytest.mark.parametrize(("tenant_id", "status", "code"), [(None, 400, "VALIDATION_ERROR"), ("tn_doesnotexist00", 404, "NOT_FOUND")])
async def test_the_tenant_must_be_named_and_exist(api: Api, tenant_id: str | None, status: int, code: str) -> None:
    body = {"email": "x@example.com", "password": "long enough", **({"tenant_id": tenant_id} if tenant_id else {})}
    for route in ("signup", "login"):
        refused = await portal(api, route, body)
        assert refused.status_code == status and error_code(refused) == code


async def test_a_suspended_tenant_refuses_its_portal(api: Api) -> None:
    suspended = await make_tenant("Paused Co")
    await set_status(suspended.tenant_id, "suspended")
    refused = await portal(api, "signup", {"tenant_id": suspended.tenant_id, "email": "x@example.com", "password": "long enough"})
    assert refused.status_code == 403 and error_code(refused) == "TENANT_SUSPENDED"


async def test_the_portal_principal_can_only_sign_in(api: Api, tenant: TenantHandle) -> None:
    """A portal login's tokens are the user's; the portal itself never reaches data routes."""
    assert (await api.rest("GET", "/v1/object-types")).status_code == 401
    await api.rest("POST", "/v1/auth-config", tenant.token, json={"providers": {"email": {"enabled": False}}})
    refused = await portal(api, "signup", {"tenant_id": tenant.tenant_id, "email": "y@example.com", "password": "long enough"})
    assert refused.status_code == 403 and error_code(refused) == "PROVIDER_DISABLED"


async def test_identify_lists_the_tenants_an_email_has_accounts_in(api: Api, tenant: TenantHandle) -> None:
    other = await make_tenant("Other Co")
    for t in (tenant, other):
        data(await portal(api, "signup", {"tenant_id": t.tenant_id, "email": "both@example.com", "password": "long enough"}), 201)
    data(await portal(api, "signup", {"tenant_id": tenant.tenant_id, "email": "one@example.com", "password": "long enough"}), 201)

    both = data(await portal(api, "identify", {"email": "BOTH@example.com"}))
    assert both["multiple_tenants"] is True and both["tenant_id"] is None
    assert {t["id"] for t in both["tenants"]} == {tenant.tenant_id, other.tenant_id}
    one = data(await portal(api, "identify", {"email": "one@example.com"}))
    assert (one["tenant_id"], one["multiple_tenants"], [t["id"] for t in one["tenants"]]) == (tenant.tenant_id, False, [tenant.tenant_id])
    nobody = data(await portal(api, "identify", {"email": "nobody@example.com"}))
    assert nobody == {"tenant_id": None, "multiple_tenants": False, "tenants": []}
    bad = await portal(api, "identify", {"email": "not an email"})
    assert bad.status_code == 400 and error_code(bad) == "VALIDATION_ERROR"


async def test_portal_operations_through_graphql(api: Api, tenant: TenantHandle) -> None:
    signed = await api.gql(
        'mutation($t: String!) { portalSignUp(tenantId: $t, email: "g@example.com", password: "long enough") { accessToken user { email } } }',
        t=tenant.tenant_id,
    )
    assert signed["data"]["portalSignUp"]["user"]["email"] == "g@example.com"
    logged = await api.gql(
        'mutation($t: String!) { portalLogIn(tenantId: $t, email: "g@example.com", password: "long enough") { mfaRequired accessToken } }',
        t=tenant.tenant_id,
    )
    assert logged["data"]["portalLogIn"]["mfaRequired"] is False and logged["data"]["portalLogIn"]["accessToken"]
    found = await api.gql('mutation { portalIdentify(email: "g@example.com") { tenantId multipleTenants } }')
    assert found["data"]["portalIdentify"] == {"tenantId": tenant.tenant_id, "multipleTenants": False}


async def test_the_public_tenant_config_follows_the_auth_config(api: Api, tenant: TenantHandle) -> None:
    await api.rest("POST", "/v1/auth-config", tenant.token, json={"password_policy": {"min_length": 10}, "providers": {"anonymous": {"enabled": False}}})
    config = data(await api.rest("GET", "/v1/tenant-config", params={"tenant_id": tenant.tenant_id}))
    assert config["auth"] == {"signup_enabled": True, "password_min_length": 10, "providers": ["email", "phone"]}
