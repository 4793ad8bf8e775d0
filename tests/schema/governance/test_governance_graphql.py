"""Governance over GraphQL (`POST /graphql`, in-process app): the `governance` query and the
`updateGovernance` mutation.

Covers the defaults; changing audit retention, session duration, the password floor and the IP
allowlist (read back at once); refusal of out-of-range values with one VALIDATION_ERROR detail per
field; the password floor applied to the very next signUp; an IP allowlist that leaves out the
caller's 127.0.0.1 stopping the tenant's key and users at once (IP_NOT_ALLOWED, other tenants
unaffected), and the only way back the implementation offers: a request from an allowed address
(there is no lockout guard and no CLI command; the README warns about it); INSUFFICIENT_SCOPE
for a key without scope `auth`; and the hosted portal's sign-in and sign-up, which the allowlist
covers too.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from starlette.applications import Starlette

from models.auth import User
from resolvers.governance.service import current
from tests.support import Api, TenantHandle, bearer, gql_code, make_tenant

GOVERNANCE = "{ governance }"
UPDATE = "mutation($input: JSON!) { updateGovernance(input: $input) }"
SIGN_UP = "mutation($e: String!, $p: String!) { signUp(email: $e, password: $p) { accessToken user { id } } }"
ME = "{ currentUser { id } }"
PORTAL_SIGN_UP = "mutation($tn: String!, $e: String!, $p: String!) { portalSignUp(tenantId: $tn, email: $e, password: $p) { accessToken } }"
PORTAL_LOG_IN = "mutation($tn: String!, $e: String!, $p: String!) { portalLogIn(tenantId: $tn, email: $e, password: $p) { accessToken } }"
DEFAULTS = {"audit_retention_days": 90, "session_duration_secs": None, "password_min_length": None, "ip_allowlist": []}


def answer(result: dict[str, Any], field: str) -> Any:
    assert not result.get("errors"), result
    return result["data"][field]


def invalid_fields(result: dict[str, Any]) -> dict[str, str]:
    """field -> message of a VALIDATION_ERROR answer."""
    assert gql_code(result) == "VALIDATION_ERROR" and result.get("data") is None, result
    return {d["field"]: d["message"] for d in result["errors"][0]["extensions"]["details"]}


def new_address() -> str:
    return f"gov-{uuid.uuid4().hex[:12]}@example.com"


async def test_a_new_tenant_reads_the_default_governance(api: Api, tenant: TenantHandle) -> None:
    assert answer(await api.gql(GOVERNANCE, tenant.token), "governance") == DEFAULTS


async def test_update_governance_changes_every_setting_and_the_query_reads_them_back(api: Api, tenant: TenantHandle) -> None:
    saved = answer(await api.gql(UPDATE, tenant.token, input={
        "audit_retention_days": 30, "session_duration_secs": 3600, "password_min_length": 12,
        "ip_allowlist": ["127.0.0.1", "10.0.0.0/8", "2001:db8::/32"],
    }), "updateGovernance")
    assert saved == {
        "audit_retention_days": 30, "session_duration_secs": 3600, "password_min_length": 12,
        "ip_allowlist": ["127.0.0.1/32", "10.0.0.0/8", "2001:db8::/32"],  # normalised to networks
    }
    assert answer(await api.gql(GOVERNANCE, tenant.token), "governance") == saved

    # Given keys replace, the others stay; null lifts the session duration and the password floor.
    partial = answer(await api.gql(UPDATE, tenant.token, input={"session_duration_secs": None, "password_min_length": None}), "updateGovernance")
    assert partial == {**saved, "session_duration_secs": None, "password_min_length": None}
    assert answer(await api.gql(GOVERNANCE, tenant.token), "governance") == partial


async def test_out_of_range_values_are_refused_with_a_detail_per_field_and_nothing_changes(api: Api, tenant: TenantHandle) -> None:
    refused = await api.gql(UPDATE, tenant.token, input={
        "audit_retention_days": -7, "password_min_length": 3, "ip_allowlist": ["10.0.0.0/8", "10.0.0.0/33"], "colour": "blue",
    })
    fields = invalid_fields(refused)
    assert set(fields) == {"audit_retention_days", "password_min_length", "ip_allowlist[1]", "colour"}
    assert fields["audit_retention_days"] == "must be an integer from 1 to 3650"
    assert fields["password_min_length"] == "must be an integer from 6 to 128"
    assert "10.0.0.0/33" in fields["ip_allowlist[1]"] and "CIDR" in fields["ip_allowlist[1]"]
    assert fields["colour"] == "is not a governance setting"

    assert invalid_fields(await api.gql(UPDATE, tenant.token, input={"session_duration_secs": 10})) == {
        "session_duration_secs": "must be an integer from 300 to 31536000",
    }
    assert invalid_fields(await api.gql(UPDATE, tenant.token, input=["not", "an", "object"])) == {"body": "must be a JSON object"}
    assert answer(await api.gql(GOVERNANCE, tenant.token), "governance") == DEFAULTS  # one bad value refuses the whole change


async def test_the_password_floor_applies_to_the_very_next_sign_up(api: Api, tenant: TenantHandle) -> None:
    address = new_address()
    assert answer(await api.gql(UPDATE, tenant.token, input={"password_min_length": 16}), "updateGovernance")["password_min_length"] == 16

    short = await api.gql(SIGN_UP, tenant.token, e=address, p="fifteen-chars-x")  # 15 characters: enough for the auth config alone
    assert invalid_fields(short).keys() == {"password"}
    assert "16" in invalid_fields(short)["password"]

    created = answer(await api.gql(SIGN_UP, tenant.token, e=address, p="sixteen-chars-xy"), "signUp")
    assert created["accessToken"] and created["user"]["id"]


async def test_an_allowlist_without_the_callers_address_locks_the_tenant_out_until_an_allowed_address_lifts_it(
    api: Api, app: Starlette, tenant: TenantHandle, other_tenant: TenantHandle
) -> None:
    user = answer(await api.gql(SIGN_UP, tenant.token, e=new_address(), p="correct horse battery"), "signUp")
    assert answer(await api.gql(ME, user["accessToken"]), "currentUser")["id"] == user["user"]["id"]

    # Nothing stops the key from locking itself out: the change commits and answers normally.
    locked = answer(await api.gql(UPDATE, tenant.token, input={"ip_allowlist": ["10.0.0.0/8"]}), "updateGovernance")
    assert locked["ip_allowlist"] == ["10.0.0.0/8"]

    refused = await api.client.post("/graphql", json={"query": GOVERNANCE}, headers=bearer(tenant.token))  # from 127.0.0.1
    assert refused.status_code == 403 and gql_code(refused.json()) == "IP_NOT_ALLOWED"
    assert gql_code(await api.gql(UPDATE, tenant.token, input={"ip_allowlist": []})) == "IP_NOT_ALLOWED"  # not even to undo it
    assert gql_code(await api.gql(ME, user["accessToken"])) == "IP_NOT_ALLOWED"  # users' tokens too
    assert answer(await api.gql(GOVERNANCE, other_tenant.token), "governance") == DEFAULTS  # other tenants are not affected

    # The way back: the same key from an address inside the allowlist (such as the office behind 10/8).
    transport = httpx.ASGITransport(app=app, client=("10.20.30.40", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as office:
        inside = Api(office)
        assert answer(await inside.gql(GOVERNANCE, tenant.token), "governance")["ip_allowlist"] == ["10.0.0.0/8"]
        assert answer(await inside.gql(UPDATE, tenant.token, input={"ip_allowlist": []}), "updateGovernance")["ip_allowlist"] == []
    assert answer(await api.gql(GOVERNANCE, tenant.token), "governance") == DEFAULTS
    assert answer(await api.gql(ME, user["accessToken"]), "currentUser")["id"] == user["user"]["id"]


async def test_governance_needs_a_key_with_the_auth_scope(api: Api) -> None:
    writer = await make_tenant(scopes=["read", "write"])
    assert gql_code(await api.gql(GOVERNANCE, writer.token)) == "INSUFFICIENT_SCOPE"
    refused = await api.gql(UPDATE, writer.token, input={"audit_retention_days": 7})
    assert gql_code(refused) == "INSUFFICIENT_SCOPE" and "'auth'" in refused["errors"][0]["message"]
    assert (await current(writer.tenant_id)).audit_retention_days == 90  # the refused change left nothing behind
    assert gql_code(await api.gql(GOVERNANCE)) == "UNAUTHORIZED"

    admin = await make_tenant(scopes=["auth"])
    assert answer(await api.gql(GOVERNANCE, admin.token), "governance") == DEFAULTS  # the scope alone is enough


async def test_the_hosted_portal_refuses_sign_ins_and_sign_ups_from_outside_the_allowlist(api: Api, tenant: TenantHandle) -> None:
    address = new_address()
    answer(await api.gql(SIGN_UP, tenant.token, e=address, p="correct horse battery"), "signUp")
    answer(await api.gql(UPDATE, tenant.token, input={"ip_allowlist": ["10.0.0.0/8"]}), "updateGovernance")  # the tests come from 127.0.0.1

    log_in = await api.gql(PORTAL_LOG_IN, None, tn=tenant.tenant_id, e=address, p="correct horse battery")
    assert gql_code(log_in) == "IP_NOT_ALLOWED"
    sign_up = await api.gql(PORTAL_SIGN_UP, None, tn=tenant.tenant_id, e=new_address(), p="correct horse battery")
    assert gql_code(sign_up) == "IP_NOT_ALLOWED"
    assert await User.filter(tenant_id=tenant.tenant_id).count() == 1
