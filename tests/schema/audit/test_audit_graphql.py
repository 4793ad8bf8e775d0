"""The audit log over GraphQL (`POST /graphql`, in-process app): the `auditLogs` query and the
entries that GraphQL mutations leave in it.

Covers newest-first order with limit/offset (and their bounds), filters by action and
resourceType, a createRole and an updateGovernance each recorded with actor, resource,
before/after, IP and the request id GraphQL answered with, a refused logIn recorded although its
mutation rolled back, no entry (and no gap in the chain) left by a change undone with its failed
mutation, the per-tenant hash chain (`resolvers.audit.service.verify`) intact and then naming an
altered row as the first broken link, tenant isolation, and INSUFFICIENT_SCOPE for a key without
scope `auth`.
"""

from __future__ import annotations

import uuid
from typing import Any

from models.audit import AuditEntry
from resolvers.audit.schemas import entry_hash, hashed_fields, stamp
from resolvers.audit.service import verify
from tests.support import Api, TenantHandle, gql_code, make_tenant

ENTRY = "id seq action resourceType resourceId actor actorKind before after ip requestId createdAt prevHash hash"
AUDIT_LOGS = (
    "query($action: String, $resourceType: String, $limit: Int, $offset: Int) {"
    " auditLogs(action: $action, resourceType: $resourceType, limit: $limit, offset: $offset)"
    f" {{ total entries {{ {ENTRY} }} }} }}"
)
CREATE_ROLE = "mutation($input: CreateRoleInput!) { createRole(input: $input) { id name permissions } }"
SET_PERMISSIONS = "mutation($id: ID!, $p: [String!]!) { setRolePermissions(id: $id, permissions: $p) { id } }"
UPDATE_GOVERNANCE = "mutation($input: JSON!) { updateGovernance(input: $input) }"
SIGN_UP = "mutation($e: String!, $p: String!) { signUp(email: $e, password: $p) { user { id } } }"
LOG_IN = "mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { accessToken } }"
PASSWORD = "correct horse battery"


def answer(result: dict[str, Any], field: str) -> Any:
    assert not result.get("errors"), result
    return result["data"][field]


async def audit_logs(api: Api, tenant: TenantHandle, **arguments: Any) -> dict[str, Any]:
    return answer(await api.gql(AUDIT_LOGS, tenant.token, **arguments), "auditLogs")


async def create_role(api: Api, tenant: TenantHandle, name: str, permissions: list[str] | None = None) -> dict[str, Any]:
    result = await api.gql(CREATE_ROLE, tenant.token, input={"name": name, "permissions": permissions or []})
    return answer(result, "createRole")


async def test_audit_logs_list_newest_first_and_page_with_limit_and_offset(api: Api, tenant: TenantHandle) -> None:
    roles = [await create_role(api, tenant, f"role-{i}") for i in range(5)]

    everything = await audit_logs(api, tenant)
    assert everything["total"] == 5
    assert [e["seq"] for e in everything["entries"]] == [5, 4, 3, 2, 1]
    assert [e["resourceId"] for e in everything["entries"]] == [r["id"] for r in reversed(roles)]

    page = await audit_logs(api, tenant, limit=2, offset=1)
    assert page["total"] == 5  # the total counts every match, not the page
    assert [e["seq"] for e in page["entries"]] == [4, 3]
    assert [e["seq"] for e in (await audit_logs(api, tenant, limit=2, offset=4))["entries"]] == [1]
    assert (await audit_logs(api, tenant, offset=5))["entries"] == []

    for bad in ({"limit": 0}, {"limit": 101}, {"offset": -1}):
        refused = await api.gql(AUDIT_LOGS, tenant.token, **bad)
        assert gql_code(refused) == "VALIDATION_ERROR"
        assert refused["errors"][0]["extensions"]["details"][0]["field"] == next(iter(bad))


async def test_audit_logs_filter_by_action_and_resource_type(api: Api, tenant: TenantHandle) -> None:
    role = await create_role(api, tenant, "editor")
    answer(await api.gql(SET_PERMISSIONS, tenant.token, id=role["id"], p=["objects:*:read"]), "setRolePermissions")
    answer(await api.gql(UPDATE_GOVERNANCE, tenant.token, input={"audit_retention_days": 45}), "updateGovernance")

    created = await audit_logs(api, tenant, action="role.created")
    assert created["total"] == 1 and [(e["action"], e["resourceId"]) for e in created["entries"]] == [("role.created", role["id"])]

    of_roles = await audit_logs(api, tenant, resourceType="role")
    assert of_roles["total"] == 2 and [e["action"] for e in of_roles["entries"]] == ["role.permissions_set", "role.created"]

    governance = await audit_logs(api, tenant, resourceType="governance")
    assert [e["action"] for e in governance["entries"]] == ["governance.updated"]

    both = await audit_logs(api, tenant, action="role.created", resourceType="governance")  # the filters combine
    assert both == {"total": 0, "entries": []}

    too_long = await api.gql(AUDIT_LOGS, tenant.token, action="x" * 81)
    assert gql_code(too_long) == "VALIDATION_ERROR" and too_long["errors"][0]["extensions"]["details"][0]["field"] == "action"


async def test_a_role_created_through_graphql_is_recorded_with_actor_resource_after_and_request_id(api: Api, tenant: TenantHandle) -> None:
    result = await api.gql(CREATE_ROLE, tenant.token, input={"name": "auditor", "description": "reads", "permissions": ["objects:*:read"]})
    role = answer(result, "createRole")

    (entry,) = (await audit_logs(api, tenant, action="role.created"))["entries"]
    assert (entry["resourceType"], entry["resourceId"]) == ("role", role["id"])
    assert (entry["actor"], entry["actorKind"], entry["ip"]) == (tenant.key_id, "api_key", "127.0.0.1")
    assert entry["before"] is None
    assert entry["after"] == {"name": "auditor", "description": "reads", "parent_role_id": None, "permissions": ["objects:*:read"]}
    assert entry["requestId"] == result["extensions"]["request_id"]  # the id GraphQL answered the mutation with


async def test_a_governance_change_through_graphql_is_recorded_with_before_and_after(api: Api, tenant: TenantHandle) -> None:
    first = await api.gql(UPDATE_GOVERNANCE, tenant.token, input={"audit_retention_days": 30, "password_min_length": 10})
    answer(first, "updateGovernance")
    second = await api.gql(UPDATE_GOVERNANCE, tenant.token, input={"session_duration_secs": 900})
    answer(second, "updateGovernance")

    newest, oldest = (await audit_logs(api, tenant, action="governance.updated"))["entries"]
    assert (oldest["resourceType"], oldest["resourceId"]) == ("governance", tenant.tenant_id)
    assert (oldest["actor"], oldest["actorKind"]) == (tenant.key_id, "api_key")
    assert oldest["before"] == {"audit_retention_days": 90, "session_duration_secs": None, "password_min_length": None, "ip_allowlist": []}
    assert oldest["after"] == {"audit_retention_days": 30, "session_duration_secs": None, "password_min_length": 10, "ip_allowlist": []}
    assert newest["before"] == oldest["after"]  # each change starts where the last one ended
    assert newest["after"] == {**oldest["after"], "session_duration_secs": 900}
    assert (oldest["requestId"], newest["requestId"]) == (first["extensions"]["request_id"], second["extensions"]["request_id"])
    assert oldest["requestId"] != newest["requestId"]


async def test_a_refused_login_is_recorded_although_its_mutation_fails(api: Api, tenant: TenantHandle) -> None:
    address = f"audit-{uuid.uuid4().hex[:12]}@example.com"
    user = answer(await api.gql(SIGN_UP, tenant.token, e=address, p=PASSWORD), "signUp")["user"]

    refused = await api.gql(LOG_IN, tenant.token, e=address, p="wrong-password")
    assert gql_code(refused) == "UNAUTHORIZED" and refused["data"] is None
    unknown = await api.gql(LOG_IN, tenant.token, e="nobody-" + address, p=PASSWORD)
    assert gql_code(unknown) == "UNAUTHORIZED"

    page = await audit_logs(api, tenant, action="auth.login_failed")
    assert page["total"] == 2
    nobody, wrong = page["entries"]
    assert (wrong["resourceType"], wrong["resourceId"], wrong["actor"]) == ("user", user["id"], user["id"])
    assert wrong["after"] == {"email": address, "reason": "wrong email or password"}
    assert wrong["requestId"] == refused["extensions"]["request_id"] and wrong["ip"] == "127.0.0.1"
    assert nobody["resourceId"] is None and nobody["after"] == {"email": "nobody-" + address, "reason": "wrong email or password"}
    assert "wrong-password" not in str(page)  # the password is never kept


async def test_a_change_rolled_back_with_its_failed_mutation_leaves_no_entry_and_no_gap(api: Api, tenant: TenantHandle) -> None:
    both = "mutation($role: CreateRoleInput!, $g: JSON!) { createRole(input: $role) { id } updateGovernance(input: $g) }"
    failed = await api.gql(both, tenant.token, role={"name": "ghost"}, g={"audit_retention_days": 0})
    assert gql_code(failed) == "VALIDATION_ERROR" and failed["data"] is None  # one transaction: the role is undone too
    assert await audit_logs(api, tenant) == {"total": 0, "entries": []}

    kept = await create_role(api, tenant, "ghost")
    (entry,) = (await audit_logs(api, tenant))["entries"]
    assert (entry["seq"], entry["resourceId"], entry["prevHash"]) == (1, kept["id"], "0" * 64)
    assert (await verify(tenant.tenant_id)).broken_at is None


async def test_the_hash_chain_verifies_and_an_altered_row_is_reported_as_the_first_broken_link(api: Api, tenant: TenantHandle) -> None:
    for name in ("alpha", "beta", "gamma"):
        await create_role(api, tenant, name)
    answer(await api.gql(UPDATE_GOVERNANCE, tenant.token, input={"audit_retention_days": 60}), "updateGovernance")

    entries = list(reversed((await audit_logs(api, tenant))["entries"]))
    assert entries[0]["prevHash"] == "0" * 64
    assert all(later["prevHash"] == earlier["hash"] for earlier, later in zip(entries, entries[1:]))
    intact = await verify(tenant.tenant_id)
    assert (intact.entries, intact.broken_at, intact.reason) == (4, None, None)

    # Someone with database access quietly widens what role 2 was created with.
    await AuditEntry.filter(tenant_id=tenant.tenant_id, seq=2).update(after={"name": "beta", "permissions": ["*"]})
    broken = await verify(tenant.tenant_id)
    assert broken.broken_at == 2 and "altered" in (broken.reason or "")  # not 3 or 4, whose links still match

    # Recomputing the altered row's own hash does not help: the next entry's link gives it away.
    forged = await AuditEntry.get(tenant_id=tenant.tenant_id, seq=2)
    digest = entry_hash(forged.prev_hash, hashed_fields(
        tenant_id=forged.tenant_id, seq=forged.seq, action=forged.action, resource_type=forged.resource_type,
        resource_id=forged.resource_id, actor=forged.actor, actor_kind=forged.actor_kind, before=forged.before,
        after=forged.after, ip=forged.ip, request_id=forged.request_id, created_at=stamp(forged.created_at),
    ))
    await AuditEntry.filter(id=forged.id).update(hash=digest)
    relinked = await verify(tenant.tenant_id)
    assert relinked.broken_at == 3 and "link" in (relinked.reason or "")


async def test_tenants_never_see_each_others_audit_entries(api: Api, tenant: TenantHandle, other_tenant: TenantHandle) -> None:
    mine = await create_role(api, tenant, "mine")
    theirs = await create_role(api, other_tenant, "theirs")
    answer(await api.gql(UPDATE_GOVERNANCE, other_tenant.token, input={"audit_retention_days": 10}), "updateGovernance")

    my_log = await audit_logs(api, tenant)
    their_log = await audit_logs(api, other_tenant)
    assert my_log["total"] == 1 and [e["resourceId"] for e in my_log["entries"]] == [mine["id"]]
    assert their_log["total"] == 2 and {e["resourceId"] for e in their_log["entries"]} == {theirs["id"], other_tenant.tenant_id}
    assert {e["actor"] for e in my_log["entries"]} == {tenant.key_id} and {e["actor"] for e in their_log["entries"]} == {other_tenant.key_id}
    assert [e["seq"] for e in my_log["entries"]] == [1]  # each tenant has its own chain
    assert (await audit_logs(api, tenant, resourceType="governance"))["total"] == 0


async def test_the_audit_log_needs_a_key_with_the_auth_scope(api: Api) -> None:
    reader = await make_tenant(scopes=["read", "write"])
    refused = await api.gql(AUDIT_LOGS, reader.token)
    assert gql_code(refused) == "INSUFFICIENT_SCOPE" and refused["data"] is None
    assert gql_code(await api.gql(AUDIT_LOGS)) == "UNAUTHORIZED"
