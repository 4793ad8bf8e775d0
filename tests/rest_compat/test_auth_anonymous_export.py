"""Anonymous sessions that become accounts, and the signed-in user's data export."""

from __future__ import annotations

from typing import Any

from tests.support import Api, TenantHandle, bearer, data, error_code


async def anonymous(api: Api, tenant: TenantHandle) -> dict[str, Any]:
    return data(await api.rest("POST", "/v1/auth/anonymous", tenant.token))


async def test_an_anonymous_session_becomes_an_account_keeping_its_id_and_data(api: Api, tenant: TenantHandle) -> None:
    session = await anonymous(api, tenant)
    assert session["user"]["is_anonymous"] is True and session["user"]["email"] is None
    assert session["refresh_token"].startswith("rt_") and session["expires_in"] == 3600
    type_id = data(await api.rest("POST", "/v1/object-types", tenant.token, json={"name": "notes"}), 201)["id"]
    note = data(await api.rest("POST", f"/v1/objects/{type_id}", session["access_token"], json={"properties": {"text": "hi"}}), 201)

    linked = data(await api.rest("PATCH", "/v1/auth/user", session["access_token"], json={"email": "New@Example.com", "password": "long enough"}))
    assert (linked["id"], linked["email"], linked["is_anonymous"]) == (session["user"]["id"], "new@example.com", False)
    login = data(await api.rest("POST", "/v1/auth/login", tenant.token, json={"email": "new@example.com", "password": "long enough"}))
    assert login["user"]["id"] == session["user"]["id"]
    exported = data(await api.rest("GET", "/v1/auth/me/export", login["access_token"]))
    assert [o["id"] for o in exported["objects"]] == [note["id"]]


async def test_linking_needs_a_password_and_a_free_email(api: Api, tenant: TenantHandle) -> None:
    data(await api.rest("POST", "/v1/auth/signup", tenant.token, json={"email": "taken@example.com", "password": "long enough"}), 201)
    session = await anonymous(api, tenant)
    no_password = await api.rest("PATCH", "/v1/auth/user", session["access_token"], json={"email": "free@example.com"})
    assert no_password.status_code == 400 and no_password.json()["error"]["details"][0]["field"] == "password"
    taken = await api.rest("PATCH", "/v1/auth/user", session["access_token"], json={"email": "TAKEN@example.com", "password": "long enough"})
    assert taken.status_code == 409 and error_code(taken) == "ALREADY_EXISTS"


async def test_anonymous_sign_in_needs_a_bearer_and_works_through_graphql(api: Api, tenant: TenantHandle) -> None:
    assert (await api.rest("POST", "/v1/auth/anonymous")).status_code == 401
    result = await api.gql("mutation { signInAnonymously { accessToken user { id isAnonymous } } }", tenant.token)
    assert result["data"]["signInAnonymously"]["user"]["isAnonymous"] is True
    me = await api.gql("{ currentUser { id } }", result["data"]["signInAnonymously"]["accessToken"])
    assert me["data"]["currentUser"]["id"] == result["data"]["signInAnonymously"]["user"]["id"]


async def test_the_export_holds_the_user_and_sessions_and_is_allowed_once_an_hour(api: Api, tenant: TenantHandle) -> None:
    signed = data(await api.rest("POST", "/v1/auth/signup", tenant.token, json={"email": "me@example.com", "password": "long enough", "user_metadata": {"a": 1}}), 201)
    token = signed["access_token"]
    exported = data(await api.rest("GET", "/v1/auth/me/export", token))
    assert exported["_meta"]["user_id"] == signed["user"]["id"] and exported["_meta"]["tenant_id"] == tenant.tenant_id
    assert exported["_meta"]["export_type"] == "user_data_export"
    assert exported["user"]["email"] == "me@example.com" and exported["user"]["user_metadata"] == {"a": 1}
    assert len(exported["sessions"]) == 1 and exported["objects"] == [] and exported["objects_truncated"] is False

    again = await api.rest("GET", "/v1/auth/me/export", token)
    assert again.status_code == 429 and error_code(again) == "RATE_LIMITED"
    assert 3500 <= int(again.headers["Retry-After"]) <= 3600


async def test_the_export_needs_a_user_token(api: Api, tenant: TenantHandle) -> None:
    refused = await api.rest("GET", "/v1/auth/me/export", tenant.token)
    assert refused.status_code == 403 and error_code(refused) == "FORBIDDEN"
    assert (await api.rest("GET", "/v1/auth/me/export", headers=bearer("not-a-token"))).status_code == 401
