"""Roles over REST: a user's permissions come from their roles (and the roles' ancestors), are
checked on object routes, and change at once when roles change."""

from __future__ import annotations

from typing import Any

from tests.rest_compat.test_auth_routes import sign_up
from tests.support import Api, TenantHandle, data, error_code, make_tenant, make_type


async def role(api: Api, tenant: TenantHandle, **body: Any) -> dict[str, Any]:
    return data(await api.rest("POST", "/v1/roles", tenant.token, json=body), 201)


async def test_a_users_roles_decide_what_they_may_do_with_objects(api: Api, tenant: TenantHandle) -> None:
    contact = await make_type(tenant, "contact", [{"name": "name", "data_type": "string"}])
    secret = await make_type(tenant, "secret", [{"name": "name", "data_type": "string"}])
    await role(api, tenant, name="authenticated", permissions=[])  # the baseline: nothing
    viewer = await role(api, tenant, name="viewer", permissions=["objects:contact:read"])
    editor = await role(api, tenant, name="editor", parent_role_id=viewer["id"], permissions=["objects:contact:write"])
    user = await sign_up(api, tenant, "ana@example.com")
    token, user_id = user["access_token"], user["user"]["id"]

    refused = await api.rest("GET", f"/v1/objects/{contact}/list", token)
    assert refused.status_code == 403 and error_code(refused) == "FORBIDDEN"

    data(await api.rest("POST", "/v1/roles/assign", tenant.token, json={"user_id": user_id, "role_id": editor["id"]}))
    assert data(await api.rest("GET", f"/v1/objects/{contact}/list", token))["total"] == 0  # read comes from the parent
    data(await api.rest("POST", f"/v1/objects/{contact}", token, json={"properties": {"name": "Bo"}}), 201)
    assert (await api.rest("GET", f"/v1/objects/{secret}/list", token)).status_code == 403
    assert [r["name"] for r in data(await api.rest("GET", f"/v1/users/{user_id}/roles", tenant.token))] == ["editor"]

    data(await api.rest("DELETE", f"/v1/roles/{editor['id']}/users/{user_id}", tenant.token))
    assert (await api.rest("GET", f"/v1/objects/{contact}/list", token)).status_code == 403  # at once


async def test_without_an_authenticated_role_users_keep_full_object_access(api: Api, tenant: TenantHandle) -> None:
    contact = await make_type(tenant, "contact", [{"name": "name", "data_type": "string"}])
    user = await sign_up(api, tenant, "cy@example.com")
    created = data(await api.rest("POST", f"/v1/objects/{contact}", user["access_token"], json={"properties": {"name": "x"}}), 201)
    assert created["created_by"] == user["user"]["id"]
    assert data(await api.rest("GET", f"/v1/objects/{contact}/list", user["access_token"]))["total"] == 1


async def test_role_validation_cycles_and_conflicts(api: Api, tenant: TenantHandle) -> None:
    top = await role(api, tenant, name="top")
    middle = await role(api, tenant, name="middle", parent_role_id=top["id"])
    cycle = await api.rest("PATCH", f"/v1/roles/{top['id']}", tenant.token, json={"parent_role_id": middle["id"]})
    assert cycle.status_code == 400 and cycle.json()["error"]["details"][0]["field"] == "parent_role_id"
    self_parent = await api.rest("PATCH", f"/v1/roles/{top['id']}", tenant.token, json={"parent_role_id": top["id"]})
    assert self_parent.status_code == 400
    duplicate = await api.rest("POST", "/v1/roles", tenant.token, json={"name": "top"})
    assert duplicate.status_code == 409
    bad = await api.rest("PUT", f"/v1/roles/{top['id']}/permissions", tenant.token, json={"permissions": ["objects:contact:read", "drop tables"]})
    assert bad.status_code == 400 and bad.json()["error"]["details"][0]["field"] == "permissions[1]"
    ok = data(await api.rest("PUT", f"/v1/roles/{top['id']}/permissions", tenant.token, json={"permissions": ["files:read", "objects:*:read"]}))
    assert ok["permissions"] == ["files:read", "objects:*:read"]
    held = await api.rest("DELETE", f"/v1/roles/{top['id']}", tenant.token)
    assert held.status_code == 409 and error_code(held) == "DEPENDENCY_EXISTS"  # middle inherits from it
    token = held.json()["error"]["confirm_token"]
    gone = data(await api.rest("DELETE", f"/v1/roles/{top['id']}?force=true&confirm_token={token}", tenant.token))
    assert gone["deleted"] is True
    assert data(await api.rest("GET", f"/v1/roles/{middle['id']}", tenant.token))["parent_role_id"] is None


async def test_roles_need_the_auth_scope(api: Api) -> None:
    reader = await make_tenant(scopes=["read", "write"])
    refused = await api.rest("GET", "/v1/roles", reader.token)
    assert refused.status_code == 403 and error_code(refused) == "INSUFFICIENT_SCOPE"
    assert (await api.rest("GET", "/v1/roles")).status_code == 401
