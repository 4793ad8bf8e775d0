"""The audit log: administrative and security actions are recorded with who, what, before/after,
IP and request id; the chain is hash-linked and `basalt audit verify` finds an altered row."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

from models.audit import AuditEntry
from resolvers.audit.service import prune, verify
from tests.conftest import REPO
from tests.rest_compat.test_auth_routes import sign_up
from tests.support import Api, TenantHandle, data, error_code, make_tenant


async def test_admin_and_security_actions_are_recorded_in_order(api: Api, tenant: TenantHandle) -> None:
    key = data(await api.rest("POST", "/v1/keys", tenant.token, json={"label": "ci", "scopes": ["read"]}, headers={"X-Request-Id": "req_audit_1"}), 201)
    data(await api.rest("POST", "/v1/roles", tenant.token, json={"name": "viewer", "permissions": ["objects:*:read"]}), 201)
    data(await api.rest("PATCH", "/v1/governance", tenant.token, json={"audit_retention_days": 30}))
    await sign_up(api, tenant, "al@example.com")
    refused = await api.rest("POST", "/v1/auth/login", tenant.token, json={"email": "al@example.com", "password": "wrong-password"})
    assert refused.status_code == 401

    page = data(await api.rest("GET", "/v1/audit-logs", tenant.token))
    actions = [e["action"] for e in reversed(page["entries"])]
    assert actions == ["api_key.created", "role.created", "governance.updated", "auth.login_failed"], actions
    created = page["entries"][-1]
    assert created["actor"] == tenant.key_id and created["actor_kind"] == "api_key" and created["ip"] == "127.0.0.1"
    assert created["request_id"] == "req_audit_1" and created["resource_id"] == key["key"]["id"] and "token" not in json.dumps(created["after"])
    governance = next(e for e in page["entries"] if e["action"] == "governance.updated")
    assert governance["before"]["audit_retention_days"] == 90 and governance["after"]["audit_retention_days"] == 30
    failed = page["entries"][0]
    assert failed["after"] == {"email": "al@example.com", "reason": "wrong email or password"}  # kept although the request failed

    only_roles = data(await api.rest("GET", "/v1/audit-logs?resource_type=role", tenant.token))
    assert [e["action"] for e in only_roles["entries"]] == ["role.created"] and only_roles["total"] == 1
    assert [e["seq"] for e in reversed(page["entries"])] == [1, 2, 3, 4]
    assert all(e["prev_hash"] == p["hash"] for e, p in zip(reversed(page["entries"][:-1]), reversed(page["entries"][1:])))


async def test_an_altered_entry_breaks_the_chain_and_the_cli_names_it(api: Api, server_env: dict[str, str]) -> None:
    tenant = await make_tenant()
    for name in ("a", "b", "c"):
        data(await api.rest("POST", "/v1/roles", tenant.token, json={"name": name}), 201)
    assert (await verify(tenant.tenant_id)).broken_at is None
    intact = run_cli(server_env, tenant.tenant_id)
    assert intact.returncode == 0 and json.loads(intact.stdout)["intact"] is True

    await AuditEntry.filter(tenant_id=tenant.tenant_id, seq=2).update(after={"name": "z", "permissions": ["*"]})
    result = await verify(tenant.tenant_id)
    assert result.broken_at == 2 and "altered" in (result.reason or "")
    broken = run_cli(server_env, tenant.tenant_id)
    assert broken.returncode == 1 and json.loads(broken.stdout)["broken_at"] == 2

    await AuditEntry.filter(tenant_id=tenant.tenant_id, seq=2).delete()
    assert (await verify(tenant.tenant_id)).broken_at == 2  # a removed entry is a gap


async def test_the_audit_log_needs_the_auth_scope(api: Api) -> None:
    writer = await make_tenant(scopes=["read", "write"])
    assert error_code(await api.rest("GET", "/v1/audit-logs", writer.token)) == "INSUFFICIENT_SCOPE"
    assert (await api.rest("GET", "/v1/audit-logs")).status_code == 401


def run_cli(env: dict[str, str], tenant_id: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "graphql_api.cli", "audit", "verify", "--tenant", tenant_id, "--json"],
        env={**os.environ, **env}, cwd=REPO, capture_output=True, text=True, timeout=60,
    )


async def test_entries_older_than_the_tenants_retention_are_pruned(api: Api, tenant: TenantHandle) -> None:
    data(await api.rest("PATCH", "/v1/governance", tenant.token, json={"audit_retention_days": 10}))
    await prune(datetime.now(timezone.utc) + timedelta(days=9))
    assert data(await api.rest("GET", "/v1/audit-logs", tenant.token))["total"] == 1
    await prune(datetime.now(timezone.utc) + timedelta(days=11))
    assert data(await api.rest("GET", "/v1/audit-logs", tenant.token))["total"] == 0
