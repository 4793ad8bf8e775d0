"""User administration (the Users group, scope `auth`): list and search, get, create, update
(including banning) and delete (a secure deletion when the user created objects), over REST
(`/v1/users`) and GraphQL (`users`, `user`, `createUser`, `updateUser`, `deleteUser`).

Every route needs an API key with the `auth` scope (or `*`); a `read` key and an end user's own
access token are refused. End users are made either by the admin routes or by signup with the
tenant key, and their access tokens are checked against `GET /v1/auth/user`.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from resolvers.auth import repository as auth_repository
from tests.support import Api, TenantHandle, data, error_code, gql_code

PASSWORD = "correct horse battery"
USER = "id email phone role emailVerified userMetadata"


# --- helpers -----------------------------------------------------------------------------------


async def create_user(api: Api, tenant: TenantHandle, email: str, **body: Any) -> dict[str, Any]:
    return data(await api.rest("POST", "/v1/users", tenant.token, json={"email": email, **body}), 201)


async def sign_up(api: Api, tenant: TenantHandle, email: str, password: str = PASSWORD) -> dict[str, Any]:
    """A self-registered end user: the token pair and the user."""
    return data(await api.rest("POST", "/v1/auth/signup", tenant.token, json={"email": email, "password": password}), 201)


async def log_in(api: Api, tenant: TenantHandle, email: str, password: str = PASSWORD) -> httpx.Response:
    return await api.rest("POST", "/v1/auth/login", tenant.token, json={"email": email, "password": password})


async def listed(api: Api, tenant: TenantHandle, **params: Any) -> dict[str, Any]:
    return data(await api.rest("GET", "/v1/users", tenant.token, params=params))


async def emails(api: Api, tenant: TenantHandle, **params: Any) -> list[str]:
    return [u["email"] for u in (await listed(api, tenant, **params))["users"]]


async def read_key(api: Api, tenant: TenantHandle) -> str:
    return data(await api.rest("POST", "/v1/keys", tenant.token, json={"label": "reader", "scopes": ["read"]}), 201)["token"]


def field_of(response: httpx.Response) -> str:
    assert response.status_code == 400 and error_code(response) == "VALIDATION_ERROR", response.text
    return response.json()["error"]["details"][0]["field"]


def every_route(user_id: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    return [
        ("GET", "/v1/users", None),
        ("POST", "/v1/users", {"email": "new@example.com", "password": PASSWORD}),
        ("GET", f"/v1/users/{user_id}", None),
        ("PATCH", f"/v1/users/{user_id}", {"role": "admin"}),
        ("DELETE", f"/v1/users/{user_id}", None),
    ]


async def every_graphql_operation(api: Api, token: str | None, user_id: str) -> list[dict[str, Any]]:
    return [
        await api.gql("{ users { total users { id } } }", token),
        await api.gql("query($id: ID!) { user(id: $id) { id } }", token, id=user_id),
        await api.gql('mutation { createUser(input: {email: "new@example.com"}) { id } }', token),
        await api.gql('mutation($id: ID!) { updateUser(id: $id, input: {role: "admin"}) { id } }', token, id=user_id),
        await api.gql("mutation($id: ID!) { deleteUser(id: $id) { userId deleted } }", token, id=user_id),
    ]


async def assert_untouched(api: Api, tenant: TenantHandle, user: dict[str, Any]) -> None:
    """The refused calls changed nothing: the user is as before and no one else was created."""
    page = await listed(api, tenant)
    assert page["total"] == 1
    assert {k: page["users"][0][k] for k in ("id", "email", "role")} == {k: user[k] for k in ("id", "email", "role")}


# --- scope -------------------------------------------------------------------------------------


async def test_a_read_scoped_key_is_refused_on_every_route_with_insufficient_scope(api: Api, tenant: TenantHandle) -> None:
    user = await create_user(api, tenant, "jane@example.com")
    token = await read_key(api, tenant)

    for method, path, body in every_route(user["id"]):
        response = await api.rest(method, path, token, json=body)
        assert response.status_code == 403 and error_code(response) == "INSUFFICIENT_SCOPE", (method, path, response.text)
    for result in await every_graphql_operation(api, token, user["id"]):
        assert gql_code(result) == "INSUFFICIENT_SCOPE", result

    await assert_untouched(api, tenant, user)


async def test_every_route_without_a_token_is_unauthorized(api: Api, tenant: TenantHandle) -> None:
    user = await create_user(api, tenant, "jane@example.com")

    for method, path, body in every_route(user["id"]):
        response = await api.rest(method, path, None, json=body)
        assert response.status_code == 401 and error_code(response) == "UNAUTHORIZED", (method, path, response.text)
    for result in await every_graphql_operation(api, None, user["id"]):
        assert gql_code(result) == "UNAUTHORIZED", result

    await assert_untouched(api, tenant, user)


async def test_an_end_users_own_access_token_cannot_administer_users_not_even_themselves(api: Api, tenant: TenantHandle) -> None:
    signed = await sign_up(api, tenant, "jane@example.com")
    token, user = signed["access_token"], signed["user"]

    for method, path, body in every_route(user["id"]):
        response = await api.rest(method, path, token, json=body)
        assert response.status_code == 403 and error_code(response) == "INSUFFICIENT_SCOPE", (method, path, response.text)
    for result in await every_graphql_operation(api, token, user["id"]):
        assert gql_code(result) == "INSUFFICIENT_SCOPE", result

    await assert_untouched(api, tenant, user)
    assert (await api.rest("GET", "/v1/auth/user", token)).status_code == 200  # they were not deleted either


async def test_a_key_with_only_the_auth_scope_administers_users(api: Api, tenant: TenantHandle) -> None:
    admin = data(await api.rest("POST", "/v1/keys", tenant.token, json={"label": "admin", "scopes": ["auth"]}), 201)["token"]

    made = data(await api.rest("POST", "/v1/users", admin, json={"email": "jane@example.com"}), 201)
    assert data(await api.rest("GET", "/v1/users", admin))["total"] == 1
    assert data(await api.rest("GET", f"/v1/users/{made['id']}", admin))["email"] == "jane@example.com"
    assert data(await api.rest("PATCH", f"/v1/users/{made['id']}", admin, json={"role": "editor"}))["role"] == "editor"
    assert data(await api.rest("DELETE", f"/v1/users/{made['id']}", admin)) == {"user_id": made["id"], "deleted": True}


# --- create ------------------------------------------------------------------------------------


async def test_create_answers_201_with_the_normalised_user_and_the_default_role(api: Api, tenant: TenantHandle) -> None:
    response = await api.rest("POST", "/v1/users", tenant.token, json={"email": "  Jane@Example.COM ", "password": PASSWORD})
    user = data(response, 201)

    assert user["id"].startswith("usr_")
    assert user["email"] == "jane@example.com"
    assert user["role"] == "authenticated"
    assert user["email_verified"] is False and user["phone"] is None and user["user_metadata"] == {}
    assert user["last_sign_in_at"] is None
    assert "password" not in user and "password_hash" not in user
    assert data(await api.rest("GET", f"/v1/users/{user['id']}", tenant.token)) == user


async def test_create_keeps_the_role_phone_metadata_and_verified_email_asked_for(api: Api, tenant: TenantHandle) -> None:
    user = await create_user(
        api, tenant, "ops@example.com",
        role="support-agent", phone="+1 415 555 2671", email_verified=True, user_metadata={"team": "blue", "level": 2},
    )

    assert user["role"] == "support-agent"
    assert user["phone"] == "+14155552671"  # E.164
    assert user["email_verified"] is True
    assert user["user_metadata"] == {"team": "blue", "level": 2}
    assert (await create_user(api, tenant, "plain@example.com", email_verified=False))["email_verified"] is False


async def test_create_user_over_graphql_returns_the_same_user(api: Api, tenant: TenantHandle) -> None:
    result = await api.gql(
        f"mutation($input: CreateUserInput!) {{ createUser(input: $input) {{ {USER} }} }}",
        tenant.token,
        input={"email": " Ops@Example.com", "role": "editor", "emailVerified": True, "userMetadata": {"a": 1}},
    )
    made = result["data"]["createUser"]
    assert made["id"].startswith("usr_")
    assert {k: v for k, v in made.items() if k != "id"} == {
        "email": "ops@example.com", "phone": None, "role": "editor", "emailVerified": True, "userMetadata": {"a": 1},
    }
    fetched = data(await api.rest("GET", f"/v1/users/{made['id']}", tenant.token))
    assert fetched["email"] == "ops@example.com" and fetched["role"] == "editor"


async def test_a_taken_email_is_already_exists_whatever_its_case_or_origin(api: Api, tenant: TenantHandle, other_tenant: TenantHandle) -> None:
    await create_user(api, tenant, "jane@example.com")
    await sign_up(api, tenant, "self@example.com")

    for email in ("jane@example.com", "JANE@Example.COM", " self@EXAMPLE.com "):
        response = await api.rest("POST", "/v1/users", tenant.token, json={"email": email})
        assert response.status_code == 409 and error_code(response) == "ALREADY_EXISTS", email
    result = await api.gql('mutation { createUser(input: {email: "Jane@example.com"}) { id } }', tenant.token)
    assert gql_code(result) == "ALREADY_EXISTS"
    assert (await listed(api, tenant))["total"] == 2

    # emails are unique per tenant, not across tenants
    assert (await create_user(api, other_tenant, "jane@example.com"))["email"] == "jane@example.com"


def hold_email_lookups_until_both_arrive(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two concurrent requests each look the email up before either saves: the interleaving
    that real concurrent admins (or an admin and a signup) hit, made certain."""
    real = auth_repository.user_by_email
    both_looked = asyncio.Barrier(2)

    async def lookup(tenant_id: str, email: str) -> Any:
        found = await real(tenant_id, email)
        await asyncio.wait_for(both_looked.wait(), timeout=5)
        return found

    monkeypatch.setattr(auth_repository, "user_by_email", lookup)


@pytest.mark.postgres_only  # on SQLite requests run one transaction at a time, so there is no race
async def test_two_concurrent_creates_of_one_email_give_one_201_and_one_409(
    api: Api, tenant: TenantHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    hold_email_lookups_until_both_arrive(monkeypatch)
    created = await asyncio.gather(
        *[api.rest("POST", "/v1/users", tenant.token, json={"email": "race@example.com"}) for _ in range(2)]
    )
    assert sorted(r.status_code for r in created) == [201, 409], [r.text for r in created]
    assert await emails(api, tenant) == ["race@example.com"]


@pytest.mark.postgres_only
async def test_two_concurrent_renames_to_one_email_give_one_200_and_one_409(
    api: Api, tenant: TenantHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    users = [await create_user(api, tenant, f"{name}@example.com") for name in ("first", "second")]
    hold_email_lookups_until_both_arrive(monkeypatch)
    renamed = await asyncio.gather(
        *[api.rest("PATCH", f"/v1/users/{u['id']}", tenant.token, json={"email": "taken@example.com"}) for u in users]
    )
    assert sorted(r.status_code for r in renamed) == [200, 409], [r.text for r in renamed]
    winner = next(i for i, r in enumerate(renamed) if r.status_code == 200)
    assert sorted(await emails(api, tenant)) == sorted(["taken@example.com", users[1 - winner]["email"]])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"password": PASSWORD}, "email"),
        ({"email": "jane@example.com", "role": "Admin"}, "role"),
        ({"email": "jane@example.com", "role": "has space"}, "role"),
        ({"email": "jane@example.com", "role": "r" * 64}, "role"),
        ({"email": "jane@example.com", "phone": "12345"}, "phone"),
        ({"email": "jane@example.com", "password": "short"}, "password"),
        ({"email": "jane@example.com", "password": ""}, "password"),
        ({"email": "jane@example.com", "user_metadata": ["a", "list"]}, "user_metadata"),
    ],
    ids=["bad-email", "no-email", "uppercase-role", "spaced-role", "long-role", "bad-phone", "short-password", "empty-password", "metadata-list"],
)
async def test_create_validation_errors_name_the_field_and_create_nothing(
    api: Api, tenant: TenantHandle, body: dict[str, Any], field: str
) -> None:
    assert field_of(await api.rest("POST", "/v1/users", tenant.token, json=body)) == field
    assert (await listed(api, tenant))["total"] == 0


async def test_create_validation_errors_name_the_field_over_graphql_too(api: Api, tenant: TenantHandle) -> None:
    result = await api.gql('mutation { createUser(input: {email: "jane@example.com", role: "Not OK"}) { id } }', tenant.token)
    assert gql_code(result) == "VALIDATION_ERROR"
    assert result["errors"][0]["extensions"]["details"][0]["field"] == "role"


async def test_metadata_over_16_kb_is_payload_too_large(api: Api, tenant: TenantHandle) -> None:
    huge = {"blob": "x" * (16 * 1024)}
    response = await api.rest("POST", "/v1/users", tenant.token, json={"email": "jane@example.com", "user_metadata": huge})
    assert response.status_code == 413 and error_code(response) == "PAYLOAD_TOO_LARGE"
    assert (await listed(api, tenant))["total"] == 0

    user = await create_user(api, tenant, "jane@example.com", user_metadata={"ok": True})
    response = await api.rest("PATCH", f"/v1/users/{user['id']}", tenant.token, json={"user_metadata": huge})
    assert response.status_code == 413 and error_code(response) == "PAYLOAD_TOO_LARGE"
    assert data(await api.rest("GET", f"/v1/users/{user['id']}", tenant.token))["user_metadata"] == {"ok": True}


async def test_a_user_created_with_a_password_can_log_in(api: Api, tenant: TenantHandle) -> None:
    user = await create_user(api, tenant, "Jane@Example.com", password=PASSWORD, role="editor")

    tokens = data(await log_in(api, tenant, "jane@example.com"))
    assert tokens["user"]["id"] == user["id"] and tokens["user"]["role"] == "editor"
    me = data(await api.rest("GET", "/v1/auth/user", tokens["access_token"]))
    assert me["id"] == user["id"]
    assert data(await api.rest("GET", f"/v1/users/{user['id']}", tenant.token))["last_sign_in_at"] is not None

    wrong = await log_in(api, tenant, "jane@example.com", "not the password")
    assert wrong.status_code == 401 and error_code(wrong) == "UNAUTHORIZED"


async def test_a_user_created_without_a_password_cannot_log_in(api: Api, tenant: TenantHandle) -> None:
    await create_user(api, tenant, "nopass@example.com")

    for password in (PASSWORD, "", "anything at all"):
        response = await log_in(api, tenant, "nopass@example.com", password)
        assert response.status_code == 401 and error_code(response) == "UNAUTHORIZED", password


# --- list --------------------------------------------------------------------------------------


async def test_list_is_newest_first_with_the_total_and_pages_by_limit_and_offset(api: Api, tenant: TenantHandle) -> None:
    made = [await create_user(api, tenant, f"user{i}@example.com") for i in range(5)]
    newest_first = [u["id"] for u in reversed(made)]

    everyone = await listed(api, tenant)
    assert [u["id"] for u in everyone["users"]] == newest_first and everyone["total"] == 5

    first = await listed(api, tenant, limit=2)
    second = await listed(api, tenant, limit=2, offset=2)
    last = await listed(api, tenant, limit=2, offset=4)
    beyond = await listed(api, tenant, limit=2, offset=10)
    assert [u["id"] for page in (first, second, last) for u in page["users"]] == newest_first
    assert [len(p["users"]) for p in (first, second, last, beyond)] == [2, 2, 1, 0]
    assert {p["total"] for p in (first, second, last, beyond)} == {5}

    assert len((await listed(api, tenant, limit=100))["users"]) == 5
    assert len((await listed(api, tenant, limit=1))["users"]) == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [({"limit": 0}, "limit"), ({"limit": 101}, "limit"), ({"limit": -1}, "limit"), ({"offset": -1}, "offset"), ({"search": "x" * 201}, "search")],
    ids=["limit-0", "limit-101", "limit-negative", "offset-negative", "search-too-long"],
)
async def test_list_bounds_are_validation_errors(api: Api, tenant: TenantHandle, params: dict[str, Any], field: str) -> None:
    await create_user(api, tenant, "jane@example.com")
    assert field_of(await api.rest("GET", "/v1/users", tenant.token, params=params)) == field

    arguments = ", ".join(f"{k}: {v!r}" if isinstance(v, int) else f'{k}: "{v}"' for k, v in params.items())
    result = await api.gql(f"{{ users({arguments}) {{ total }} }}", tenant.token)
    assert gql_code(result) == "VALIDATION_ERROR"
    assert result["errors"][0]["extensions"]["details"][0]["field"] == field


async def test_search_matches_part_of_the_email_case_insensitively(api: Api, tenant: TenantHandle) -> None:
    await create_user(api, tenant, "Alice.Smith@Example.com")
    await create_user(api, tenant, "bob@example.org")
    await create_user(api, tenant, "carol@test.io")

    assert await emails(api, tenant, search="SMITH") == ["alice.smith@example.com"]
    assert await emails(api, tenant, search="Example") == ["bob@example.org", "alice.smith@example.com"]
    assert await emails(api, tenant, search="  bob@  ") == ["bob@example.org"]  # trimmed
    assert await emails(api, tenant, search="zed") == []
    assert (await listed(api, tenant, search="example", limit=1))["total"] == 2
    assert len(await emails(api, tenant, search="   ")) == 3  # a blank search is no search


async def test_search_matches_the_phone_and_the_exact_id_only(api: Api, tenant: TenantHandle) -> None:
    phoned = await create_user(api, tenant, "phoned@example.com", phone="+14155552671")
    other = await create_user(api, tenant, "other@example.com", phone="+442071838750")
    await create_user(api, tenant, "nophone@example.com")

    assert await emails(api, tenant, search="+14155552671") == ["phoned@example.com"]
    assert await emails(api, tenant, search="5552671") == ["phoned@example.com"]
    assert await emails(api, tenant, search=other["id"]) == ["other@example.com"]
    assert await emails(api, tenant, search=phoned["id"].upper()) == ["phoned@example.com"]
    assert await emails(api, tenant, search=phoned["id"][:-2]) == []  # part of an id is not a match
    assert await emails(api, tenant, search="usr_") == []


async def test_search_treats_like_wildcards_as_plain_characters(api: Api, tenant: TenantHandle) -> None:
    await create_user(api, tenant, "a_b@example.com")
    await create_user(api, tenant, "a%b@example.com")
    await create_user(api, tenant, "axb@example.com")

    assert await emails(api, tenant, search="_") == ["a_b@example.com"]
    assert await emails(api, tenant, search="%") == ["a%b@example.com"]
    assert await emails(api, tenant, search="A_B") == ["a_b@example.com"]


async def test_role_filter_narrows_the_list_and_combines_with_search(api: Api, tenant: TenantHandle) -> None:
    await create_user(api, tenant, "ann@example.com", role="editor")
    await create_user(api, tenant, "ben@example.com")
    await create_user(api, tenant, "cat@test.io", role="editor")

    editors = await listed(api, tenant, role="editor")
    assert [u["email"] for u in editors["users"]] == ["cat@test.io", "ann@example.com"] and editors["total"] == 2
    assert await emails(api, tenant, role="authenticated") == ["ben@example.com"]
    assert await emails(api, tenant, role="editor", search="example") == ["ann@example.com"]
    assert await emails(api, tenant, role="nobody") == []


async def test_list_shows_only_the_callers_tenants_users(api: Api, tenant: TenantHandle, other_tenant: TenantHandle) -> None:
    mine = await create_user(api, tenant, "mine@example.com")
    theirs = await create_user(api, other_tenant, "theirs@example.com")
    await create_user(api, other_tenant, "mine@example.com")  # the same address in the other tenant

    page = await listed(api, tenant)
    assert [u["id"] for u in page["users"]] == [mine["id"]] and page["total"] == 1
    assert await emails(api, tenant, search="theirs") == []
    assert await emails(api, tenant, search=theirs["id"]) == []
    assert await emails(api, other_tenant) == ["mine@example.com", "theirs@example.com"]


async def test_users_query_over_graphql_pages_searches_and_filters(api: Api, tenant: TenantHandle) -> None:
    await create_user(api, tenant, "ann@example.com", role="editor")
    ben = await create_user(api, tenant, "ben@example.com")
    await create_user(api, tenant, "cat@example.com", role="editor")

    query = "query($limit: Int, $offset: Int, $search: String, $role: String) { users(limit: $limit, offset: $offset, search: $search, role: $role) { total users { id email role } } }"
    everyone = (await api.gql(query, tenant.token))["data"]["users"]
    assert [u["email"] for u in everyone["users"]] == ["cat@example.com", "ben@example.com", "ann@example.com"]
    assert everyone["total"] == 3
    page = (await api.gql(query, tenant.token, limit=1, offset=1))["data"]["users"]
    assert page == {"total": 3, "users": [{"id": ben["id"], "email": "ben@example.com", "role": "authenticated"}]}
    editors = (await api.gql(query, tenant.token, role="editor", search="ANN"))["data"]["users"]
    assert [u["email"] for u in editors["users"]] == ["ann@example.com"] and editors["total"] == 1


# --- get ---------------------------------------------------------------------------------------


async def test_get_returns_the_user_over_rest_and_graphql(api: Api, tenant: TenantHandle) -> None:
    made = await create_user(api, tenant, "jane@example.com", role="editor", phone="+14155552671", user_metadata={"k": "v"})

    assert data(await api.rest("GET", f"/v1/users/{made['id']}", tenant.token)) == made
    result = await api.gql(f"query($id: ID!) {{ user(id: $id) {{ {USER} }} }}", tenant.token, id=made["id"])
    assert result["data"]["user"] == {
        "id": made["id"], "email": "jane@example.com", "phone": "+14155552671", "role": "editor",
        "emailVerified": False, "userMetadata": {"k": "v"},
    }


async def test_an_unknown_or_another_tenants_user_is_not_found_on_every_route(
    api: Api, tenant: TenantHandle, other_tenant: TenantHandle
) -> None:
    theirs = await create_user(api, other_tenant, "theirs@example.com", password=PASSWORD)
    for user_id in ("usr_doesnotexist000000", theirs["id"]):
        for method, path, body in (
            ("GET", f"/v1/users/{user_id}", None),
            ("PATCH", f"/v1/users/{user_id}", {"role": "stolen", "banned": True}),
            ("DELETE", f"/v1/users/{user_id}", None),
            ("DELETE", f"/v1/users/{user_id}?force=true&confirm_token=x.y", None),
        ):
            response = await api.rest(method, path, tenant.token, json=body)
            assert response.status_code == 404 and error_code(response) == "NOT_FOUND", (method, path, response.text)
        assert gql_code(await api.gql("query($id: ID!) { user(id: $id) { id } }", tenant.token, id=user_id)) == "NOT_FOUND"
        update = 'mutation($id: ID!) { updateUser(id: $id, input: {role: "stolen"}) { id } }'
        assert gql_code(await api.gql(update, tenant.token, id=user_id)) == "NOT_FOUND"
        assert gql_code(await api.gql("mutation($id: ID!) { deleteUser(id: $id) { deleted } }", tenant.token, id=user_id)) == "NOT_FOUND"

    # the other tenant's user is untouched and can still log in
    assert data(await api.rest("GET", f"/v1/users/{theirs['id']}", other_tenant.token))["role"] == "authenticated"
    assert (await log_in(api, other_tenant, "theirs@example.com")).status_code == 200


# --- update ------------------------------------------------------------------------------------


async def test_update_changes_email_phone_and_role_and_replaces_metadata(api: Api, tenant: TenantHandle) -> None:
    user = await create_user(api, tenant, "old@example.com", password=PASSWORD, phone="+14155552671", user_metadata={"a": 1, "b": 2})
    path = f"/v1/users/{user['id']}"

    updated = data(await api.rest("PATCH", path, tenant.token, json={
        "email": "  New@Example.com", "phone": "+44 20 7183 8750", "role": "editor", "user_metadata": {"c": 3},
    }))
    assert updated["id"] == user["id"]
    assert updated["email"] == "new@example.com"
    assert updated["phone"] == "+442071838750"
    assert updated["role"] == "editor"
    assert updated["user_metadata"] == {"c": 3}  # replaced, not merged
    assert data(await api.rest("GET", path, tenant.token)) == updated

    # the login follows the email, and the token carries the new role
    assert (await log_in(api, tenant, "old@example.com")).status_code == 401
    tokens = data(await log_in(api, tenant, "new@example.com"))
    assert data(await api.rest("GET", "/v1/auth/user", tokens["access_token"]))["role"] == "editor"
    # the old address is free again
    assert (await create_user(api, tenant, "old@example.com"))["email"] == "old@example.com"


async def test_omitted_fields_stay_and_null_clears_phone_and_metadata(api: Api, tenant: TenantHandle) -> None:
    user = await create_user(api, tenant, "jane@example.com", phone="+14155552671", role="editor", user_metadata={"a": 1})
    path = f"/v1/users/{user['id']}"

    unchanged = data(await api.rest("PATCH", path, tenant.token, json={}))
    assert {k: unchanged[k] for k in ("email", "phone", "role", "user_metadata")} == {
        "email": "jane@example.com", "phone": "+14155552671", "role": "editor", "user_metadata": {"a": 1},
    }
    cleared = data(await api.rest("PATCH", path, tenant.token, json={"phone": None, "user_metadata": None}))
    assert cleared["phone"] is None and cleared["user_metadata"] == {}
    assert cleared["email"] == "jane@example.com" and cleared["role"] == "editor"


async def test_changing_the_email_to_a_taken_one_is_already_exists(api: Api, tenant: TenantHandle) -> None:
    jane = await create_user(api, tenant, "jane@example.com")
    await sign_up(api, tenant, "john@example.com")
    path = f"/v1/users/{jane['id']}"

    for email in ("john@example.com", "JOHN@example.COM"):
        response = await api.rest("PATCH", path, tenant.token, json={"email": email, "role": "editor"})
        assert response.status_code == 409 and error_code(response) == "ALREADY_EXISTS", email
    result = await api.gql('mutation($id: ID!) { updateUser(id: $id, input: {email: "john@example.com"}) { id } }', tenant.token, id=jane["id"])
    assert gql_code(result) == "ALREADY_EXISTS"
    assert data(await api.rest("GET", path, tenant.token))["email"] == "jane@example.com"
    assert data(await api.rest("GET", path, tenant.token))["role"] == "authenticated"  # the refused patch changed nothing

    # the user's own address in another case is not a conflict
    assert data(await api.rest("PATCH", path, tenant.token, json={"email": "Jane@EXAMPLE.com"}))["email"] == "jane@example.com"


async def test_email_verified_toggles_on_and_off(api: Api, tenant: TenantHandle) -> None:
    user = await create_user(api, tenant, "jane@example.com")
    path = f"/v1/users/{user['id']}"

    assert data(await api.rest("PATCH", path, tenant.token, json={"email_verified": True}))["email_verified"] is True
    assert data(await api.rest("PATCH", path, tenant.token, json={"role": "editor"}))["email_verified"] is True
    assert data(await api.rest("PATCH", path, tenant.token, json={"email_verified": False}))["email_verified"] is False
    assert data(await api.rest("GET", path, tenant.token))["email_verified"] is False

    mutation = "mutation($id: ID!, $v: Boolean) { updateUser(id: $id, input: {emailVerified: $v}) { emailVerified } }"
    assert (await api.gql(mutation, tenant.token, id=user["id"], v=True))["data"]["updateUser"] == {"emailVerified": True}


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"email": "nope"}, "email"),
        ({"role": "Bad Role"}, "role"),
        ({"phone": "12345"}, "phone"),
        ({"user_metadata": "text"}, "user_metadata"),
        ({"banned": True, "ban_reason": "x" * 501}, "ban_reason"),
    ],
    ids=["bad-email", "bad-role", "bad-phone", "metadata-text", "long-ban-reason"],
)
async def test_update_validation_errors_name_the_field_and_change_nothing(
    api: Api, tenant: TenantHandle, patch: dict[str, Any], field: str
) -> None:
    user = await create_user(api, tenant, "jane@example.com", password=PASSWORD, role="editor")
    tokens = data(await log_in(api, tenant, "jane@example.com"))

    assert field_of(await api.rest("PATCH", f"/v1/users/{user['id']}", tenant.token, json={"role": "viewer", **patch})) == field
    after = data(await api.rest("GET", f"/v1/users/{user['id']}", tenant.token))
    assert after["email"] == "jane@example.com" and after["role"] == "editor"
    assert (await api.rest("GET", "/v1/auth/user", tokens["access_token"])).status_code == 200  # not banned


async def test_banning_refuses_the_users_existing_token_and_their_login_with_user_banned(api: Api, tenant: TenantHandle) -> None:
    signed = await sign_up(api, tenant, "jane@example.com")
    token, user_id = signed["access_token"], signed["user"]["id"]
    bystander = (await sign_up(api, tenant, "john@example.com"))["access_token"]
    assert (await api.rest("GET", "/v1/auth/user", token)).status_code == 200

    banned = data(await api.rest("PATCH", f"/v1/users/{user_id}", tenant.token, json={"banned": True, "ban_reason": "spam"}))
    assert banned["id"] == user_id

    refused = await api.rest("GET", "/v1/auth/user", token)
    assert refused.status_code == 403 and error_code(refused) == "USER_BANNED"
    login = await log_in(api, tenant, "jane@example.com")
    assert login.status_code == 403 and error_code(login) == "USER_BANNED"
    # a wrong password says nothing about the ban
    wrong = await log_in(api, tenant, "jane@example.com", "not the password")
    assert wrong.status_code == 401 and error_code(wrong) == "UNAUTHORIZED"
    refreshed = await api.rest("POST", "/v1/auth/refresh", tenant.token, json={"refresh_token": signed["refresh_token"]})
    assert refreshed.status_code in (401, 403) and error_code(refreshed) in ("UNAUTHORIZED", "USER_BANNED")

    # the ban is on this user only, and the admin still sees them
    assert (await api.rest("GET", "/v1/auth/user", bystander)).status_code == 200
    assert data(await api.rest("GET", f"/v1/users/{user_id}", tenant.token))["email"] == "jane@example.com"


async def test_unbanning_lets_the_user_log_in_again_but_does_not_revive_old_sessions(api: Api, tenant: TenantHandle) -> None:
    signed = await sign_up(api, tenant, "jane@example.com")
    path = f"/v1/users/{signed['user']['id']}"
    data(await api.rest("PATCH", path, tenant.token, json={"banned": True, "ban_reason": "spam"}))
    assert (await log_in(api, tenant, "jane@example.com")).status_code == 403

    data(await api.rest("PATCH", path, tenant.token, json={"banned": False}))

    tokens = data(await log_in(api, tenant, "jane@example.com"))
    assert data(await api.rest("GET", "/v1/auth/user", tokens["access_token"]))["id"] == signed["user"]["id"]
    old = await api.rest("GET", "/v1/auth/user", signed["access_token"])
    assert old.status_code == 401 and error_code(old) == "UNAUTHORIZED"  # the ban ended that session for good


async def test_banning_over_graphql_works_the_same(api: Api, tenant: TenantHandle) -> None:
    signed = await sign_up(api, tenant, "jane@example.com")
    mutation = "mutation($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id email } }"

    result = await api.gql(mutation, tenant.token, id=signed["user"]["id"], input={"banned": True, "banReason": "abuse"})
    assert result["data"]["updateUser"] == {"id": signed["user"]["id"], "email": "jane@example.com"}
    refused = await api.rest("GET", "/v1/auth/user", signed["access_token"])
    assert refused.status_code == 403 and error_code(refused) == "USER_BANNED"

    await api.gql(mutation, tenant.token, id=signed["user"]["id"], input={"banned": False})
    assert (await log_in(api, tenant, "jane@example.com")).status_code == 200


# --- delete ------------------------------------------------------------------------------------


async def test_a_user_without_objects_is_deleted_at_once_and_their_token_stops_working(api: Api, tenant: TenantHandle) -> None:
    signed = await sign_up(api, tenant, "jane@example.com")
    user_id = signed["user"]["id"]
    bystander = await sign_up(api, tenant, "john@example.com")

    assert data(await api.rest("DELETE", f"/v1/users/{user_id}", tenant.token)) == {"user_id": user_id, "deleted": True}

    stale = await api.rest("GET", "/v1/auth/user", signed["access_token"])
    assert stale.status_code == 401 and error_code(stale) == "UNAUTHORIZED"
    gone = await api.rest("GET", f"/v1/users/{user_id}", tenant.token)
    assert gone.status_code == 404 and error_code(gone) == "NOT_FOUND"
    again = await api.rest("DELETE", f"/v1/users/{user_id}", tenant.token)
    assert again.status_code == 404 and error_code(again) == "NOT_FOUND"
    refreshed = await api.rest("POST", "/v1/auth/refresh", tenant.token, json={"refresh_token": signed["refresh_token"]})
    assert refreshed.status_code == 401
    assert (await log_in(api, tenant, "jane@example.com")).status_code == 401

    assert await emails(api, tenant) == ["john@example.com"]
    assert (await api.rest("GET", "/v1/auth/user", bystander["access_token"])).status_code == 200
    # the address can be used again
    assert (await sign_up(api, tenant, "jane@example.com"))["user"]["id"] != user_id


async def test_a_user_who_created_objects_needs_a_confirmed_delete_and_their_objects_stay(api: Api, tenant: TenantHandle) -> None:
    signed = await sign_up(api, tenant, "jane@example.com")
    user_id = signed["user"]["id"]
    type_id = data(await api.rest("POST", "/v1/object-types", tenant.token, json={"name": "notes"}), 201)["id"]
    note = data(await api.rest("POST", f"/v1/objects/{type_id}", signed["access_token"], json={"properties": {"title": "hi"}}), 201)
    assert note["created_by"] == user_id
    path = f"/v1/users/{user_id}"

    refused = await api.rest("DELETE", path, tenant.token)
    assert refused.status_code == 409 and error_code(refused) == "DEPENDENCY_EXISTS"
    error = refused.json()["error"]
    assert [{k: d[k] for k in ("type", "count")} for d in error["dependencies"]] == [{"type": "objects", "count": 1}]
    assert error["dependencies"][0]["label"]
    confirm_token = error["confirm_token"]
    # the refusal changed nothing: the user and their session are live
    assert data(await api.rest("GET", path, tenant.token))["id"] == user_id
    assert (await api.rest("GET", "/v1/auth/user", signed["access_token"])).status_code == 200

    # force without the token, or with a made-up one, is refused again with a fresh token
    for params in ({"force": "true"}, {"force": "true", "confirm_token": "made.up"}):
        retry = await api.rest("DELETE", path, tenant.token, params=params)
        assert retry.status_code == 409 and error_code(retry) == "DEPENDENCY_EXISTS", params
        assert retry.json()["error"]["confirm_token"] not in ("", None, confirm_token)

    deleted = await api.rest("DELETE", path, tenant.token, params={"force": "true", "confirm_token": confirm_token})
    assert data(deleted) == {"user_id": user_id, "deleted": True}

    assert (await api.rest("GET", path, tenant.token)).status_code == 404
    assert (await api.rest("GET", "/v1/auth/user", signed["access_token"])).status_code == 401
    kept = data(await api.rest("GET", f"/v1/objects/{type_id}/{note['id']}", tenant.token))
    assert kept["properties"] == {"title": "hi"} and kept["created_by"] == user_id


async def test_a_confirm_token_deletes_only_the_user_it_was_issued_for(api: Api, tenant: TenantHandle) -> None:
    type_id = data(await api.rest("POST", "/v1/object-types", tenant.token, json={"name": "notes"}), 201)["id"]
    users = [await sign_up(api, tenant, f"{name}@example.com") for name in ("jane", "john")]
    for signed in users:
        data(await api.rest("POST", f"/v1/objects/{type_id}", signed["access_token"], json={"properties": {"n": 1}}), 201)
    jane_id, john_id = (u["user"]["id"] for u in users)
    jane_token = (await api.rest("DELETE", f"/v1/users/{jane_id}", tenant.token)).json()["error"]["confirm_token"]

    misused = await api.rest("DELETE", f"/v1/users/{john_id}", tenant.token, params={"force": "true", "confirm_token": jane_token})
    assert misused.status_code == 409 and error_code(misused) == "DEPENDENCY_EXISTS"
    assert data(await api.rest("GET", f"/v1/users/{john_id}", tenant.token))["id"] == john_id

    data(await api.rest("DELETE", f"/v1/users/{jane_id}", tenant.token, params={"force": "true", "confirm_token": jane_token}))
    assert await emails(api, tenant) == ["john@example.com"]


async def test_delete_user_over_graphql_with_force_and_confirm_token(api: Api, tenant: TenantHandle) -> None:
    signed = await sign_up(api, tenant, "jane@example.com")
    user_id = signed["user"]["id"]
    type_id = data(await api.rest("POST", "/v1/object-types", tenant.token, json={"name": "notes"}), 201)["id"]
    data(await api.rest("POST", f"/v1/objects/{type_id}", signed["access_token"], json={"properties": {"title": "hi"}}), 201)
    mutation = "mutation($id: ID!, $force: Boolean, $confirm: String) { deleteUser(id: $id, force: $force, confirmToken: $confirm) { userId deleted } }"

    refused = await api.gql(mutation, tenant.token, id=user_id)
    assert gql_code(refused) == "DEPENDENCY_EXISTS"
    extensions = refused["errors"][0]["extensions"]
    assert {d["type"]: d["count"] for d in extensions["dependencies"]} == {"objects": 1}

    done = await api.gql(mutation, tenant.token, id=user_id, force=True, confirm=extensions["confirm_token"])
    assert done["data"]["deleteUser"] == {"userId": user_id, "deleted": True}
    assert gql_code(await api.gql("query($id: ID!) { user(id: $id) { id } }", tenant.token, id=user_id)) == "NOT_FOUND"
    assert (await api.rest("GET", f"/v1/objects/{type_id}/list", tenant.token)).json()["data"]["total"] == 1

    plain = await create_user(api, tenant, "plain@example.com")
    assert (await api.gql(mutation, tenant.token, id=plain["id"]))["data"]["deleteUser"] == {"userId": plain["id"], "deleted": True}


async def test_admins_see_who_is_banned_and_why_and_a_reason_needs_a_ban(api: Api, tenant: TenantHandle) -> None:
    user = await create_user(api, tenant, "seen@example.com")
    assert (user["banned"], user["ban_reason"]) == (False, None)
    lonely_reason = await api.rest("PATCH", f"/v1/users/{user['id']}", tenant.token, json={"ban_reason": "spam"})
    assert lonely_reason.status_code == 400 and lonely_reason.json()["error"]["details"][0]["field"] == "ban_reason"
    banned = data(await api.rest("PATCH", f"/v1/users/{user['id']}", tenant.token, json={"banned": True, "ban_reason": "spam"}))
    assert (banned["banned"], banned["ban_reason"]) == (True, "spam")
    reworded = data(await api.rest("PATCH", f"/v1/users/{user['id']}", tenant.token, json={"ban_reason": "abuse"}))
    assert (reworded["banned"], reworded["ban_reason"]) == (True, "abuse")
    listed = data(await api.rest("GET", "/v1/users", tenant.token, params={"search": "seen@"}))["users"]
    assert [(u["id"], u["banned"], u["ban_reason"]) for u in listed] == [(user["id"], True, "abuse")]
