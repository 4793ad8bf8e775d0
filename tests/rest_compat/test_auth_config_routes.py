"""The tenant's auth configuration: defaults, partial updates with checked values, and its effect
on signup, login, anonymous sessions and token lifetimes."""

from __future__ import annotations

import jwt
import pytest

from tests.support import Api, TenantHandle, data, error_code, gql_code


async def configure(api: Api, tenant: TenantHandle, patch: dict[str, object]) -> dict[str, object]:
    return data(await api.rest("POST", "/v1/auth-config", tenant.token, json=patch))


async def test_defaults_are_filled_in_and_a_partial_update_merges(api: Api, tenant: TenantHandle) -> None:
    defaults = data(await api.rest("GET", "/v1/auth-config", tenant.token))
    assert defaults["providers"] == {"email": {"enabled": True}, "anonymous": {"enabled": True}, "phone": {"enabled": True}}
    assert (defaults["password_policy"], defaults["access_token_ttl_seconds"], defaults["refresh_token_ttl_days"]) == ({"min_length": 8}, 3600, 30)
    updated = await configure(api, tenant, {"password_policy": {"min_length": 12}, "redirect_allow_list": ["https://app.example.com/*"]})
    assert updated["password_policy"] == {"min_length": 12} and updated["providers"] == defaults["providers"]
    assert data(await api.rest("GET", "/v1/auth-config", tenant.token)) == updated


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"colour": "blue"}, "colour"),
        ({"providers": {"fax": {"enabled": True}}}, "providers.fax"),
        ({"providers": {"email": {"enabled": "yes"}}}, "providers.email.enabled"),
        ({"password_policy": {"min_length": 5}}, "password_policy.min_length"),
        ({"password_policy": 12}, "password_policy"),
        ({"access_token_ttl_seconds": 10}, "access_token_ttl_seconds"),
        ({"refresh_token_ttl_days": 0}, "refresh_token_ttl_days"),
        ({"site_url": "ftp://x"}, "site_url"),
        ({"redirect_allow_list": ["javascript:alert(1)"]}, "redirect_allow_list[0]"),
        ({"email_templates": {"verification": {"subject": "x" * 10_001}}}, "email_templates.verification.subject"),
    ],
)
async def test_bad_settings_are_refused_with_their_path(api: Api, tenant: TenantHandle, patch: dict[str, object], field: str) -> None:
    refused = await api.rest("POST", "/v1/auth-config", tenant.token, json=patch)
    assert refused.status_code == 400 and error_code(refused) == "VALIDATION_ERROR"
    assert field in [d["field"] for d in refused.json()["error"]["details"]]
    assert data(await api.rest("GET", "/v1/auth-config", tenant.token))["password_policy"] == {"min_length": 8}


async def test_the_auth_scope_is_needed(api: Api, tenant: TenantHandle) -> None:
    reader = data(await api.rest("POST", "/v1/keys", tenant.token, json={"label": "r", "scopes": ["read", "write"]}), 201)["token"]
    for method in ("GET", "POST"):
        refused = await api.rest(method, "/v1/auth-config", reader, **({"json": {}} if method == "POST" else {}))
        assert refused.status_code == 403 and error_code(refused) == "INSUFFICIENT_SCOPE"
    assert (await api.rest("GET", "/v1/auth-config")).status_code == 401


async def test_the_password_minimum_applies_to_signup(api: Api, tenant: TenantHandle) -> None:
    await configure(api, tenant, {"password_policy": {"min_length": 12}})
    short = await api.rest("POST", "/v1/auth/signup", tenant.token, json={"email": "a@example.com", "password": "elevenchars"})
    assert short.status_code == 400 and "12 to 1024" in short.json()["error"]["details"][0]["message"]
    data(await api.rest("POST", "/v1/auth/signup", tenant.token, json={"email": "a@example.com", "password": "twelve chars"}), 201)


async def test_turned_off_providers_refuse_their_sign_ins(api: Api, tenant: TenantHandle) -> None:
    data(await api.rest("POST", "/v1/auth/signup", tenant.token, json={"email": "b@example.com", "password": "long enough"}), 201)
    await configure(api, tenant, {"providers": {"email": {"enabled": False}, "anonymous": {"enabled": False}}})
    for path, body in (
        ("/v1/auth/signup", {"email": "c@example.com", "password": "long enough"}),
        ("/v1/auth/login", {"email": "b@example.com", "password": "long enough"}),
        ("/v1/auth/anonymous", {}),
    ):
        refused = await api.rest("POST", path, tenant.token, json=body)
        assert refused.status_code == 403 and error_code(refused) == "PROVIDER_DISABLED", path


async def test_token_lifetimes_follow_the_configuration(api: Api, tenant: TenantHandle) -> None:
    await configure(api, tenant, {"access_token_ttl_seconds": 600})
    signed = data(await api.rest("POST", "/v1/auth/signup", tenant.token, json={"email": "d@example.com", "password": "long enough"}), 201)
    claims = jwt.decode(signed["access_token"], options={"verify_signature": False})
    assert signed["expires_in"] == 600 and claims["exp"] - claims["iat"] == 600


async def test_graphql_reads_and_updates_the_same_configuration(api: Api, tenant: TenantHandle) -> None:
    updated = await api.gql("mutation($c: JSON!) { updateAuthConfig(input: $c) }", tenant.token, c={"site_url": "https://app.example.com"})
    assert updated["data"]["updateAuthConfig"]["site_url"] == "https://app.example.com"
    read = await api.gql("{ authConfig }", tenant.token)
    assert read["data"]["authConfig"] == data(await api.rest("GET", "/v1/auth-config", tenant.token))
    bad = await api.gql("mutation { updateAuthConfig(input: {refresh_token_ttl_days: 999}) }", tenant.token)
    assert gql_code(bad) == "VALIDATION_ERROR"
