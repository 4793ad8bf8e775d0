"""API Keys group: every route over REST and the same operation over GraphQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests.support import Api, TenantHandle, data, error_code, gql_code

KEY_FIELDS = "id label prefix scopes ip_allowlist expires_at rate_limit parent_key_id status"


async def test_new_tenant_key_lists_itself_over_rest_and_graphql(api: Api, tenant: TenantHandle) -> None:
    keys = data(await api.rest("GET", "/v1/keys", tenant.token))
    assert [k["id"] for k in keys] == [tenant.key_id]
    assert keys[0]["scopes"] == ["*"] and keys[0]["status"] == "active"
    assert "token" not in keys[0] and "token_hash" not in keys[0]

    result = await api.gql("{ apiKeys { id scopes } }", tenant.token)
    assert result["data"]["apiKeys"] == [{"id": tenant.key_id, "scopes": ["*"]}]


async def test_create_returns_token_once_and_the_token_works(api: Api, tenant: TenantHandle) -> None:
    body = {"label": "reader", "scopes": ["read"], "ip_allowlist": ["10.0.0.0/8", "127.0.0.1"], "rate_limit": 100}
    created = data(await api.rest("POST", "/v1/keys", tenant.token, json=body), status=201)
    assert created["token"].startswith("bsk_")
    assert created["key"]["prefix"] == created["token"][:12]
    assert created["key"]["ip_allowlist"] == ["10.0.0.0/8", "127.0.0.1/32"]
    assert created["key"]["parent_key_id"] == tenant.key_id

    listed = data(await api.rest("GET", "/v1/keys", created["token"]))
    assert created["key"]["id"] in [k["id"] for k in listed]
    assert all("token" not in k for k in listed)


async def test_create_over_graphql(api: Api, tenant: TenantHandle) -> None:
    result = await api.gql(
        "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { token key { label scopes } } }",
        tenant.token,
        input={"label": "gql", "scopes": ["read", "write", "read"]},
    )
    assert result["data"]["createApiKey"]["key"] == {"label": "gql", "scopes": ["read", "write"]}


async def test_create_validation_errors_name_each_field(api: Api, tenant: TenantHandle) -> None:
    response = await api.rest(
        "POST", "/v1/keys", tenant.token, json={"scopes": ["read", "admin"], "rate_limit": "fast", "colour": "red"}
    )
    assert response.status_code == 400 and error_code(response) == "VALIDATION_ERROR"
    fields = {d["field"] for d in response.json()["error"]["details"]}
    assert fields == {"label", "rate_limit", "colour"}

    response = await api.rest(
        "POST", "/v1/keys", tenant.token, json={"label": "x", "scopes": ["read", "admin"], "ip_allowlist": ["nope"]}
    )
    assert response.status_code == 400
    assert {d["field"] for d in response.json()["error"]["details"]} == {"scopes[1]", "ip_allowlist[0]"}

    past = (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat()
    response = await api.rest("POST", "/v1/keys", tenant.token, json={"label": "x", "scopes": ["read"], "expires_at": past})
    assert response.status_code == 400 and response.json()["error"]["details"][0]["field"] == "expires_at"


async def test_graphql_validation_error_has_the_same_code(api: Api, tenant: TenantHandle) -> None:
    result = await api.gql(
        'mutation { createApiKey(input: {label: "x", scopes: ["root"]}) { token } }', tenant.token
    )
    assert gql_code(result) == "VALIDATION_ERROR"
    assert result["errors"][0]["extensions"]["details"] == [{"field": "scopes[0]", "message": result["errors"][0]["extensions"]["details"][0]["message"]}]


async def test_a_key_cannot_mint_scopes_it_lacks(api: Api, tenant: TenantHandle) -> None:
    reader = data(await api.rest("POST", "/v1/keys", tenant.token, json={"label": "r", "scopes": ["read"]}), 201)
    response = await api.rest("POST", "/v1/keys", reader["token"], json={"label": "w", "scopes": ["read", "write"]})
    assert response.status_code == 403 and error_code(response) == "INSUFFICIENT_SCOPE"
    response = await api.rest("POST", "/v1/keys", reader["token"], json={"label": "all", "scopes": ["*"]})
    assert response.status_code == 403

    child = await api.rest("POST", "/v1/keys", reader["token"], json={"label": "r2", "scopes": ["read"]})
    assert child.status_code == 201


async def test_a_restricted_key_cannot_mint_or_rotate_into_a_less_restricted_one(api: Api, tenant: TenantHandle) -> None:
    limited = data(
        await api.rest("POST", "/v1/keys", tenant.token, json={"label": "l", "scopes": ["read"], "rate_limit": 50, "ip_allowlist": ["127.0.0.0/8"]}),
        201,
    )
    for body in (
        {"label": "x", "scopes": ["read"], "ip_allowlist": ["127.0.0.0/8"]},  # no rate limit
        {"label": "x", "scopes": ["read"], "rate_limit": 10},  # no allowlist
        {"label": "x", "scopes": ["read"], "rate_limit": 500, "ip_allowlist": ["127.0.0.1"]},  # higher rate
    ):
        response = await api.rest("POST", "/v1/keys", limited["token"], json=body)
        assert response.status_code == 403, body
        assert error_code(response) == "FORBIDDEN"

    # the unrestricted sibling read key cannot be rotated (its token learned) by the limited key
    sibling = data(await api.rest("POST", "/v1/keys", tenant.token, json={"label": "s", "scopes": ["read"]}), 201)
    response = await api.rest("POST", f"/v1/keys/{sibling['key']['id']}/rotate", limited["token"], json={})
    assert response.status_code == 403


async def test_update_changes_only_sent_fields(api: Api, tenant: TenantHandle) -> None:
    created = data(await api.rest("POST", "/v1/keys", tenant.token, json={"label": "a", "scopes": ["read"], "rate_limit": 10}), 201)
    key_id = created["key"]["id"]
    updated = data(await api.rest("PATCH", f"/v1/keys/{key_id}", tenant.token, json={"label": "renamed"}))
    assert updated["label"] == "renamed" and updated["rate_limit"] == 10 and updated["scopes"] == ["read"]

    updated = data(await api.rest("PATCH", f"/v1/keys/{key_id}", tenant.token, json={"rate_limit": None, "scopes": ["read", "files"]}))
    assert updated["rate_limit"] is None and updated["scopes"] == ["read", "files"]

    result = await api.gql(
        "mutation($id: ID!) { updateApiKey(id: $id, input: {label: \"via gql\"}) { label scopes } }", tenant.token, id=key_id
    )
    assert result["data"]["updateApiKey"] == {"label": "via gql", "scopes": ["read", "files"]}


async def test_update_cannot_escalate_own_key(api: Api, tenant: TenantHandle) -> None:
    reader = data(await api.rest("POST", "/v1/keys", tenant.token, json={"label": "r", "scopes": ["read"]}), 201)
    response = await api.rest("PATCH", f"/v1/keys/{reader['key']['id']}", reader["token"], json={"scopes": ["*"]})
    assert response.status_code == 403 and error_code(response) == "INSUFFICIENT_SCOPE"
    # and a read key cannot touch the tenant's admin key at all
    response = await api.rest("PATCH", f"/v1/keys/{tenant.key_id}", reader["token"], json={"label": "pwned"})
    assert response.status_code == 403


async def test_another_tenants_key_is_not_found(api: Api, tenant: TenantHandle, other_tenant: TenantHandle) -> None:
    for method, path, body in (
        ("PATCH", f"/v1/keys/{other_tenant.key_id}", {"label": "x"}),
        ("DELETE", f"/v1/keys/{other_tenant.key_id}", None),
        ("POST", f"/v1/keys/{other_tenant.key_id}/rotate", {}),
    ):
        response = await api.rest(method, path, tenant.token, json=body)
        assert response.status_code == 404, (method, path)
        assert error_code(response) == "NOT_FOUND"
    result = await api.gql("query($id: ID!) { apiKey(id: $id) { id } }", tenant.token, id=other_tenant.key_id)
    assert gql_code(result) == "NOT_FOUND"
    # and the other tenant's key still works
    assert (await api.rest("GET", "/v1/keys", other_tenant.token)).status_code == 200


async def test_revoke_takes_effect_on_the_next_request(api: Api, tenant: TenantHandle) -> None:
    created = data(await api.rest("POST", "/v1/keys", tenant.token, json={"label": "tmp", "scopes": ["read"]}), 201)
    assert (await api.rest("GET", "/v1/keys", created["token"])).status_code == 200
    revoked = data(await api.rest("DELETE", f"/v1/keys/{created['key']['id']}", tenant.token))
    assert revoked == {"key_id": created["key"]["id"], "revoked": True, "revoked_keys": [created["key"]["id"]]}

    response = await api.rest("GET", "/v1/keys", created["token"])
    assert response.status_code == 401 and "revoked" in response.json()["error"]["message"]
    listed = data(await api.rest("GET", "/v1/keys", tenant.token))
    assert created["key"]["id"] not in [k["id"] for k in listed]
    with_revoked = data(await api.rest("GET", "/v1/keys?include_revoked=true", tenant.token))
    assert {k["id"]: k["status"] for k in with_revoked}[created["key"]["id"]] == "revoked"


async def test_revoking_a_key_that_minted_others_uses_secure_deletion(api: Api, tenant: TenantHandle) -> None:
    parent = data(await api.rest("POST", "/v1/keys", tenant.token, json={"label": "p", "scopes": ["read", "write"]}), 201)
    child = data(await api.rest("POST", "/v1/keys", parent["token"], json={"label": "c", "scopes": ["read"]}), 201)
    grandchild = data(await api.rest("POST", "/v1/keys", child["token"], json={"label": "g", "scopes": ["read"]}), 201)
    parent_id = parent["key"]["id"]

    response = await api.rest("DELETE", f"/v1/keys/{parent_id}", tenant.token)
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "DEPENDENCY_EXISTS"
    assert error["dependencies"] == [{"type": "api_keys", "count": 1, "label": "API keys minted by this key"}]
    token = error["confirm_token"]
    assert (await api.rest("GET", "/v1/keys", parent["token"])).status_code == 200  # nothing revoked yet

    response = await api.rest("DELETE", f"/v1/keys/{parent_id}?force=true&confirm_token=wrong", tenant.token)
    assert response.status_code == 409

    revoked = data(await api.rest("DELETE", f"/v1/keys/{parent_id}?force=true&confirm_token={token}", tenant.token))
    assert set(revoked["revoked_keys"]) == {parent_id, child["key"]["id"], grandchild["key"]["id"]}
    for key in (parent, child, grandchild):
        assert (await api.rest("GET", "/v1/keys", key["token"])).status_code == 401


async def test_confirm_token_is_single_use_and_bound_to_its_key(api: Api, tenant: TenantHandle) -> None:
    a = data(await api.rest("POST", "/v1/keys", tenant.token, json={"label": "a", "scopes": ["read"]}), 201)
    b = data(await api.rest("POST", "/v1/keys", tenant.token, json={"label": "b", "scopes": ["read"]}), 201)
    await api.rest("POST", "/v1/keys", a["token"], json={"label": "a1", "scopes": ["read"]})
    await api.rest("POST", "/v1/keys", b["token"], json={"label": "b1", "scopes": ["read"]})
    token_a = (await api.rest("DELETE", f"/v1/keys/{a['key']['id']}", tenant.token)).json()["error"]["confirm_token"]

    wrong_key = await api.rest("DELETE", f"/v1/keys/{b['key']['id']}?force=true&confirm_token={token_a}", tenant.token)
    assert wrong_key.status_code == 409 and "invalid" in wrong_key.json()["error"]["message"]

    assert (await api.rest("DELETE", f"/v1/keys/{a['key']['id']}?force=true&confirm_token={token_a}", tenant.token)).status_code == 200


async def test_revoke_over_graphql_reports_dependencies_in_extensions(api: Api, tenant: TenantHandle) -> None:
    parent = data(await api.rest("POST", "/v1/keys", tenant.token, json={"label": "p", "scopes": ["read"]}), 201)
    await api.rest("POST", "/v1/keys", parent["token"], json={"label": "c", "scopes": ["read"]})
    result = await api.gql("mutation($id: ID!) { revokeApiKey(id: $id) { revoked } }", tenant.token, id=parent["key"]["id"])
    extensions = result["errors"][0]["extensions"]
    assert extensions["code"] == "DEPENDENCY_EXISTS" and extensions["dependencies"][0]["count"] == 1
    result = await api.gql(
        "mutation($id: ID!, $t: String) { revokeApiKey(id: $id, force: true, confirmToken: $t) { revokedKeys } }",
        tenant.token,
        id=parent["key"]["id"],
        t=extensions["confirm_token"],
    )
    assert len(result["data"]["revokeApiKey"]["revokedKeys"]) == 2


async def test_rotate_replaces_the_token_at_once(api: Api, tenant: TenantHandle) -> None:
    old = data(await api.rest("POST", "/v1/keys", tenant.token, json={"label": "svc", "scopes": ["read", "write"], "rate_limit": 60}), 201)
    child = data(await api.rest("POST", "/v1/keys", old["token"], json={"label": "c", "scopes": ["read"], "rate_limit": 5}), 201)

    rotated = data(await api.rest("POST", f"/v1/keys/{old['key']['id']}/rotate", tenant.token, json={"label": "svc v2"}))
    assert rotated["old_key"]["id"] == old["key"]["id"] and rotated["old_key"]["status"] == "revoked"
    assert rotated["new_key"]["label"] == "svc v2" and rotated["new_key"]["rate_limit"] == 60
    assert rotated["new_key"]["scopes"] == ["read", "write"]

    assert (await api.rest("GET", "/v1/keys", old["token"])).status_code == 401
    assert (await api.rest("GET", "/v1/keys", rotated["token"])).status_code == 200
    # keys the old one minted keep working, now under the new key
    listed = data(await api.rest("GET", "/v1/keys", child["token"]))
    assert {k["id"]: k["parent_key_id"] for k in listed}[child["key"]["id"]] == rotated["new_key"]["id"]

    result = await api.gql(
        "mutation($id: ID!) { rotateApiKey(id: $id, input: {scopes: [\"read\"]}) { token newKey { scopes } } }",
        tenant.token,
        id=rotated["new_key"]["id"],
    )
    assert result["data"]["rotateApiKey"]["newKey"]["scopes"] == ["read"]


async def test_key_quota_is_enforced(api: Api, tenant: TenantHandle) -> None:
    from models.tenants import Tenant

    await Tenant.filter(id=tenant.tenant_id).update(quotas={"api_keys": 2})
    assert (await api.rest("POST", "/v1/keys", tenant.token, json={"label": "1", "scopes": ["read"]})).status_code == 201
    response = await api.rest("POST", "/v1/keys", tenant.token, json={"label": "2", "scopes": ["read"]})
    assert response.status_code == 403 and error_code(response) == "QUOTA_EXCEEDED"


async def test_list_pages_in_the_database(api: Api, tenant: TenantHandle) -> None:
    for i in range(4):
        await api.rest("POST", "/v1/keys", tenant.token, json={"label": f"k{i}", "scopes": ["read"]})
    first = data(await api.rest("GET", "/v1/keys?limit=2", tenant.token))
    second = data(await api.rest("GET", "/v1/keys?limit=2&offset=2", tenant.token))
    assert [k["label"] for k in first] == ["k3", "k2"] and [k["label"] for k in second] == ["k1", "k0"]
    response = await api.rest("GET", "/v1/keys?limit=1000", tenant.token)
    assert response.status_code == 400 and response.json()["error"]["details"][0]["field"] == "limit"


async def test_parent_key_resolves_through_a_dataloader(api: Api, tenant: TenantHandle) -> None:
    parent = data(await api.rest("POST", "/v1/keys", tenant.token, json={"label": "p", "scopes": ["read"]}), 201)
    for label in ("a", "b", "c"):
        await api.rest("POST", "/v1/keys", parent["token"], json={"label": label, "scopes": ["read"]})
    result = await api.gql("{ apiKeys { label parentKey { label } } }", tenant.token)
    parents = {k["label"]: (k["parentKey"] or {}).get("label") for k in result["data"]["apiKeys"]}
    assert parents == {"a": "p", "b": "p", "c": "p", "p": "root", "root": None}
