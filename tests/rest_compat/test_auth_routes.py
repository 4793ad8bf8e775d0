"""End-user auth (Authentication and Sessions groups, `/.well-known/jwks.json`): signup, login,
rotating refresh tokens with replay detection, logout, the current user, sessions, and the
access token as a bearer, over REST and the same operations over GraphQL.

Signup, login and refresh take the tenant's API key (a client app's key) as the bearer; the
other routes need the user's access token (an EdDSA JWT).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from resolvers import db
from resolvers.auth import passwords
from resolvers.auth.schemas import AUDIENCE, ISSUER
from resolvers.ids import sha256_hex
from tests.support import Api, TenantHandle, data, error_code, gql_code

PASSWORD = "correct horse battery"
TOKENS = "accessToken refreshToken tokenType expiresIn user { id email role userMetadata }"


async def sign_up(api: Api, tenant: TenantHandle, email: str = "jane@example.com", password: str = PASSWORD, **extra: Any) -> dict[str, Any]:
    response = await api.rest("POST", "/v1/auth/signup", tenant.token, json={"email": email, "password": password, **extra})
    return data(response, 201)


async def log_in(api: Api, tenant: TenantHandle, email: str = "jane@example.com", password: str = PASSWORD) -> dict[str, Any]:
    return data(await api.rest("POST", "/v1/auth/login", tenant.token, json={"email": email, "password": password}))


async def refresh(api: Api, tenant: TenantHandle, refresh_token: Any) -> Any:
    return await api.rest("POST", "/v1/auth/refresh", tenant.token, json={"refresh_token": refresh_token})


async def status_of(api: Api, access_token: str) -> int:
    """What `GET /v1/auth/user` answers for this access token."""
    return (await api.rest("GET", "/v1/auth/user", access_token)).status_code


def sid_of(access_token: str) -> str:
    """The session id an access token carries (its `sid` claim)."""
    return jwt.decode(access_token, options={"verify_signature": False})["sid"]


def field_of(response: Any) -> str:
    assert response.status_code == 400 and error_code(response) == "VALIDATION_ERROR", response.text
    return response.json()["error"]["details"][0]["field"]


# --- signup ------------------------------------------------------------------------------------


async def test_signup_returns_a_token_pair_and_the_normalised_user(api: Api, tenant: TenantHandle) -> None:
    body = {"email": "  Jane@Example.COM ", "password": PASSWORD, "user_metadata": {"plan": "free", "tags": ["a"]}}
    signed = data(await api.rest("POST", "/v1/auth/signup", tenant.token, json=body), 201)

    assert signed["token_type"] == "bearer" and signed["expires_in"] == 3600
    assert signed["refresh_token"].startswith("rt_") and signed["access_token"].count(".") == 2
    user = signed["user"]
    assert user["id"].startswith("usr_")
    assert user["email"] == "jane@example.com"
    assert user["role"] == "authenticated"
    assert user["user_metadata"] == {"plan": "free", "tags": ["a"]}
    assert "password_hash" not in user and "password" not in user

    claims = jwt.decode(signed["access_token"], options={"verify_signature": False})
    assert claims["sub"] == user["id"] and claims["tid"] == tenant.tenant_id
    assert claims["exp"] - claims["iat"] == 3600


async def test_signup_over_graphql_returns_the_same_shape(api: Api, tenant: TenantHandle) -> None:
    result = await api.gql(
        f"mutation($email: String!, $password: String!, $meta: JSON) {{ signUp(email: $email, password: $password, userMetadata: $meta) {{ {TOKENS} }} }}",
        tenant.token,
        email="  Jane@Example.COM ",
        password=PASSWORD,
        meta={"plan": "pro"},
    )
    signed = result["data"]["signUp"]
    assert signed["tokenType"] == "bearer" and signed["expiresIn"] == 3600
    assert signed["refreshToken"].startswith("rt_")
    assert signed["user"]["id"].startswith("usr_")
    assert signed["user"]["email"] == "jane@example.com" and signed["user"]["role"] == "authenticated"
    assert signed["user"]["userMetadata"] == {"plan": "pro"}
    assert await status_of(api, signed["accessToken"]) == 200


async def test_an_email_is_taken_whatever_its_case_or_unicode_width(api: Api, tenant: TenantHandle) -> None:
    await sign_up(api, tenant, "jane@example.com")
    for variant in ("jane@example.com", "JANE@Example.Com", "\uff4a\uff41\uff4e\uff45@example.com"):  # fullwidth "jane"
        response = await api.rest("POST", "/v1/auth/signup", tenant.token, json={"email": variant, "password": PASSWORD})
        assert response.status_code == 409 and error_code(response) == "ALREADY_EXISTS", variant

    result = await api.gql('mutation { signUp(email: "Jane@EXAMPLE.com", password: "long enough") { accessToken } }', tenant.token)
    assert gql_code(result) == "ALREADY_EXISTS"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email", "password": PASSWORD}, "email"),
        ({"password": PASSWORD}, "email"),
        ({"email": "jane@example.com", "password": "short"}, "password"),
        ({"email": "jane@example.com", "password": "x" * 1025}, "password"),
        ({"email": "jane@example.com", "password": PASSWORD, "user_metadata": ["not", "an", "object"]}, "user_metadata"),
        ({"email": "jane@example.com", "password": PASSWORD, "user_metadata": "text"}, "user_metadata"),
    ],
    ids=["bad-email", "no-email", "short-password", "long-password", "metadata-list", "metadata-string"],
)
async def test_signup_validation_errors_name_the_field(api: Api, tenant: TenantHandle, body: dict[str, Any], field: str) -> None:
    response = await api.rest("POST", "/v1/auth/signup", tenant.token, json=body)
    assert field_of(response) == field
    await sign_up(api, tenant, "jane@example.com")  # nothing was created: the address is still free


async def test_signup_graphql_validation_error_names_the_field(api: Api, tenant: TenantHandle) -> None:
    result = await api.gql('mutation { signUp(email: "jane@example.com", password: "short") { accessToken } }', tenant.token)
    assert gql_code(result) == "VALIDATION_ERROR"
    assert result["errors"][0]["extensions"]["details"][0]["field"] == "password"


async def test_signup_metadata_over_16_kb_is_too_large(api: Api, tenant: TenantHandle) -> None:
    body = {"email": "jane@example.com", "password": PASSWORD, "user_metadata": {"blob": "x" * (16 * 1024)}}
    response = await api.rest("POST", "/v1/auth/signup", tenant.token, json=body)
    assert response.status_code == 413 and error_code(response) == "PAYLOAD_TOO_LARGE"

    fits = {"blob": "x" * (16 * 1024 - 100)}
    assert (await sign_up(api, tenant, user_metadata=fits))["user"]["user_metadata"] == fits


async def test_signup_without_a_bearer_is_unauthorized(api: Api) -> None:
    response = await api.rest("POST", "/v1/auth/signup", json={"email": "jane@example.com", "password": PASSWORD})
    assert response.status_code == 401 and error_code(response) == "UNAUTHORIZED"
    result = await api.gql('mutation { signUp(email: "jane@example.com", password: "long enough") { accessToken } }')
    assert gql_code(result) == "UNAUTHORIZED"


# --- login -------------------------------------------------------------------------------------


async def test_login_with_the_right_password_returns_a_new_session(api: Api, tenant: TenantHandle) -> None:
    signed = await sign_up(api, tenant)
    logged = await log_in(api, tenant, "  JANE@example.com", PASSWORD)
    assert logged["user"]["id"] == signed["user"]["id"]
    assert logged["token_type"] == "bearer" and logged["expires_in"] == 3600
    assert logged["refresh_token"].startswith("rt_") and logged["refresh_token"] != signed["refresh_token"]
    assert sid_of(logged["access_token"]) != sid_of(signed["access_token"])

    result = await api.gql(
        f'mutation {{ logIn(email: "jane@example.com", password: "{PASSWORD}") {{ {TOKENS} }} }}', tenant.token
    )
    assert result["data"]["logIn"]["user"]["id"] == signed["user"]["id"]
    assert await status_of(api, result["data"]["logIn"]["accessToken"]) == 200


async def test_wrong_password_and_unknown_email_get_the_same_answer(api: Api, tenant: TenantHandle) -> None:
    await sign_up(api, tenant)
    wrong = await api.rest("POST", "/v1/auth/login", tenant.token, json={"email": "jane@example.com", "password": "wrong password"})
    unknown = await api.rest("POST", "/v1/auth/login", tenant.token, json={"email": "nobody@example.com", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["error"] == unknown.json()["error"]
    assert wrong.json()["error"]["code"] == "UNAUTHORIZED"

    gql_wrong = await api.gql('mutation { logIn(email: "jane@example.com", password: "wrong password") { accessToken } }', tenant.token)
    gql_unknown = await api.gql(f'mutation {{ logIn(email: "nobody@example.com", password: "{PASSWORD}") {{ accessToken }} }}', tenant.token)
    assert gql_code(gql_wrong) == gql_code(gql_unknown) == "UNAUTHORIZED"
    assert gql_wrong["errors"][0]["message"] == gql_unknown["errors"][0]["message"] == wrong.json()["error"]["message"]


async def test_an_overlong_password_is_refused_without_hashing(api: Api, tenant: TenantHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    await sign_up(api, tenant)
    wrong = await api.rest("POST", "/v1/auth/login", tenant.token, json={"email": "jane@example.com", "password": "wrong password"})

    calls: list[str] = []

    async def counting(stored_hash: str | None, password: str) -> bool:
        calls.append(password)
        return False

    monkeypatch.setattr(passwords, "verify_password", counting)
    response = await api.rest("POST", "/v1/auth/login", tenant.token, json={"email": "jane@example.com", "password": "p" * 1025})
    assert response.status_code == 401
    assert response.json()["error"] == wrong.json()["error"]
    assert calls == []


async def test_the_eleventh_login_attempt_for_one_account_in_a_minute_is_rate_limited(api: Api, tenant: TenantHandle) -> None:
    await sign_up(api, tenant)
    for _ in range(10):
        response = await api.rest("POST", "/v1/auth/login", tenant.token, json={"email": "jane@example.com", "password": "wrong password"})
        assert response.status_code == 401

    # the 11th is refused even with the right password, and even spelled differently
    limited = await api.rest("POST", "/v1/auth/login", tenant.token, json={"email": "Jane@Example.com", "password": PASSWORD})
    assert limited.status_code == 429 and error_code(limited) == "RATE_LIMITED"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60

    # the limit is per account: another account of the tenant can still log in from this address
    await sign_up(api, tenant, "john@example.com")
    assert (await log_in(api, tenant, "john@example.com"))["user"]["email"] == "john@example.com"


async def test_more_than_30_login_attempts_from_one_address_are_rate_limited(
    api: Api, tenant: TenantHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def never(stored_hash: str | None, password: str) -> bool:  # no argon2: only the counting matters here
        return False

    monkeypatch.setattr(passwords, "verify_password", never)
    for n in range(30):
        response = await api.rest("POST", "/v1/auth/login", tenant.token, json={"email": f"user{n}@example.com", "password": PASSWORD})
        assert response.status_code == 401, n
    limited = await api.rest("POST", "/v1/auth/login", tenant.token, json={"email": "user99@example.com", "password": PASSWORD})
    assert limited.status_code == 429 and error_code(limited) == "RATE_LIMITED"
    assert "Retry-After" in limited.headers


# --- the access token as a bearer --------------------------------------------------------------


async def test_an_access_token_authenticates_rest_and_graphql(api: Api, tenant: TenantHandle) -> None:
    signed = await sign_up(api, tenant, user_metadata={"k": 1})
    me = data(await api.rest("GET", "/v1/auth/user", signed["access_token"]))
    assert me["id"] == signed["user"]["id"] and me["email"] == "jane@example.com" and me["user_metadata"] == {"k": 1}

    assert (await api.rest("GET", "/v1/object-types", signed["access_token"])).status_code == 200

    result = await api.gql("{ currentUser { id email role emailVerified isAnonymous } }", signed["access_token"])
    assert result["data"]["currentUser"] == {
        "id": signed["user"]["id"], "email": "jane@example.com", "role": "authenticated", "emailVerified": False, "isAnonymous": False,
    }


async def test_an_api_key_is_not_a_current_user(api: Api, tenant: TenantHandle) -> None:
    response = await api.rest("GET", "/v1/auth/user", tenant.token)
    assert response.status_code == 403 and error_code(response) == "FORBIDDEN"
    assert "access token" in response.json()["error"]["message"]

    result = await api.gql("{ currentUser { id } }", tenant.token)
    assert gql_code(result) == "FORBIDDEN"


async def test_a_forged_or_tampered_access_token_is_refused(api: Api, tenant: TenantHandle) -> None:
    signed = await sign_up(api, tenant)
    token = signed["access_token"]
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})

    impostor = jwt.encode({**claims, "role": "service_role"}, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": header["kid"]})
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"kid": header["kid"]})
    head, body, signature = token.split(".")
    flipped = f"{head}.{body}.{signature[:-4]}{'AAAA' if signature[-4:] != 'AAAA' else 'BBBB'}"
    for bad in (impostor, unsigned, flipped):
        response = await api.rest("GET", "/v1/auth/user", bad)
        assert response.status_code == 401 and error_code(response) == "UNAUTHORIZED"
    assert await status_of(api, token) == 200


# --- refresh -----------------------------------------------------------------------------------


async def test_refresh_rotates_the_pair(api: Api, tenant: TenantHandle) -> None:
    signed = await sign_up(api, tenant)
    rotated = data(await refresh(api, tenant, signed["refresh_token"]))
    assert rotated["refresh_token"].startswith("rt_") and rotated["refresh_token"] != signed["refresh_token"]
    assert rotated["token_type"] == "bearer" and rotated["expires_in"] == 3600
    assert rotated["user"]["id"] == signed["user"]["id"]
    # the same session continues
    sid = sid_of(signed["access_token"])
    assert sid_of(rotated["access_token"]) == sid
    assert await status_of(api, rotated["access_token"]) == 200

    again = data(await refresh(api, tenant, rotated["refresh_token"]))
    assert again["refresh_token"] not in (signed["refresh_token"], rotated["refresh_token"])

    result = await api.gql(
        "mutation($rt: String!) { refreshSession(refreshToken: $rt) { refreshToken tokenType expiresIn } }",
        tenant.token,
        rt=again["refresh_token"],
    )
    assert result["data"]["refreshSession"]["refreshToken"].startswith("rt_")
    assert result["data"]["refreshSession"]["expiresIn"] == 3600


async def test_reusing_a_refresh_token_within_the_grace_window_is_refused_but_keeps_the_session(api: Api, tenant: TenantHandle) -> None:
    signed = await sign_up(api, tenant)
    rotated = data(await refresh(api, tenant, signed["refresh_token"]))

    reused = await refresh(api, tenant, signed["refresh_token"])
    assert reused.status_code == 401 and error_code(reused) == "UNAUTHORIZED"

    assert await status_of(api, signed["access_token"]) == 200
    assert await status_of(api, rotated["access_token"]) == 200
    assert data(await refresh(api, tenant, rotated["refresh_token"]))["refresh_token"].startswith("rt_")


async def age_refresh_token(refresh_token: str, seconds: int) -> None:
    """Move a used refresh token's `used_at` into the past (past the reuse grace window)."""
    sql = db.Sql(db.dialect())
    past = datetime.now(timezone.utc) - timedelta(seconds=seconds)
    changed = await db.execute(
        f"UPDATE refresh_tokens SET used_at = {sql.param(past)} WHERE token_hash = {sql.param(sha256_hex(refresh_token))}",
        sql.params,
    )
    assert changed == 1


async def test_replaying_a_refresh_token_after_the_grace_window_is_refused_as_a_replay(api: Api, tenant: TenantHandle) -> None:
    signed = await sign_up(api, tenant)
    data(await refresh(api, tenant, signed["refresh_token"]))
    await age_refresh_token(signed["refresh_token"], 60)

    replay = await refresh(api, tenant, signed["refresh_token"])
    assert replay.status_code == 401 and error_code(replay) == "UNAUTHORIZED"
    assert "already used" in replay.json()["error"]["message"]


async def test_replaying_a_refresh_token_after_the_grace_window_revokes_the_whole_session(api: Api, tenant: TenantHandle) -> None:
    signed = await sign_up(api, tenant)
    rotated = data(await refresh(api, tenant, signed["refresh_token"]))
    newest = data(await refresh(api, tenant, rotated["refresh_token"]))
    other = await log_in(api, tenant)  # a second session of the same user is not affected
    await age_refresh_token(signed["refresh_token"], 60)

    replay = await refresh(api, tenant, signed["refresh_token"])
    assert replay.status_code == 401

    for access in (signed["access_token"], rotated["access_token"], newest["access_token"]):
        assert await status_of(api, access) == 401
    stale = await refresh(api, tenant, newest["refresh_token"])
    assert stale.status_code == 401 and error_code(stale) == "UNAUTHORIZED"

    assert await status_of(api, other["access_token"]) == 200


async def test_a_refresh_token_of_another_tenant_or_garbage_is_refused(api: Api, tenant: TenantHandle, other_tenant: TenantHandle) -> None:
    signed = await sign_up(api, tenant)
    for bad in (signed["refresh_token"] + "x", "rt_garbage", "garbage", "", "rt_" + "a" * 500):
        response = await refresh(api, tenant, bad)
        assert response.status_code == 401 and error_code(response) == "UNAUTHORIZED", bad
    for not_text in (None, 42):  # not a string at all: the transport's own validation
        assert field_of(await refresh(api, tenant, not_text)) == "refresh_token"

    foreign = await refresh(api, other_tenant, signed["refresh_token"])
    assert foreign.status_code == 401 and error_code(foreign) == "UNAUTHORIZED"
    # the foreign attempt did not use the token up
    assert data(await refresh(api, tenant, signed["refresh_token"]))["user"]["id"] == signed["user"]["id"]


# --- logout ------------------------------------------------------------------------------------


async def test_logout_with_the_refresh_token_ends_that_session(api: Api, tenant: TenantHandle) -> None:
    signed = await sign_up(api, tenant)
    other = await log_in(api, tenant)

    out = data(await api.rest("POST", "/v1/auth/logout", tenant.token, json={"refresh_token": signed["refresh_token"]}))
    assert out == {"message": "Logged out"}
    assert await status_of(api, signed["access_token"]) == 401
    assert (await refresh(api, tenant, signed["refresh_token"])).status_code == 401
    assert await status_of(api, other["access_token"]) == 200


async def test_logout_with_only_the_access_token_ends_the_callers_session(api: Api, tenant: TenantHandle) -> None:
    signed = await sign_up(api, tenant)
    other = await log_in(api, tenant)

    data(await api.rest("POST", "/v1/auth/logout", signed["access_token"]))
    assert await status_of(api, signed["access_token"]) == 401
    assert (await refresh(api, tenant, signed["refresh_token"])).status_code == 401
    assert await status_of(api, other["access_token"]) == 200

    result = await api.gql("mutation { logOut { message } }", other["access_token"])
    assert result["data"]["logOut"] == {"message": "Logged out"}
    assert await status_of(api, other["access_token"]) == 401


async def test_logout_over_graphql_with_the_refresh_token(api: Api, tenant: TenantHandle) -> None:
    signed = await sign_up(api, tenant)
    result = await api.gql(
        "mutation($rt: String) { logOut(refreshToken: $rt) { message } }", signed["access_token"], rt=signed["refresh_token"]
    )
    assert result["data"]["logOut"] == {"message": "Logged out"}
    assert await status_of(api, signed["access_token"]) == 401


async def test_a_user_cannot_log_out_another_users_session(api: Api, tenant: TenantHandle) -> None:
    jane = await sign_up(api, tenant)
    john = await sign_up(api, tenant, "john@example.com")
    response = await api.rest("POST", "/v1/auth/logout", john["access_token"], json={"refresh_token": jane["refresh_token"]})
    assert response.status_code == 401
    assert await status_of(api, jane["access_token"]) == 200


# --- updating the current user -----------------------------------------------------------------


async def test_patch_merges_metadata_and_normalises_the_phone(api: Api, tenant: TenantHandle) -> None:
    signed = await sign_up(api, tenant, user_metadata={"plan": "free", "theme": "dark", "n": 1})
    token = signed["access_token"]

    patched = data(await api.rest("PATCH", "/v1/auth/user", token, json={"user_metadata": {"plan": "pro", "theme": None, "new": [1]}, "phone": "+1 (415) 555-2671"}))
    assert patched["user_metadata"] == {"plan": "pro", "n": 1, "new": [1]}
    assert patched["phone"] == "+14155552671"
    assert data(await api.rest("GET", "/v1/auth/user", token))["user_metadata"] == {"plan": "pro", "n": 1, "new": [1]}

    bad = await api.rest("PATCH", "/v1/auth/user", token, json={"phone": "12345"})
    assert field_of(bad) == "phone"
    assert data(await api.rest("GET", "/v1/auth/user", token))["phone"] == "+14155552671"

    result = await api.gql(
        "mutation($input: UpdateCurrentUserInput!) { updateCurrentUser(input: $input) { phone userMetadata } }",
        token,
        input={"userMetadata": {"n": None}, "phone": "+44 20 7946 0958"},
    )
    assert result["data"]["updateCurrentUser"] == {"phone": "+442079460958", "userMetadata": {"plan": "pro", "new": [1]}}


async def test_a_new_password_ends_the_other_sessions_but_not_the_current_one(api: Api, tenant: TenantHandle) -> None:
    current = await sign_up(api, tenant)
    other = await log_in(api, tenant)

    data(await api.rest("PATCH", "/v1/auth/user", current["access_token"], json={"password": "a brand new secret"}))
    assert await status_of(api, current["access_token"]) == 200
    assert await status_of(api, other["access_token"]) == 401
    assert (await refresh(api, tenant, other["refresh_token"])).status_code == 401

    old = await api.rest("POST", "/v1/auth/login", tenant.token, json={"email": "jane@example.com", "password": PASSWORD})
    assert old.status_code == 401
    assert (await log_in(api, tenant, password="a brand new secret"))["user"]["id"] == current["user"]["id"]

    short = await api.rest("PATCH", "/v1/auth/user", current["access_token"], json={"password": "short"})
    assert field_of(short) == "password"


async def test_a_new_email_waits_for_its_confirmation_on_both_transports(api: Api, tenant: TenantHandle) -> None:
    signed = await sign_up(api, tenant)
    kept = data(await api.rest("PATCH", "/v1/auth/user", signed["access_token"], json={"email": "new@example.com"}))
    assert kept["email"] == "jane@example.com"  # until the link mailed to new@ is used (test_auth_email_routes.py)

    # sending the address it already has is not a change
    same = data(await api.rest("PATCH", "/v1/auth/user", signed["access_token"], json={"email": "JANE@example.com"}))
    assert same["email"] == "jane@example.com"

    result = await api.gql('mutation { updateCurrentUser(input: {email: "other@example.com"}) { email } }', signed["access_token"])
    assert result["data"]["updateCurrentUser"]["email"] == "jane@example.com"


# --- sessions ----------------------------------------------------------------------------------


async def test_sessions_are_listed_newest_first_with_the_callers_marked_current(api: Api, tenant: TenantHandle) -> None:
    signed = await sign_up(api, tenant)
    data(await api.rest("POST", "/v1/auth/logout", signed["access_token"]))
    first = await log_in(api, tenant)
    second = await log_in(api, tenant)
    sid = {"first": sid_of(first["access_token"]), "second": sid_of(second["access_token"])}

    listed = data(await api.rest("GET", "/v1/auth/sessions", first["access_token"]))
    assert [s["id"] for s in listed] == [sid["second"], sid["first"]]
    assert [s["current"] for s in listed] == [False, True]
    assert all(s["user_id"] == signed["user"]["id"] for s in listed)

    result = await api.gql("{ authSessions { id current userId } }", second["access_token"])
    assert result["data"]["authSessions"] == [
        {"id": sid["second"], "current": True, "userId": signed["user"]["id"]},
        {"id": sid["first"], "current": False, "userId": signed["user"]["id"]},
    ]


async def test_revoking_one_session_by_id_stops_its_token(api: Api, tenant: TenantHandle) -> None:
    signed = await sign_up(api, tenant)
    other = await log_in(api, tenant)
    other_sid = sid_of(other["access_token"])

    assert data(await api.rest("DELETE", f"/v1/auth/sessions/{other_sid}", signed["access_token"])) == {"revoked": True}
    assert await status_of(api, other["access_token"]) == 401
    assert await status_of(api, signed["access_token"]) == 200

    again = await api.rest("DELETE", f"/v1/auth/sessions/{other_sid}", signed["access_token"])
    assert again.status_code == 404 and error_code(again) == "NOT_FOUND"
    unknown = await api.rest("DELETE", "/v1/auth/sessions/sess_doesnotexist", signed["access_token"])
    assert unknown.status_code == 404 and error_code(unknown) == "NOT_FOUND"


async def test_revoking_all_sessions_ends_every_one(api: Api, tenant: TenantHandle) -> None:
    signed = await sign_up(api, tenant)
    others = [await log_in(api, tenant), await log_in(api, tenant)]

    assert data(await api.rest("DELETE", "/v1/auth/sessions", signed["access_token"])) == {"revoked": 3}
    for access in [signed["access_token"], *(o["access_token"] for o in others)]:
        assert await status_of(api, access) == 401


async def test_another_users_session_cannot_be_revoked(api: Api, tenant: TenantHandle) -> None:
    jane = await sign_up(api, tenant)
    john = await sign_up(api, tenant, "john@example.com")
    jane_sid = sid_of(jane["access_token"])

    response = await api.rest("DELETE", f"/v1/auth/sessions/{jane_sid}", john["access_token"])
    assert response.status_code == 404 and error_code(response) == "NOT_FOUND"
    result = await api.gql("mutation($id: ID!) { revokeAuthSession(id: $id) { revoked } }", john["access_token"], id=jane_sid)
    assert gql_code(result) == "NOT_FOUND"
    assert await status_of(api, jane["access_token"]) == 200

    forbidden = await api.rest("GET", "/v1/auth/sessions", tenant.token)
    assert forbidden.status_code == 403


async def test_sessions_over_graphql(api: Api, tenant: TenantHandle) -> None:
    signed = await sign_up(api, tenant)
    others = [await log_in(api, tenant), await log_in(api, tenant)]
    revoke_sid = sid_of(others[0]["access_token"])

    result = await api.gql("mutation($id: ID!) { revokeAuthSession(id: $id) { revoked } }", signed["access_token"], id=revoke_sid)
    assert result["data"]["revokeAuthSession"] == {"revoked": True}
    assert await status_of(api, others[0]["access_token"]) == 401

    result = await api.gql("mutation { revokeAllAuthSessions { revoked } }", signed["access_token"])
    assert result["data"]["revokeAllAuthSessions"] == {"revoked": 2}
    assert await status_of(api, signed["access_token"]) == 401
    assert await status_of(api, others[1]["access_token"]) == 401


# --- JWKS --------------------------------------------------------------------------------------


async def test_jwks_publishes_the_key_that_verifies_access_tokens(api: Api, tenant: TenantHandle) -> None:
    signed = await sign_up(api, tenant)
    response = await api.rest("GET", "/.well-known/jwks.json")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"keys"}  # raw RFC 7517, no envelope

    kid = jwt.get_unverified_header(signed["access_token"])["kid"]
    jwk = next(k for k in body["keys"] if k["kid"] == kid)
    assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519" and jwk["alg"] == "EdDSA"
    assert "d" not in jwk  # never the private half

    key = jwt.PyJWK(jwk)
    claims = jwt.decode(signed["access_token"], key, algorithms=["EdDSA"], audience=AUDIENCE, issuer=ISSUER)
    assert claims["sub"] == signed["user"]["id"] and claims["tid"] == tenant.tenant_id
    assert claims["role"] == "authenticated"


# --- tenant isolation --------------------------------------------------------------------------


async def test_the_same_email_lives_separately_in_two_tenants(api: Api, tenant: TenantHandle, other_tenant: TenantHandle) -> None:
    in_a = await sign_up(api, tenant, password=PASSWORD)
    in_b = await sign_up(api, other_tenant, password="tenant b password")
    assert in_a["user"]["id"] != in_b["user"]["id"]

    # B's key cannot log in A's user with A's password
    crossed = await api.rest("POST", "/v1/auth/login", other_tenant.token, json={"email": "jane@example.com", "password": PASSWORD})
    assert crossed.status_code == 401 and error_code(crossed) == "UNAUTHORIZED"
    assert (await log_in(api, other_tenant, password="tenant b password"))["user"]["id"] == in_b["user"]["id"]

    # each access token belongs to its tenant
    assert data(await api.rest("GET", "/v1/auth/user", in_a["access_token"]))["id"] == in_a["user"]["id"]
    assert jwt.decode(in_b["access_token"], options={"verify_signature": False})["tid"] == other_tenant.tenant_id
    b_sid = sid_of(in_b["access_token"])
    assert (await api.rest("DELETE", f"/v1/auth/sessions/{b_sid}", in_a["access_token"])).status_code == 404
