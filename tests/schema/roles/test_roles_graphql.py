"""Roles over GraphQL (`POST /graphql`, in-process app).

Covers the root fields roles, role, userRoles, createRole, updateRole, setRolePermissions,
deleteRole, assignRole and removeRole; the codes GraphQL answers in `extensions.code`
(VALIDATION_ERROR for a parent cycle or a bad permission string, INSUFFICIENT_SCOPE for a key
without the `auth` scope, FORBIDDEN for a user whose roles lack `objects:<type>:read`); and that
the nested `associations` field of an object leaves out links to types the user may not read.
"""

from __future__ import annotations

import uuid
from typing import Any

from tests.rest_compat.test_auth_routes import sign_up
from tests.support import Api, TenantHandle, gql_code, make_objects, make_type

ROLE = "id name description parentRoleId permissions createdAt updatedAt"
CREATE = f"mutation($input: CreateRoleInput!) {{ createRole(input: $input) {{ {ROLE} }} }}"
UPDATE = f"mutation($id: ID!, $input: UpdateRoleInput!) {{ updateRole(id: $id, input: $input) {{ {ROLE} }} }}"
SET_PERMISSIONS = f"mutation($id: ID!, $permissions: [String!]!) {{ setRolePermissions(id: $id, permissions: $permissions) {{ {ROLE} }} }}"
ONE = f"query($id: ID!) {{ role(id: $id) {{ {ROLE} }} }}"
LIST = f"{{ roles {{ {ROLE} }} }}"
USER_ROLES = "query($userId: String!) { userRoles(userId: $userId) { id name } }"
ASSIGN = "mutation($userId: String!, $roleId: String!) { assignRole(userId: $userId, roleId: $roleId) { userId roleId assigned } }"
REMOVE = "mutation($userId: String!, $roleId: String!) { removeRole(userId: $userId, roleId: $roleId) { userId roleId removed } }"
DELETE = "mutation($id: ID!) { deleteRole(id: $id) { id deleted } }"
OBJECTS = "query($t: ID!) { objects(objectTypeId: $t) { totalCount edges { node { id } } } }"


def answer(result: dict[str, Any], field: str) -> Any:
    assert not result.get("errors"), result
    return result["data"][field]


def invalid_fields(result: dict[str, Any]) -> list[str]:
    assert gql_code(result) == "VALIDATION_ERROR" and result.get("data") is None, result
    return [d["field"] for d in result["errors"][0]["extensions"]["details"]]


async def create_role(api: Api, tenant: TenantHandle, **fields: Any) -> dict[str, Any]:
    return answer(await api.gql(CREATE, tenant.token, input=fields), "createRole")


async def new_user(api: Api, tenant: TenantHandle) -> tuple[str, str]:
    """A signed-up user of the tenant: (access token, user id)."""
    signed = await sign_up(api, tenant, f"user-{uuid.uuid4().hex}@example.com")
    return signed["access_token"], signed["user"]["id"]


async def test_a_role_is_created_with_a_parent_and_permissions_and_read_back(api: Api, tenant: TenantHandle) -> None:
    viewer = await create_role(api, tenant, name="viewer", permissions=["objects:contact:read"])
    editor = await create_role(
        api, tenant, name="editor", description="edits contacts", parentRoleId=viewer["id"],
        permissions=["objects:contact:write", "files:read", "objects:contact:write"],
    )

    assert editor["id"].startswith("role_") and editor["parentRoleId"] == viewer["id"]
    assert editor["permissions"] == ["files:read", "objects:contact:write"]  # sorted, duplicates dropped
    assert editor["description"] == "edits contacts"
    assert answer(await api.gql(ONE, tenant.token, id=editor["id"]), "role") == editor
    assert [r["name"] for r in answer(await api.gql(LIST, tenant.token), "roles")] == ["editor", "viewer"]


async def test_a_role_is_renamed_described_and_reparented_by_update_role(api: Api, tenant: TenantHandle) -> None:
    base = await create_role(api, tenant, name="base")
    staff = await create_role(api, tenant, name="staff", permissions=["objects:*:read"])

    changed = answer(await api.gql(UPDATE, tenant.token, id=staff["id"], input={"name": "crew", "description": "the crew", "parentRoleId": base["id"]}), "updateRole")
    assert (changed["name"], changed["description"], changed["parentRoleId"]) == ("crew", "the crew", base["id"])
    assert changed["permissions"] == ["objects:*:read"]  # fields not sent are kept

    orphaned = answer(await api.gql(UPDATE, tenant.token, id=staff["id"], input={"parentRoleId": None}), "updateRole")
    assert orphaned["parentRoleId"] is None and orphaned["name"] == "crew"
    assert answer(await api.gql(ONE, tenant.token, id=staff["id"]), "role")["parentRoleId"] is None


async def test_a_parent_that_would_make_a_cycle_is_refused(api: Api, tenant: TenantHandle) -> None:
    top = await create_role(api, tenant, name="top")
    middle = await create_role(api, tenant, name="middle", parentRoleId=top["id"])
    bottom = await create_role(api, tenant, name="bottom", parentRoleId=middle["id"])

    assert invalid_fields(await api.gql(UPDATE, tenant.token, id=top["id"], input={"parentRoleId": bottom["id"]})) == ["parent_role_id"]
    assert invalid_fields(await api.gql(UPDATE, tenant.token, id=top["id"], input={"parentRoleId": top["id"]})) == ["parent_role_id"]
    assert answer(await api.gql(ONE, tenant.token, id=top["id"]), "role")["parentRoleId"] is None  # nothing was saved


async def test_set_role_permissions_replaces_the_list_and_refuses_an_invalid_permission(api: Api, tenant: TenantHandle) -> None:
    made = await create_role(api, tenant, name="analyst", permissions=["objects:deal:read", "files:read"])

    replaced = answer(await api.gql(SET_PERMISSIONS, tenant.token, id=made["id"], permissions=["objects:*:read", "objects:note:*"]), "setRolePermissions")
    assert replaced["permissions"] == ["objects:*:read", "objects:note:*"]  # the old ones are gone, not merged

    refused = await api.gql(SET_PERMISSIONS, tenant.token, id=made["id"], permissions=["objects:deal:read", "drop tables"])
    assert invalid_fields(refused) == ["permissions[1]"]
    assert answer(await api.gql(ONE, tenant.token, id=made["id"]), "role")["permissions"] == ["objects:*:read", "objects:note:*"]


async def test_assigned_roles_are_listed_by_user_roles_until_removed(api: Api, tenant: TenantHandle) -> None:
    sales = await create_role(api, tenant, name="sales")
    support = await create_role(api, tenant, name="support")
    _token, user_id = await new_user(api, tenant)
    assert answer(await api.gql(USER_ROLES, tenant.token, userId=user_id), "userRoles") == []

    for made in (sales, support, sales):  # assigning twice changes nothing
        assigned = answer(await api.gql(ASSIGN, tenant.token, userId=user_id, roleId=made["id"]), "assignRole")
        assert assigned == {"userId": user_id, "roleId": made["id"], "assigned": True}
    assert sorted(r["name"] for r in answer(await api.gql(USER_ROLES, tenant.token, userId=user_id), "userRoles")) == ["sales", "support"]

    removed = answer(await api.gql(REMOVE, tenant.token, userId=user_id, roleId=sales["id"]), "removeRole")
    assert removed == {"userId": user_id, "roleId": sales["id"], "removed": True}
    assert [r["name"] for r in answer(await api.gql(USER_ROLES, tenant.token, userId=user_id), "userRoles")] == ["support"]
    assert gql_code(await api.gql(REMOVE, tenant.token, userId=user_id, roleId=sales["id"])) == "NOT_FOUND"  # no longer held


async def test_a_deleted_role_is_gone_from_reads(api: Api, tenant: TenantHandle) -> None:
    keep = await create_role(api, tenant, name="keep")
    drop = await create_role(api, tenant, name="drop", permissions=["files:read"])

    assert answer(await api.gql(DELETE, tenant.token, id=drop["id"]), "deleteRole") == {"id": drop["id"], "deleted": True}
    assert gql_code(await api.gql(ONE, tenant.token, id=drop["id"])) == "NOT_FOUND"
    assert [r["id"] for r in answer(await api.gql(LIST, tenant.token), "roles")] == [keep["id"]]


async def test_a_user_without_the_read_permission_is_forbidden_until_a_role_grants_it(api: Api, tenant: TenantHandle) -> None:
    contact = await make_type(tenant, "contact", [{"name": "name", "data_type": "string"}])
    await make_objects(tenant, contact, [{"name": "Ana"}, {"name": "Bo"}])
    await create_role(api, tenant, name="authenticated", permissions=[])  # the baseline grants nothing
    readers = await create_role(api, tenant, name="readers", permissions=["objects:contact:read"])
    token, user_id = await new_user(api, tenant)

    refused = await api.gql(OBJECTS, token, t=contact)
    assert gql_code(refused) == "FORBIDDEN" and "objects:contact:read" in refused["errors"][0]["message"]

    answer(await api.gql(ASSIGN, tenant.token, userId=user_id, roleId=readers["id"]), "assignRole")
    listed = answer(await api.gql(OBJECTS, token, t=contact), "objects")
    assert listed["totalCount"] == 2 and len(listed["edges"]) == 2  # at once, with the same token


async def test_a_read_only_key_cannot_create_roles(api: Api, tenant: TenantHandle) -> None:
    minted = await api.gql(
        "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { token } }", tenant.token,
        input={"label": "reader", "scopes": ["read"]},
    )
    reader = answer(minted, "createApiKey")["token"]

    assert gql_code(await api.gql(CREATE, reader, input={"name": "sneaky", "permissions": ["*"]})) == "INSUFFICIENT_SCOPE"
    assert answer(await api.gql(LIST, tenant.token), "roles") == []  # nothing was made


async def test_nested_associations_leave_out_links_to_types_the_user_cannot_read(api: Api, tenant: TenantHandle) -> None:
    people = await make_type(tenant, "people", [{"name": "name", "data_type": "string"}])
    companies = await make_type(tenant, "companies", [{"name": "name", "data_type": "string"}])
    ana, bo = await make_objects(tenant, people, [{"name": "Ana"}, {"name": "Bo"}])
    (acme,) = await make_objects(tenant, companies, [{"name": "Acme"}])
    put = 'mutation($ft: ID!, $f: ID!, $tt: ID!, $t: ID!) { putAssociation(fromType: $ft, fromId: $f, associationType: "link", toType: $tt, toId: $t) { id } }'
    answer(await api.gql(put, tenant.token, ft=people, f=ana, tt=companies, t=acme), "putAssociation")
    answer(await api.gql(put, tenant.token, ft=people, f=ana, tt=people, t=bo), "putAssociation")
    await create_role(api, tenant, name="authenticated", permissions=["objects:people:read"])  # people yes, companies no
    token, _user_id = await new_user(api, tenant)
    nested = 'query($t: ID!, $id: ID!) { object(objectTypeId: $t, id: $id) { associations(direction: "outgoing") { toId toObject { id } } } }'

    seen = answer(await api.gql(nested, token, t=people, id=ana), "object")["associations"]
    assert seen == [{"toId": bo, "toObject": {"id": bo}}]  # no trace of Acme
    first_only = nested.replace('direction: "outgoing"', 'direction: "outgoing", first: 1')
    assert answer(await api.gql(first_only, token, t=people, id=ana), "object")["associations"] == seen  # left out before the limit, not after
    assert gql_code(await api.gql(OBJECTS, token, t=companies)) == "FORBIDDEN"

    admin = answer(await api.gql(nested, tenant.token, t=people, id=ana), "object")["associations"]
    assert sorted((a["toId"], a["toObject"]["id"]) for a in admin) == sorted([(acme, acme), (bo, bo)])  # a * key sees both
